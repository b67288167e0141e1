import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Alert } from '../../components/Alert';
import { KeyActions } from '../../components/KeyActions';
import { Spinner } from '../../components/Spinner';
import type { KeyCardFieldsFragment } from '../../gql/graphql';
import { formatDate, formatDateTime, formatSeats } from '../../lib/format';
import { licenseFilesZipUrl, MAX_ZIP_LICENSES } from '../../lib/licenseList';
import { licenseSerialNumbers } from '../../lib/licenses';
import { isInFlight, type RequestStatus } from '../../lib/steps';

/** What the "Receive a Key" step needs of a key request of any kind. */
export interface KeysStepRequest {
  id: string;
  status: RequestStatus;
  failureReason: string | null;
  readyAt: string | null;
  registration: { technicalContact: { email: string } } | null;
  keys: readonly KeyCardFieldsFragment[];
}

interface KeysStepProps {
  keyRequest: KeysStepRequest;
  /** True when live updates fell back to polling. */
  polling: boolean;
  /** Where to go next; "Get another key" by default. */
  next?: { to: string; label: string };
  /** What a failure left untouched, e.g. "Your serial numbers were not used up." */
  failureNote?: string;
  /** Shown under the ready keys: the e-mails that carried them (see KeyDeliveries). */
  deliveries?: ReactNode;
}

const GET_ANOTHER_KEY = { to: '/get-a-key', label: 'Get another key' };

/** The licenses of `keys`, once each, in the order of their first key. */
export function keyLicenseIds(keys: readonly { license: { id: string } }[]): string[] {
  return [...new Set(keys.map((key) => key.license.id))];
}

/**
 * "Receive a Key": a spinner while the keys are signed, then each key with its
 * serial number, Copy, Download and a link to its license; "Download all" gets
 * every license file in one zip.
 */
export function KeysStep({
  keyRequest,
  polling,
  next = GET_ANOTHER_KEY,
  failureNote = 'Your serial numbers were not used up.',
  deliveries,
}: KeysStepProps) {
  const { status } = keyRequest;
  const technicalEmail = keyRequest.registration?.technicalContact.email;

  const nextLink = (
    <div className="wizard__nav wizard__nav--end">
      <Link to={next.to} className="button button--primary">
        {next.label}
      </Link>
    </div>
  );

  if (isInFlight(status)) {
    return (
      <div className="step step--keys">
        <div className="signing">
          <Spinner label="Signing your keys…" size="large" />
          <p className="signing__note">
            {status === 'SUBMITTED' ? 'Your request is queued.' : 'The license server is signing your keys.'} This usually takes a
            few seconds; you can leave this page and come back later.
          </p>
          {polling ? <p className="muted small">Live updates are unavailable; checking for your keys every few seconds.</p> : null}
        </div>
      </div>
    );
  }

  if (status === 'FAILED') {
    return (
      <div className="step step--keys">
        <Alert tone="error" title="Your keys could not be issued">
          <p>{keyRequest.failureReason || 'The license server could not sign your keys.'}</p>
          <p>{failureNote} Please try again, or contact support and quote this request's reference.</p>
          <p className="mono small">Reference: {keyRequest.id}</p>
        </Alert>
        {nextLink}
      </div>
    );
  }

  return (
    <div className="step step--keys">
      <Alert tone="success" title="Your keys are ready">
        <p>
          {keyRequest.readyAt ? `Issued ${formatDateTime(keyRequest.readyAt)}. ` : ''}
          {technicalEmail
            ? `A copy of the keys was also e-mailed to the technical contact, ${technicalEmail}.`
            : 'A copy of the keys was also e-mailed to the technical contact.'}
        </p>
      </Alert>
      {keyRequest.keys.length === 0 ? (
        <p className="empty-note">This request has no keys.</p>
      ) : (
        <>
          <DownloadAll keys={keyRequest.keys} />
          <ul className="key-list" aria-label="License keys">
            {keyRequest.keys.map((key) => (
              <KeyCard key={key.id} licenseKey={key} />
            ))}
          </ul>
        </>
      )}
      <p className="muted small">
        Save each license file next to the product's installation, or paste the activation key when the product asks for it.
      </p>
      {deliveries}
      {nextLink}
    </div>
  );
}

/** One link to a zip of every key's license file (the session cookie signs the download in). */
function DownloadAll({ keys }: { keys: readonly KeyCardFieldsFragment[] }) {
  const ids = keyLicenseIds(keys);
  return (
    <div className="key-list__toolbar">
      {ids.length <= MAX_ZIP_LICENSES ? (
        <a className="button button--secondary button--small" href={licenseFilesZipUrl(null, ids)} download>
          Download all
          <span className="visually-hidden">
            {' '}
            {ids.length} license file{ids.length === 1 ? '' : 's'} (.zip)
          </span>
        </a>
      ) : (
        <span className="muted small">More than {MAX_ZIP_LICENSES} licenses: download their files from the licenses page.</span>
      )}
    </div>
  );
}

function KeyCard({ licenseKey }: { licenseKey: KeyCardFieldsFragment }) {
  const { license } = licenseKey;
  const hostId = licenseKey.hostId ?? license.hostId;
  const serials = licenseSerialNumbers(license.serials);
  const labelId = `key-${licenseKey.id}-label`;
  const valueId = `key-${licenseKey.id}-value`;

  return (
    <li className="key-card" aria-labelledby={labelId}>
      <div className="key-card__header">
        <h3 className="key-card__product" id={labelId}>
          {license.product.name} <span className="muted">{license.product.version}</span>
        </h3>
        <div className="key-card__facts">
          <span>{formatSeats(license.quantity)}</span>
          {serials.length > 0 ? (
            <span>
              Serial number{serials.length > 1 ? 's' : ''} <code className="mono">{serials.join(', ')}</code>
            </span>
          ) : null}
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
      <KeyActions activationKey={licenseKey.activationKey} licenseFile={licenseKey.licenseFile} describedBy={valueId}>
        <Link className="button button--link button--small" to={`/licenses/${encodeURIComponent(license.id)}`}>
          View license
          <span className="visually-hidden">
            {' '}
            of {license.product.name} {license.product.version}
            {serials[0] ? `, serial number ${serials[0]}` : ''}
          </span>
        </Link>
      </KeyActions>
    </li>
  );
}
