import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../test/mockClient';
import { ACCOUNT, PARTNER_ACCOUNT, renderPage, type TestRole } from '../test/renderPage';
import { HomePage } from './HomePage';

const DANA = { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' };
const ERIK = { __typename: 'User', id: 'u9', name: '', email: 'erik@example.com' };

const row = (
  id: string,
  kind: string,
  status: string,
  serials: string[] = [],
  more: { products?: { name: string; version: string }[]; requestedBy?: typeof DANA; actingAccount?: { name: string } | null } = {},
) => ({
  __typename: 'KeyRequest',
  id,
  kind,
  status,
  step: 'KEYS',
  createdAt: '2025-03-01T10:00:00Z',
  updatedAt: '2025-03-01T10:00:00Z',
  expiresAt: '2025-03-08T10:00:00Z',
  serials: serials.map((number) => ({ __typename: 'Serial', number })),
  products: (more.products ?? []).map((p, i) => ({ __typename: 'Product', id: `p-${i}`, ...p })),
  requestedBy: more.requestedBy ?? DANA,
  actingAccount: more.actingAccount ? { __typename: 'Account', id: 'acc-p', ...more.actingAccount } : null,
});

function renderHome(keyRequests: unknown[], { role = 'ADMIN', mutation }: { role?: TestRole; mutation?: (call: MockCall) => unknown } = {}) {
  return renderPage({
    path: '/',
    role,
    routes: <Route path="/" element={<HomePage />} />,
    query: (call) =>
      call.operationName === 'AccountKeyRequests'
        ? { __typename: 'Query', node: { __typename: 'Account', id: ACCOUNT.id, keyRequests } }
        : undefined,
    mutation,
  });
}

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
    // Vouchers are an OEM account's: a customer's Home does not offer them.
    expect(within(functions).queryByText('Voucher Center')).not.toBeInTheDocument();
    expect(within(functions).getByRole('link', { name: /^Downloads/ })).toHaveAttribute('href', '/downloads');
    expect(within(functions).queryByText('Coming soon')).not.toBeInTheDocument();

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

  it('shows what each request is for, who requested it and the partner account they acted from', async () => {
    renderHome([
      row('kr-1', 'NEW', 'READY', ['M1234567890'], {
        products: [
          { name: 'Endpoint Protection', version: '14.3' },
          { name: 'Messaging Gateway', version: '10.8' },
        ],
        actingAccount: { name: PARTNER_ACCOUNT.name },
        requestedBy: { ...DANA, id: 'u2', name: 'Carol' },
      }),
      row('kr-2', 'UPGRADE', 'DRAFT', [], { requestedBy: ERIK }),
    ]);
    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    expect(within(table).getByRole('columnheader', { name: 'Products' })).toBeInTheDocument();
    expect(within(table).getByRole('columnheader', { name: 'Requested by' })).toBeInTheDocument();
    const [first, second] = within(table).getAllByRole('row').slice(1);
    expect(within(first!).getByText('Endpoint Protection 14.3, Messaging Gateway 10.8')).toHaveAttribute('data-label', 'Products');
    expect(within(first!).getByText('Carol')).toBeInTheDocument();
    expect(within(first!).getByText('via Initech Partners')).toBeInTheDocument();
    // A draft that names no product yet; a requester without a name shows the e-mail; no partner, no "via".
    expect(within(second!).getByText('Not chosen yet')).toBeInTheDocument();
    expect(within(second!).getByText('erik@example.com')).toBeInTheDocument();
    expect(within(second!).queryByText(/^via /)).not.toBeInTheDocument();
  });

  it("offers Discard on drafts to their creator and to admins only, never on submitted requests", async () => {
    renderHome(
      [
        row('kr-mine', 'NEW', 'DRAFT', ['M1']),
        row('kr-erik', 'REHOST', 'DRAFT', [], { requestedBy: ERIK }),
        row('kr-done', 'NEW', 'READY', ['M2']),
      ],
      { role: 'MEMBER' },
    );
    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    const discards = within(table).getAllByRole('button', { name: /^Discard/ });
    expect(discards).toHaveLength(1);
    expect(discards[0]).toHaveAccessibleName(/^Discard ?key request created/);
  });

  it('lets an admin discard anyone’s draft after confirming, and takes it off the list', async () => {
    const user = userEvent.setup();
    const { calls } = renderHome([row('kr-erik', 'UPGRADE', 'DRAFT', [], { requestedBy: ERIK }), row('kr-done', 'NEW', 'READY', ['M2'])], {
      mutation: (call) =>
        call.operationName === 'KeyRequestDiscard'
          ? { keyRequestDiscard: { __typename: 'KeyRequestDiscardSuccess', keyRequestId: 'kr-erik' } }
          : null,
    });
    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    await user.click(within(table).getByRole('button', { name: /^Discard/ }));

    const dialog = screen.getByRole('dialog', { name: 'Discard this draft?' });
    expect(dialog).toHaveAccessibleDescription(/The version upgrade and everything entered in it are deleted/);
    // Cancelling keeps it.
    await user.click(within(dialog).getByRole('button', { name: 'Keep the draft' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(calls.filter((c) => c.operationName === 'KeyRequestDiscard')).toHaveLength(0);

    await user.click(within(table).getByRole('button', { name: /^Discard/ }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Discard draft' }));
    expect(calls.find((c) => c.operationName === 'KeyRequestDiscard')?.variables).toEqual({ input: { keyRequestId: 'kr-erik' } });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(within(table).getAllByRole('row')).toHaveLength(2); // the header and the READY request
    expect(within(table).queryByRole('link', { name: /version upgrade created/ })).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(/The draft version upgrade created .* was discarded\./);
  });

  it('keeps the draft and says why when the server refuses to discard it', async () => {
    const user = userEvent.setup();
    renderHome([row('kr-mine', 'NEW', 'DRAFT', ['M1'])], {
      mutation: () => ({
        keyRequestDiscard: {
          __typename: 'KeyRequestNotEditable',
          code: 'NOT_EDITABLE',
          message: 'This key request was submitted in the meantime.',
          field: null,
        },
      }),
    });
    const table = await screen.findByRole('table', { name: 'Key requests of Acme Corp' });
    await user.click(within(table).getByRole('button', { name: /^Discard/ }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Discard draft' }));
    const dialog = screen.getByRole('dialog');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('This key request was submitted in the meantime.');
    expect(within(table).getAllByRole('row')).toHaveLength(2);
  });
});
