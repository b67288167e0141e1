import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { ApiTokensQuery as ApiTokensData } from '../../gql/graphql';
import { formatDate, formatDateTime } from '../../lib/format';
import { useSession } from '../../session';
import { AccountTabs } from './AccountTabs';
import { refusal, type Refusal } from './outcome';
import { ApiTokenCreateMutation, ApiTokenRevokeMutation, ApiTokensQuery } from './tokensDocuments';
import './account.css';
import './tokens.css';

type Token = ApiTokensData['apiTokens'][number];
type Scope = ApiTokensData['apiTokenScopes'][number];

/** How long a new token lives: the choices, in days (the server allows at most a year). */
export const LIFETIMES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
] as const;

/** The expiry a lifetime gives, from `now`: the end of that day in the user's time zone. */
export function expiryAfter(days: number, now: Date = new Date()): Date {
  const end = new Date(now);
  end.setDate(end.getDate() + days);
  end.setHours(23, 59, 0, 0);
  return end;
}

/** Personal access tokens for reporting scripts and integrations: make, copy once, see use, revoke. */
export function TokensPage() {
  usePageTitle('API tokens');
  const [result, reexecute] = useQuery({ query: ApiTokensQuery, requestPolicy: 'cache-and-network' });
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const data = result.data;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Your account</h1>
          <p className="page__lead">
            API tokens let a script or an integration use the portal&rsquo;s GraphQL API as you, limited to the scopes you
            choose: send one as <code>Authorization: Bearer lp_…</code> to <code>/graphql</code>.
          </p>
        </div>
      </div>
      <AccountTabs />
      {created ? <NewToken name={created.name} token={created.token} onDone={() => setCreated(null)} /> : null}
      {result.error && !data ? (
        <ErrorNotice error={result.error} title="Your API tokens could not be loaded" onRetry={reload} />
      ) : !data ? (
        <LoadingPanel label="Loading your API tokens…" />
      ) : (
        <>
          <TokenList tokens={data.apiTokens} onChanged={reload} />
          {created ? null : (
            <CreateForm
              scopes={data.apiTokenScopes}
              onCreated={(name, token) => {
                setCreated({ name, token });
                reload();
              }}
            />
          )}
        </>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- the new token, shown once

function NewToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  return (
    <section className="section card card--padded" aria-labelledby="new-token-title">
      <Alert tone="warning" title={`Copy the token “${name}” now`}>
        <p>
          It is shown only this once: the portal keeps only a fingerprint of it. Store it where your script reads its
          secrets, never in source code. Lost it? Revoke it and make a new one.
        </p>
      </Alert>
      <h2 className="visually-hidden" id="new-token-title">
        Your new token
      </h2>
      <div className="token-secret">
        <code data-testid="new-token">{token}</code>
        <CopyButton text={token} label="the new token" />
      </div>
      <div className="page__actions">
        <button type="button" className="button button--primary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </section>
  );
}

// ---------------------------------------------------------------- make one

function CreateForm({ scopes, onCreated }: { scopes: readonly Scope[]; onCreated: (name: string, token: string) => void }) {
  const { user } = useSession();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [days, setDays] = useState('30');
  const [accountId, setAccountId] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [{ fetching }, create] = useMutation(ApiTokenCreateMutation);
  const accounts = user?.memberships.map((m) => m.account) ?? [];

  const toggle = (scope: string, on: boolean) =>
    setChosen((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const input = {
      name: name.trim(),
      scopes: chosen,
      expiresAt: expiryAfter(Number(days)).toISOString(),
      accountId: accountId || null,
    };
    const result = await create({ input });
    const outcome = result.data?.apiTokenCreate;
    if (result.error) setProblem({ fields: {}, message: describeError(result.error) });
    else if (outcome?.__typename === 'ApiTokenCreateSuccess') {
      setName('');
      setChosen([]);
      onCreated(outcome.apiToken.name, outcome.token);
    } else if (outcome) setProblem(refusal(outcome, 'The token was not made.'));
  };

  const scopeError = problem?.fields['scopes'];
  return (
    <section className="section card card--padded" aria-labelledby="create-token-title">
      <h2 className="section__title" id="create-token-title">
        New token
      </h2>
      {problem && Object.keys(problem.fields).length === 0 ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="token-name"
          label="Name"
          hint="What uses it, so you recognise it later: “Nightly license report”."
          maxLength={100}
          required
          value={name}
          onValueChange={setName}
          error={problem?.fields['name']}
        />
        <fieldset className="fieldset" aria-describedby={scopeError ? 'token-scopes-error' : undefined}>
          <legend className="fieldset__legend">Scopes</legend>
          <p className="fieldset__hint">
            The token can do only what its scopes name, and never more than your own role allows on each account.
          </p>
          {scopes.map((scope) => (
            <label key={scope.name} className="checkbox token-scope">
              <input
                type="checkbox"
                checked={chosen.includes(scope.name)}
                onChange={(event) => toggle(scope.name, event.target.checked)}
              />
              <span>
                <code>{scope.name}</code>
                <span className="token-scope__description">{scope.description}</span>
              </span>
            </label>
          ))}
          {scopeError ? (
            <p className="field__error" id="token-scopes-error">
              {scopeError}
            </p>
          ) : null}
        </fieldset>
        <div className="token-form__row">
          <SelectField
            id="token-expiry"
            label="Expires after"
            value={days}
            onValueChange={setDays}
            error={problem?.fields['expiresAt']}
            hint={`On ${formatDate(expiryAfter(Number(days)).toISOString())}.`}
          >
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.days} value={String(lifetime.days)}>
                {lifetime.label}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="token-account"
            label="Made for"
            value={accountId}
            onValueChange={setAccountId}
            error={problem?.fields['accountId']}
            hint="An account's admins see its tokens and may revoke them; leaving the account ends the token."
          >
            <option value="">Just me</option>
            {accounts.map((account) => (
              <option key={account.id} value={account.id}>
                {account.name}
              </option>
            ))}
          </SelectField>
        </div>
        <div className="form__actions">
          <SubmitButton busy={fetching}>Make token</SubmitButton>
        </div>
      </form>
    </section>
  );
}

// ---------------------------------------------------------------- the list

function lastUse(token: Token): string {
  if (!token.lastUsedAt) return 'Never';
  return token.lastUsedIp ? `${formatDateTime(token.lastUsedAt)} from ${token.lastUsedIp}` : formatDateTime(token.lastUsedAt);
}

function TokenList({ tokens, onChanged }: { tokens: readonly Token[]; onChanged: () => void }) {
  const [confirm, setConfirm] = useState<Token | null>(null);
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [{ fetching }, revoke] = useMutation(ApiTokenRevokeMutation);

  const onRevoke = async (token: Token) => {
    setNotice(null);
    const result = await revoke({ input: { tokenId: token.id } });
    const outcome = result.data?.apiTokenRevoke;
    setConfirm(null);
    if (result.error) setNotice({ tone: 'error', text: describeError(result.error) });
    else if (outcome?.__typename === 'ApiTokenRevokeSuccess') {
      setNotice({ tone: 'success', text: `“${token.name}” is revoked: requests with it are refused from now on.` });
    } else if (outcome) setNotice({ tone: 'error', text: outcome.message || 'That token was revoked already.' });
    onChanged();
  };

  return (
    <section className="section" aria-labelledby="tokens-title">
      <div className="section__header">
        <h2 className="section__title" id="tokens-title">
          Tokens
        </h2>
        <span className="muted small">
          {tokens.length} token{tokens.length === 1 ? '' : 's'}
        </span>
      </div>
      {notice ? (
        <Alert tone={notice.tone} className="form-alert">
          <p>{notice.text}</p>
        </Alert>
      ) : null}
      {tokens.length === 0 ? (
        <p className="muted card card--padded">No tokens yet. Make one below for your first script.</p>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Your API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Token</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id}>
                    <th scope="row" data-label="Name" className="table__row-title">
                      <span>
                        {token.name}
                        {token.mine ? null : (
                          <span className="token-owner muted small">
                            {token.ownerName || token.ownerEmail} · {token.account?.name}
                          </span>
                        )}
                      </span>
                    </th>
                    <td data-label="Scopes">
                      <ul className="token-scopes">
                        {token.scopes.map((scope) => (
                          <li key={scope}>
                            <code>{scope}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td data-label="Token">
                      <code>{token.prefix}…</code>
                    </td>
                    <td data-label="Created">{formatDate(token.createdAt)}</td>
                    <td data-label="Expires">
                      {token.expired ? <span className="badge badge--danger">Expired</span> : formatDate(token.expiresAt)}
                    </td>
                    <td data-label="Last used">{lastUse(token)}</td>
                    <td className="table__actions">
                      <button
                        type="button"
                        className="button button--ghost button--small button--danger-text"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setConfirm(token)}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {confirm ? (
        <Dialog title={`Revoke “${confirm.name}”?`} onClose={() => setConfirm(null)}>
          <p>
            Scripts using this token stop working at once. {confirm.mine ? '' : `It belongs to ${confirm.ownerName || confirm.ownerEmail}. `}
            This cannot be undone.
          </p>
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <SubmitButton type="button" variant="danger" busy={fetching} onClick={() => onRevoke(confirm)}>
              Revoke token
            </SubmitButton>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
