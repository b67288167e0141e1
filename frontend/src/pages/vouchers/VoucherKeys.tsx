import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery, useSubscription } from 'urql';
import { Alert } from '../../components/Alert';
import { KeyActions } from '../../components/KeyActions';
import type { LicenseKeyFieldsFragment, VoucherKeyProgressFieldsFragment } from '../../gql/graphql';
import { formatNumber } from '../../lib/flex';
import { formatDate, formatDateTime, formatSeats } from '../../lib/format';
import { isInFlight } from '../../lib/steps';
import { VoucherKeysQuery, VoucherKeysUpdatedSubscription } from './documents';

/** Up to this many keys are shown on the page (and carried by each live frame); more are on the license pages and in the e-mail. */
export const KEYS_SHOWN_LIMIT = 50;
const SOCKET_GRACE_MS = 6000;
const POLL_INTERVAL_MS = 2000;

type Progress = VoucherKeyProgressFieldsFragment & { keys?: readonly LicenseKeyFieldsFragment[] | null };

const STATUS_RANK: Record<string, number> = { DRAFT: 0, SUBMITTED: 1, FULFILLING: 2, READY: 3, FAILED: 3, EXPIRED: 3 };

/** The furthest along of two snapshots: signing only moves forward, so the later status and the more keys win. */
export function laterProgress<T extends Progress>(a: T | null, b: T | null): T | null {
  if (!a) return b;
  if (!b) return a;
  const rank = (p: T) => [STATUS_RANK[p.status] ?? 0, p.keysReady, Date.parse(p.updatedAt) || 0] as const;
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i += 1) {
    if (ra[i]! !== rb[i]!) return ra[i]! > rb[i]! ? { ...b, ...a, keys: a.keys ?? b.keys } : { ...a, ...b, keys: b.keys ?? a.keys };
  }
  return { ...a, ...b, keys: b.keys ?? a.keys };
}

/**
 * Follows the conversion's key request while its keys are signed: keyRequestUpdated frames
 * (the current state first, then after every chunk), or polling keyRequest(id) when the socket
 * fails or stays silent.
 */
function useVoucherKeys(initial: VoucherKeyProgressFieldsFragment) {
  const withKeys = initial.keysTotal <= KEYS_SHOWN_LIMIT;
  const variables = useMemo(() => ({ id: initial.id, withKeys }), [initial.id, withKeys]);
  const [socketFailed, setSocketFailed] = useState(false);
  const [latest, setLatest] = useState<Progress | null>(initial);
  // The subscription answers with the request as it stands, then after every chunk: the query is only the fallback.
  const [queried, reexecute] = useQuery({ query: VoucherKeysQuery, variables, requestPolicy: 'network-only', pause: !socketFailed });
  const known = laterProgress<Progress>(latest, queried.data?.keyRequest ?? null);
  const active = known ? isInFlight(known.status) : false;
  const [frames] = useSubscription({ query: VoucherKeysUpdatedSubscription, variables, pause: !active });
  const frame = frames.data?.keyRequestUpdated ?? null;
  useEffect(() => {
    if (frame) setLatest((current) => laterProgress<Progress>(current, frame));
  }, [frame]);

  useEffect(() => {
    if (frames.error) setSocketFailed(true);
  }, [frames.error]);
  const heard = frame !== null;
  useEffect(() => {
    if (!active || heard) return;
    const timer = window.setTimeout(() => setSocketFailed(true), SOCKET_GRACE_MS);
    return () => window.clearTimeout(timer);
  }, [active, heard]);
  const polling = active && socketFailed;
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => reexecuteRef.current({ requestPolicy: 'network-only' }), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);

  const progress: Progress = known ?? initial;
  return { progress, withKeys, polling };
}

interface VoucherKeysProps {
  keyRequest: VoucherKeyProgressFieldsFragment;
  /** Where the licenses went, when not to this account: a sentence under "ready". */
  target?: string | null;
  /** Called once when the signing ends (ready or failed). */
  onSettled?: () => void;
}

/**
 * The conversion's keys: a progress bar while they are signed, then the keys (a few dozen) or where
 * to find them (more). Voucher requests have no technical contact: no key mail goes out (an
 * e-mail target is told by the conversion how to sign in), so nothing here speaks of one.
 */
export function VoucherKeys({ keyRequest, target, onSettled }: VoucherKeysProps) {
  const { progress, withKeys, polling } = useVoucherKeys(keyRequest);
  const { keysReady, keysTotal, status } = progress;
  const keys = progress.keys ?? [];
  // Once signing ends (ready or failed), what shows the request's status elsewhere is read again.
  const settled = !isInFlight(status);
  const onSettledRef = useRef(onSettled);
  onSettledRef.current = onSettled;
  const wasInFlight = useRef(isInFlight(keyRequest.status));
  useEffect(() => {
    if (settled && wasInFlight.current) {
      wasInFlight.current = false;
      onSettledRef.current?.();
    }
  }, [settled]);

  if (keysTotal === 0) return null;

  return (
    <section className="voucher-keys card card--padded" aria-labelledby="voucher-keys-heading">
      <h2 className="section__title" id="voucher-keys-heading">
        Keys
      </h2>
      {isInFlight(status) ? (
        <>
          <KeyProgress ready={keysReady} total={keysTotal} />
          {polling ? <p className="muted small">Live updates are unavailable; checking every few seconds.</p> : null}
          {withKeys && keys.length > 0 ? <KeyList keys={keys} /> : null}
        </>
      ) : status === 'READY' ? (
        <>
          <Alert tone="success" title={keysTotal === 1 ? 'The key is ready' : `${formatNumber(keysTotal)} keys are ready`}>
            <p>
              {progress.readyAt ? `Issued ${formatDateTime(progress.readyAt)}. ` : ''}
              {target
                ? withKeys
                  ? ''
                  : 'They are too many to show here.'
                : withKeys
                  ? 'Each license’s page keeps its key as well.'
                  : 'They are too many to show here: each license’s page has its key (follow the links in the results).'}
            </p>
            {target ? <p>{target}</p> : null}
          </Alert>
          {withKeys ? (
            <>
              <ul className="key-list" aria-label="License keys">
                {keys.map((key) => (
                  <KeyCard key={key.id} licenseKey={key} />
                ))}
              </ul>
              <p className="muted small">
                Save each license file next to the product’s installation, or paste the activation key when the product asks for it.
              </p>
            </>
          ) : null}
          {target ? null : (
            <div className="wizard__nav wizard__nav--end">
              <Link to="/licenses" className="button button--secondary">
                See your licenses
              </Link>
            </div>
          )}
        </>
      ) : (
        <Alert tone="error" title="The keys could not be issued">
          <p>{progress.failureReason || 'The license server could not sign the keys.'}</p>
          <p>The results above say which vouchers were converted. Contact support and quote this reference.</p>
          <p className="mono small">Reference: {progress.id}</p>
        </Alert>
      )}
    </section>
  );
}

/** One key as Get a Key shows it: the product, seats and maintenance, the activation key, Copy and Download .lic. */
function KeyCard({ licenseKey }: { licenseKey: LicenseKeyFieldsFragment }) {
  const { license } = licenseKey;
  const hostId = licenseKey.hostId ?? license.hostId;
  const labelId = `voucher-key-${licenseKey.id}-label`;
  const valueId = `voucher-key-${licenseKey.id}-value`;
  return (
    <li className="key-card" aria-labelledby={labelId}>
      <div className="key-card__header">
        <h3 className="key-card__product" id={labelId}>
          {license.product.name} <span className="muted">{license.product.version}</span>
        </h3>
        <div className="key-card__facts">
          <span>{formatSeats(license.quantity)}</span>
          <span>Maintenance until {formatDate(license.maintenanceUntil)}</span>
          {hostId ? (
            <span>
              Host ID <code className="mono">{hostId}</code>
            </span>
          ) : null}
        </div>
      </div>
      <div className="key-card__key">
        <span className="key-card__key-label">Activation key</span>
        <code className="key-card__value" id={valueId}>
          {licenseKey.activationKey}
        </code>
      </div>
      <KeyActions activationKey={licenseKey.activationKey} licenseFile={licenseKey.licenseFile} describedBy={valueId} />
    </li>
  );
}

function KeyProgress({ ready, total }: { ready: number; total: number }) {
  const percent = total > 0 ? Math.floor((ready / total) * 100) : 0;
  return (
    <div className="voucher-progress">
      <div
        className="voucher-progress__track"
        role="progressbar"
        aria-label="Keys signed"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={ready}
        aria-valuetext={`${formatNumber(ready)} of ${formatNumber(total)} keys signed`}
      >
        <span className="voucher-progress__done" style={{ width: `${percent}%` }} />
      </div>
      <p className="voucher-progress__text small" aria-live="polite" data-testid="key-progress">
        Signing keys: <strong>{formatNumber(ready)}</strong> of {formatNumber(total)} ready
      </p>
    </div>
  );
}

/** The keys signed so far, while the rest are being signed. */
function KeyList({ keys }: { keys: readonly LicenseKeyFieldsFragment[] }) {
  return (
    <ul className="voucher-keys__list" aria-label="Keys signed so far">
      {keys.map((key) => (
        <li key={key.id} className="voucher-keys__item">
          <span>
            {key.license.product.name} <span className="muted">{key.license.product.version}</span>
          </span>
          <code className="mono">{key.activationKey}</code>
        </li>
      ))}
    </ul>
  );
}
