import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../components/Alert';
import { describeError } from '../components/ErrorNotice';
import { LoadingPanel } from '../components/Spinner';
import { usePageTitle } from '../components/usePageTitle';
import { graphql } from '../gql';

const VerifyEmailMutation = graphql(`
  mutation VerifyEmail($input: VerifyEmailInput!) {
    verifyEmail(input: $input) {
      __typename
      ... on VerifyEmailSuccess {
        user {
          id
          email
        }
      }
      ...UserErrorFields
    }
  }
`);

type State =
  | { kind: 'pending' }
  | { kind: 'verified'; email: string }
  | { kind: 'failed'; message: string };

export function VerifyEmailPage() {
  usePageTitle('Verify email');
  const [params] = useSearchParams();
  const token = params.get('token')?.trim() ?? '';
  const [state, setState] = useState<State>(() =>
    token ? { kind: 'pending' } : { kind: 'failed', message: 'This verification link is incomplete: it has no token.' },
  );
  const [, verify] = useMutation(VerifyEmailMutation);
  const started = useRef<string | null>(null);

  useEffect(() => {
    if (!token || started.current === token) return;
    started.current = token;
    void verify({ input: { token } }).then((result) => {
      if (result.error) {
        setState({ kind: 'failed', message: describeError(result.error) });
        return;
      }
      const outcome = result.data?.verifyEmail;
      if (!outcome) return;
      if (outcome.__typename === 'VerifyEmailSuccess') {
        setState({ kind: 'verified', email: outcome.user.email });
      } else {
        setState({ kind: 'failed', message: outcome.message || 'This verification link is invalid or has expired.' });
      }
    });
  }, [token, verify]);

  return (
    <>
      <h1 className="public-title">Verify your email address</h1>
      {state.kind === 'pending' ? <LoadingPanel label="Verifying your email address…" /> : null}
      {state.kind === 'verified' ? (
        <>
          <Alert tone="success" title="Email address verified">
            <p>
              Thank you. <strong>{state.email}</strong> is confirmed and your account is active.
            </p>
          </Alert>
          <p className="public-actions">
            <Link to="/login" className="button button--primary button--block">
              Sign in
            </Link>
          </p>
        </>
      ) : null}
      {state.kind === 'failed' ? (
        <>
          <Alert tone="error" title="We could not verify your email address">
            <p>{state.message}</p>
            <p>Verification links can be used once and expire after a while. Sign in to check whether your address is already verified.</p>
          </Alert>
          <p className="public-actions">
            <Link to="/login" className="button button--secondary button--block">
              Go to sign in
            </Link>
          </p>
        </>
      ) : null}
    </>
  );
}
