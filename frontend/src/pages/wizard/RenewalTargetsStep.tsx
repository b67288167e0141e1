import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { LicenseChoice } from '../../components/LicenseChoice';
import { SubmitButton } from '../../components/SubmitButton';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { initialRenewalChoices, renewalErrorsBySerial, renewalTargets, type RenewalChoices } from '../../lib/renewals';
import { KeyRequestSelectRenewalsMutation } from './documents';
import { userErrorText } from './messages';
import type { KeyRequestData } from './WizardPage';
import { formatSerial } from '../../lib/serials';

interface RenewalTargetsStepProps {
  keyRequest: KeyRequestData;
  /** The license the user chose "Renew" on, preselected where it fits. */
  preferredLicenseId: string | null;
  onUpdate: (keyRequest: KeyRequestData) => void;
  onBack: () => void;
  onSaved: () => void;
}

const groupId = (index: number) => `renewal-${index}`;

/** Renewal serials: pick, for each, the existing license whose maintenance it extends. */
export function RenewalTargetsStep({ keyRequest, preferredLicenseId, onUpdate, onBack, onSaved }: RenewalTargetsStepProps) {
  const candidates = keyRequest.renewalCandidates;
  const [choices, setChoices] = useState<RenewalChoices>(() =>
    initialRenewalChoices(candidates, keyRequest.renewals, preferredLicenseId),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, select] = useMutation(KeyRequestSelectRenewalsMutation);
  const editable = keyRequest.status === 'DRAFT';
  const anyWithoutLicenses = candidates.some((c) => c.licenses.length === 0);

  const focusGroup = (serialNumber: string) => {
    const index = candidates.findIndex((c) => c.serialNumber === serialNumber);
    const group = document.getElementById(groupId(index));
    const radio = group?.querySelector<HTMLInputElement>('input[type=radio]:checked') ?? group?.querySelector<HTMLInputElement>('input[type=radio]');
    radio?.focus();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setErrors({});
    const { targets, missing } = renewalTargets(candidates, choices);
    if (missing.length > 0) {
      const next: Record<string, string> = {};
      for (const serial of missing) next[serial] = 'Choose the license this serial number renews.';
      setErrors(next);
      focusGroup(missing[0]!);
      return;
    }
    const result = await select({ input: { keyRequestId: keyRequest.id, renewals: targets } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.keyRequestSelectRenewals;
    if (!outcome) return;
    if (outcome.__typename === 'KeyRequestSelectRenewalsSuccess') {
      onUpdate(outcome.keyRequest);
      onSaved();
      return;
    }
    const fieldErrors =
      outcome.__typename === 'InvalidInput'
        ? outcome.fieldErrors
        : outcome.field
          ? [{ field: outcome.field, code: outcome.code, message: userErrorText(outcome) }]
          : [];
    const { bySerial, other } = renewalErrorsBySerial(mapFieldErrors(fieldErrors), targets);
    setErrors(bySerial);
    const placed = Object.keys(bySerial);
    if (other.length > 0 || placed.length === 0) {
      setFormError(other.length ? other.join(' ') : userErrorText(outcome));
    } else {
      setFormError(outcome.message || 'Please check the highlighted choices.');
    }
    if (placed.length > 0) {
      const first = candidates.find((c) => c.serialNumber in bySerial);
      if (first) focusGroup(first.serialNumber);
    }
  };

  return (
    <div className="step step--renewals">
      <form className="form" onSubmit={onSubmit} noValidate>
        <h3 className="section-title">Licenses to renew</h3>
        <p className="step__intro">
          A renewal serial number extends the maintenance of a license you already have. Choose the license each renewal
          serial number is for; it must be a license of the same product.
        </p>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}

        {candidates.map((candidate, index) => {
          const error = errors[candidate.serialNumber];
          const errorId = `${groupId(index)}-error`;
          const legendId = `${groupId(index)}-legend`;
          return (
            <fieldset
              key={candidate.serialNumber}
              id={groupId(index)}
              className={`fieldset choice-group${error ? ' choice-group--invalid' : ''}`}
              aria-describedby={error ? errorId : undefined}
            >
              <legend className="fieldset__legend" id={legendId}>
                Renewal serial <code className="mono">{formatSerial(candidate.serialNumber)}</code> · {candidate.product.name}{' '}
                <span className="muted">{candidate.product.version}</span>
              </legend>
              {error ? (
                <p className="field__error" id={errorId}>
                  {error}
                </p>
              ) : null}
              {candidate.licenses.length === 0 ? (
                <Alert tone="warning" live={false}>
                  <p>
                    This account has no {candidate.product.name} license that this serial number can renew. Remove the serial
                    number in the previous step, or switch to the account that holds the license.
                  </p>
                </Alert>
              ) : (
                <ul className="choice-list">
                  {candidate.licenses.map((license) => (
                    <li key={license.id}>
                      <LicenseChoice
                        name={`renewal-target-${index}`}
                        license={license}
                        checked={choices[candidate.serialNumber] === license.id}
                        disabled={!editable}
                        invalid={!!error}
                        describedBy={error ? errorId : undefined}
                        onChange={() => setChoices((current) => ({ ...current, [candidate.serialNumber]: license.id }))}
                      />
                    </li>
                  ))}
                </ul>
              )}
            </fieldset>
          );
        })}

        <div className="wizard__nav">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
          <SubmitButton busy={fetching} disabled={!editable || anyWithoutLicenses || candidates.length === 0}>
            Use these licenses
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}
