import { useCallback } from 'react';
import { useMutation, useQuery } from 'urql';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { initialRegistrationForm } from '../../lib/registration';
import { userErrorText } from '../wizard/messages';
import { RegistrationForm, type RegistrationInputValue, type RegistrationSaveResult } from '../wizard/RegistrationForm';
import { LicenseRegistrationQuery, LicensesSetRegistrationMutation } from './documents';

interface EditRegistrationDialogProps {
  licenseIds: readonly string[];
  onClose: () => void;
  onDone: (message: string) => void;
}

const ignoreDraft = () => undefined;

/** "Edit support registration…": one registration for every selected license, prefilled from the first one. */
export function EditRegistrationDialog({ licenseIds, onClose, onDone }: EditRegistrationDialogProps) {
  const firstId = licenseIds[0] ?? '';
  const [current, reexecute] = useQuery({ query: LicenseRegistrationQuery, variables: { id: firstId }, requestPolicy: 'network-only' });
  const [{ fetching }, save] = useMutation(LicensesSetRegistrationMutation);
  const onDraftChange = useCallback(ignoreDraft, []);
  const count = licenseIds.length;
  const plural = `${count} license${count === 1 ? '' : 's'}`;

  const onSave = async ({ registration }: RegistrationInputValue): Promise<RegistrationSaveResult> => {
    const result = await save({ input: { licenseIds: [...licenseIds], registration } });
    if (result.error) return { kind: 'failed', message: describeError(result.error) };
    const outcome = result.data?.licensesSetRegistration;
    if (!outcome) return { kind: 'failed', message: 'The registration could not be saved.' };
    switch (outcome.__typename) {
      case 'LicensesSetRegistrationSuccess':
        onDone(`The support registration of ${plural} was updated.`);
        return { kind: 'saved' };
      case 'InvalidInput':
        return { kind: 'invalid', message: outcome.message, field: outcome.field, fieldErrors: outcome.fieldErrors };
      default:
        return { kind: 'failed', message: userErrorText(outcome) };
    }
  };

  return (
    <Dialog title="Edit support registration" onClose={onClose} wide>
      {current.error && !current.data ? (
        <ErrorNotice error={current.error} title="The registration could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !current.data ? (
        <LoadingPanel label="Loading registration…" />
      ) : (
        <RegistrationForm
          initial={() => initialRegistrationForm(current.data?.license?.registration ?? null, null, null)}
          draft={null}
          onDraftChange={onDraftChange}
          requiresHostId={false}
          intro={
            count === 1
              ? 'Support and maintenance of this license are registered to this company.'
              : `Saves this registration on all ${plural}. It is prefilled from the first selected license.`
          }
          busy={fetching}
          onSave={onSave}
          onBack={onClose}
          backLabel="Cancel"
          submitLabel="Save registration"
        />
      )}
    </Dialog>
  );
}
