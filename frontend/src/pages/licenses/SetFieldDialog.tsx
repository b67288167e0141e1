import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { CustomValueInput } from '../../components/CustomValueInput';
import { Dialog } from '../../components/Dialog';
import { describeError } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { SubmitButton } from '../../components/SubmitButton';
import type { CustomFieldLike } from '../../lib/customFields';
import { userErrorText } from '../wizard/messages';
import { LicensesSetCustomValuesMutation } from './documents';
import { customValueOutcome } from './customValueOutcome';

interface SetFieldDialogProps {
  licenseIds: readonly string[];
  customFields: readonly CustomFieldLike[];
  onClose: () => void;
  /** Called with a confirmation sentence once the values are saved. */
  onDone: (message: string) => void;
}

/** "Set field…": one custom field value for every selected license. */
export function SetFieldDialog({ licenseIds, customFields, onClose, onDone }: SetFieldDialogProps) {
  const [fieldId, setFieldId] = useState(customFields[0]?.id ?? '');
  const [value, setValue] = useState('');
  const [valueError, setValueError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(LicensesSetCustomValuesMutation);
  const field = customFields.find((f) => f.id === fieldId) ?? null;
  const count = licenseIds.length;
  const plural = `${count} license${count === 1 ? '' : 's'}`;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!field) return;
    setValueError(null);
    setFormError(null);
    const result = await save({ input: { licenseIds: [...licenseIds], values: [{ fieldId: field.id, value: value.trim() || null }] } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licensesSetCustomValues;
    if (!outcome) {
      setFormError('The value could not be saved.');
      return;
    }
    if (outcome.__typename === 'LicensesSetCustomValuesSuccess') {
      onDone(value.trim() ? `${field.name} was set on ${plural}.` : `${field.name} was cleared on ${plural}.`);
      return;
    }
    const placed = customValueOutcome(outcome);
    if (placed.valueError) {
      setValueError(placed.valueError);
      document.getElementById('set-field-value')?.focus();
    }
    if (placed.formError) setFormError(placed.formError);
    if (!placed.valueError && !placed.formError) setFormError(userErrorText(outcome));
  };

  return (
    <Dialog title="Set field" description={`Sets one custom field on the ${plural} you selected. An empty value clears it.`} onClose={onClose}>
      <form className="form" onSubmit={onSubmit} noValidate>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <SelectField
          id="set-field-field"
          label="Field"
          value={fieldId}
          onValueChange={(next) => {
            setFieldId(next);
            setValue('');
            setValueError(null);
          }}
        >
          {customFields.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </SelectField>
        {field ? (
          <CustomValueInput
            key={field.id}
            id="set-field-value"
            field={field}
            label="Value"
            value={value}
            onValueChange={setValue}
            error={valueError}
            hint={field.type === 'NUMBER' ? 'A number, e.g. 1200 or 12.5.' : undefined}
          />
        ) : null}
        <div className="form__actions">
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={fetching} disabled={!field}>
            Apply
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
