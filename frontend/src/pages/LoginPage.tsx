import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, type Location } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../components/Alert';
import { describeError } from '../components/ErrorNotice';
import { SubmitButton } from '../components/SubmitButton';
import { TextField } from '../components/TextField';
import { useCountdown } from '../components/useCountdown';
import { usePageTitle } from '../components/usePageTitle';
import { graphql } from '../gql';
import { mapFieldErrors } from '../lib/fieldErrors';
import { formatWait } from '../lib/format';
import { useSession } from '../session';
import { SecondFactorForm } from './account/SecondFactorForm';

const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginSuccess {
        user {
          id
          email
        }
      }
      ... on SecondFactorRequired {
        challenge
      }
      ... on SsoRequired {
        startUrl
      }
      ...UserErrorFields
      ...RateLimitedFields
      ...InvalidInputFields
    }
  }
`);

/** PASSWORD or SSO, by the address's domain (the same answer whether or not it has a user). */
const SignInMethodQuery = graphql(`
  query SignInMethod($email: String!) {
    signInMethod(email: $email) {
      method
      startUrl
    }
  }
`);

/** Where an address signs in: `startUrl` for its company's provider, null for a password. */
type Method = { email: string; startUrl: string | null };

const DEFAULT_MESSAGES: Record<string, string> = {
  INVALID_CREDENTIALS: 'The email address or password is incorrect.',
  EMAIL_NOT_VERIFIED: 'Please verify your email address first. We sent you a link when you created your account.',
  RATE_LIMITED: 'Too many sign-in attempts.',
};

/** Where to go after signing in: the page that sent the user here, or home. */
function returnPath(state: unknown): string {
  const from = (state as { from?: Partial<Location> } | null)?.from;
  if (!from?.pathname || from.pathname === '/login') return '/';
  return `${from.pathname}${from.search ?? ''}${from.hash ?? ''}`;
}

export function LoginPage() {
  usePageTitle('Sign in');
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [challenge, setChallenge] = useState<string | null>(null);
  const waitSeconds = useCountdown(retryAt);
  const [{ fetching }, login] = useMutation(LoginMutation);
  // The e-mail comes first: a company that signs in with its own provider sends its people there.
  const [lookedUp, setLookedUp] = useState('');
  const [{ data: methodData }] = useQuery({ query: SignInMethodQuery, variables: { email: lookedUp }, pause: !lookedUp });
  const [required, setRequired] = useState<Method | null>(null);
  const found = methodData?.signInMethod;
  const looked: Method | null = found && lookedUp ? { email: lookedUp, startUrl: found.method === 'SSO' ? (found.startUrl ?? null) : null } : null;
  const method = [required, looked].find((m) => m?.email === email.trim() && m.startUrl) ?? null;
  const ssoUrl = method?.startUrl ?? null;
  const lookUpMethod = (address: string) => {
    const trimmed = address.trim();
    if (/^[^@\s]+@[^@\s]+$/.test(trimmed)) setLookedUp(trimmed);
  };

  if (session.user) return <Navigate to={returnPath(location.state)} replace />;

  const signedIn = () => {
    navigate(returnPath(location.state), { replace: true });
    session.resetSession();
  };

  if (challenge) {
    return (
      <SecondFactorForm
        challenge={challenge}
        onSignedIn={signedIn}
        onRestart={(message) => {
          setChallenge(null);
          setPassword('');
          setError(message ? { code: 'EXPIRED', message } : null);
        }}
      />
    );
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    if (ssoUrl) {
      window.location.assign(ssoUrl);
      return;
    }
    if (!password) {
      lookUpMethod(email);
      setFieldErrors({ password: 'Enter your password.' });
      return;
    }
    const result = await login({ input: { email: email.trim(), password } });
    if (result.error) {
      setError({ code: 'NETWORK', message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.login;
    if (!outcome) return;
    if (outcome.__typename === 'LoginSuccess') {
      signedIn();
      return;
    }
    if (outcome.__typename === 'SecondFactorRequired') {
      setChallenge(outcome.challenge);
      return;
    }
    if (outcome.__typename === 'RateLimited') {
      setRetryAt(Date.now() + outcome.retryAfterSeconds * 1000);
    }
    if (outcome.__typename === 'InvalidInput') {
      setFieldErrors(mapFieldErrors(outcome.fieldErrors));
    }
    if (outcome.__typename === 'SsoRequired') {
      setRequired({ email: email.trim(), startUrl: outcome.startUrl });
    }
    setError({ code: outcome.code, message: outcome.message || DEFAULT_MESSAGES[outcome.code] || 'Sign-in failed.' });
  };

  const rateLimited = error?.code === 'RATE_LIMITED';

  return (
    <>
      <h1 className="public-title">Sign in</h1>
      <p className="public-lead">Use the email address and password of your portal account.</p>
      {error ? (
        <Alert tone="error" className="form-alert">
          <p>{error.message}</p>
          {rateLimited && waitSeconds > 0 ? <p>You can try again in {formatWait(waitSeconds)}.</p> : null}
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="login-email"
          label="Email"
          type="email"
          autoComplete="username"
          inputMode="email"
          required
          value={email}
          onValueChange={setEmail}
          onBlur={() => lookUpMethod(email)}
          error={fieldErrors['email']}
        />
        {ssoUrl ? (
          <>
            <p className="small">Your organisation signs in with its own identity provider.</p>
            <a className="button button--primary button--block" href={ssoUrl}>
              Continue with company sign-in
            </a>
          </>
        ) : (
          <>
            <TextField
              id="login-password"
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onValueChange={setPassword}
              error={fieldErrors['password']}
            />
            <p className="small">
              <Link to="/forgot-password">Forgot your password?</Link>
            </p>
            <SubmitButton block busy={fetching} disabled={waitSeconds > 0}>
              Sign in
            </SubmitButton>
          </>
        )}
      </form>
      <p className="public-switch">
        New to the portal? <Link to="/signup">Create an account</Link>
      </p>
    </>
  );
}
