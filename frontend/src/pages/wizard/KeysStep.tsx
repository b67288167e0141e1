import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert } from '../../components/Alert';
import { Spinner } from '../../components/Spinner';
import { copyText, downloadTextFile, licenseFileName } from '../../lib/files';
import { formatDate, formatDateTime, formatSeats } from '../../lib/format';
import { isInFlight } from '../../lib/steps';
import type { KeyRequestData } from './WizardPage';

type LicenseKey = KeyRequestData['keys'][number];

interface KeysStepProps {
  keyRequest: KeyRequestData;
  /** True when live updates fell back to polling. */
  polling: boolean;
}

export function KeysStep({ keyRequest, polling }: KeysStepProps) {
  const { status } = keyRequest;
  const technicalEmail = keyRequest.registration?.technicalContact.email;

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
          <p>Your serial numbers were not used up. Please try again, or contact support and quote this request's reference.</p>
          <p className="mono small">Reference: {keyRequest.id}</p>
        </Alert>
        <div className="wizard__nav wizard__nav--end">
          <Link to="/get-a-key" className="button button--primary">
            Get another key
          </Link>
        </div>
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
        <ul className="key-list" aria-label="License keys">
          {keyRequest.keys.map((key) => (
            <KeyCard key={key.id} licenseKey={key} />
          ))}
        </ul>
      )}
      <p className="muted small">
        Save each license file next to the product's installation, or paste the activation key when the product asks for it.
      </p>
      <div className="wizard__nav wizard__nav--end">
        <Link to="/get-a-key" className="button button--primary">
          Get another key
        </Link>
      </div>
    </div>
  );
}

function KeyCard({ licenseKey }: { licenseKey: LicenseKey }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const { license } = licenseKey;
  const hostId = licenseKey.hostId ?? license.hostId;
  const labelId = `key-${licenseKey.id}-label`;

  const onCopy = async () => {
    window.clearTimeout(timer.current);
    try {
      await copyText(licenseKey.activationKey);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
    timer.current = window.setTimeout(() => setCopied('idle'), 2500);
  };

  const onDownload = () => {
    downloadTextFile(licenseFileName(licenseKey.activationKey), licenseKey.licenseFile);
  };

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
        <code className="key-card__value">{licenseKey.activationKey}</code>
      </div>
      <div className="key-card__actions">
        <button type="button" className="button button--secondary button--small" onClick={onCopy}>
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button--primary button--small" onClick={onDownload}>
          Download .lic
        </button>
        <span className="key-card__status" role="status" aria-live="polite">
          {copied === 'copied' ? 'Activation key copied to the clipboard.' : copied === 'failed' ? 'Copying failed; select the key and copy it manually.' : ''}
        </span>
      </div>
    </li>
  );
}
