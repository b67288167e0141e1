import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import { useSession } from '../../session';
import { MIN_PASSWORD_LENGTH } from '../SignUpPage';
import { AccountTabs } from './AccountTabs';
import { refusal, type Refusal } from './outcome';
import { ChangePasswordMutation, UpdateProfileMutation } from './securityDocuments';
import './account.css';

/** Your profile (name; the email address shown) and your password. */
export function ProfilePage() {
  usePageTitle('Your account');
  const { user } = useSession();
  if (!user) return null;
  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Your account</h1>
          <p className="page__lead">How you appear to colleagues, and how you sign in.</p>
        </div>
      </div>
      <AccountTabs />
      <div className="account-grid">
        <ProfileForm key={user.id} name={user.name} email={user.email} />
        <PasswordForm />
      </div>
    </div>
  );
}

function ProfileForm({ name: initialName, email }: { name: string; email: string }) {
  const [name, setName] = useState(initialName);
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateProfileMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    const result = await update({ input: { name } });
    if (result.error) {
      setProblem({ fields: {}, message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.updateProfile;
    if (!outcome) return;
    if (outcome.__typename === 'UpdateProfileSuccess') {
      setName(outcome.user.name);
      setSaved(true);
    } else {
      setProblem(refusal(outcome, 'The profile could not be saved.'));
    }
  };

  return (
    <section className="card card--padded" aria-labelledby="profile-title">
      <h2 className="section__title" id="profile-title">
        Profile
      </h2>
      {saved ? (
        <Alert tone="success" className="form-alert">
          <p>Your name is saved.</p>
        </Alert>
      ) : null}
      {problem && !problem.fields['name'] ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="profile-name"
          label="Name"
          autoComplete="name"
          required
          maxLength={200}
          hint="Shown to the members of your accounts and on the key requests you make."
          value={name}
          onValueChange={(value) => {
            setName(value);
            setSaved(false);
          }}
          error={problem?.fields['name']}
        />
        <div className="field">
          <span className="field__label" id="profile-email-label">
            Email
          </span>
          <p className="account-email" aria-labelledby="profile-email-label">
            {email}
          </p>
          <p className="field__hint">You sign in with this address and receive keys and notices there. It cannot be changed here.</p>
        </div>
        <div className="form__actions form__actions--start">
          <SubmitButton busy={fetching}>Save profile</SubmitButton>
        </div>
      </form>
    </section>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<Refusal | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const [{ fetching }, change] = useMutation(ChangePasswordMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    if (next !== repeat) {
      setProblem({ fields: { repeat: 'The two new passwords are not the same.' }, message: 'Type the same new password twice.' });
      return;
    }
    const result = await change({ input: { currentPassword: current, newPassword: next } });
    if (result.error) {
      setProblem({ fields: {}, message: describeError(result.error) });
      return;
    }
    const outcome = result.data?.changePassword;
    if (!outcome) return;
    if (outcome.__typename === 'ChangePasswordSuccess') {
      setDone(outcome.sessionsEnded);
      setCurrent('');
      setNext('');
      setRepeat('');
    } else {
      setProblem(refusal(outcome, 'The password could not be changed.'));
    }
  };

  return (
    <section className="card card--padded" aria-labelledby="password-title">
      <h2 className="section__title" id="password-title">
        Password
      </h2>
      {done !== null ? (
        <Alert tone="success" className="form-alert">
          <p>
            Your password is changed.{' '}
            {done === 0
              ? 'No other browser was signed in.'
              : `${done} other ${done === 1 ? 'session was' : 'sessions were'} signed out.`}
          </p>
        </Alert>
      ) : null}
      {problem ? (
        <Alert tone="error" className="form-alert">
          <p>{problem.message}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="password-current"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onValueChange={setCurrent}
          error={problem?.fields['currentPassword']}
        />
        <TextField
          id="password-new"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. Every other browser signed in as you is signed out.`}
          value={next}
          onValueChange={setNext}
          error={problem?.fields['newPassword']}
        />
        <TextField
          id="password-repeat"
          label="Repeat new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onValueChange={setRepeat}
          error={problem?.fields['repeat']}
        />
        <div className="form__actions form__actions--start">
          <SubmitButton busy={fetching}>Change password</SubmitButton>
        </div>
      </form>
    </section>
  );
}
