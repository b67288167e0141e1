import { useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { checkQuantity, placeUpgradeErrors, type PlacedUpgradeErrors } from '../../lib/upgrade';
import { userErrorText } from '../wizard/messages';
import { UpgradeRequestSetQuantityMutation } from './documents';
import { NotificationSummary } from './NotificationSummary';
import { chosenOption, type UpgradeRequestData } from './types';
import { UpgradeChoiceSummary } from './UpgradeChoiceSummary';

interface UpgradeQuantityStepProps {
  keyRequest: UpgradeRequestData;
  onUpdate: (keyRequest: UpgradeRequestData) => void;
  onBack: () => void;
  onSaved: () => void;
}

const NO_ERRORS: PlacedUpgradeErrors = { fields: {}, general: [] };

/** Step 5: how many of the license's seats move to the new version. */
export function UpgradeQuantityStep({ keyRequest, onUpdate, onBack, onSaved }: UpgradeQuantityStepProps) {
  const option = chosenOption(keyRequest);
  const max = option?.remainingQuantity ?? 0;
  const [text, setText] = useState(() => String(keyRequest.upgradeQuantity ?? (max > 0 ? max : '')));
  const [errors, setErrors] = useState<PlacedUpgradeErrors>(NO_ERRORS);
  const [{ fetching }, save] = useMutation(UpgradeRequestSetQuantityMutation);
  const inputRef = useRef<HTMLInputElement>(null);
  const editable = keyRequest.status === 'DRAFT';

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    const check = checkQuantity(text, max);
    if (!check.ok) {
      setErrors({ fields: { quantity: check.message }, general: [] });
      inputRef.current?.focus();
      return;
    }
    const result = await save({ input: { keyRequestId: keyRequest.id, quantity: check.value } });
    if (result.error) {
      setErrors({ fields: {}, general: [describeError(result.error)] });
      return;
    }
    const outcome = result.data?.upgradeRequestSetQuantity;
    if (!outcome) return;
    if (outcome.__typename === 'UpgradeRequestSetQuantitySuccess') {
      onUpdate(outcome.keyRequest);
      onSaved();
      return;
    }
    const placed = placeUpgradeErrors(outcome, userErrorText);
    setErrors(placed);
    if (placed.fields.quantity) inputRef.current?.focus();
  };

  const general = [...errors.general, ...(errors.fields.licenseId ? [errors.fields.licenseId] : [])];

  return (
    <div className="step step--upgrade-quantity">
      <NotificationSummary notification={keyRequest.notification} error={errors.fields.notificationId} />
      {option ? <UpgradeChoiceSummary option={option} /> : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        {general.length ? (
          <Alert tone="error">
            <p>{general.join(' ')}</p>
          </Alert>
        ) : null}
        <TextField
          ref={inputRef}
          id="upgrade-quantity"
          label="Quantity to upgrade"
          className="field--narrow"
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          step={1}
          value={text}
          onValueChange={setText}
          error={errors.fields.quantity}
          disabled={!editable}
          required
          hint={
            option
              ? `Maximum ${max}: ${option.eligibleQuantity} eligible, ${option.eligibleQuantity - option.remainingQuantity} already upgraded.`
              : `Maximum ${max}.`
          }
        />
        <div className="wizard__nav">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
          <SubmitButton busy={fetching} disabled={!editable || max < 1}>
            Continue
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}
