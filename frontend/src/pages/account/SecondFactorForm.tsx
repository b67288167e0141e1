import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { refusal, type Refusal } from './outcome';
import { LoginSecondFactorMutation } from './securityDocuments';

interface SecondFactorFormProps {
  /** From the password step's SecondFactorRequired answer. */
  challenge: string;
  onSignedIn: () => void;
  /** The challenge expired or was used: back to the password step with this message. */
  onRestart: (message: string) => void;
}

/** The second step of signing in: a code from the authenticator app, or a recovery code. */
export function SecondFactorForm({ challenge, onSignedIn, onRestart }: SecondFactorFormProps) {
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [{ fetching }, verify] = useMutation(LoginSecondFactorMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const result = await verify({ input: { challenge, code: code.trim() } });
    if (result.error) {
      setProblem({ fields: {}, message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.loginSecondFactor;
    if (!outcome) return;
    if (outcome.__typename === 'LoginSuccess') {
      onSignedIn();
      return;
    }
    const found = refusal(outcome, 'The code was not accepted.');
    if (found.fields['challenge']) {
      onRestart(found.fields['challenge']);
      return;
    }
    setProblem(found);
    setCode('');
  };

  return (
    <>
      <h1 className="public-title">Two-factor sign-in</h1>
      <p className="public-lead">
        Open the authenticator app on your phone and enter the 6-digit code it shows for the Licensing Portal. Lost your phone?
        Enter one of your recovery codes instead.
      </p>
      {problem ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="login-code"
          label="Authentication code"
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          required
          autoFocus
          hint="6 digits from the app, or a recovery code like ABCDE-12345."
          value={code}
          onValueChange={setCode}
          error={problem?.fields['code']}
        />
        <SubmitButton block busy={fetching}>
          Verify and sign in
        </SubmitButton>
      </form>
      <p className="public-switch">
        <button type="button" className="button button--link" onClick={() => onRestart('')}>
          Back to email and password
        </button>
      </p>
    </>
  );
}
