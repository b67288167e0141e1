import { screen, within } from '@testing-library/react';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, renderPage } from '../test/renderPage';
import { HomePage } from './HomePage';

const row = (id: string, kind: string, status: string, serials: string[] = []) => ({
  __typename: 'KeyRequest',
  id,
  kind,
  status,
  step: 'KEYS',
  createdAt: '2025-03-01T10:00:00Z',
  updatedAt: '2025-03-01T10:00:00Z',
  expiresAt: '2025-03-08T10:00:00Z',
  serials: serials.map((number) => ({ __typename: 'Serial', number })),
});

describe('<HomePage>', () => {
  it('offers Get a Key, Version Upgrade and Manage My Licenses, and opens each request in its own wizard', async () => {
    renderPage({
      path: '/',
      routes: <Route path="/" element={<HomePage />} />,
      query: (call) =>
        call.operationName === 'AccountKeyRequests'
          ? {
              __typename: 'Query',
              node: {
                __typename: 'Account',
                id: ACCOUNT.id,
                keyRequests: [
                  row('kr-new', 'NEW', 'READY', ['M1']),
                  row('kr-up', 'UPGRADE', 'READY'),
                  row('kr-rh', 'REHOST', 'DRAFT'),
                  row('kr-empty', 'NEW', 'DRAFT'),
                ],
              },
            }
          : undefined,
    });

    const functions = await screen.findByRole('region', { name: 'What would you like to do?' });
    expect(within(functions).getByRole('link', { name: /^Get a Key/ })).toHaveAttribute('href', '/get-a-key');
    expect(within(functions).getByRole('link', { name: /^Version Upgrade/ })).toHaveAttribute('href', '/version-upgrade');
    expect(within(functions).getByRole('link', { name: /^Manage My Licenses/ })).toHaveAttribute('href', '/licenses');
    expect(within(functions).getByText('Voucher Center').closest('[aria-disabled]')).toHaveTextContent('Coming soon');

    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    const links = within(table).getAllByRole('link').map((link) => link.getAttribute('href'));
    expect(links).toEqual(['/get-a-key/kr-new', '/version-upgrade/kr-up', '/rehost/kr-rh']);
    expect(within(table).getByRole('link', { name: /^Resume ?re-host request created/ })).toBeInTheDocument();
  });

  it('offers a viewer nothing he cannot do: no Start on Get a Key or Version Upgrade, View instead of Resume', async () => {
    renderPage({
      path: '/',
      role: 'VIEWER',
      routes: <Route path="/" element={<HomePage />} />,
      query: (call) =>
        call.operationName === 'AccountKeyRequests'
          ? {
              __typename: 'Query',
              node: { __typename: 'Account', id: ACCOUNT.id, keyRequests: [row('kr-draft', 'NEW', 'DRAFT', ['M1'])] },
            }
          : undefined,
    });

    const functions = await screen.findByRole('region', { name: 'What would you like to do?' });
    expect(within(functions).queryByRole('link', { name: /^Get a Key/ })).not.toBeInTheDocument();
    expect(within(functions).queryByRole('link', { name: /^Version Upgrade/ })).not.toBeInTheDocument();
    expect(within(functions).getByText('Get a Key').closest('[aria-disabled]')).toHaveTextContent(
      'Your role (Viewer) cannot request keys',
    );
    expect(within(functions).getByRole('link', { name: /^Manage My Licenses/ })).toHaveAttribute('href', '/licenses');

    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    expect(within(table).queryByRole('link', { name: /^Resume/ })).not.toBeInTheDocument();
    expect(within(table).getByRole('link', { name: /^View ?key request created/ })).toHaveAttribute('href', '/get-a-key/kr-draft');
  });
});
