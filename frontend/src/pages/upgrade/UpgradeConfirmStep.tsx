import { useRef, useState } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { licenseSerialNumbers } from '../../lib/licenses';
import { formatDate, formatDateTime, formatSeats } from '../../lib/format';
import { confirmIdempotencyKey, resetConfirmIdempotencyKey } from '../../lib/idempotency';
import { placeUpgradeErrors, type PlacedUpgradeErrors } from '../../lib/upgrade';
import { userErrorText } from '../wizard/messages';
import { RegistrationSummary } from '../wizard/RegistrationSummary';
import type { KeyRequestUpdate } from '../wizard/useKeyRequest';
import { UpgradeRequestConfirmMutation } from './documents';
import { chosenOption, type UpgradeRequestData } from './types';

interface UpgradeConfirmStepProps {
  keyRequest: UpgradeRequestData;
  onUpdate: (keyRequest: KeyRequestUpdate<UpgradeRequestData>) => void;
  onEditProduct: () => void;
  onEditQuantity: () => void;
  onEditRegistration: () => void;
  onConfirmed: () => void;
  /** Reloads the request from the server (e.g. when it was confirmed elsewhere). */
  onRefresh: () => void;
}

const NO_ERRORS: PlacedUpgradeErrors = { fields: {}, general: [] };

/** The end of step 6: everything the upgrade will do, and "Confirm upgrade". */
export function UpgradeConfirmStep({
  keyRequest,
  onUpdate,
  onEditProduct,
  onEditQuantity,
  onEditRegistration,
  onConfirmed,
  onRefresh,
}: UpgradeConfirmStepProps) {
  const [{ fetching }, confirm] = useMutation(UpgradeRequestConfirmMutation);
  const [errors, setErrors] = useState<PlacedUpgradeErrors>(NO_ERRORS);
  const inFlight = useRef(false);
  const option = chosenOption(keyRequest);
  const notification = keyRequest.notification;
  const registration = keyRequest.registration;
  const quantity = keyRequest.upgradeQuantity;
  const ready = !!option && !!quantity && !!registration;

  const onConfirm = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setErrors(NO_ERRORS);
    try {
      const idempotencyKey = confirmIdempotencyKey(keyRequest.id);
      const result = await confirm({ input: { keyRequestId: keyRequest.id, idempotencyKey } });
      if (result.error) {
        // The upgrade may or may not have happened: a retry sends the same idempotency key.
        setErrors({ fields: {}, general: [`${describeError(result.error)} Trying again is safe: the upgrade happens only once.`] });
        return;
      }
      const outcome = result.data?.upgradeRequestConfirm;
      if (!outcome) return;
      if (outcome.__typename === 'UpgradeRequestConfirmSuccess') {
        onUpdate(outcome.keyRequest);
        onConfirmed();
        return;
      }
      resetConfirmIdempotencyKey(keyRequest.id);
      if (outcome.__typename === 'KeyRequestNotEditable') {
        if (outcome.code !== 'ALREADY_CONFIRMED') setErrors({ fields: {}, general: [userErrorText(outcome)] });
        onRefresh();
        return;
      }
      setErrors(placeUpgradeErrors(outcome, userErrorText));
    } finally {
      inFlight.current = false;
    }
  };

  const fieldError = (id: string, message: string | undefined) =>
    message ? (
      <p className="field__error" id={id} role="alert">
        {message}
      </p>
    ) : null;

  return (
    <div className="step step--confirm">
      <h3 className="section-title">Confirm the upgrade</h3>
      <p className="step__intro">
        Check the details below. When you confirm,{' '}
        {option && quantity ? (
          <>
            {formatSeats(quantity)} of your {option.fromProduct.name} {option.fromProduct.version} license move to{' '}
            <strong>
              {option.toProduct.name} {option.toProduct.version}
            </strong>{' '}
            and new license keys are signed.
          </>
        ) : (
          'the seats move to the new version and new license keys are signed.'
        )}{' '}
        Each notification seat can be upgraded only once.
      </p>

      <section className="subsection" aria-labelledby="confirm-upgrade">
        <div className="subsection__header">
          <h3 className="section-title" id="confirm-upgrade">
            Upgrade
          </h3>
          <button type="button" className="button button--link" onClick={onEditProduct}>
            Change license
          </button>
        </div>
        <dl className="summary">
          <div className="summary__row">
            <dt>Notification ID</dt>
            <dd>
              {notification ? <code className="mono">{notification.notificationId}</code> : '—'}
              {notification ? <span className="block muted small">Expires {formatDateTime(notification.expiresAt)}</span> : null}
              {fieldError('confirm-notification-error', errors.fields.notificationId)}
            </dd>
          </div>
          <div className="summary__row">
            <dt>License</dt>
            <dd>
              {option ? (
                <>
                  <span className="block">
                    {option.fromProduct.name} {option.fromProduct.version}, {formatSeats(option.license.quantity)}
                  </span>
                  <span className="block muted small">
                    {licenseSerialNumbers(option.license.serials).length
                      ? `Serial number ${licenseSerialNumbers(option.license.serials).join(', ')} · `
                      : ''}
                    Maintenance until {formatDate(option.license.maintenanceUntil)}
                    {option.license.hostId ? ` · Host ID ${option.license.hostId}` : ''}
                  </span>
                </>
              ) : (
                '—'
              )}
              {fieldError('confirm-license-error', errors.fields.licenseId)}
            </dd>
          </div>
          <div className="summary__row">
            <dt>Upgrade to</dt>
            <dd>{option ? `${option.toProduct.name} ${option.toProduct.version}` : '—'}</dd>
          </div>
          <div className="summary__row">
            <dt>Quantity to upgrade</dt>
            <dd>
              {quantity ? formatSeats(quantity) : '—'}{' '}
              <button type="button" className="button button--link" onClick={onEditQuantity}>
                Change quantity
              </button>
              {fieldError('confirm-quantity-error', errors.fields.quantity)}
            </dd>
          </div>
        </dl>
      </section>

      <section className="subsection" aria-labelledby="confirm-registration">
        <div className="subsection__header">
          <h3 className="section-title" id="confirm-registration">
            Support registration
          </h3>
          <button type="button" className="button button--link" onClick={onEditRegistration}>
            Edit registration
          </button>
        </div>
        {registration ? (
          <RegistrationSummary registration={registration} />
        ) : (
          <Alert tone="warning">
            <p>The support registration is missing. Go back and fill it in.</p>
          </Alert>
        )}
      </section>

      {errors.general.length ? (
        <Alert tone="error">
          <p>{errors.general.join(' ')}</p>
        </Alert>
      ) : null}

      <div className="wizard__nav">
        <button type="button" className="button button--secondary" onClick={onEditRegistration} disabled={fetching}>
          Back
        </button>
        <SubmitButton type="button" busy={fetching} disabled={!ready} onClick={onConfirm}>
          Confirm upgrade
        </SubmitButton>
      </div>
    </div>
  );
}
