import { useRef, useState, type ReactNode } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SerialProblemList } from '../../components/SerialProblemList';
import { SubmitButton } from '../../components/SubmitButton';
import { formatDate, formatMonths, formatSeats, humanize } from '../../lib/format';
import { confirmIdempotencyKey, resetConfirmIdempotencyKey } from '../../lib/idempotency';
import { formatSerial, newSeatsByProduct, type SerialProblemLike } from '../../lib/serials';
import { needsRegistration } from '../../lib/steps';
import { KeyRequestConfirmMutation } from './documents';
import { userErrorText } from './messages';
import { RegistrationSummary } from './RegistrationSummary';
import type { KeyRequestUpdate } from './useKeyRequest';
import type { KeyRequestData } from './WizardPage';

interface ConfirmStepProps {
  keyRequest: KeyRequestData;
  onUpdate: (keyRequest: KeyRequestUpdate<KeyRequestData>) => void;
  onBack: () => void;
  onEditSerials?: () => void;
  /** Back to choosing the licenses the renewal serials renew. */
  onEditRenewals?: () => void;
  onConfirmed: () => void;
  /** Reloads the request from the server (e.g. when it was confirmed elsewhere). */
  onRefresh: () => void;
  /** Other kinds of request (a draw-down): what it holds, instead of its serials and renewals. */
  summary?: ReactNode;
  /** The sentence above the summary, instead of the serial numbers' one. */
  intro?: ReactNode;
  /** Whether the registration is shown and required (by default: the request holds new serials). */
  registrationRequired?: boolean;
  confirmLabel?: string;
  /** Shows a refusal next to what it is about; returns false to leave it to the step. */
  onRefused?: (outcome: { __typename: string; code: string; message: string; field?: string | null }) => boolean;
  /** Called before each confirmation, e.g. to clear errors the caller shows. */
  onConfirming?: () => void;
}

export function ConfirmStep({
  keyRequest,
  onUpdate,
  onBack,
  onEditSerials,
  onEditRenewals,
  onConfirmed,
  onRefresh,
  summary,
  intro,
  registrationRequired,
  confirmLabel = 'Confirm and get keys',
  onRefused,
  onConfirming,
}: ConfirmStepProps) {
  const [{ fetching }, confirm] = useMutation(KeyRequestConfirmMutation);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<SerialProblemLike[]>([]);
  const inFlight = useRef(false);
  const registration = keyRequest.registration;
  const registrationNeeded = registrationRequired ?? needsRegistration(keyRequest.serials);
  const renewals = keyRequest.renewals;
  const renewalCount = keyRequest.serials.filter((serial) => serial.kind === 'RENEWAL').length;
  const renewalsMissing = renewals.length < renewalCount;
  const ready = (!registrationNeeded || !!registration) && !renewalsMissing;
  const newSeats = newSeatsByProduct(keyRequest.serials);
  const hasRenewals = keyRequest.serials.some((serial) => serial.kind === 'RENEWAL');

  const onConfirm = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setError(null);
    setProblems([]);
    onConfirming?.();
    try {
      const idempotencyKey = confirmIdempotencyKey(keyRequest.id);
      const result = await confirm({ input: { keyRequestId: keyRequest.id, idempotencyKey } });
      if (result.error) {
        // The keys may or may not have been issued: a retry sends the same idempotency key.
        setError(`${describeError(result.error)} Trying again is safe: your keys are issued only once.`);
        return;
      }
      const outcome = result.data?.keyRequestConfirm;
      if (!outcome) return;
      if (outcome.__typename === 'KeyRequestConfirmSuccess') {
        onUpdate(outcome.keyRequest);
        onConfirmed();
        return;
      }
      resetConfirmIdempotencyKey(keyRequest.id);
      if (outcome.code !== 'ALREADY_CONFIRMED' && onRefused?.(outcome)) {
        if (outcome.__typename === 'KeyRequestNotEditable') onRefresh();
        return;
      }
      switch (outcome.__typename) {
        case 'SerialNumbersRejected':
          setError(outcome.message || 'Some serial numbers can no longer be used.');
          setProblems(outcome.problems);
          return;
        case 'InvalidInput': {
          const details = outcome.fieldErrors.map((e) => e.message).filter(Boolean);
          setError([userErrorText(outcome), ...details].join(' '));
          return;
        }
        case 'KeyRequestNotEditable':
          if (outcome.code === 'ALREADY_CONFIRMED') {
            onRefresh();
            return;
          }
          setError(userErrorText(outcome));
          onRefresh();
          return;
        default:
          setError(userErrorText(outcome));
      }
    } finally {
      inFlight.current = false;
    }
  };

  return (
    <div className="step step--confirm">
      {intro !== undefined ? (
        <p className="step__intro">{intro}</p>
      ) : (
        <p className="step__intro">
          Check the details below.{' '}
          {registrationNeeded ? (
            <>
              When you confirm, the serial numbers are registered to <strong>{registration?.company ?? 'your company'}</strong>{' '}
              and the license keys are signed.
            </>
          ) : (
            <>When you confirm, the maintenance of the chosen licenses is extended and their new keys are signed.</>
          )}{' '}
          Serial numbers can be used only once.
        </p>
      )}

      {summary !== undefined ? (
        summary
      ) : (
        <>
        <section className="subsection" aria-labelledby="confirm-serials">
          <div className="subsection__header">
            <h3 className="section-title" id="confirm-serials">
              Serial numbers and products
            </h3>
            <button type="button" className="button button--link" onClick={onEditSerials}>
              Edit serial numbers
            </button>
          </div>
          <div className="table-wrap">
            <table className="table table--stack">
              <thead>
                <tr>
                  <th scope="col">Serial number</th>
                  <th scope="col">Product</th>
                  <th scope="col">Seats</th>
                  <th scope="col">Maintenance term</th>
                  <th scope="col">Kind</th>
                </tr>
              </thead>
              <tbody>
                {keyRequest.serials.map((serial) => (
                  <tr key={serial.number}>
                    <td data-label="Serial number">
                      <code className="mono">{formatSerial(serial.number)}</code>
                    </td>
                    <td data-label="Product">
                      <span>
                        {serial.product.name} <span className="muted">{serial.product.version}</span>
                      </span>
                    </td>
                    <td data-label="Seats">{serial.quantity}</td>
                    <td data-label="Maintenance term">{formatMonths(serial.maintenanceMonths)}</td>
                    <td data-label="Kind">{humanize(serial.kind)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {newSeats.length > 0 ? (
            <ul className="plain-list small" aria-label="New seats by product">
              {newSeats.map(({ product, seats }) => (
                <li key={product.id}>{`${product.name} ${product.version}: ${seats} new seat${seats === 1 ? '' : 's'}`}</li>
              ))}
            </ul>
          ) : null}
          {hasRenewals ? (
            <p className="muted small">Renewals add no seats: they extend the maintenance of the licenses they renew.</p>
          ) : null}
        </section>

        {renewalCount > 0 ? (
          <section className="subsection" aria-labelledby="confirm-renewals">
            <div className="subsection__header">
              <h3 className="section-title" id="confirm-renewals">
                Licenses to renew
              </h3>
              <button type="button" className="button button--link" onClick={onEditRenewals}>
                Change licenses
              </button>
            </div>
            {renewalsMissing ? (
              <Alert tone="warning">
                <p>Choose the license each renewal serial number renews before you confirm.</p>
              </Alert>
            ) : null}
            {renewals.length > 0 ? (
              <div className="table-wrap">
                <table className="table table--stack">
                  <caption className="visually-hidden">Licenses to renew and their new maintenance end</caption>
                  <thead>
                    <tr>
                      <th scope="col">Renewal serial</th>
                      <th scope="col">License</th>
                      <th scope="col">Maintenance until</th>
                      <th scope="col">New maintenance until</th>
                    </tr>
                  </thead>
                  <tbody>
                    {renewals.map((renewal) => (
                      <tr key={renewal.serialNumber}>
                        <td data-label="Renewal serial">
                          <code className="mono">{formatSerial(renewal.serialNumber)}</code>
                        </td>
                        <td data-label="License">
                          <span>
                            {renewal.license.product.name} <span className="muted">{renewal.license.product.version}</span>
                            <span className="block muted small">
                              {formatSeats(renewal.license.quantity)}
                              {renewal.license.hostId ? ` · Host ID ${renewal.license.hostId}` : ''}
                            </span>
                          </span>
                        </td>
                        <td data-label="Maintenance until">{formatDate(renewal.license.maintenanceUntil)}</td>
                        <td data-label="New maintenance until">
                          <strong>{formatDate(renewal.newMaintenanceUntil)}</strong>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </section>
        ) : null}
        </>
      )}

      {registrationNeeded ? (
        <section className="subsection" aria-labelledby="confirm-registration">
          <div className="subsection__header">
            <h3 className="section-title" id="confirm-registration">
              Support registration
            </h3>
            <button type="button" className="button button--link" onClick={onBack}>
              Edit registration
            </button>
          </div>
          {registration ? (
            <RegistrationSummary
              registration={registration}
              hostId={keyRequest.requiresHostId || keyRequest.hostId ? keyRequest.hostId : undefined}
            />
          ) : (
            <Alert tone="warning">
              <p>The support registration is missing. Go back and fill it in.</p>
            </Alert>
          )}
        </section>
      ) : null}

      {error ? (
        <Alert tone="error">
          <p>{error}</p>
          {problems.length ? (
            <SerialProblemList problems={problems} entered={keyRequest.serials.map((s) => s.number)} />
          ) : null}
        </Alert>
      ) : null}

      <div className="wizard__nav">
        <button type="button" className="button button--secondary" onClick={onBack} disabled={fetching}>
          Back
        </button>
        <SubmitButton type="button" busy={fetching} disabled={!ready} onClick={onConfirm}>
          {confirmLabel}
        </SubmitButton>
      </div>
    </div>
  );
}
