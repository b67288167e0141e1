import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { expiryAfter, TokensPage } from './TokensPage';

const SCOPES = [
  { __typename: 'ApiTokenScope', name: 'licenses:read', description: 'Read licenses, their keys.' },
  { __typename: 'ApiTokenScope', name: 'reports:read', description: 'Run the reports.' },
];

function token(overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'ApiToken',
    id: 't1',
    name: 'Nightly report',
    scopes: ['licenses:read'],
    prefix: 'lp_AbCdEf',
    createdAt: '2026-11-01T10:00:00Z',
    expiresAt: '2027-11-01T10:00:00Z',
    lastUsedAt: '2026-12-02T03:00:00Z',
    lastUsedIp: '203.0.113.7',
    expired: false,
    mine: true,
    ownerName: 'Dana',
    ownerEmail: 'dana@example.com',
    account: null,
    ...overrides,
  };
}

function renderTokens(tokens: unknown[], mutation: (call: MockCall) => unknown = () => undefined) {
  return renderPage({
    path: '/account/tokens',
    routes: <Route path="/account/tokens" element={<TokensPage />} />,
    query: (call) =>
      call.operationName === 'ApiTokens' ? { __typename: 'Query', apiTokens: tokens, apiTokenScopes: SCOPES } : undefined,
    mutation,
  });
}

describe('<TokensPage>', { timeout: 15000 }, () => {
  it('lists tokens by prefix with their last use, and a colleague’s token for an account', async () => {
    renderTokens([
      token(),
      token({
        id: 't2',
        name: 'Partner sync',
        mine: false,
        ownerName: 'Max',
        expired: true,
        lastUsedAt: null,
        lastUsedIp: null,
        account: { __typename: 'Account', id: 'acc-1', name: 'Acme Corp' },
      }),
    ]);
    const table = await screen.findByRole('table', { name: 'Your API tokens' });
    const mine = within(table).getByRole('row', { name: /Nightly report/ });
    expect(mine).toHaveTextContent('lp_AbCdEf…');
    expect(mine).toHaveTextContent('licenses:read');
    expect(mine).toHaveTextContent('from 203.0.113.7');
    const theirs = within(table).getByRole('row', { name: /Partner sync/ });
    expect(theirs).toHaveTextContent('Max · Acme Corp');
    expect(theirs).toHaveTextContent('Expired');
    expect(theirs).toHaveTextContent('Never');
  });

  it('makes a token from the chosen scopes and shows it once with a copy button', async () => {
    const user = userEvent.setup();
    const { calls } = renderTokens([], () => ({
      apiTokenCreate: {
        __typename: 'ApiTokenCreateSuccess',
        token: 'lp_secret-shown-once',
        apiToken: { __typename: 'ApiToken', id: 't9', name: 'Nightly report', prefix: 'lp_secret' },
      },
    }));
    await user.type(await screen.findByLabelText('Name', { exact: true }), 'Nightly report');
    await user.click(screen.getByRole('checkbox', { name: /reports:read/ }));
    await user.selectOptions(screen.getByLabelText('Expires after'), '90');
    await user.selectOptions(screen.getByLabelText('Made for'), 'acc-1');
    await user.click(screen.getByRole('button', { name: 'Make token' }));

    const input = calls.find((c) => c.operationName === 'ApiTokenCreate')?.variables.input as Record<string, unknown>;
    expect(input).toMatchObject({ name: 'Nightly report', scopes: ['reports:read'], accountId: 'acc-1' });
    expect(new Date(String(input.expiresAt)).getTime()).toBe(expiryAfter(90).getTime());
    expect(await screen.findByTestId('new-token')).toHaveTextContent('lp_secret-shown-once');
    expect(screen.getByText(/shown only this once/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy the new token' })).toBeInTheDocument();
    // The form is hidden until the token is put away; then the token is gone from the page.
    expect(screen.queryByRole('button', { name: 'Make token' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByTestId('new-token')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Make token' })).toBeInTheDocument();
  });

  it('puts each refusal at its field', async () => {
    const user = userEvent.setup();
    renderTokens([], () => ({
      apiTokenCreate: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'Please correct the highlighted fields.',
        field: null,
        fieldErrors: [
          { __typename: 'FieldError', field: 'name', code: 'LENGTH', message: 'Name the token in 1 to 100 characters.' },
          { __typename: 'FieldError', field: 'scopes', code: 'EMPTY', message: 'Choose at least one scope.' },
        ],
      },
    }));
    await user.click(await screen.findByRole('button', { name: 'Make token' }));
    expect(await screen.findByText('Choose at least one scope.')).toBeInTheDocument();
    expect(screen.getByLabelText('Name', { exact: true })).toHaveAccessibleDescription(/Name the token in 1 to 100 characters/);
  });

  it('revokes a token only after confirming', async () => {
    const user = userEvent.setup();
    const { calls } = renderTokens([token()], () => ({
      apiTokenRevoke: { __typename: 'ApiTokenRevokeSuccess', apiToken: { __typename: 'ApiToken', id: 't1' } },
    }));
    await user.click(await screen.findByRole('button', { name: 'Revoke Nightly report' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke “Nightly report”?' });
    expect(calls.some((c) => c.operationName === 'ApiTokenRevoke')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    expect(calls.find((c) => c.operationName === 'ApiTokenRevoke')?.variables).toEqual({ input: { tokenId: 't1' } });
    expect(await screen.findByText(/is revoked: requests with it are refused/)).toBeInTheDocument();
  });
});
