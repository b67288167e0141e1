import { Fragment, useState } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { OutcomeAlerts } from '../../components/OutcomeAlerts';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { usePageTitle } from '../../components/usePageTitle';
import { byPosition, cleanOptions, customFieldTypeLabel, type CustomFieldDraft, type CustomFieldLike } from '../../lib/customFields';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { asAccount } from '../../lib/accounts';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { userErrorText } from '../wizard/messages';
import { CustomFieldForm, type CustomFieldSaveErrors } from './CustomFieldForm';
import { CustomFieldCreateMutation, CustomFieldDeleteMutation, CustomFieldSettingsQuery, CustomFieldUpdateMutation } from './documents';

const EMPTY_DRAFT: CustomFieldDraft = { name: '', type: 'TEXT', options: [], required: false };

/** Server answers for create/update as the form shows them. */
function saveErrors(outcome: { __typename: string; message: string; field?: string | null; fieldErrors?: readonly { field: string; code: string; message: string }[] }): Record<string, string> {
  if (outcome.__typename !== 'InvalidInput' || !outcome.fieldErrors) return { form: outcome.message || 'The field could not be saved.' };
  const mapped = mapFieldErrors(outcome.fieldErrors);
  const errors: Record<string, string> = {};
  for (const [path, message] of Object.entries(mapped)) {
    const key = path.startsWith('options') ? 'options' : path === 'name' ? 'name' : 'form';
    errors[key] = errors[key] ? `${errors[key]} ${message}` : message;
  }
  if (Object.keys(errors).length === 0) errors['form'] = outcome.message || 'The field could not be saved.';
  return errors;
}

/** Custom fields of the selected account: administrators add, rename, reorder and delete them. */
export function CustomFieldsPage() {
  usePageTitle('Custom fields');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reload] = useAccountQuery(CustomFieldSettingsQuery, accountId, 'CustomField');
  if (!membership) return null;
  const account = asAccount(result.data?.node);
  const isAdmin = (account?.viewerRole ?? membership.role) === 'ADMIN';

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Custom fields</h1>
          <p className="page__lead">
            Your own columns for the licenses of {membership.account.name}, such as a cost center or a renewal owner. They can be
            filtered, sorted and exported.
          </p>
        </div>
      </div>
      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The custom fields could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading custom fields…" />
      ) : !account ? null : (
        <CustomFieldsView accountId={account.id} fields={byPosition(account.customFields)} isAdmin={isAdmin} onReload={reload} />
      )}
    </div>
  );
}

interface CustomFieldsViewProps {
  accountId: string;
  fields: CustomFieldLike[];
  isAdmin: boolean;
  onReload: () => void;
}

function CustomFieldsView({ accountId, fields, isAdmin, onReload }: CustomFieldsViewProps) {
  const [{ fetching: creating }, create] = useMutation(CustomFieldCreateMutation);
  const [{ fetching: updating }, update] = useMutation(CustomFieldUpdateMutation);
  const [{ fetching: deleting }, remove] = useMutation(CustomFieldDeleteMutation);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<CustomFieldLike | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [moving, setMoving] = useState<string | null>(null);

  const onCreate = async (draft: CustomFieldDraft): Promise<CustomFieldSaveErrors> => {
    setNotice(null);
    const result = await create({
      input: { accountId, name: draft.name.trim(), type: draft.type, options: cleanOptions(draft), required: draft.required },
    });
    if (result.error) return { form: describeError(result.error) };
    const outcome = result.data?.customFieldCreate;
    if (!outcome) return { form: 'The field could not be created.' };
    if (outcome.__typename === 'CustomFieldCreateSuccess') {
      setNotice(`The field ${outcome.customField.name} was added.`);
      onReload();
      return null;
    }
    return saveErrors(outcome);
  };

  const onUpdate = async (field: CustomFieldLike, draft: CustomFieldDraft): Promise<CustomFieldSaveErrors> => {
    setNotice(null);
    const result = await update({
      input: {
        customFieldId: field.id,
        name: draft.name.trim(),
        required: draft.required,
        ...(field.type === 'CHOICE' ? { options: cleanOptions(draft) } : {}),
      },
    });
    if (result.error) return { form: describeError(result.error) };
    const outcome = result.data?.customFieldUpdate;
    if (!outcome) return { form: 'The field could not be saved.' };
    if (outcome.__typename === 'CustomFieldUpdateSuccess') {
      setEditing(null);
      setNotice(`The field ${outcome.customField.name} was saved.`);
      onReload();
      window.setTimeout(() => document.getElementById(`cf-edit-${field.id}`)?.focus(), 0);
      return null;
    }
    return saveErrors(outcome);
  };

  const onMove = async (field: CustomFieldLike, offset: -1 | 1) => {
    const index = fields.findIndex((f) => f.id === field.id);
    const neighbour = fields[index + offset];
    if (!neighbour) return;
    setError(null);
    setNotice(null);
    setMoving(`${field.id}:${offset}`);
    const result = await update({ input: { customFieldId: field.id, position: neighbour.position } });
    setMoving(null);
    if (result.error) return setError(describeError(result.error));
    const outcome = result.data?.customFieldUpdate;
    if (outcome && outcome.__typename !== 'CustomFieldUpdateSuccess') return setError(userErrorText(outcome));
    onReload();
    window.setTimeout(() => document.getElementById(`cf-move-${offset < 0 ? 'up' : 'down'}-${field.id}`)?.focus(), 0);
  };

  const onDelete = async (field: CustomFieldLike) => {
    setError(null);
    setNotice(null);
    const result = await remove({ input: { customFieldId: field.id } });
    setConfirmDelete(null);
    if (result.error) return setError(describeError(result.error));
    const outcome = result.data?.customFieldDelete;
    if (!outcome) return;
    if (outcome.__typename === 'CustomFieldDeleteSuccess') {
      setNotice(`The field ${field.name} was deleted.`);
      onReload();
    } else setError(userErrorText(outcome));
  };

  return (
    <>
      {!isAdmin ? (
        <Alert tone="info" live={false}>
          <p>Only administrators of this account can add or change custom fields.</p>
        </Alert>
      ) : null}
      <OutcomeAlerts error={error ? { title: 'The change could not be saved', text: error } : null} notice={notice} />

      <section className="section" aria-labelledby="fields-heading">
        <h2 className="section__title" id="fields-heading">
          Fields
        </h2>
        {fields.length === 0 ? (
          <p className="empty-note">No custom fields yet.</p>
        ) : (
          <div className="card card--flush">
            <div className="table-wrap">
              <table className="table table--stack">
                <caption className="visually-hidden">Custom fields, in the order the licenses table shows them</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Required</th>
                    <th scope="col">Options</th>
                    {isAdmin ? (
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {fields.map((field, index) => (
                    <Fragment key={field.id}>
                      <tr>
                        <th scope="row" data-label="Name" className="table__row-title">
                          {field.name}
                        </th>
                        <td data-label="Type">{customFieldTypeLabel(field.type)}</td>
                        <td data-label="Required">{field.required ? 'Yes' : 'No'}</td>
                        <td data-label="Options">{field.options.length ? field.options.join(', ') : <span className="muted">—</span>}</td>
                        {isAdmin ? (
                          <td className="table__actions">
                            <div className="row-actions">
                              <SubmitButton
                                type="button"
                                variant="ghost"
                                className="button--small"
                                id={`cf-move-up-${field.id}`}
                                aria-label={`Move ${field.name} up`}
                                busy={moving === `${field.id}:-1`}
                                disabled={index === 0 || updating}
                                onClick={() => onMove(field, -1)}
                              >
                                ↑
                              </SubmitButton>
                              <SubmitButton
                                type="button"
                                variant="ghost"
                                className="button--small"
                                id={`cf-move-down-${field.id}`}
                                aria-label={`Move ${field.name} down`}
                                busy={moving === `${field.id}:1`}
                                disabled={index === fields.length - 1 || updating}
                                onClick={() => onMove(field, 1)}
                              >
                                ↓
                              </SubmitButton>
                              <button
                                type="button"
                                className="button button--ghost button--small"
                                id={`cf-edit-${field.id}`}
                                aria-label={`Edit ${field.name}`}
                                aria-expanded={editing === field.id}
                                onClick={() => setEditing(editing === field.id ? null : field.id)}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="button button--ghost button--small button--danger-text"
                                aria-label={`Delete ${field.name}`}
                                onClick={() => setConfirmDelete(field)}
                              >
                                Delete
                              </button>
                            </div>
                          </td>
                        ) : null}
                      </tr>
                      {editing === field.id ? (
                        <tr className="table__detail">
                          <td colSpan={5}>
                            <CustomFieldForm
                              mode="edit"
                              initial={{ name: field.name, type: field.type, options: [...field.options], required: field.required }}
                              otherNames={fields.filter((f) => f.id !== field.id).map((f) => f.name)}
                              busy={updating}
                              onSave={(draft) => onUpdate(field, draft)}
                              onCancel={() => {
                                setEditing(null);
                                window.setTimeout(() => document.getElementById(`cf-edit-${field.id}`)?.focus(), 0);
                              }}
                            />
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>

      {isAdmin ? (
        <section className="section" aria-labelledby="new-field-heading">
          <h2 className="section__title" id="new-field-heading">
            Add a field
          </h2>
          <div className="card card--padded">
            <CustomFieldForm mode="create" initial={EMPTY_DRAFT} otherNames={fields.map((f) => f.name)} busy={creating} onSave={onCreate} />
          </div>
        </section>
      ) : null}

      {confirmDelete ? (
        <Dialog title={`Delete ${confirmDelete.name}?`} onClose={() => setConfirmDelete(null)}>
          <p>The field and its values on every license of this account are deleted. This cannot be undone.</p>
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setConfirmDelete(null)}>
              Cancel
            </button>
            <SubmitButton type="button" variant="danger" busy={deleting} onClick={() => onDelete(confirmDelete)}>
              Delete field
            </SubmitButton>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
