import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../test/renderPage';
import { ProfilePage } from './ProfilePage';
import { SecurityPage } from './SecurityPage';

describe('<ProfilePage>', () => {
  const page = (mutation: (call: { operationName: string }) => unknown) =>
    renderPage({ path: '/account/profile', routes: <Route path="/account/profile" element={<ProfilePage />} />, mutation });

  it('shows the email and saves the name', async () => {
    const user = userEvent.setup();
    const { calls } = page(() => ({
      updateProfile: { __typename: 'UpdateProfileSuccess', user: { __typename: 'User', id: 'u1', name: 'Dana Scully', email: 'dana@example.com' } },
    }));
    const name = await screen.findByLabelText('Name');
    expect(name).toHaveValue('Dana');
    expect(screen.getByText('dana@example.com')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Security' })).toHaveAttribute('href', '/account/security');
    await user.clear(name);
    await user.type(name, 'Dana Scully');
    await user.click(screen.getByRole('button', { name: 'Save profile' }));
    expect(await screen.findByText('Your name is saved.')).toBeInTheDocument();
    expect(calls).toEqual([{ operationName: 'UpdateProfile', variables: { input: { name: 'Dana Scully' } } }]);
  });

  it('changes the password and says how many other sessions ended', async () => {
    const user = userEvent.setup();
    let answer: unknown = {
      changePassword: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'This is not your current password.',
        field: 'currentPassword',
        fieldErrors: [{ __typename: 'FieldError', field: 'currentPassword', code: 'WRONG_PASSWORD', message: 'This is not your current password.' }],
      },
    };
    const { calls } = page(() => answer);
    await user.type(await screen.findByLabelText('Current password'), 'wrong one');
    await user.type(screen.getByLabelText('New password'), 'a brand new passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'a brand new passphrase');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByLabelText('Current password')).toHaveAccessibleDescription('This is not your current password.');

    answer = { changePassword: { __typename: 'ChangePasswordSuccess', sessionsEnded: 2 } };
    await user.clear(screen.getByLabelText('Current password'));
    await user.type(screen.getByLabelText('Current password'), 'demo-portal-2026');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Your password is changed. 2 other sessions were signed out.')).toBeInTheDocument();
    expect(screen.getByLabelText('New password')).toHaveValue('');
    expect(calls[1]?.variables).toEqual({ input: { currentPassword: 'demo-portal-2026', newPassword: 'a brand new passphrase' } });
  });

  it('refuses two different new passwords without asking the server', async () => {
    const user = userEvent.setup();
    const { calls } = page(() => null);
    await user.type(await screen.findByLabelText('Current password'), 'demo-portal-2026');
    await user.type(screen.getByLabelText('New password'), 'a brand new passphrase');
    await user.type(screen.getByLabelText('Repeat new password'), 'another passphrase');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('The two new passwords are not the same.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });
});

const session = (id: string, current: boolean, userAgent: string) => ({
  __typename: 'UserSession',
  id,
  createdAt: '2026-12-01T09:00:00Z',
  expiresAt: '2026-12-15T09:00:00Z',
  ip: '10.0.0.7',
  userAgent,
  current,
});

function security(enabled: boolean, sessions = [session('s1', true, 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')]) {
  return {
    __typename: 'Query',
    accountSecurity: {
      __typename: 'AccountSecurity',
      sessions,
      twoFactor: { __typename: 'TwoFactorStatus', enabled, enabledAt: enabled ? '2026-12-01T09:00:00Z' : null, recoveryCodesLeft: enabled ? 10 : 0 },
    },
  };
}

describe('<SecurityPage>', () => {
  it('sets up an authenticator app: password, QR code and key, first code, recovery codes', async () => {
    const user = userEvent.setup();
    let enabled = false;
    const codes = Array.from({ length: 10 }, (_, i) => `AAAA${i}-BBBB${i}`);
    const { calls } = renderPage({
      path: '/account/security',
      routes: <Route path="/account/security" element={<SecurityPage />} />,
      query: (call) => (call.operationName === 'AccountSecurity' ? security(enabled) : undefined),
      mutation: (call) => {
        if (call.operationName === 'TwoFactorSetupStart') {
          return {
            twoFactorSetupStart: {
              __typename: 'TwoFactorSetupStartSuccess',
              secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
              otpauthUri: 'otpauth://totp/x',
              qrCodeSvg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
            },
          };
        }
        enabled = true;
        return { twoFactorSetupConfirm: { __typename: 'TwoFactorSetupConfirmSuccess', recoveryCodes: codes } };
      },
    });
    expect(await screen.findByText('Off')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Set up an authenticator app' }));
    await user.type(screen.getByLabelText('Your password'), 'demo-portal-2026');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('img', { name: 'QR code for your authenticator app' })).toBeInTheDocument();
    expect(screen.getByTestId('totp-secret')).toHaveTextContent('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    await user.type(screen.getByLabelText('Code from the app'), '123456');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(codes);
    expect(calls.map((c) => c.operationName)).toEqual(['TwoFactorSetupStart', 'TwoFactorSetupConfirm']);
    expect(calls[1]?.variables).toEqual({ input: { code: '123456' } });
    await user.click(screen.getByRole('button', { name: 'I have saved my codes' }));
    expect(await screen.findByText('On')).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).not.toBeInTheDocument();
  });

  it('turns two-factor sign-in off with the password, and shows a wrong one at the field', async () => {
    const user = userEvent.setup();
    let tries = 0;
    renderPage({
      path: '/account/security',
      routes: <Route path="/account/security" element={<SecurityPage />} />,
      query: (call) => (call.operationName === 'AccountSecurity' ? security(tries < 2) : undefined),
      mutation: () => {
        tries += 1;
        return tries === 1
          ? {
              twoFactorDisable: {
                __typename: 'InvalidInput',
                code: 'INVALID_INPUT',
                message: 'This is not your current password.',
                field: 'password',
                fieldErrors: [{ __typename: 'FieldError', field: 'password', code: 'WRONG_PASSWORD', message: 'This is not your current password.' }],
              },
            }
          : { twoFactorDisable: { __typename: 'TwoFactorDisableSuccess' } };
      },
    });
    expect(await screen.findByText(/10 of 10 recovery codes unused/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Turn off two-factor sign-in' }));
    await user.type(screen.getByLabelText('Your password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByLabelText('Your password')).toHaveAccessibleDescription('This is not your current password.');
    await user.click(screen.getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByText(/Two-factor sign-in is off\./)).toBeInTheDocument();
  });

  it('lists the sessions and signs out one or every other one', async () => {
    const user = userEvent.setup();
    const sessions = [
      session('s1', true, 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'),
      session('s2', false, 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'),
    ];
    const { calls } = renderPage({
      path: '/account/security',
      routes: <Route path="/account/security" element={<SecurityPage />} />,
      query: (call) => (call.operationName === 'AccountSecurity' ? security(false, sessions) : undefined),
      mutation: (call) =>
        call.operationName === 'SignOutSession'
          ? { signOutSession: { __typename: 'SignOutSessionSuccess' } }
          : { signOutEverywhere: { __typename: 'SignOutEverywhereSuccess', sessionsEnded: 1 } },
    });
    const table = await screen.findByRole('table', { name: 'Your sessions' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[0]?.textContent)).toEqual(['Firefox on Linux This browser', 'Safari on iPhone']);
    await user.click(within(rows[1] as HTMLElement).getByRole('button', { name: /^Sign out Safari on iPhone/ }));
    expect(await screen.findByText('Safari on iPhone is signed out.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere else' }));
    expect(await screen.findByText('Signed out everywhere else: 1 session ended.')).toBeInTheDocument();
    expect(calls).toEqual([
      { operationName: 'SignOutSession', variables: { input: { sessionId: 's2' } } },
      { operationName: 'SignOutEverywhere', variables: {} },
    ]);
  });
});
