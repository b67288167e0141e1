import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { EmailField } from '../../components/EmailField';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { OutcomeAlerts, type ActionError } from '../../components/OutcomeAlerts';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { useEmailForm } from '../../components/useEmailForm';
import { usePageTitle } from '../../components/usePageTitle';
import type { AccountMembersFieldsFragment, MembershipRole } from '../../gql/graphql';
import { fieldMessage, mapFieldErrors } from '../../lib/fieldErrors';
import { formatDate, humanize } from '../../lib/format';
import { asAccount } from '../../lib/accounts';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { rateLimitedText, userErrorText } from '../wizard/messages';
import {
  AccountInvitationRevokeMutation,
  AccountMemberInviteMutation,
  AccountMemberRemoveMutation,
  AccountMembersQuery,
  AccountMemberSetRoleMutation,
} from './documents';

type AccountData = AccountMembersFieldsFragment;
type Member = AccountData['members'][number];

const ROLES: readonly { role: MembershipRole; label: string; hint: string }[] = [
  { role: 'ADMIN', label: 'Admin', hint: 'manages members, custom fields and every license' },
  { role: 'MEMBER', label: 'Member', hint: 'requests keys and edits licenses' },
  { role: 'VIEWER', label: 'Viewer', hint: 'sees licenses but changes nothing' },
];

/** Shown for LastAdmin: the change would leave the account without an administrator. */
const LAST_ADMIN_TEXT = 'The account needs at least one administrator. Make another member an admin first, then try again.';

function lastAdminText(error: { message: string }): string {
  return error.message ? `${error.message} Make another member an admin first, then try again.` : LAST_ADMIN_TEXT;
}

/** The selected account's members and invitations; admins change roles, invite and remove people. */
export function MembersPage() {
  usePageTitle('Members');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reload] = useAccountQuery(AccountMembersQuery, accountId);
  if (!membership) return null;
  const account = asAccount(result.data?.node);

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Members</h1>
          <p className="page__lead">People who work with the licenses of {membership.account.name}.</p>
        </div>
      </div>
      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The members could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading members…" />
      ) : !account ? (
        <Alert tone="warning" title="Account not available">
          <p>You no longer have access to {membership.account.name}.</p>
        </Alert>
      ) : (
        <MembersView key={account.id} account={account} isAdmin={(account.viewerRole ?? membership.role) === 'ADMIN'} onReload={reload} />
      )}
    </div>
  );
}

interface MembersViewProps {
  account: AccountData;
  isAdmin: boolean;
  onReload: () => void;
}

function MembersView({ account, isAdmin, onReload }: MembersViewProps) {
  const { resetSession } = useSession();
  const navigate = useNavigate();
  const [{ fetching: settingRole }, setRole] = useMutation(AccountMemberSetRoleMutation);
  const [, remove] = useMutation(AccountMemberRemoveMutation);
  const [, revoke] = useMutation(AccountInvitationRevokeMutation);
  const [error, setError] = useState<ActionError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [confirmLeave, setConfirmLeave] = useState(false);

  const begin = (key: string) => {
    setError(null);
    setNotice(null);
    setPending(key);
  };

  const onRole = async (member: Member, role: MembershipRole) => {
    begin(`role-${member.user.id}`);
    const result = await setRole({ input: { accountId: account.id, userId: member.user.id, role } });
    setPending(null);
    if (result.error) return setError({ title: 'The role could not be changed', text: describeError(result.error) });
    const outcome = result.data?.accountMemberSetRole;
    if (!outcome) return;
    if (outcome.__typename === 'AccountMemberSetRoleSuccess') {
      setNotice(`${member.user.name || member.user.email} is now ${humanize(role).toLowerCase()}.`);
      if (member.isYou) resetSession();
      onReload();
    } else if (outcome.__typename === 'LastAdmin') {
      setError({ title: 'The last administrator cannot be changed', text: lastAdminText(outcome) });
    } else {
      setError({ title: 'The role could not be changed', text: userErrorText(outcome) });
    }
  };

  const onRemove = async (member: Member) => {
    begin(`remove-${member.user.id}`);
    const result = await remove({ input: { accountId: account.id, userId: member.user.id } });
    setPending(null);
    setConfirmLeave(false);
    const leaving = member.isYou;
    const title = leaving ? 'You could not leave the account' : 'The member could not be removed';
    if (result.error) return setError({ title, text: describeError(result.error) });
    const outcome = result.data?.accountMemberRemove;
    if (!outcome) return;
    if (outcome.__typename === 'AccountMemberRemoveSuccess') {
      if (leaving) {
        navigate('/', { replace: true });
        resetSession();
        return;
      }
      setNotice(`${member.user.name || member.user.email} was removed from ${account.name}.`);
      onReload();
    } else if (outcome.__typename === 'LastAdmin') {
      setError({ title: leaving ? 'You are the last administrator' : 'The last administrator cannot be removed', text: lastAdminText(outcome) });
    } else {
      setError({ title, text: userErrorText(outcome) });
    }
  };

  const onRevoke = async (id: string, email: string) => {
    begin(`revoke-${id}`);
    const result = await revoke({ input: { invitationId: id } });
    setPending(null);
    if (result.error) return setError({ title: 'The invitation could not be revoked', text: describeError(result.error) });
    const outcome = result.data?.accountInvitationRevoke;
    if (!outcome) return;
    if (outcome.__typename === 'AccountInvitationRevokeSuccess') {
      setNotice(`The invitation for ${email} was revoked.`);
      onReload();
    } else {
      setError({ title: 'The invitation could not be revoked', text: userErrorText(outcome) });
    }
  };

  const you = account.members.find((m) => m.isYou) ?? null;

  return (
    <>
      <OutcomeAlerts error={error} notice={notice} />

      <section className="section" aria-labelledby="members-heading">
        <div className="section__header">
          <h2 className="section__title" id="members-heading">
            People
          </h2>
          <span className="muted small">
            {account.members.length} member{account.members.length === 1 ? '' : 's'}
          </span>
        </div>
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Members of {account.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {account.members.map((member) => {
                  const name = member.user.name || member.user.email;
                  return (
                    <tr key={member.user.id}>
                      <th scope="row" data-label="Name" className="table__row-title">
                        <span>
                          {name}
                          {member.isYou ? <span className="tag tag--inline">You</span> : null}
                        </span>
                      </th>
                      <td data-label="E-mail">{member.user.email}</td>
                      <td data-label="Role">
                        {isAdmin ? (
                          <select
                            className="select select--compact"
                            aria-label={`Role of ${name}`}
                            value={member.role}
                            disabled={settingRole && pending === `role-${member.user.id}`}
                            onChange={(event) => onRole(member, event.target.value as MembershipRole)}
                          >
                            {ROLES.map((r) => (
                              <option key={r.role} value={r.role}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        ) : (
                          humanize(member.role)
                        )}
                      </td>
                      <td data-label="Joined">{formatDate(member.joinedAt)}</td>
                      <td className="table__actions">
                        {member.isYou ? null : isAdmin ? (
                          <SubmitButton
                            type="button"
                            variant="ghost"
                            className="button--small button--danger-text"
                            busy={pending === `remove-${member.user.id}`}
                            aria-label={`Remove ${name}`}
                            onClick={() => onRemove(member)}
                          >
                            Remove
                          </SubmitButton>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
        {you ? (
          <div className="leave-account">
            {confirmLeave ? (
              <div className="confirm" role="group" aria-label="Confirm leaving the account">
                <p>
                  Leave {account.name}? You lose access to its licenses until an administrator invites you again.
                </p>
                <div className="form__actions form__actions--start">
                  <SubmitButton type="button" variant="danger" busy={pending === `remove-${you.user.id}`} onClick={() => onRemove(you)}>
                    Leave {account.name}
                  </SubmitButton>
                  <button type="button" className="button button--secondary" onClick={() => setConfirmLeave(false)}>
                    Stay
                  </button>
                </div>
              </div>
            ) : (
              <button type="button" className="button button--ghost button--small button--danger-text" onClick={() => setConfirmLeave(true)}>
                Leave account
              </button>
            )}
          </div>
        ) : null}
      </section>

      {isAdmin ? (
        <>
          <InviteForm
            accountId={account.id}
            onInvited={(text) => {
              setError(null);
              setNotice(text);
              onReload();
            }}
          />
          <section className="section" aria-labelledby="invitations-heading">
            <h2 className="section__title" id="invitations-heading">
              Pending invitations
            </h2>
            {account.invitations.length === 0 ? (
              <p className="empty-note">No invitations are waiting for an answer.</p>
            ) : (
              <div className="card card--flush">
                <div className="table-wrap">
                  <table className="table table--stack">
                    <caption className="visually-hidden">Pending invitations</caption>
                    <thead>
                      <tr>
                        <th scope="col">E-mail</th>
                        <th scope="col">Role</th>
                        <th scope="col">Invited</th>
                        <th scope="col">Expires</th>
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {account.invitations.map((invitation) => (
                        <tr key={invitation.id}>
                          <td data-label="E-mail">{invitation.email}</td>
                          <td data-label="Role">{humanize(invitation.role)}</td>
                          <td data-label="Invited">{formatDate(invitation.createdAt)}</td>
                          <td data-label="Expires">{formatDate(invitation.expiresAt)}</td>
                          <td className="table__actions">
                            <SubmitButton
                              type="button"
                              variant="ghost"
                              className="button--small button--danger-text"
                              busy={pending === `revoke-${invitation.id}`}
                              aria-label={`Revoke invitation for ${invitation.email}`}
                              onClick={() => onRevoke(invitation.id, invitation.email)}
                            >
                              Revoke
                            </SubmitButton>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}

function InviteForm({ accountId, onInvited }: { accountId: string; onInvited: (text: string) => void }) {
  const { email, setEmail, emailError, formError, setFormError, showEmailError, begin } = useEmailForm('invite-email');
  const [role, setRole] = useState<MembershipRole>('MEMBER');
  const [{ fetching }, invite] = useMutation(AccountMemberInviteMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const address = begin('Enter an e-mail address, e.g. name@example.com.');
    if (address === null) return;
    const result = await invite({ input: { accountId, email: address, role } });
    if (result.error) return setFormError(describeError(result.error));
    const outcome = result.data?.accountMemberInvite;
    if (!outcome) return;
    if (outcome.__typename === 'AccountMemberInviteSuccess') {
      setEmail('');
      onInvited(
        outcome.member
          ? `${address} already had a user and is now a member; we sent them a notice.`
          : `We sent an invitation to ${address}.`,
      );
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      const emailMessage = fieldMessage(outcome, 'email');
      if (emailMessage) showEmailError(emailMessage);
      else setFormError(Object.values(mapFieldErrors(outcome.fieldErrors)).join(' ') || outcome.message);
      return;
    }
    if (outcome.__typename === 'RateLimited') {
      setFormError(rateLimitedText(outcome, 'Too many invitations.'));
      return;
    }
    setFormError(userErrorText(outcome));
  };

  return (
    <section className="section" aria-labelledby="invite-heading">
      <h2 className="section__title" id="invite-heading">
        Invite someone
      </h2>
      <form className="card form invite-form" onSubmit={onSubmit} noValidate>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <div className="invite-form__row">
          <EmailField id="invite-email" label="E-mail" value={email} onValueChange={setEmail} error={emailError} />
          <SelectField
            id="invite-role"
            label="Role"
            value={role}
            onValueChange={(v) => setRole(v as MembershipRole)}
            hint={`${ROLES.find((r) => r.role === role)?.label ?? ''}: ${ROLES.find((r) => r.role === role)?.hint ?? ''}.`}
          >
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </SelectField>
          <SubmitButton busy={fetching} className="invite-form__submit">
            Invite
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
