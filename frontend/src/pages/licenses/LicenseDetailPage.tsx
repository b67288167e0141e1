import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { KeyActions } from '../../components/KeyActions';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import { usePageTitle } from '../../components/usePageTitle';
import type { LicenseDetailQuery } from '../../gql/graphql';
import { canRequestKeys } from '../../lib/accounts';
import { formatDate, formatDateTime, formatMonths, formatSeats, humanize } from '../../lib/format';
import { activeKey, canRehost, isLicenseCurrent } from '../../lib/licenses';
import { nextRehostText, rehostAllowance, rehostRefusalText, rehostUsageText } from '../../lib/rehost';
import { useSession } from '../../session';
import { RehostRequestStartMutation } from '../rehost/documents';
import { userErrorText } from '../wizard/messages';
import { RegistrationSummary } from '../wizard/RegistrationSummary';
import { DeactivateHostMutation, LicenseDetailQuery as LicenseDetailDocument } from './documents';
import { LicenseCustomValues } from './LicenseCustomValues';
import { LicenseHistory } from './LicenseHistory';
import { PERMISSION_LABELS, ShareDialog, TransferOwnershipDialog } from './LicenseSharing';
import { licenseFileUrl } from '../../lib/licenseList';
import { formatSerial } from '../../lib/serials';

type License = NonNullable<LicenseDetailQuery['license']>;

export function LicenseDetailPage() {
  const { id = '' } = useParams();
  return <LicenseDetail key={id} id={id} />;
}

function LicenseDetail({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: LicenseDetailDocument, variables: { id }, requestPolicy: 'cache-and-network' });
  const license = result.data?.license ?? null;
  usePageTitle(license ? `${license.product.name} ${license.product.version}` : 'License');
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  if (!license) {
    if (result.error && !result.data) {
      return (
        <section className="page">
          <h1 className="page__title">License</h1>
          <ErrorNotice error={result.error} title="The license could not be loaded" onRetry={reload} />
        </section>
      );
    }
    if (!result.data) return <LoadingPanel label="Loading license…" />;
    return (
      <section className="page">
        <h1 className="page__title">License</h1>
        <Alert tone="warning" title="License not found">
          <p>This license does not exist, or it belongs to an account you are not a member of.</p>
          <p>
            <Link to="/licenses">Back to your licenses</Link>
          </p>
        </Alert>
      </section>
    );
  }

  return <LicenseView license={license} onReload={reload} refreshing={result.fetching} />;
}

function LicenseView({ license, onReload, refreshing }: { license: License; onReload: () => void; refreshing: boolean }) {
  const { user, membership, selectAccount } = useSession();
  // A partner user acting for the license's account has the role its delegation gives.
  const role =
    user?.memberships.find((m) => m.account.id === license.account.id)?.role ??
    (membership?.account.id === license.account.id ? membership.role : null);
  const mayChange = canRequestKeys(role);
  const keyInUse = activeKey(license.keys);
  const hostLocked = license.product.locking === 'HOST';
  const mayEditValues = license.access !== 'VIEW';
  const mayShare = license.access === 'OWNER' || license.access === 'ADMIN';
  const title = `${license.product.name} ${license.product.version}`;
  const [dialog, setDialog] = useState<'share' | 'transfer' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to="/licenses">Licenses</Link>
      </p>
      <div className="page__header">
        <div>
          <h1 className="page__title">
            {license.product.name} <span className="muted">{license.product.version}</span>
          </h1>
          <p className="page__meta">
            <StatusBadge status={license.status} />
            <span>{formatSeats(license.quantity)}</span>
            <span>Maintenance until {formatDate(license.maintenanceUntil)}</span>
            <span>
              {license.account.name} · account {license.account.number}
            </span>
          </p>
        </div>
        <div className="page__actions">
          {keyInUse ? (
            <a className="button button--secondary button--small" href={licenseFileUrl(license.id)} download>
              Download license file
            </a>
          ) : null}
          {mayShare ? (
            <>
              <button type="button" className="button button--secondary button--small" onClick={() => setDialog('share')}>
                Share…
              </button>
              <button type="button" className="button button--ghost button--small" onClick={() => setDialog('transfer')}>
                Transfer ownership…
              </button>
            </>
          ) : null}
          {refreshing ? <span className="muted small">Refreshing…</span> : null}
        </div>
      </div>

      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}

      {mayChange && isLicenseCurrent(license.status) ? (
        <LicenseActions
          license={license}
          keyInUse={keyInUse}
          onBeforeRenew={() => {
            if (membership?.account.id !== license.account.id) selectAccount(license.account.id);
          }}
        />
      ) : null}

      <section className="section" aria-labelledby="overview-heading">
        <h2 className="section__title" id="overview-heading">
          Overview
        </h2>
        <dl className="summary summary--card">
          <div className="summary__row">
            <dt>Product</dt>
            <dd>
              {license.product.name} {license.product.version} <span className="muted">({license.product.sku})</span>
            </dd>
          </div>
          <div className="summary__row">
            <dt>Seats</dt>
            <dd>{license.quantity}</dd>
          </div>
          <div className="summary__row">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={license.status} />
            </dd>
          </div>
          <div className="summary__row">
            <dt>Maintenance until</dt>
            <dd>{formatDate(license.maintenanceUntil)}</dd>
          </div>
          <div className="summary__row">
            <dt>License model</dt>
            <dd>{humanize(license.product.licenseModel)}</dd>
          </div>
          <div className="summary__row">
            <dt>Host ID</dt>
            <dd>{license.hostId ? <code className="mono">{license.hostId}</code> : <span className="muted">Not host-locked</span>}</dd>
          </div>
          {hostLocked ? (
            <div className="summary__row">
              <dt>Re-hosts</dt>
              <dd>{rehostUsageText(rehostAllowance(license))}</dd>
            </div>
          ) : null}
          <div className="summary__row">
            <dt>Owner</dt>
            <dd>
              {license.owner ? (
                <>
                  {license.owner.name || license.owner.email}{' '}
                  {license.owner.name ? <span className="muted">({license.owner.email})</span> : null}
                </>
              ) : (
                <>
                  {license.account.name} <span className="muted">(the account)</span>
                </>
              )}
            </dd>
          </div>
          {license.requestedBy ? (
            <div className="summary__row">
              <dt>Requested by</dt>
              <dd>
                {license.requestedBy.name || license.requestedBy.email}
                {license.requestedThrough ? <span className="muted"> for {license.account.name}, from {license.requestedThrough.name}</span> : null}
              </dd>
            </div>
          ) : null}
          <div className="summary__row">
            <dt>Your access</dt>
            <dd>{humanize(license.access)}</dd>
          </div>
          <div className="summary__row">
            <dt>Created</dt>
            <dd>{formatDateTime(license.createdAt)}</dd>
          </div>
        </dl>
      </section>

      <LicenseCustomValues
        licenseId={license.id}
        accountFields={license.customFields}
        values={license.customValues}
        mayEdit={mayEditValues}
        onSaved={onReload}
      />

      {mayShare ? (
        <section className="section" aria-labelledby="sharing-heading">
          <h2 className="section__title" id="sharing-heading">
            Sharing
          </h2>
          {license.shares.length === 0 ? (
            <p className="empty-note">Not shared with anyone outside {license.account.name}.</p>
          ) : (
            <ul className="plain-list">
              {license.shares.map((share) => (
                <li key={share.id}>
                  {share.email} <span className="muted">· {PERMISSION_LABELS[share.permission]}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}

      <section className="section" aria-labelledby="keys-heading">
        <h2 className="section__title" id="keys-heading">
          Keys
        </h2>
        <KeysTable license={license} />
      </section>

      <ActivationsSection license={license} mayChange={mayChange} onReload={onReload} />

      <section className="section" aria-labelledby="registration-heading">
        <h2 className="section__title" id="registration-heading">
          Support registration
        </h2>
        {license.registration ? (
          <RegistrationSummary registration={license.registration} />
        ) : (
          <p className="empty-note">No support registration is recorded for this license.</p>
        )}
      </section>

      <section className="section" aria-labelledby="serials-heading">
        <h2 className="section__title" id="serials-heading">
          Serial numbers
        </h2>
        {license.serials.length === 0 ? (
          <p className="empty-note">No serial numbers are recorded for this license.</p>
        ) : (
          <div className="card card--flush">
            <div className="table-wrap">
              <table className="table table--stack">
                <caption className="visually-hidden">Serial numbers that created or renewed this license</caption>
                <thead>
                  <tr>
                    <th scope="col">Serial number</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Seats</th>
                    <th scope="col">Maintenance term</th>
                  </tr>
                </thead>
                <tbody>
                  {license.serials.map((serial) => (
                    <tr key={serial.number}>
                      <td data-label="Serial number">
                        <code className="mono">{formatSerial(serial.number)}</code>
                      </td>
                      <td data-label="Kind">{humanize(serial.kind)}</td>
                      <td data-label="Seats">{serial.quantity}</td>
                      <td data-label="Maintenance term">{formatMonths(serial.maintenanceMonths)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>

      <LicenseHistory entries={license.history} />

      {dialog === 'share' ? (
        <ShareDialog licenseId={license.id} title={title} shares={license.shares} onClose={() => setDialog(null)} onChanged={onReload} />
      ) : null}
      {dialog === 'transfer' ? (
        <TransferOwnershipDialog
          licenseId={license.id}
          title={title}
          ownerEmail={license.owner?.email ?? null}
          onClose={() => setDialog(null)}
          onDone={(message) => {
            setDialog(null);
            setNotice(message);
            onReload();
          }}
        />
      ) : null}
    </div>
  );
}

interface LicenseActionsProps {
  license: License;
  keyInUse: License['keys'][number] | null;
  onBeforeRenew: () => void;
}

/** "Renew" (into Get a Key with this license preselected) and "Re-host" (host-locked licenses with an active key). */
function LicenseActions({ license, keyInUse, onBeforeRenew }: LicenseActionsProps) {
  const navigate = useNavigate();
  const [{ fetching }, start] = useMutation(RehostRequestStartMutation);
  const [error, setError] = useState<string | null>(null);
  const allowance = rehostAllowance(license);
  const rehostable = canRehost(license);

  const onRehost = async () => {
    if (!keyInUse) return;
    setError(null);
    const result = await start({ input: { licenseKeyId: keyInUse.id } });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.rehostRequestStart;
    if (!outcome) return;
    if (outcome.__typename === 'RehostRequestStartSuccess') {
      navigate(`/rehost/${encodeURIComponent(outcome.keyRequest.id)}`);
    } else if (outcome.__typename === 'RehostRefused') {
      setError(rehostRefusalText(outcome));
    } else {
      setError(userErrorText(outcome));
    }
  };

  const renewTo = `/get-a-key?${new URLSearchParams({ renew: license.id }).toString()}`;

  return (
    <section className="card action-panel" aria-labelledby="actions-heading">
      <h2 className="visually-hidden" id="actions-heading">
        Actions
      </h2>
      <div className="action-panel__item">
        <div>
          <p className="action-panel__title">Renew maintenance</p>
          <p className="muted small" id="renew-hint">
            Enter a renewal serial number to extend maintenance beyond {formatDate(license.maintenanceUntil)}.
          </p>
        </div>
        <Link to={renewTo} className="button button--secondary" onClick={onBeforeRenew} aria-describedby="renew-hint">
          Renew
        </Link>
      </div>
      {rehostable ? (
        <div className="action-panel__item">
          <div>
            <p className="action-panel__title">Move to another host</p>
            <p className="muted small" id="rehost-hint">
              {rehostUsageText(allowance)}
              {allowance.nextAllowedAt
                ? ` · ${nextRehostText(allowance.nextAllowedAt)}`
                : ` · ${allowance.remaining} remaining`}
            </p>
          </div>
          <SubmitButton
            type="button"
            variant="secondary"
            busy={fetching}
            disabled={!allowance.allowed}
            onClick={onRehost}
            aria-describedby="rehost-hint"
          >
            Re-host
          </SubmitButton>
        </div>
      ) : null}
      {error ? (
        <Alert tone="error" title="The re-host could not be started">
          <p>{error}</p>
        </Alert>
      ) : null}
    </section>
  );
}

function KeysTable({ license }: { license: License }) {
  // Newest first: the key in use is usually the latest one.
  const keys = [...license.keys].sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt));
  if (keys.length === 0) return <p className="empty-note">No keys have been issued for this license yet.</p>;
  return (
    <div className="card card--flush">
      <div className="table-wrap">
        <table className="table table--stack">
          <caption className="visually-hidden">License keys</caption>
          <thead>
            <tr>
              <th scope="col">Activation key</th>
              <th scope="col">Status</th>
              <th scope="col">Host ID</th>
              <th scope="col">Issued</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => {
              const valueId = `license-key-${key.id}`;
              return (
                <tr key={key.id}>
                  <td data-label="Activation key">
                    <code className="mono key-value" id={valueId}>
                      {key.activationKey}
                    </code>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={key.status} />
                  </td>
                  <td data-label="Host ID">
                    {key.hostId ? <code className="mono">{key.hostId}</code> : <span className="muted">—</span>}
                  </td>
                  <td data-label="Issued">{formatDateTime(key.issuedAt)}</td>
                  <td className="table__actions">
                    <KeyActions
                      activationKey={key.activationKey}
                      licenseFile={key.licenseFile}
                      describedBy={valueId}
                      className="key-actions"
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

interface ActivationsSectionProps {
  license: License;
  /** Viewers see the hosts but cannot deactivate them. */
  mayChange: boolean;
  onReload: () => void;
}

/**
 * Hosts holding a seat, each with "Deactivate": asks first, then frees the
 * host's seat from the portal (a session with manage rights on the license).
 */
function ActivationsSection({ license, mayChange, onReload }: ActivationsSectionProps) {
  const [{ fetching }, deactivate] = useMutation(DeactivateHostMutation);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const activations = license.activations;

  const onDeactivate = async (hostId: string) => {
    setConfirming(null);
    setError(null);
    setDone(null);
    setPending(hostId);
    const result = await deactivate({ input: { licenseId: license.id, hostId } });
    setPending(null);
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licenseDeactivateHost;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'LicenseDeactivateHostSuccess':
        setDone(`Host ${outcome.hostId} was deactivated; its seat is free again.`);
        onReload();
        return;
      case 'InvalidInput': {
        const details = outcome.fieldErrors.map((e) => e.message).filter(Boolean);
        setError(details.length ? details.join(' ') : userErrorText(outcome));
        return;
      }
      default:
        setError(userErrorText(outcome));
    }
  };

  return (
    <section className="section" aria-labelledby="activations-heading">
      <div className="section__header">
        <h2 className="section__title" id="activations-heading">
          Activations
        </h2>
        <span className="muted small">
          {activations.length} of {formatSeats(license.quantity)} in use
        </span>
      </div>
      {error ? (
        <Alert tone="error" title="The host could not be deactivated">
          <p>{error}</p>
        </Alert>
      ) : null}
      {done ? (
        <Alert tone="success">
          <p>{done}</p>
        </Alert>
      ) : null}
      {activations.length === 0 ? (
        <p className="empty-note">No host has activated this license yet.</p>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Hosts that hold a seat of this license</caption>
              <thead>
                <tr>
                  <th scope="col">Host ID</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  {mayChange ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {activations.map((activation) => {
                  const hostCellId = `activation-${activation.hostId.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
                  return (
                    <tr key={activation.hostId}>
                      <td data-label="Host ID">
                        <code className="mono" id={hostCellId}>
                          {activation.hostId}
                        </code>
                      </td>
                      <td data-label="First seen">{formatDateTime(activation.firstSeenAt)}</td>
                      <td data-label="Last seen">{formatDateTime(activation.lastSeenAt)}</td>
                      {mayChange ? (
                        <td className="table__actions">
                          <SubmitButton
                            type="button"
                            variant="ghost"
                            className="button--small button--danger-text"
                            busy={pending === activation.hostId}
                            disabled={fetching && pending !== activation.hostId}
                            onClick={() => setConfirming(activation.hostId)}
                            aria-describedby={hostCellId}
                          >
                            Deactivate
                          </SubmitButton>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {confirming ? (
        <Dialog
          title={`Deactivate host ${confirming}?`}
          description="Its seat is freed at once. The product on that host stops working until it is activated again."
          onClose={() => setConfirming(null)}
        >
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <SubmitButton type="button" variant="danger" busy={fetching} onClick={() => onDeactivate(confirming)}>
              Deactivate host
            </SubmitButton>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
