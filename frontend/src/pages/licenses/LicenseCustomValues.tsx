import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { CustomValueInput } from '../../components/CustomValueInput';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { byPosition, formatCustomValue, type CustomFieldLike } from '../../lib/customFields';
import { userErrorText } from '../wizard/messages';
import { customValueOutcome } from './customValueOutcome';
import { LicensesSetCustomValuesMutation } from './documents';

interface LicenseCustomValuesProps {
  licenseId: string;
  /** The custom fields of the account that owns the license (also when it is shared with you). */
  accountFields: readonly CustomFieldLike[];
  values: readonly { value: string; field: CustomFieldLike }[];
  /** MANAGE access or more. */
  mayEdit: boolean;
  onSaved: () => void;
}

/** The license's custom field values, each with inline "Edit" for users who may manage the license. */
export function LicenseCustomValues({ licenseId, accountFields, values, mayEdit, onSaved }: LicenseCustomValuesProps) {
  // The owning account's fields, plus any field that has a value here.
  const fields = useMemo(() => {
    const map = new Map<string, CustomFieldLike>();
    for (const field of accountFields) map.set(field.id, field);
    for (const value of values) if (!map.has(value.field.id)) map.set(value.field.id, value.field);
    return byPosition([...map.values()]);
  }, [accountFields, values]);
  const current = new Map(values.map((v) => [v.field.id, v.value]));
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // After an edit closes, focus goes back to its "Edit" button.
  const returnFocus = useRef<string | null>(null);
  useEffect(() => {
    if (editing === null && returnFocus.current) {
      document.getElementById(`cv-${returnFocus.current}-edit`)?.focus();
      returnFocus.current = null;
    }
  }, [editing]);
  const close = (fieldId: string) => {
    returnFocus.current = fieldId;
    setEditing(null);
  };

  return (
    <section className="section" aria-labelledby="custom-fields-heading">
      <h2 className="section__title" id="custom-fields-heading">
        Custom fields
      </h2>
      {saved ? (
        <Alert tone="success">
          <p>{saved}</p>
        </Alert>
      ) : null}
      {fields.length === 0 ? (
        <p className="empty-note">
          The account that owns this license has no custom fields. Its administrators can add them under Custom fields.
        </p>
      ) : (
        <dl className="summary summary--card">
          {fields.map((field) => (
            <div className="summary__row" key={field.id}>
              <dt id={`cv-${field.id}-name`}>
                {field.name}
                {field.required ? <span className="muted small"> (required)</span> : null}
              </dt>
              <dd>
                {editing === field.id ? (
                  <InlineValueEditor
                    licenseId={licenseId}
                    field={field}
                    initial={current.get(field.id) ?? ''}
                    onCancel={() => close(field.id)}
                    onSaved={(message) => {
                      close(field.id);
                      setSaved(message);
                      onSaved();
                    }}
                  />
                ) : (
                  <span className="inline-value">
                    <span>{formatCustomValue(field.type, current.get(field.id))}</span>
                    {mayEdit ? (
                      <button
                        type="button"
                        className="button button--link button--small"
                        id={`cv-${field.id}-edit`}
                        aria-label={`Edit ${field.name}`}
                        onClick={() => {
                          setSaved(null);
                          setEditing(field.id);
                        }}
                      >
                        Edit
                      </button>
                    ) : null}
                  </span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

interface InlineValueEditorProps {
  licenseId: string;
  field: CustomFieldLike;
  initial: string;
  onCancel: () => void;
  onSaved: (message: string) => void;
}

function InlineValueEditor({ licenseId, field, initial, onCancel, onSaved }: InlineValueEditorProps) {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(LicensesSetCustomValuesMutation);
  const inputId = `cv-${field.id}-input`;
  useEffect(() => document.getElementById(inputId)?.focus(), [inputId]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await save({ input: { licenseIds: [licenseId], values: [{ fieldId: field.id, value: value.trim() || null }] } });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licensesSetCustomValues;
    if (!outcome) return;
    if (outcome.__typename === 'LicensesSetCustomValuesSuccess') {
      onSaved(value.trim() ? `${field.name} was saved.` : `${field.name} was cleared.`);
      return;
    }
    const placed = customValueOutcome(outcome);
    setError([placed.valueError, placed.formError].filter(Boolean).join(' ') || userErrorText(outcome));
    document.getElementById(inputId)?.focus();
  };

  return (
    <form
      className="inline-editor"
      onSubmit={onSubmit}
      noValidate
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <CustomValueInput id={inputId} field={field} value={value} onValueChange={setValue} error={error} />
      <div className="inline-editor__actions">
        <SubmitButton busy={fetching} className="button--small">
          Save
        </SubmitButton>
        <button type="button" className="button button--ghost button--small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
