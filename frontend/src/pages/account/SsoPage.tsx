import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { MembershipRole, SsoConnectionFieldsFragment } from '../../gql/graphql';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { SsoConnectionDeleteMutation, SsoConnectionSaveMutation, SsoSettingsQuery } from './ssoDocuments';

type Connection = SsoConnectionFieldsFragment;
interface Admin {
  id: string;
  name: string;
  email: string;
}

/** The form's values; the secret stays empty unless the admin types a new one (it is write-only). */
export interface SsoDraft {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  domains: string;
  joinRole: MembershipRole;
  requireSso: boolean;
  breakGlassUserId: string;
}

export function draftOf(connection: Connection | null): SsoDraft {
  return {
    issuerUrl: connection?.issuerUrl ?? '',
    clientId: connection?.clientId ?? '',
    clientSecret: '',
    domains: connection?.domains.join(', ') ?? '',
    joinRole: connection?.joinRole ?? 'MEMBER',
    requireSso: connection?.requireSso ?? false,
    breakGlassUserId: connection?.breakGlassUser?.id ?? '',
  };
}

/** Domains as typed: separated by commas, spaces or new lines. */
export function splitDomains(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

const ROLE_LABELS: Record<MembershipRole, string> = { VIEWER: 'Viewer', MEMBER: 'Member', ADMIN: 'Admin' };

/** Single sign-on of the selected account: its admins connect, edit, test and require their OpenID Connect provider. */
export function SsoPage() {
  usePageTitle('Single sign-on');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reload] = useAccountQuery(SsoSettingsQuery, accountId, 'SsoConnection');
  if (!membership) return null;
  const account = result.data?.node?.__typename === 'Account' ? result.data.node : null;
  const isAdmin = (account?.viewerRole ?? membership.role) === 'ADMIN';
  const admins: Admin[] = (account?.members ?? []).filter((m) => m.role === 'ADMIN').map((m) => m.user);

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Single sign-on</h1>
          <p className="page__lead">
            People at {membership.account.name} sign in with your company&rsquo;s identity provider (OpenID Connect): the portal
            sends addresses of your e-mail domains there, and adds newcomers to this account.
          </p>
        </div>
      </div>
      {!isAdmin ? (
        <Alert tone="info">
          <p>Only admins of {membership.account.name} can set up single sign-on.</p>
        </Alert>
      ) : result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The single sign-on settings could not be loaded" onRetry={reload} />
      ) : !result.data || !account ? (
        <LoadingPanel label="Loading single sign-on…" />
      ) : (
        <SsoSettings
          key={account.id}
          accountId={account.id}
          connection={result.data.ssoConnection}
          admins={admins}
          onChanged={reload}
        />
      )}
    </div>
  );
}

interface SsoSettingsProps {
  accountId: string;
  connection: Connection | null;
  admins: Admin[];
  onChanged: () => void;
}

function SsoSettings({ accountId, connection, admins, onChanged }: SsoSettingsProps) {
  const [draft, setDraft] = useState<SsoDraft>(() => draftOf(connection));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [{ fetching: saving }, save] = useMutation(SsoConnectionSaveMutation);
  const [{ fetching: deleting }, remove] = useMutation(SsoConnectionDeleteMutation);
  const set = (changes: Partial<SsoDraft>) => setDraft((d) => ({ ...d, ...changes }));
  const redirectUri = connection?.redirectUri ?? `${window.location.origin}/sso/callback`;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    setNotice(null);
    const result = await save({
      input: {
        accountId,
        issuerUrl: draft.issuerUrl.trim(),
        clientId: draft.clientId.trim(),
        clientSecret: draft.clientSecret.trim() ? draft.clientSecret : null,
        domains: splitDomains(draft.domains),
        joinRole: draft.joinRole,
        requireSso: draft.requireSso,
        breakGlassUserId: draft.breakGlassUserId || null,
      },
    });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.ssoConnectionSave;
    if (!outcome) return;
    if (outcome.__typename === 'SsoConnectionSaveSuccess') {
      setDraft(draftOf(outcome.connection));
      setNotice(connection ? 'Single sign-on settings saved.' : 'Your identity provider is connected. Try it with “Test sign-in”.');
      onChanged();
      return;
    }
    if (outcome.__typename === 'InvalidInput') setErrors(mapFieldErrors(outcome.fieldErrors));
    else setFormError(outcome.message);
  };

  const onDelete = async () => {
    const result = await remove({ input: { accountId } });
    setConfirmDelete(false);
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.ssoConnectionDelete;
    if (outcome?.__typename === 'SsoConnectionDeleteSuccess') {
      setNotice('Single sign-on is disconnected: people sign in with their passwords again.');
      onChanged();
    } else if (outcome) {
      setFormError(outcome.message);
    }
  };

  return (
    <>
      {notice ? (
        <Alert tone="success" className="form-alert">
          <p>{notice}</p>
        </Alert>
      ) : null}
      {formError ? (
        <Alert tone="error" className="form-alert">
          <p>{formError}</p>
        </Alert>
      ) : null}
      <section className="section sso-status" aria-labelledby="sso-status-heading">
        <h2 className="section__title" id="sso-status-heading">
          {connection ? 'Connected' : 'Not connected'}
        </h2>
        {connection ? (
          <p>
            {connection.domains.join(', ')} {connection.domains.length === 1 ? 'signs' : 'sign'} in at{' '}
            <span className="mono">{connection.issuerUrl}</span>
            {connection.requireSso ? '; passwords are refused for these domains' : '; passwords still work too'}.
          </p>
        ) : (
          <p>Register the portal with your provider as a web application first, with this redirect URI:</p>
        )}
        <p className="sso-redirect">
          <span className="field__label">Redirect URI</span> <code className="mono">{redirectUri}</code>{' '}
          <CopyButton text={redirectUri} label="Copy the redirect URI" />
        </p>
        {connection ? (
          <p>
            <a className="button button--secondary" href={connection.testUrl} target="_blank" rel="noopener">
              Test sign-in
            </a>{' '}
            <span className="small">Opens a sign-in through your provider in a new tab.</span>
          </p>
        ) : null}
      </section>

      <form className="form sso-form" onSubmit={onSubmit} noValidate aria-label="Identity provider">
        <TextField
          id="sso-issuer"
          label="Issuer URL"
          type="url"
          inputMode="url"
          placeholder="https://login.example.com"
          hint="The provider's issuer: the portal reads its /.well-known/openid-configuration when you save."
          value={draft.issuerUrl}
          onValueChange={(issuerUrl) => set({ issuerUrl })}
          error={errors['issuerUrl']}
        />
        <TextField id="sso-client-id" label="Client ID" value={draft.clientId} onValueChange={(clientId) => set({ clientId })} error={errors['clientId']} />
        <TextField
          id="sso-client-secret"
          label="Client secret"
          type="password"
          autoComplete="off"
          placeholder={connection?.clientSecretSet ? 'Stored — leave empty to keep it' : ''}
          hint="Stored encrypted and never shown again."
          value={draft.clientSecret}
          onValueChange={(clientSecret) => set({ clientSecret })}
          error={errors['clientSecret']}
        />
        <TextField
          id="sso-domains"
          label="E-mail domains"
          placeholder="example.com, example.de"
          hint="The domains your provider vouches for, separated by commas. An admin of this account needs a confirmed address at each."
          value={draft.domains}
          onValueChange={(domains) => set({ domains })}
          error={errors['domains']}
        />
        <SelectField
          id="sso-join-role"
          label="Role of people signing in for the first time"
          value={draft.joinRole}
          onValueChange={(joinRole) => set({ joinRole: joinRole as MembershipRole })}
          error={errors['joinRole']}
        >
          {(['MEMBER', 'VIEWER', 'ADMIN'] as const).map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </SelectField>
        <div className="checkbox">
          <input id="sso-require" type="checkbox" checked={draft.requireSso} onChange={(event) => set({ requireSso: event.target.checked })} />
          <label htmlFor="sso-require">Require single sign-on: refuse passwords for these domains</label>
        </div>
        <SelectField
          id="sso-break-glass"
          label="Break-glass admin"
          hint="The one admin who may still sign in with a password if the provider fails. Required when single sign-on is required."
          value={draft.breakGlassUserId}
          onValueChange={(breakGlassUserId) => set({ breakGlassUserId })}
          error={errors['breakGlassUserId']}
        >
          <option value="">None</option>
          {admins.map((admin) => (
            <option key={admin.id} value={admin.id}>
              {admin.name} ({admin.email})
            </option>
          ))}
        </SelectField>
        <div className="form__actions form__actions--start">
          <SubmitButton busy={saving}>{connection ? 'Save changes' : 'Connect provider'}</SubmitButton>
          {connection ? (
            <button type="button" className="button button--danger" onClick={() => setConfirmDelete(true)}>
              Disconnect
            </button>
          ) : null}
        </div>
      </form>

      {confirmDelete ? (
        <Dialog title="Disconnect single sign-on?" onClose={() => setConfirmDelete(false)}>
          <p>People at {connection?.domains.join(', ')} will sign in with passwords again (or set one with “Forgot your password?”).</p>
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
            <SubmitButton type="button" variant="danger" busy={deleting} onClick={() => void onDelete()}>
              Disconnect
            </SubmitButton>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
