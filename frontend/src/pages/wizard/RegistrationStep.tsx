import type { ReactNode } from 'react';
import { useMutation } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { initialRegistrationForm, prefillSource, type RegistrationFormState } from '../../lib/registration';
import { KeyRequestSetRegistrationMutation } from './documents';
import { userErrorText } from './messages';
import { ProductSummary } from './ProductSummary';
import { RegistrationForm, type RegistrationInputValue, type RegistrationSaveResult } from './RegistrationForm';
import type { KeyRequestUpdate } from './useKeyRequest';
import type { KeyRequestData } from './WizardPage';

interface RegistrationStepProps {
  keyRequest: KeyRequestData;
  onUpdate: (keyRequest: KeyRequestUpdate<KeyRequestData>) => void;
  onBack: () => void;
  onSaved: () => void;
  /** Unsaved form state from an earlier visit to this step (kept when going back to the serials). */
  draft: RegistrationFormState | null;
  onDraftChange: (state: RegistrationFormState) => void;
  /** What the request holds, instead of the products of its serials (e.g. a draw-down's cart). */
  summary?: ReactNode;
}

export function RegistrationStep({ keyRequest, onUpdate, onBack, onSaved, draft, onDraftChange, summary }: RegistrationStepProps) {
  const [{ fetching }, save] = useMutation(KeyRequestSetRegistrationMutation);
  const prefilled = !keyRequest.registration && !!keyRequest.suggestedRegistration;

  const onSave = async ({ registration, hostId }: RegistrationInputValue): Promise<RegistrationSaveResult> => {
    const result = await save({
      input: { keyRequestId: keyRequest.id, registration, hostId: keyRequest.requiresHostId ? hostId : null },
    });
    if (result.error) return { kind: 'failed', message: describeError(result.error) };
    const outcome = result.data?.keyRequestSetRegistration;
    if (!outcome) return { kind: 'failed', message: 'The registration could not be saved.' };
    switch (outcome.__typename) {
      case 'KeyRequestSetRegistrationSuccess':
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
      <section className="subsection" aria-labelledby="products-heading">
        <h3 className="section-title" id="products-heading">
          Products
        </h3>
        {summary ?? <ProductSummary keyRequest={keyRequest} />}
      </section>

      <RegistrationForm
        initial={() => initialRegistrationForm(keyRequest.registration, keyRequest.suggestedRegistration, keyRequest.hostId)}
        draft={draft}
        onDraftChange={onDraftChange}
        requiresHostId={keyRequest.requiresHostId}
        intro={
          <>
            Support and maintenance are registered to this company. License keys are e-mailed to the technical contact.
            {prefilled ? ` We filled in ${prefillSource(keyRequest.suggestedRegistrationSource)}; check that they are still correct.` : ''}
          </>
        }
        busy={fetching}
        onSave={onSave}
        onBack={onBack}
      />
    </div>
  );
}
