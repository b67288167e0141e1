import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../test/renderPage';
import { LoginPage } from '../LoginPage';
import { ForgotPasswordPage } from './ForgotPasswordPage';
import { ResetPasswordPage } from './ResetPasswordPage';

const signedOut = { __typename: 'Query', me: null };

describe('<ForgotPasswordPage>', () => {
  it('asks for a link and shows the one answer the server gives for every address', async () => {
    const user = userEvent.setup();
    const { calls } = renderPage({
      path: '/forgot-password',
      me: signedOut,
      routes: <Route path="/forgot-password" element={<ForgotPasswordPage />} />,
      mutation: () => ({
        requestPasswordReset: {
          __typename: 'RequestPasswordResetSuccess',
          email: 'dana@example.com',
          message: 'If dana@example.com has an account, a link to choose a new password is on its way. It works once, for one hour.',
        },
      }),
    });
    await user.type(await screen.findByLabelText('Email'), ' dana@example.com ');
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(await screen.findByRole('heading', { name: 'Check your inbox' })).toBeInTheDocument();
    expect(screen.getByText(/It works once, for one hour/)).toBeInTheDocument();
    expect(calls).toEqual([{ operationName: 'RequestPasswordReset', variables: { input: { email: 'dana@example.com' } } }]);
  });

  it('says how long to wait when rate-limited', async () => {
    const user = userEvent.setup();
    renderPage({
      path: '/forgot-password',
      me: signedOut,
      routes: <Route path="/forgot-password" element={<ForgotPasswordPage />} />,
      mutation: () => ({
        requestPasswordReset: {
          __typename: 'RateLimited',
          code: 'RATE_LIMITED',
          message: 'Too many failed attempts.',
          field: 'email',
          retryAfterSeconds: 120,
        },
      }),
    });
    await user.type(await screen.findByLabelText('Email'), 'dana@example.com');
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(await screen.findByText('Too many failed attempts. Try again in 2 minutes.')).toBeInTheDocument();
  });
});

describe('<ResetPasswordPage>', () => {
  const page = (mutation: () => unknown, path = '/reset-password?token=tok-1') =>
    renderPage({ path, me: signedOut, routes: <Route path="/reset-password" element={<ResetPasswordPage />} />, mutation });

  it('sets the new password with the token from the link', async () => {
    const user = userEvent.setup();
    const { calls } = page(() => ({ resetPassword: { __typename: 'ResetPasswordSuccess', email: 'dana@example.com' } }));
    await user.type(await screen.findByLabelText('New password'), 'a brand new passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a brand new passphrase');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByRole('heading', { name: 'Password changed' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    expect(calls[0]).toEqual({
      operationName: 'ResetPassword',
      variables: { input: { token: 'tok-1', password: 'a brand new passphrase' } },
    });
  });

  it('does not send two different passwords', async () => {
    const user = userEvent.setup();
    const { calls } = page(() => null);
    await user.type(await screen.findByLabelText('New password'), 'a brand new passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a brand new passphrasf');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByText('The two passwords are not the same.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('offers a new link when this one was used or expired', async () => {
    const user = userEvent.setup();
    page(() => ({
      resetPassword: { __typename: 'InvalidToken', code: 'INVALID_TOKEN', message: 'This link is invalid or has expired.', field: 'token' },
    }));
    await user.type(await screen.findByLabelText('New password'), 'a brand new passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a brand new passphrase');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByText(/reset links work once, for one hour/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Send a new link' })).toHaveAttribute('href', '/forgot-password');
  });

  it('shows the server’s password rule at the field', async () => {
    const user = userEvent.setup();
    page(() => ({
      resetPassword: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'Use at least 10 characters.',
        field: 'password',
        fieldErrors: [{ __typename: 'FieldError', field: 'password', code: 'TOO_SHORT', message: 'Use at least 10 characters.' }],
      },
    }));
    await user.type(await screen.findByLabelText('New password'), 'short');
    await user.type(screen.getByLabelText('Repeat new password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByLabelText('New password')).toHaveAccessibleDescription(/Use at least 10 characters\./);
  });
});

describe('<LoginPage> with two-factor sign-in', () => {
  const login = (secondStep: (variables: Record<string, unknown>) => unknown) =>
    renderPage({
      path: '/login',
      me: signedOut,
      routes: <Route path="/login" element={<LoginPage />} />,
      mutation: (call) =>
        call.operationName === 'Login'
          ? { login: { __typename: 'SecondFactorRequired', challenge: 'chal-1' } }
          : secondStep(call.variables),
    });

  async function enterPassword() {
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'dana@example.com');
    await user.type(screen.getByLabelText('Password'), 'demo-portal-2026');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    return user;
  }

  it('links to the forgotten-password page', async () => {
    login(() => null);
    expect(await screen.findByRole('link', { name: 'Forgot your password?' })).toHaveAttribute('href', '/forgot-password');
  });

  it('asks for the code after the password and sends it with the challenge', async () => {
    const { calls } = login(() => ({ loginSecondFactor: { __typename: 'LoginSuccess', user: { __typename: 'User', id: 'u1', email: 'dana@example.com' } } }));
    const user = await enterPassword();
    expect(await screen.findByRole('heading', { name: 'Two-factor sign-in' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Authentication code'), '123 456');
    await user.click(screen.getByRole('button', { name: 'Verify and sign in' }));
    expect(calls.map((c) => c.operationName)).toEqual(['Login', 'LoginSecondFactor']);
    expect(calls[1]?.variables).toEqual({ input: { challenge: 'chal-1', code: '123 456' } });
  });

  it('shows a wrong code at the field and goes back to the password when the challenge expired', async () => {
    let answer: unknown = {
      loginSecondFactor: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'This code is not right.',
        field: 'code',
        fieldErrors: [{ __typename: 'FieldError', field: 'code', code: 'INVALID_CODE', message: 'This code is not right.' }],
      },
    };
    login(() => answer);
    const user = await enterPassword();
    await user.type(await screen.findByLabelText('Authentication code'), '000000');
    await user.click(screen.getByRole('button', { name: 'Verify and sign in' }));
    expect(await screen.findByLabelText('Authentication code')).toHaveAccessibleDescription(/This code is not right\./);
    answer = {
      loginSecondFactor: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'The sign-in took longer than 5 minutes. Enter your e-mail address and password again.',
        field: 'challenge',
        fieldErrors: [{ __typename: 'FieldError', field: 'challenge', code: 'EXPIRED', message: 'The sign-in took longer than 5 minutes. Enter your e-mail address and password again.' }],
      },
    };
    await user.type(screen.getByLabelText('Authentication code'), '111111');
    await user.click(screen.getByRole('button', { name: 'Verify and sign in' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText(/took longer than 5 minutes/)).toBeInTheDocument();
  });
});
