import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../components/Alert';
import { describeError } from '../components/ErrorNotice';
import { SubmitButton } from '../components/SubmitButton';
import { TextField } from '../components/TextField';
import { usePageTitle } from '../components/usePageTitle';
import { graphql } from '../gql';
import { firstErrorField, mapFieldErrors, unplacedErrors } from '../lib/fieldErrors';
import { formatWait } from '../lib/format';

const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on SignUpSuccess {
        email
        message
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

const FIELDS = ['name', 'email', 'password', 'company'] as const;
type FieldName = (typeof FIELDS)[number];

export const MIN_PASSWORD_LENGTH = 10;

export function SignUpPage() {
  usePageTitle('Create account');
  const [values, setValues] = useState<Record<FieldName, string>>({ name: '', email: '', password: '', company: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<{ email: string; message: string } | null>(null);
  const [{ fetching }, signUp] = useMutation(SignUpMutation);
  const refs = useRef<Partial<Record<FieldName, HTMLInputElement | null>>>({});

  const set = (field: FieldName) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setFieldErrors({});
    const result = await signUp({
      input: {
        name: values.name.trim(),
        email: values.email.trim(),
        password: values.password,
        company: values.company.trim(),
      },
    });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.signUp;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'SignUpSuccess':
        setDone({ email: outcome.email, message: outcome.message });
        return;
      case 'InvalidInput': {
        const errors = mapFieldErrors(outcome.fieldErrors);
        if (outcome.field && !(outcome.field in errors)) errors[outcome.field] = outcome.message;
        setFieldErrors(errors);
        const extra = unplacedErrors(errors, FIELDS);
        setFormError(extra.length ? extra.join(' ') : 'Please correct the highlighted fields.');
        const first = firstErrorField(errors, FIELDS) as FieldName | null;
        if (first) refs.current[first]?.focus();
        return;
      }
      case 'RateLimited':
        setFormError(`${outcome.message} You can try again in ${formatWait(outcome.retryAfterSeconds)}.`);
        return;
    }
  };

  if (done) {
    return (
      <>
        <h1 className="public-title">Check your inbox</h1>
        <Alert tone="success">
          <p>{done.message}</p>
          <p>
            We sent a verification link to <strong>{done.email}</strong>. Open it to activate your account, then sign in.
          </p>
        </Alert>
        <p className="public-switch">
          <Link to="/login">Back to sign in</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1 className="public-title">Create account</h1>
      <p className="public-lead">Register to request license keys for your company's products.</p>
      {formError ? (
        <Alert tone="error" className="form-alert">
          <p>{formError}</p>
        </Alert>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          ref={(el) => {
            refs.current.name = el;
          }}
          id="signup-name"
          label="Name"
          autoComplete="name"
          required
          value={values.name}
          onValueChange={set('name')}
          error={fieldErrors['name']}
        />
        <TextField
          ref={(el) => {
            refs.current.email = el;
          }}
          id="signup-email"
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="email"
          required
          value={values.email}
          onValueChange={set('email')}
          error={fieldErrors['email']}
        />
        <TextField
          ref={(el) => {
            refs.current.password = el;
          }}
          id="signup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          value={values.password}
          onValueChange={set('password')}
          error={fieldErrors['password']}
        />
        <TextField
          ref={(el) => {
            refs.current.company = el;
          }}
          id="signup-company"
          label="Company"
          autoComplete="organization"
          required
          value={values.company}
          onValueChange={set('company')}
          error={fieldErrors['company']}
        />
        <SubmitButton block busy={fetching}>
          Create account
        </SubmitButton>
      </form>
      <p className="public-switch">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </>
  );
}
