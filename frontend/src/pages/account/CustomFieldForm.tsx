import { useId, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert';
import { SelectField } from '../../components/SelectField';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import type { CustomFieldType } from '../../gql/graphql';
import { CUSTOM_FIELD_TYPES, validateCustomFieldDraft, type CustomFieldDraft } from '../../lib/customFields';

/** What saving came to: null when saved, else field ("name", "options", "form") → message. */
export type CustomFieldSaveErrors = Record<string, string> | null;

interface CustomFieldFormProps {
  mode: 'create' | 'edit';
  initial: CustomFieldDraft;
  /** Names of the other fields, to catch duplicates before sending. */
  otherNames: readonly string[];
  busy: boolean;
  onSave: (draft: CustomFieldDraft) => Promise<CustomFieldSaveErrors>;
  onCancel?: () => void;
}

/** Name, type, options (for choice fields) and "Required" of a custom field. */
export function CustomFieldForm({ mode, initial, otherNames, busy, onSave, onCancel }: CustomFieldFormProps) {
  const id = useId();
  const [draft, setDraft] = useState<CustomFieldDraft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const optionsRef = useRef<HTMLFieldSetElement>(null);
  const set = (changes: Partial<CustomFieldDraft>) => setDraft((d) => ({ ...d, ...changes }));

  const focusFirstError = (found: Record<string, string>) => {
    if (found['name']) document.getElementById(`${id}-name`)?.focus();
    else if (found['options']) optionsRef.current?.querySelector<HTMLInputElement>('input, button')?.focus();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateCustomFieldDraft(draft, otherNames);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirstError(found);
      return;
    }
    const result = await onSave(draft);
    if (result === null) {
      if (mode === 'create') setDraft(initial);
      setErrors({});
      return;
    }
    setErrors(result);
    focusFirstError(result);
  };

  const options = draft.options.length ? draft.options : [''];
  const optionsErrorId = `${id}-options-error`;

  return (
    <form className="form custom-field-form" onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New custom field' : `Edit ${initial.name}`}>
      {errors['form'] ? (
        <Alert tone="error">
          <p>{errors['form']}</p>
        </Alert>
      ) : null}
      <div className="grid grid--2">
        <TextField id={`${id}-name`} label="Name" value={draft.name} onValueChange={(name) => set({ name })} error={errors['name']} maxLength={100} required />
        <SelectField
          id={`${id}-type`}
          label="Type"
          value={draft.type}
          onValueChange={(type) => set({ type: type as CustomFieldType })}
          disabled={mode === 'edit'}
          hint={mode === 'edit' ? 'The type of an existing field cannot change.' : undefined}
        >
          {CUSTOM_FIELD_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </SelectField>
      </div>

      {draft.type === 'CHOICE' ? (
        <fieldset
          className={`fieldset options-editor${errors['options'] ? ' choice-group--invalid' : ''}`}
          ref={optionsRef}
          aria-describedby={errors['options'] ? optionsErrorId : undefined}
        >
          <legend className="fieldset__legend">Options</legend>
          <ol className="options-editor__list">
            {options.map((option, index) => (
              <li key={index} className="options-editor__item">
                <label className="visually-hidden" htmlFor={`${id}-option-${index}`}>
                  Option {index + 1}
                </label>
                <input
                  id={`${id}-option-${index}`}
                  className="input"
                  value={option}
                  aria-invalid={errors['options'] ? true : undefined}
                  onChange={(event) => set({ options: options.map((o, i) => (i === index ? event.target.value : o)) })}
                />
                <button
                  type="button"
                  className="button button--ghost button--small"
                  aria-label={`Remove option ${index + 1}`}
                  disabled={options.length === 1}
                  onClick={() => set({ options: options.filter((_, i) => i !== index) })}
                >
                  Remove
                </button>
              </li>
            ))}
          </ol>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => {
              set({ options: [...options, ''] });
              window.setTimeout(() => document.getElementById(`${id}-option-${options.length}`)?.focus(), 0);
            }}
          >
            Add option
          </button>
          {errors['options'] ? (
            <p className="field__error" id={optionsErrorId}>
              {errors['options']}
            </p>
          ) : null}
        </fieldset>
      ) : null}

      <div className="checkbox">
        <input id={`${id}-required`} type="checkbox" checked={draft.required} onChange={(event) => set({ required: event.target.checked })} />
        <label htmlFor={`${id}-required`}>Required</label>
      </div>

      <div className="form__actions form__actions--start">
        <SubmitButton busy={busy}>{mode === 'create' ? 'Create field' : 'Save changes'}</SubmitButton>
        {onCancel ? (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
