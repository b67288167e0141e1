import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import { MIN_PASSWORD_LENGTH } from '../SignUpPage';
import { refusal, type Refusal } from './outcome';
import { ResetPasswordMutation } from './securityDocuments';

/** Chooses a new password with the link from the reset mail (works once, for one hour). */
export function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const [params] = useSearchParams();
  const token = params.get('token')?.trim() ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [linkDead, setLinkDead] = useState(!token);
  const [doneFor, setDoneFor] = useState<string | null>(null);
  const [{ fetching }, reset] = useMutation(ResetPasswordMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (password !== repeat) {
      setProblem({ fields: { repeat: 'The two passwords are not the same.' }, message: 'Type the same new password twice.' });
      return;
    }
    const result = await reset({ input: { token, password } });
    if (result.error) {
      setProblem({ fields: {}, message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.resetPassword;
    if (!outcome) return;
    if (outcome.__typename === 'ResetPasswordSuccess') {
      setDoneFor(outcome.email);
    } else if (outcome.__typename === 'InvalidToken') {
      setLinkDead(true);
    } else {
      setProblem(refusal(outcome, 'The password could not be changed.'));
    }
  };

  if (doneFor) {
    return (
      <>
        <h1 className="public-title">Password changed</h1>
        <Alert tone="success">
          <p>
            The password of <strong>{doneFor}</strong> is changed. Every browser that was signed in has been signed out.
          </p>
        </Alert>
        <p className="public-actions">
          <Link to="/login" className="button button--primary button--block">
            Sign in
          </Link>
        </p>
      </>
    );
  }

  if (linkDead) {
    return (
      <>
        <h1 className="public-title">Choose a new password</h1>
        <Alert tone="error" title="This link does not work">
          <p>{token ? 'It was used already or it has expired: reset links work once, for one hour.' : 'It has no token: open the link from the mail in full.'}</p>
        </Alert>
        <p className="public-actions">
          <Link to="/forgot-password" className="button button--primary button--block">
            Send a new link
          </Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1 className="public-title">Choose a new password</h1>
      <p className="public-lead">After the change, every browser signed in to your account is signed out.</p>
      {problem ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="reset-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          value={password}
          onValueChange={setPassword}
          error={problem?.fields['password']}
        />
        <TextField
          id="reset-repeat"
          label="Repeat new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onValueChange={setRepeat}
          error={problem?.fields['repeat']}
        />
        <SubmitButton block busy={fetching}>
          Set new password
        </SubmitButton>
      </form>
    </>
  );
}
