import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { AccountMembersFieldsFragment } from '../../gql/graphql';
import type { MockCall } from '../../test/mockClient';
import { renderPage, type TestRole } from '../../test/renderPage';
import { MembersPage } from './MembersPage';

function accountData(viewerRole: TestRole = 'ADMIN'): AccountMembersFieldsFragment {
  return {
    __typename: 'Account',
    id: 'acc-1',
    name: 'Acme Corp',
    viewerRole,
    members: [
      {
        __typename: 'Member',
        role: viewerRole,
        joinedAt: '2024-01-01T00:00:00Z',
        isYou: true,
        user: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' },
      },
      {
        __typename: 'Member',
        role: 'MEMBER',
        joinedAt: '2024-02-01T00:00:00Z',
        isYou: false,
        user: { __typename: 'User', id: 'u2', name: 'Max', email: 'max@acme.example' },
      },
    ],
    invitations:
      viewerRole === 'ADMIN'
        ? [
            {
              __typename: 'AccountInvitation',
              id: 'inv-1',
              email: 'new@acme.example',
              role: 'VIEWER',
              createdAt: '2025-03-01T00:00:00Z',
              expiresAt: '2025-03-15T00:00:00Z',
            },
          ]
        : [],
  };
}

function renderMembers(mutation: (call: MockCall) => unknown, role: TestRole = 'ADMIN') {
  return renderPage({
    path: '/account/members',
    role,
    routes: <Route path="/account/members" element={<MembersPage />} />,
    query: (call) =>
      call.operationName === 'AccountMembers'
        ? { __typename: 'Query', node: accountData(role) }
        : undefined,
    mutation,
  });
}

const lastAdmin = { __typename: 'LastAdmin', code: 'LAST_ADMIN', message: 'Acme Corp needs at least one admin.', field: 'role' };

// These tests type into several fields; allow for a busy machine.
describe('<MembersPage>', { timeout: 15000 }, () => {
  it('lists members and invitations and explains a LastAdmin refusal', async () => {
    const user = userEvent.setup();
    const { calls } = renderMembers((call) =>
      call.operationName === 'AccountMemberSetRole' ? { accountMemberSetRole: lastAdmin } : { accountMemberRemove: lastAdmin },
    );
    const table = await screen.findByRole('table', { name: 'Members of Acme Corp' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByRole('row', { name: /Max/ })).toHaveTextContent('max@acme.example');
    expect(screen.getByRole('table', { name: 'Pending invitations' })).toHaveTextContent('new@acme.example');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Role of Dana' }), 'MEMBER');
    expect(calls[0]).toEqual({ operationName: 'AccountMemberSetRole', variables: { input: { accountId: 'acc-1', userId: 'u1', role: 'MEMBER' } } });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The last administrator cannot be changed');
    expect(alert).toHaveTextContent('Acme Corp needs at least one admin. Make another member an admin first, then try again.');
    expect(screen.getByRole('combobox', { name: 'Role of Dana' })).toHaveValue('ADMIN');

    await user.click(screen.getByRole('button', { name: 'Leave account' }));
    await user.click(screen.getByRole('button', { name: 'Leave Acme Corp' }));
    expect(calls[1]).toEqual({ operationName: 'AccountMemberRemove', variables: { input: { accountId: 'acc-1', userId: 'u1' } } });
    expect(await screen.findByText('You are the last administrator')).toBeInTheDocument();
  });

  it('invites by e-mail, shows field errors and revokes an invitation', async () => {
    const user = userEvent.setup();
    const { calls } = renderMembers((call) => {
      if (call.operationName === 'AccountMemberInvite') {
        const input = call.variables['input'] as { email: string };
        return input.email === 'max@acme.example'
          ? {
              accountMemberInvite: {
                __typename: 'InvalidInput',
                code: 'INVALID_INPUT',
                message: 'Please check the form.',
                field: 'email',
                fieldErrors: [{ __typename: 'FieldError', field: 'email', code: 'ALREADY_MEMBER', message: 'max@acme.example is already a member.' }],
              },
            }
          : { accountMemberInvite: { __typename: 'AccountMemberInviteSuccess', account: accountData(), invitation: { __typename: 'AccountInvitation', id: 'inv-2', email: input.email }, member: null } };
      }
      return { accountInvitationRevoke: { __typename: 'AccountInvitationRevokeSuccess', account: accountData() } };
    });
    const email = await screen.findByLabelText('E-mail');
    await user.click(screen.getByRole('button', { name: 'Invite' }));
    expect(email).toHaveAccessibleDescription('Enter an e-mail address, e.g. name@example.com.');
    expect(calls).toHaveLength(0);

    await user.type(email, 'max@acme.example');
    await user.click(screen.getByRole('button', { name: 'Invite' }));
    expect(await screen.findByText('max@acme.example is already a member.')).toBeInTheDocument();
    expect(email).toHaveFocus();

    await user.clear(email);
    await user.type(email, 'eve@acme.example');
    await user.selectOptions(screen.getByLabelText('Role'), 'VIEWER');
    await user.click(screen.getByRole('button', { name: 'Invite' }));
    expect(calls[1]?.variables).toEqual({ input: { accountId: 'acc-1', email: 'eve@acme.example', role: 'VIEWER' } });
    expect(await screen.findByText('We sent an invitation to eve@acme.example.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Revoke invitation for new@acme.example' }));
    expect(calls[2]).toEqual({ operationName: 'AccountInvitationRevoke', variables: { input: { invitationId: 'inv-1' } } });
    expect(await screen.findByText('The invitation for new@acme.example was revoked.')).toBeInTheDocument();
  });

  it('shows members read-only to non-admins', async () => {
    renderMembers(() => null, 'MEMBER');
    const table = await screen.findByRole('table', { name: 'Members of Acme Corp' });
    expect(within(table).queryByRole('combobox')).not.toBeInTheDocument();
    expect(within(table).queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Invite' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Leave account' })).toBeInTheDocument();
  });
});
