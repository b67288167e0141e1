import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { EmailField } from '../../components/EmailField';
import { describeError } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { SubmitButton } from '../../components/SubmitButton';
import { useEmailForm } from '../../components/useEmailForm';
import type { LicenseSharingFieldsFragment, SharePermission } from '../../gql/graphql';
import { fieldMessage, mapFieldErrors } from '../../lib/fieldErrors';
import { formatDate } from '../../lib/format';
import { rateLimitedText, userErrorText } from '../wizard/messages';
import { LicenseShareMutation, LicenseTransferOwnershipMutation, LicenseUnshareMutation } from './documents';

type Share = LicenseSharingFieldsFragment['shares'][number];

export const PERMISSION_LABELS: Record<SharePermission, string> = {
  VIEW: 'Can view',
  MANAGE: 'Can manage',
};

interface ShareDialogProps {
  licenseId: string;
  title: string;
  shares: readonly Share[];
  onClose: () => void;
  onChanged: () => void;
}

/**
 * "Share license": add an e-mail with View or Manage permission (sharing the
 * same e-mail again changes its permission), and remove current shares.
 */
export function ShareDialog({ licenseId, title, shares, onClose, onChanged }: ShareDialogProps) {
  const { email, setEmail, emailError, formError, setFormError, focusEmail, showEmailError, begin } = useEmailForm('share-email');
  const [permission, setPermission] = useState<SharePermission>('VIEW');
  const [status, setStatus] = useState<string | null>(null);
  const [list, setList] = useState<readonly Share[]>(shares);
  const [{ fetching: sharing }, share] = useMutation(LicenseShareMutation);
  const [{ fetching: removing }, unshare] = useMutation(LicenseUnshareMutation);
  const [removingEmail, setRemovingEmail] = useState<string | null>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    const address = begin('Enter an e-mail address, e.g. name@example.com.');
    if (address === null) return;
    const result = await share({ input: { licenseId, email: address, permission } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licenseShare;
    if (!outcome) return;
    if (outcome.__typename === 'LicenseShareSuccess') {
      setList(outcome.license.shares);
      setStatus(`Shared with ${address} (${PERMISSION_LABELS[permission].toLowerCase()}).`);
      setEmail('');
      onChanged();
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      const errors = mapFieldErrors(outcome.fieldErrors);
      if (errors['email']) showEmailError(errors['email']);
      const other = Object.entries(errors)
        .filter(([field]) => field !== 'email')
        .map(([, message]) => message);
      if (other.length || !errors['email']) setFormError(other.join(' ') || outcome.message);
      return;
    }
    if (outcome.__typename === 'RateLimited') {
      setFormError(rateLimitedText(outcome, 'Too many invitations.'));
      return;
    }
    setFormError(userErrorText(outcome));
  };

  const onRemove = async (address: string) => {
    setFormError(null);
    setStatus(null);
    setRemovingEmail(address);
    const result = await unshare({ input: { licenseId, email: address } });
    setRemovingEmail(null);
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licenseUnshare;
    if (!outcome) return;
    if (outcome.__typename === 'LicenseUnshareSuccess') {
      setList(outcome.license.shares);
      setStatus(`${address} no longer has access.`);
      focusEmail();
      onChanged();
    } else {
      setFormError(userErrorText(outcome));
    }
  };

  return (
    <Dialog title="Share license" description={`People you share ${title} with can see it under "Shared with me".`} onClose={onClose} wide>
      <form className="form share-form" onSubmit={onSubmit} noValidate aria-label="Add a person">
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <div className="share-form__row">
          <EmailField id="share-email" label="E-mail" value={email} onValueChange={setEmail} error={emailError} />
          <SelectField id="share-permission" label="Permission" value={permission} onValueChange={(v) => setPermission(v as SharePermission)}>
            <option value="VIEW">{PERMISSION_LABELS.VIEW}</option>
            <option value="MANAGE">{PERMISSION_LABELS.MANAGE}</option>
          </SelectField>
          <SubmitButton busy={sharing} className="share-form__submit">
            Share
          </SubmitButton>
        </div>
        <p className="field__hint">“Can manage” also allows editing custom fields and the support registration.</p>
      </form>
      <p className="muted small share-status" role="status">
        {status}
      </p>

      <h3 className="section-title">People with access</h3>
      {list.length === 0 ? (
        <p className="empty-note">This license is not shared with anyone.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--stack">
            <caption className="visually-hidden">People this license is shared with</caption>
            <thead>
              <tr>
                <th scope="col">E-mail</th>
                <th scope="col">Permission</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id}>
                  <td data-label="E-mail">
                    <span>
                      {s.email}
                      {s.user ? null : <span className="muted small block">Not signed up yet</span>}
                    </span>
                  </td>
                  <td data-label="Permission">{PERMISSION_LABELS[s.permission]}</td>
                  <td data-label="Since">{formatDate(s.createdAt)}</td>
                  <td className="table__actions">
                    <SubmitButton
                      type="button"
                      variant="ghost"
                      className="button--small button--danger-text"
                      busy={removingEmail === s.email}
                      disabled={removing && removingEmail !== s.email}
                      aria-label={`Remove ${s.email}`}
                      onClick={() => onRemove(s.email)}
                    >
                      Remove
                    </SubmitButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

interface TransferDialogProps {
  licenseId: string;
  title: string;
  ownerEmail: string | null;
  onClose: () => void;
  onDone: (message: string) => void;
}

/** "Transfer ownership": the new owner must be a member of the license's account. */
export function TransferOwnershipDialog({ licenseId, title, ownerEmail, onClose, onDone }: TransferDialogProps) {
  const { email, setEmail, emailError, setEmailError, formError, setFormError, focusEmail, begin } = useEmailForm('transfer-email');
  const [{ fetching }, transfer] = useMutation(LicenseTransferOwnershipMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const address = begin('Enter the e-mail address of a member of this account.');
    if (address === null) return;
    const result = await transfer({ input: { licenseId, email: address } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.licenseTransferOwnership;
    if (!outcome) return;
    if (outcome.__typename === 'LicenseTransferOwnershipSuccess') {
      onDone(`${title} now belongs to ${outcome.license.owner?.email ?? address}.`);
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      const errors = mapFieldErrors(outcome.fieldErrors);
      setEmailError(fieldMessage(outcome, 'email'));
      if (!errors['email'] && outcome.field !== 'email') setFormError(Object.values(errors).join(' ') || outcome.message);
      focusEmail();
      return;
    }
    setFormError(userErrorText(outcome));
  };

  return (
    <Dialog
      title="Transfer ownership"
      description={ownerEmail ? `${title} belongs to ${ownerEmail}. The new owner must be a member of this account.` : 'The new owner must be a member of this account.'}
      onClose={onClose}
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <EmailField id="transfer-email" label="New owner's e-mail" value={email} onValueChange={setEmail} error={emailError} />
        <div className="form__actions">
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={fetching}>Transfer</SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
