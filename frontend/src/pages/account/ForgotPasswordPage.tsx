import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import { refusal, type Refusal } from './outcome';
import { RequestPasswordResetMutation } from './securityDocuments';

/** Asks for a password reset link by mail. The answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  usePageTitle('Forgot password');
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [{ fetching }, request] = useMutation(RequestPasswordResetMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const result = await request({ input: { email: email.trim() } });
    if (result.error) {
      setProblem({ fields: {}, message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.requestPasswordReset;
    if (!outcome) return;
    if (outcome.__typename === 'RequestPasswordResetSuccess') {
      setSent(outcome.message);
      return;
    }
    setProblem(refusal(outcome, 'The link could not be sent.'));
  };

  if (sent) {
    return (
      <>
        <h1 className="public-title">Check your inbox</h1>
        <Alert tone="success">
          <p>{sent}</p>
          <p>No mail after a few minutes? Look in your spam folder, check the address and ask again.</p>
        </Alert>
        <p className="public-switch">
          <Link to="/login">Back to sign in</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1 className="public-title">Forgot your password?</h1>
      <p className="public-lead">Enter the email address you sign in with. We will mail you a link to choose a new password.</p>
      {problem ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="forgot-email"
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="username"
          required
          value={email}
          onValueChange={setEmail}
          error={problem?.fields['email']}
        />
        <SubmitButton block busy={fetching}>
          Send reset link
        </SubmitButton>
      </form>
      <p className="public-switch">
        Remembered it? <Link to="/login">Sign in</Link>
      </p>
    </>
  );
}
