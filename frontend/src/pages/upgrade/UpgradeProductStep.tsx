import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { LicenseIdentity } from '../../components/LicenseIdentity';
import { RadioCard } from '../../components/RadioCard';
import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import { formatDate, formatSeats } from '../../lib/format';
import { placeUpgradeErrors, type PlacedUpgradeErrors } from '../../lib/upgrade';
import { userErrorText } from '../wizard/messages';
import { UpgradeRequestSelectProductMutation } from './documents';
import { NotificationSummary } from './NotificationSummary';
import type { UpgradeRequestData } from './types';

interface UpgradeProductStepProps {
  keyRequest: UpgradeRequestData;
  onUpdate: (keyRequest: UpgradeRequestData) => void;
  onSaved: () => void;
}

const NO_ERRORS: PlacedUpgradeErrors = { fields: {}, general: [] };

/** Step 4: choose which license of the notification to upgrade. */
export function UpgradeProductStep({ keyRequest, onUpdate, onSaved }: UpgradeProductStepProps) {
  const options = keyRequest.upgradeOptions;
  const [choice, setChoice] = useState<string>(() => {
    const saved = keyRequest.upgradeLicense?.id;
    if (saved && options.some((o) => o.license.id === saved)) return saved;
    const open = options.filter((o) => o.remainingQuantity > 0);
    return open.length === 1 ? open[0]!.license.id : '';
  });
  const [errors, setErrors] = useState<PlacedUpgradeErrors>(NO_ERRORS);
  const [{ fetching }, select] = useMutation(UpgradeRequestSelectProductMutation);
  const groupRef = useRef<HTMLFieldSetElement>(null);
  const editable = keyRequest.status === 'DRAFT';
  const groupError = errors.fields.licenseId ?? errors.fields.quantity ?? null;

  const focusGroup = () => {
    const group = groupRef.current;
    (group?.querySelector<HTMLInputElement>('input:checked') ?? group?.querySelector<HTMLInputElement>('input:not(:disabled)'))?.focus();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    if (!choice) {
      setErrors({ fields: { licenseId: 'Choose the license to upgrade.' }, general: [] });
      focusGroup();
      return;
    }
    const result = await select({ input: { keyRequestId: keyRequest.id, licenseId: choice } });
    if (result.error) {
      setErrors({ fields: {}, general: [describeError(result.error)] });
      return;
    }
    const outcome = result.data?.upgradeRequestSelectProduct;
    if (!outcome) return;
    if (outcome.__typename === 'UpgradeRequestSelectProductSuccess') {
      onUpdate(outcome.keyRequest);
      onSaved();
      return;
    }
    const placed = placeUpgradeErrors(outcome, userErrorText);
    setErrors(placed);
    if (placed.fields.licenseId || placed.fields.quantity) focusGroup();
  };

  const errorId = 'upgrade-license-error';

  return (
    <div className="step step--upgrade-product">
      <NotificationSummary notification={keyRequest.notification} error={errors.fields.notificationId} />
      <form className="form" onSubmit={onSubmit} noValidate>
        {errors.general.length ? (
          <Alert tone="error">
            <p>{errors.general.join(' ')}</p>
          </Alert>
        ) : null}
        <fieldset
          ref={groupRef}
          className={`fieldset choice-group${groupError ? ' choice-group--invalid' : ''}`}
          aria-describedby={groupError ? errorId : undefined}
        >
          <legend className="fieldset__legend">License to upgrade</legend>
          {groupError ? (
            <p className="field__error" id={errorId}>
              {groupError}
            </p>
          ) : null}
          {options.length === 0 ? (
            <Alert tone="warning" live={false}>
              <p>None of this account's licenses can be upgraded with this notification.</p>
            </Alert>
          ) : (
            <ul className="choice-list">
              {options.map((option) => {
                const done = option.remainingQuantity <= 0;
                return (
                  <li key={option.license.id}>
                    <RadioCard
                      name="upgrade-license"
                      value={option.license.id}
                      checked={choice === option.license.id}
                      onChange={() => setChoice(option.license.id)}
                      disabled={!editable || done}
                      invalid={!!groupError}
                      describedBy={groupError ? errorId : undefined}
                      title={
                        <>
                          {option.fromProduct.name} {option.fromProduct.version} → {option.toProduct.name}{' '}
                          {option.toProduct.version}, {formatSeats(option.license.quantity)}
                        </>
                      }
                      facts={
                        <>
                          <LicenseIdentity license={option.license} />
                          <StatusBadge status={option.license.status} />
                          <span>
                            {option.eligibleQuantity} eligible, {option.remainingQuantity} left to upgrade
                          </span>
                          <span>Maintenance until {formatDate(option.license.maintenanceUntil)}</span>
                          {option.license.hostId ? (
                            <span>
                              Host ID <code className="mono">{option.license.hostId}</code>
                            </span>
                          ) : null}
                          {done ? <span className="tag">Already upgraded</span> : null}
                        </>
                      }
                    />
                  </li>
                );
              })}
            </ul>
          )}
        </fieldset>
        <div className="wizard__nav">
          <Link to="/version-upgrade" className="button button--secondary">
            Use another notification
          </Link>
          <SubmitButton busy={fetching} disabled={!editable || options.length === 0}>
            Continue
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}
