import { useMutation } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { initialRegistrationForm, prefillSource, type RegistrationFormState } from '../../lib/registration';
import { userErrorText } from '../wizard/messages';
import { RegistrationForm, type RegistrationInputValue, type RegistrationSaveResult } from '../wizard/RegistrationForm';
import { UpgradeRequestSetRegistrationMutation } from './documents';
import { chosenOption, type UpgradeRequestData } from './types';
import { UpgradeChoiceSummary } from './UpgradeChoiceSummary';

interface UpgradeRegistrationStepProps {
  keyRequest: UpgradeRequestData;
  onUpdate: (keyRequest: UpgradeRequestData) => void;
  onBack: () => void;
  onSaved: () => void;
  draft: RegistrationFormState | null;
  onDraftChange: (state: RegistrationFormState) => void;
}

/**
 * Step 6: the support registration of the upgraded license, prefilled from
 * this request, else from the license being upgraded, else the account's last one.
 */
export function UpgradeRegistrationStep({ keyRequest, onUpdate, onBack, onSaved, draft, onDraftChange }: UpgradeRegistrationStepProps) {
  const [{ fetching }, save] = useMutation(UpgradeRequestSetRegistrationMutation);
  const option = chosenOption(keyRequest);
  const existing = keyRequest.upgradeLicense?.registration ?? null;

  const onSave = async ({ registration }: RegistrationInputValue): Promise<RegistrationSaveResult> => {
    const result = await save({ input: { keyRequestId: keyRequest.id, registration } });
    if (result.error) return { kind: 'failed', message: describeError(result.error) };
    const outcome = result.data?.upgradeRequestSetRegistration;
    if (!outcome) return { kind: 'failed', message: 'The registration could not be saved.' };
    switch (outcome.__typename) {
      case 'UpgradeRequestSetRegistrationSuccess':
        onUpdate(outcome.keyRequest);
        onSaved();
        return { kind: 'saved' };
      case 'InvalidInput':
        return { kind: 'invalid', message: outcome.message, field: outcome.field, fieldErrors: outcome.fieldErrors };
      default:
        return { kind: 'failed', message: userErrorText(outcome) };
    }
  };

  return (
    <div className="step step--registration">
      {option ? <UpgradeChoiceSummary option={option} /> : null}
      <RegistrationForm
        initial={() => initialRegistrationForm(keyRequest.registration, existing ?? keyRequest.suggestedRegistration, null)}
        draft={draft}
        onDraftChange={onDraftChange}
        requiresHostId={false}
        intro={
          <>
            The upgraded license keeps this support registration, and its keys are e-mailed to the technical contact.
            {!keyRequest.registration && existing
              ? ` We filled in the registration of the license you upgrade (${prefillSource(keyRequest.suggestedRegistrationSource)}); edit anything that has changed.`
              : ''}
          </>
        }
        busy={fetching}
        onSave={onSave}
        onBack={onBack}
      />
    </div>
  );
}
