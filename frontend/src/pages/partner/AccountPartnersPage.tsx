import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { EmailField } from '../../components/EmailField';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { OutcomeAlerts } from '../../components/OutcomeAlerts';
import { RadioCard } from '../../components/RadioCard';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { DelegationScope } from '../../gql/graphql';
import { asAccount } from '../../lib/accounts';
import { isEmailAddress } from '../../lib/email';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { userErrorText } from '../wizard/messages';
import { AccountDelegationsQuery, DelegationInviteMutation } from './documents';
import { DelegationTable, type DelegationAction, type DelegationRow } from './DelegationTable';
import { RevokeRowDialog } from './RevokeDialog';
import { useDelegationActions } from './useDelegationActions';

/** The customer side: partners the account lets work on its licenses; admins invite and revoke. */
export function AccountPartnersPage() {
  usePageTitle('Partners');
  const { membership, actingFor } = useSession();
  const accountId = actingFor ? '' : (membership?.account.id ?? '');
  const [result, reload] = useAccountQuery(AccountDelegationsQuery, accountId, 'Delegation');
  const actions = useDelegationActions(reload);
  const [confirming, setConfirming] = useState<DelegationRow | null>(null);

  if (!membership) return null;
  if (actingFor) {
    return (
      <div className="page">
        <h1 className="page__title">Partners</h1>
        <Alert tone="info" live={false}>
          <p>
            Only members of {membership.account.name} see and change its partners. <Link to="/partner/delegations">See your own delegations</Link>
          </p>
        </Alert>
      </div>
    );
  }

  const account = asAccount(result.data?.node);
  const isAdmin = (account?.viewerRole ?? membership.role) === 'ADMIN';
  const rows = (account?.delegations ?? []).filter((d) => d.customerAccount.id === membership.account.id);
  const open = (row: DelegationRow) => row.status === 'PENDING' || row.status === 'ACTIVE';

  const onAction = (row: DelegationRow, action: DelegationAction) => {
    if (action === 'revoke') setConfirming(row);
  };

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Partners</h1>
          <p className="page__lead">
            Resellers and service partners you let work on the licenses of {membership.account.name}. With Manage access a partner
            requests keys, upgrades and re-hosts for you; with View access it only sees your licenses.
          </p>
        </div>
      </div>

      <OutcomeAlerts error={actions.error} notice={actions.notice} />

      <section className="section" aria-labelledby="delegations-heading">
        <h2 className="section__title" id="delegations-heading">
          Delegations
        </h2>
        {result.error && !result.data ? (
          <ErrorNotice error={result.error} title="The delegations could not be loaded" onRetry={reload} />
        ) : !result.data ? (
          <LoadingPanel label="Loading delegations…" />
        ) : rows.length === 0 ? (
          <p className="empty-note">No partner works on {membership.account.name} yet.</p>
        ) : (
          <DelegationTable
            rows={rows}
            caption={`Partners of ${membership.account.name}`}
            side="customer"
            actionsFor={(row) => (isAdmin && open(row) ? ['revoke'] : [])}
            onAction={onAction}
            pending={actions.pending}
          />
        )}
      </section>

      {isAdmin ? (
        <InvitePartnerForm
          accountId={membership.account.id}
          onInvited={(text) => {
            actions.setError(null);
            actions.setNotice(text);
            reload();
          }}
        />
      ) : (
        <p className="muted small">Only administrators of {membership.account.name} invite or revoke partners.</p>
      )}

      {confirming ? (
        <RevokeRowDialog row={confirming} side="customer" actions={actions} onClose={() => setConfirming(null)} />
      ) : null}
    </div>
  );
}

type PartnerBy = 'number' | 'email';

const FIELD_IDS = {
  partnerAccountNumber: 'partner-number',
  partnerUserEmail: 'partner-email',
  endsOn: 'partner-ends-on',
} as const;

/** The invite's input for the form's values: only the chosen way of naming the partner is sent. */
export function toInviteInput(
  accountId: string,
  values: { by: PartnerBy; number: string; email: string; scope: DelegationScope; endsOn: string },
) {
  return {
    accountId,
    scope: values.scope,
    ...(values.by === 'number' ? { partnerAccountNumber: values.number.trim() } : { partnerUserEmail: values.email.trim() }),
    ...(values.endsOn ? { endsOn: values.endsOn } : {}),
  };
}

function InvitePartnerForm({ accountId, onInvited }: { accountId: string; onInvited: (text: string) => void }) {
  const [by, setBy] = useState<PartnerBy>('number');
  const [number, setNumber] = useState('');
  const [email, setEmail] = useState('');
  const [scope, setScope] = useState<DelegationScope>('MANAGE');
  const [endsOn, setEndsOn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, invite] = useMutation(DelegationInviteMutation);

  const focus = (field: keyof typeof FIELD_IDS) => document.getElementById(FIELD_IDS[field])?.focus();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    if (by === 'number' && !number.trim()) {
      setErrors({ partnerAccountNumber: 'Enter the partner’s account number.' });
      return focus('partnerAccountNumber');
    }
    if (by === 'email' && !isEmailAddress(email.trim())) {
      setErrors({ partnerUserEmail: 'Enter the e-mail of one of the partner’s users, e.g. name@example.com.' });
      return focus('partnerUserEmail');
    }
    const result = await invite({ input: toInviteInput(accountId, { by, number, email, scope, endsOn }) });
    if (result.error) return setFormError(describeError(result.error));
    const outcome = result.data?.delegationInvite;
    if (!outcome) return;
    if (outcome.__typename === 'DelegationInviteSuccess') {
      setNumber('');
      setEmail('');
      setEndsOn('');
      onInvited(`We invited ${outcome.delegation.partnerAccount.name}. Its administrators accept the invitation in the portal.`);
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      const mapped = mapFieldErrors(outcome.fieldErrors);
      const placed: Record<string, string> = {};
      const rest: string[] = [];
      for (const [field, message] of Object.entries(mapped)) {
        if (field === 'partnerAccountNumber' || field === 'partnerUserEmail') placed[by === 'number' ? 'partnerAccountNumber' : 'partnerUserEmail'] = message;
        else if (field === 'endsOn') placed['endsOn'] = message;
        else rest.push(message);
      }
      setErrors(placed);
      if (rest.length || Object.keys(placed).length === 0) setFormError(rest.join(' ') || outcome.message);
      const first = (['partnerAccountNumber', 'partnerUserEmail', 'endsOn'] as const).find((f) => f in placed);
      if (first) focus(first);
      return;
    }
    setFormError(userErrorText(outcome));
  };

  return (
    <section className="section" aria-labelledby="invite-partner-heading">
      <h2 className="section__title" id="invite-partner-heading">
        Invite a partner
      </h2>
      <form className="card form invite-form" onSubmit={onSubmit} noValidate aria-labelledby="invite-partner-heading">
        {formError ? (
          <Alert tone="error" title="The partner could not be invited">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <fieldset className="fieldset">
          <legend className="fieldset__legend">How do you identify the partner?</legend>
          <div className="radio-row">
            <label className="radio">
              <input type="radio" name="partner-by" value="number" checked={by === 'number'} onChange={() => setBy('number')} />
              By its account number
            </label>
            <label className="radio">
              <input type="radio" name="partner-by" value="email" checked={by === 'email'} onChange={() => setBy('email')} />
              By the e-mail of one of its users
            </label>
          </div>
          {by === 'number' ? (
            <TextField
              id={FIELD_IDS.partnerAccountNumber}
              label="Partner account number"
              autoComplete="off"
              spellCheck={false}
              value={number}
              onValueChange={setNumber}
              error={errors['partnerAccountNumber']}
              hint="The number on the partner’s quotes and invoices, e.g. P-2001."
              required
            />
          ) : (
            <EmailField
              id={FIELD_IDS.partnerUserEmail}
              label="Partner user’s e-mail"
              value={email}
              onValueChange={setEmail}
              error={errors['partnerUserEmail']}
              hint="Any user of the partner account; the invitation goes to the partner account."
            />
          )}
        </fieldset>
        <fieldset className="fieldset">
          <legend className="fieldset__legend">Access</legend>
          <div className="choice-list choice-list--row">
            <RadioCard
              name="partner-scope"
              value="MANAGE"
              checked={scope === 'MANAGE'}
              onChange={() => setScope('MANAGE')}
              title="Manage"
              facts="Requests keys, upgrades and re-hosts for you, and sees your licenses."
            />
            <RadioCard
              name="partner-scope"
              value="VIEW"
              checked={scope === 'VIEW'}
              onChange={() => setScope('VIEW')}
              title="View"
              facts="Sees your licenses and key requests, changes nothing."
            />
          </div>
        </fieldset>
        <TextField
          id={FIELD_IDS.endsOn}
          label="Last day"
          type="date"
          optional
          value={endsOn}
          onValueChange={setEndsOn}
          error={errors['endsOn']}
          hint="Leave empty to keep the delegation until you revoke it."
          className="field--date"
        />
        <div className="form__actions form__actions--start">
          <SubmitButton busy={fetching}>Invite partner</SubmitButton>
        </div>
      </form>
    </section>
  );
}
