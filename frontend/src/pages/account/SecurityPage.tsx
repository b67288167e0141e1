import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { CopyButton } from '../../components/CopyButton';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { AccountSecurityQuery as AccountSecurityData } from '../../gql/graphql';
import { downloadTextFile } from '../../lib/files';
import { formatDateTime } from '../../lib/format';
import { describeUserAgent } from '../../lib/userAgent';
import { useSession } from '../../session';
import { AccountTabs } from './AccountTabs';
import { refusal, type Refusal } from './outcome';
import {
  AccountSecurityQuery,
  SignOutEverywhereMutation,
  SignOutSessionMutation,
  TwoFactorDisableMutation,
  TwoFactorRecoveryCodesMutation,
  TwoFactorSetupConfirmMutation,
  TwoFactorSetupStartMutation,
} from './securityDocuments';
import './account.css';

type Security = AccountSecurityData['accountSecurity'];
type Session = Security['sessions'][number];

/** Two-factor sign-in with an authenticator app, and the browsers signed in as you. */
export function SecurityPage() {
  usePageTitle('Security');
  const [result, reexecute] = useQuery({ query: AccountSecurityQuery, requestPolicy: 'cache-and-network' });
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const security = result.data?.accountSecurity;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Your account</h1>
          <p className="page__lead">Protect your sign-in with a second step, and see where you are signed in.</p>
        </div>
      </div>
      <AccountTabs />
      {result.error && !security ? (
        <ErrorNotice error={result.error} title="Your sign-in settings could not be loaded" onRetry={reload} />
      ) : !security ? (
        <LoadingPanel label="Loading your sign-in settings…" />
      ) : (
        <>
          <TwoFactorSection state={security.twoFactor} onChanged={reload} />
          <SessionsSection sessions={security.sessions} onChanged={reload} />
        </>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- two-factor sign-in

type Step =
  | { kind: 'idle' }
  | { kind: 'confirm-password'; action: 'start' | 'disable' | 'codes' }
  | { kind: 'scan'; secret: string; qrCodeSvg: string }
  | { kind: 'codes'; codes: readonly string[]; fresh: boolean };

function TwoFactorSection({ state, onChanged }: { state: Security['twoFactor']; onChanged: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [notice, setNotice] = useState<string | null>(null);

  const finish = (message: string | null) => {
    setStep({ kind: 'idle' });
    setNotice(message);
    onChanged();
  };

  return (
    <section className="section card card--padded" aria-labelledby="two-factor-title">
      <h2 className="section__title" id="two-factor-title">
        Two-factor sign-in
      </h2>
      <div className="status-line">
        {state.enabled ? <span className="badge badge--success">On</span> : <span className="badge badge--neutral">Off</span>}
        <span className="muted">
          {state.enabled
            ? `Since ${formatDateTime(state.enabledAt)}. ${state.recoveryCodesLeft} of 10 recovery codes unused.`
            : 'Signing in needs only your password.'}
        </span>
      </div>
      {notice ? (
        <Alert tone="success" className="form-alert">
          <p>{notice}</p>
        </Alert>
      ) : null}
      {step.kind === 'codes' ? (
        <RecoveryCodes codes={step.codes} fresh={step.fresh} onDone={() => finish(null)} />
      ) : step.kind === 'scan' ? (
        <ScanStep
          secret={step.secret}
          qrCodeSvg={step.qrCodeSvg}
          onEnabled={(codes) => {
            setStep({ kind: 'codes', codes, fresh: true });
            onChanged();
          }}
          onCancel={() => setStep({ kind: 'idle' })}
        />
      ) : step.kind === 'confirm-password' ? (
        <PasswordConfirm
          action={step.action}
          onCancel={() => setStep({ kind: 'idle' })}
          onStarted={(secret, qrCodeSvg) => setStep({ kind: 'scan', secret, qrCodeSvg })}
          onDisabled={() => finish('Two-factor sign-in is off. Signing in needs only your password now.')}
          onCodes={(codes) => {
            setStep({ kind: 'codes', codes, fresh: false });
            onChanged();
          }}
        />
      ) : state.enabled ? (
        <>
          <p>After your password, signing in asks for the 6-digit code your authenticator app shows.</p>
          <div className="page__actions">
            <button type="button" className="button button--secondary" onClick={() => { setNotice(null); setStep({ kind: 'confirm-password', action: 'codes' }); }}>
              New recovery codes
            </button>
            <button type="button" className="button button--danger-text" onClick={() => { setNotice(null); setStep({ kind: 'confirm-password', action: 'disable' }); }}>
              Turn off two-factor sign-in
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            Add a second step to signing in: after your password, enter the code an authenticator app on your phone shows
            (Google Authenticator, Microsoft Authenticator, 1Password, Authy and others). Someone who learns your password still
            cannot sign in.
          </p>
          <button type="button" className="button button--primary" onClick={() => { setNotice(null); setStep({ kind: 'confirm-password', action: 'start' }); }}>
            Set up an authenticator app
          </button>
        </>
      )}
    </section>
  );
}

const CONFIRM_LABELS = {
  start: { intro: 'Enter your password to set up an authenticator app.', button: 'Continue' },
  disable: { intro: 'Enter your password to turn two-factor sign-in off.', button: 'Turn off' },
  codes: { intro: 'Enter your password to get new recovery codes. The unused old ones stop working.', button: 'Get new codes' },
} as const;

interface PasswordConfirmProps {
  action: 'start' | 'disable' | 'codes';
  onCancel: () => void;
  onStarted: (secret: string, qrCodeSvg: string) => void;
  onDisabled: () => void;
  onCodes: (codes: readonly string[]) => void;
}

/** Asks for the password again before a change to the second factor. */
function PasswordConfirm({ action, onCancel, onStarted, onDisabled, onCodes }: PasswordConfirmProps) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [start, startSetup] = useMutation(TwoFactorSetupStartMutation);
  const [disable, disableTotp] = useMutation(TwoFactorDisableMutation);
  const [codes, regenerate] = useMutation(TwoFactorRecoveryCodesMutation);
  const busy = start.fetching || disable.fetching || codes.fetching;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const input = { input: { password } };
    if (action === 'start') {
      const result = await startSetup(input);
      const outcome = result.data?.twoFactorSetupStart;
      if (result.error) setProblem({ fields: {}, message: describeError(result.error) });
      else if (outcome?.__typename === 'TwoFactorSetupStartSuccess') onStarted(outcome.secret, outcome.qrCodeSvg);
      else if (outcome) setProblem(refusal(outcome));
    } else if (action === 'disable') {
      const result = await disableTotp(input);
      const outcome = result.data?.twoFactorDisable;
      if (result.error) setProblem({ fields: {}, message: describeError(result.error) });
      else if (outcome?.__typename === 'TwoFactorDisableSuccess') onDisabled();
      else if (outcome) setProblem(refusal(outcome));
    } else {
      const result = await regenerate(input);
      const outcome = result.data?.twoFactorRecoveryCodesRegenerate;
      if (result.error) setProblem({ fields: {}, message: describeError(result.error) });
      else if (outcome?.__typename === 'TwoFactorRecoveryCodesSuccess') onCodes(outcome.recoveryCodes);
      else if (outcome) setProblem(refusal(outcome));
    }
  };

  const labels = CONFIRM_LABELS[action];
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <p>{labels.intro}</p>
      {problem && !problem.fields['password'] ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <div className="password-confirm">
        <TextField
          id="two-factor-password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus
          value={password}
          onValueChange={setPassword}
          error={problem?.fields['password']}
        />
        <SubmitButton busy={busy} variant={action === 'disable' ? 'danger' : 'primary'}>
          {labels.button}
        </SubmitButton>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** "ABCD EFGH …": the secret in groups, easier to type into an app by hand. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

interface ScanStepProps {
  secret: string;
  qrCodeSvg: string;
  onEnabled: (codes: readonly string[]) => void;
  onCancel: () => void;
}

function ScanStep({ secret, qrCodeSvg, onEnabled, onCancel }: ScanStepProps) {
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [{ fetching }, confirm] = useMutation(TwoFactorSetupConfirmMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const result = await confirm({ input: { code: code.trim() } });
    const outcome = result.data?.twoFactorSetupConfirm;
    if (result.error) setProblem({ fields: {}, message: describeError(result.error) });
    else if (outcome?.__typename === 'TwoFactorSetupConfirmSuccess') onEnabled(outcome.recoveryCodes);
    else if (outcome) setProblem(refusal(outcome, 'The code was not accepted.'));
  };

  return (
    <div className="totp-setup">
      <img className="totp-setup__qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrCodeSvg)}`} alt="QR code for your authenticator app" />
      <div>
        <ol className="plain-list">
          <li>1. Open your authenticator app and add an account by scanning this QR code.</li>
          <li>
            2. No camera? Enter this key by hand instead: <span className="totp-secret" data-testid="totp-secret">{grouped(secret)}</span>{' '}
            <CopyButton text={secret} label="the setup key" />
          </li>
          <li>3. Enter the 6-digit code the app now shows for the Licensing Portal.</li>
        </ol>
        {problem && !problem.fields['code'] ? (
          <Alert tone="error" className="form-alert">
            <p>{problem.message}</p>
          </Alert>
        ) : null}
        <form className="form" onSubmit={onSubmit} noValidate>
          <div className="password-confirm">
            <TextField
              id="two-factor-code"
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              autoFocus
              value={code}
              onValueChange={setCode}
              error={problem?.fields['code']}
            />
            <SubmitButton busy={fetching}>Turn on</SubmitButton>
            <button type="button" className="button button--ghost" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function RecoveryCodes({ codes, fresh, onDone }: { codes: readonly string[]; fresh: boolean; onDone: () => void }) {
  const text = codes.join('\n');
  return (
    <div>
      <Alert tone={fresh ? 'success' : 'info'} title={fresh ? 'Two-factor sign-in is on' : 'New recovery codes'}>
        <p>
          Keep these recovery codes somewhere safe, away from your phone. Each one signs you in once if you lose the app. They
          are shown only now.
        </p>
      </Alert>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="page__actions">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => downloadTextFile('licensing-portal-recovery-codes.txt', `${text}\n`, 'text/plain')}
        >
          Download codes
        </button>
        <CopyButton text={text} label="the recovery codes" />
        <button type="button" className="button button--primary" onClick={onDone}>
          I have saved my codes
        </button>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- sessions

function SessionsSection({ sessions, onChanged }: { sessions: readonly Session[]; onChanged: () => void }) {
  const navigate = useNavigate();
  const { resetSession } = useSession();
  const [ending, endSession] = useMutation(SignOutSessionMutation);
  const [everywhere, endEverywhere] = useMutation(SignOutEverywhereMutation);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const others = sessions.filter((s) => !s.current).length;

  const signOut = async (session: Session) => {
    setMessage(null);
    const result = await endSession({ input: { sessionId: session.id } });
    const outcome = result.data?.signOutSession;
    if (result.error) {
      setMessage({ tone: 'error', text: describeError(result.error) });
      return;
    }
    if (outcome?.__typename === 'SignOutSessionSuccess') {
      if (session.current) {
        navigate('/login', { replace: true });
        resetSession();
        return;
      }
      setMessage({ tone: 'success', text: `${describeUserAgent(session.userAgent)} is signed out.` });
    } else if (outcome) {
      setMessage({ tone: 'error', text: outcome.message || 'That session had ended already.' });
    }
    onChanged();
  };

  const signOutEverywhere = async () => {
    setMessage(null);
    const result = await endEverywhere({});
    if (result.error) {
      setMessage({ tone: 'error', text: describeError(result.error) });
      return;
    }
    const ended = result.data?.signOutEverywhere.sessionsEnded ?? 0;
    setMessage({
      tone: 'success',
      text: ended === 0 ? 'No other browser was signed in.' : `Signed out everywhere else: ${ended} ${ended === 1 ? 'session' : 'sessions'} ended.`,
    });
    onChanged();
  };

  return (
    <section className="section card card--padded" aria-labelledby="sessions-title">
      <div className="section__header account-section-header">
        <h2 className="section__title" id="sessions-title">
          Where you are signed in
        </h2>
        <SubmitButton type="button" variant="secondary" busy={everywhere.fetching} disabled={others === 0} onClick={signOutEverywhere}>
          Sign out everywhere else
        </SubmitButton>
      </div>
      <p className="muted">
        Each browser stays signed in for 14 days. Do not recognise one? Sign it out and change your password.
      </p>
      {message ? (
        <Alert tone={message.tone} className="form-alert">
          <p>{message.text}</p>
        </Alert>
      ) : null}
      <div className="table-wrap">
        <table className="table sessions-table" aria-label="Your sessions">
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">IP address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id}>
                <td title={session.userAgent ?? undefined}>
                  {describeUserAgent(session.userAgent)}
                  {session.current ? (
                    <>
                      {' '}
                      <span className="badge badge--info">This browser</span>
                    </>
                  ) : null}
                </td>
                <td data-label="IP address">{session.ip ?? '—'}</td>
                <td data-label="Signed in">{formatDateTime(session.createdAt)}</td>
                <td data-label="Expires">{formatDateTime(session.expiresAt)}</td>
                <td className="table__actions">
                  <button
                    type="button"
                    className="button button--ghost button--small"
                    disabled={ending.fetching}
                    onClick={() => signOut(session)}
                    aria-label={session.current ? 'Sign out of this browser' : `Sign out ${describeUserAgent(session.userAgent)}, signed in ${formatDateTime(session.createdAt)}`}
                  >
                    Sign out
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
