import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../../test/mockClient';
import { renderPage, type TestRole } from '../../test/renderPage';
import { LoginPage } from '../LoginPage';
import { splitDomains, SsoPage } from './SsoPage';

const connection = {
  __typename: 'SsoConnection',
  id: 'sso-1',
  issuerUrl: 'https://login.acme.example',
  clientId: 'portal',
  clientSecretSet: true,
  domains: ['acme.example'],
  joinRole: 'MEMBER',
  requireSso: false,
  redirectUri: 'https://portal.example/sso/callback',
  testUrl: '/sso/start?account=C-1001',
  updatedAt: '2026-12-03T17:00:00Z',
  breakGlassUser: null,
};

function account(role: TestRole) {
  return {
    __typename: 'Account',
    id: 'acc-1',
    name: 'Acme Corp',
    viewerRole: role,
    members: [
      { __typename: 'Member', role: 'ADMIN', user: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@acme.example' } },
      { __typename: 'Member', role: 'MEMBER', user: { __typename: 'User', id: 'u2', name: 'Max', email: 'max@acme.example' } },
    ],
  };
}

function renderSso(saved: typeof connection | null, mutation: (call: MockCall) => unknown = () => null, role: TestRole = 'ADMIN') {
  return renderPage({
    path: '/account/sso',
    role,
    routes: <Route path="/account/sso" element={<SsoPage />} />,
    query: (call) => (call.operationName === 'SsoSettings' ? { __typename: 'Query', ssoConnection: saved, node: account(role) } : undefined),
    mutation,
  });
}

describe('splitDomains', () => {
  it('reads domains separated by commas, spaces or lines', () => {
    expect(splitDomains(' acme.example, acme.de\nacme.fr;;  ')).toEqual(['acme.example', 'acme.de', 'acme.fr']);
  });
});

describe('<SsoPage>', { timeout: 15000 }, () => {
  it('connects a provider with the entered settings and shows refused fields', async () => {
    const user = userEvent.setup();
    const { calls } = renderSso(null, () => ({
      ssoConnectionSave: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: '2 fields need attention.',
        field: 'issuerUrl',
        fieldErrors: [
          { __typename: 'FieldError', field: 'issuerUrl', code: 'DISCOVERY_FAILED', message: 'The provider could not be reached.' },
          { __typename: 'FieldError', field: 'domains', code: 'DOMAIN_TAKEN', message: 'acme.example already signs in elsewhere.' },
        ],
      },
    }));
    expect(await screen.findByRole('heading', { name: 'Not connected' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Issuer URL'), 'https://login.acme.example');
    await user.type(screen.getByLabelText('Client ID'), 'portal');
    await user.type(screen.getByLabelText('Client secret'), 's3cret');
    await user.type(screen.getByLabelText('E-mail domains'), 'acme.example, acme.de');
    await user.click(screen.getByLabelText(/Require single sign-on/));
    await user.selectOptions(screen.getByLabelText('Break-glass admin'), 'u1');
    await user.click(screen.getByRole('button', { name: 'Connect provider' }));
    expect(calls).toEqual([
      {
        operationName: 'SsoConnectionSave',
        variables: {
          input: {
            accountId: 'acc-1',
            issuerUrl: 'https://login.acme.example',
            clientId: 'portal',
            clientSecret: 's3cret',
            domains: ['acme.example', 'acme.de'],
            joinRole: 'MEMBER',
            requireSso: true,
            breakGlassUserId: 'u1',
          },
        },
      },
    ]);
    expect(await screen.findByText('The provider could not be reached.')).toBeInTheDocument();
    expect(screen.getByLabelText('Issuer URL')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('acme.example already signs in elsewhere.')).toBeInTheDocument();
    // only admins are offered as break-glass admin
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toContain('Dana (dana@acme.example)');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).not.toContain('Max (max@acme.example)');
  });

  it('keeps the stored secret unless a new one is typed, offers a test sign-in and disconnects', async () => {
    const user = userEvent.setup();
    const { calls } = renderSso(connection, (call) =>
      call.operationName === 'SsoConnectionSave'
        ? { ssoConnectionSave: { __typename: 'SsoConnectionSaveSuccess', connection: { ...connection, joinRole: 'VIEWER' } } }
        : { ssoConnectionDelete: { __typename: 'SsoConnectionDeleteSuccess', accountId: 'acc-1' } },
    );
    expect(await screen.findByRole('heading', { name: 'Connected' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Test sign-in' })).toHaveAttribute('href', '/sso/start?account=C-1001');
    expect(screen.getByText('https://portal.example/sso/callback')).toBeInTheDocument();
    expect(screen.getByLabelText('Client secret')).toHaveValue('');
    expect(screen.getByLabelText('Client secret')).toHaveAttribute('placeholder', 'Stored — leave empty to keep it');
    await user.selectOptions(screen.getByLabelText('Role of people signing in for the first time'), 'VIEWER');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Single sign-on settings saved.')).toBeInTheDocument();
    expect(calls[0]?.variables).toMatchObject({ input: { clientSecret: null, joinRole: 'VIEWER', domains: ['acme.example'] } });
    await user.click(screen.getByRole('button', { name: 'Disconnect' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disconnect single sign-on?' });
    await user.click(dialog.querySelector('button.button--danger') as HTMLElement);
    expect(await screen.findByText(/Single sign-on is disconnected/)).toBeInTheDocument();
    expect(calls.map((c) => c.operationName)).toEqual(['SsoConnectionSave', 'SsoConnectionDelete']);
  });

  it('tells members it is for admins', async () => {
    renderSso(null, () => null, 'MEMBER');
    expect(await screen.findByText('Only admins of Acme Corp can set up single sign-on.')).toBeInTheDocument();
    expect(screen.queryByLabelText('Issuer URL')).not.toBeInTheDocument();
  });
});

describe('<LoginPage> with single sign-on', { timeout: 15000 }, () => {
  const signedOut = { __typename: 'Query', me: null };

  it('asks for the e-mail first and sends a company address to its provider', async () => {
    const user = userEvent.setup();
    const { calls } = renderPage({
      path: '/login',
      me: signedOut,
      routes: <Route path="/login" element={<LoginPage />} />,
      query: (call) =>
        call.operationName === 'SignInMethod'
          ? { __typename: 'Query', signInMethod: { __typename: 'SignInMethod', method: 'SSO', startUrl: '/sso/start?email=nina%40acme.example' } }
          : undefined,
    });
    await user.type(await screen.findByLabelText('Email'), 'nina@acme.example');
    await user.tab();
    const link = await screen.findByRole('link', { name: 'Continue with company sign-in' });
    expect(link).toHaveAttribute('href', '/sso/start?email=nina%40acme.example');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('offers the company sign-in when the password is refused for SSO_REQUIRED', async () => {
    const user = userEvent.setup();
    renderPage({
      path: '/login',
      me: signedOut,
      routes: <Route path="/login" element={<LoginPage />} />,
      query: (call) =>
        call.operationName === 'SignInMethod' ? { __typename: 'Query', signInMethod: { __typename: 'SignInMethod', method: 'PASSWORD', startUrl: null } } : undefined,
      mutation: () => ({
        login: {
          __typename: 'SsoRequired',
          code: 'SSO_REQUIRED',
          message: 'Your organisation requires its company sign-in.',
          field: 'email',
          startUrl: '/sso/start?email=victor%40acme.example',
        },
      }),
    });
    await user.type(await screen.findByLabelText('Email'), 'victor@acme.example');
    await user.type(screen.getByLabelText('Password'), 'his password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Your organisation requires its company sign-in.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Continue with company sign-in' })).toHaveAttribute('href', '/sso/start?email=victor%40acme.example');
    // another address signs in with its password again
    await user.clear(screen.getByLabelText('Email'));
    await user.type(screen.getByLabelText('Email'), 'dana@globex.example');
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Continue with company sign-in' })).not.toBeInTheDocument();
  });
});
