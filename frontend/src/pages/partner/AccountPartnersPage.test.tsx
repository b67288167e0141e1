import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { delegation, delegationsAnswer } from '../../test/delegations';
import type { MockCall } from '../../test/mockClient';
import { ACCOUNT, renderPage, type TestRole } from '../../test/renderPage';
import { AccountPartnersPage } from './AccountPartnersPage';

const rows = [
  delegation(),
  delegation({ id: 'del-2', status: 'PENDING', scope: 'VIEW', partnerAccount: { __typename: 'Account', id: 'acc-q', name: 'Hooli Services', number: 'P-3001' } }),
  delegation({ id: 'del-3', status: 'REVOKED', partnerAccount: { __typename: 'Account', id: 'acc-r', name: 'Umbrella IT', number: 'P-4001' } }),
];

function renderPartners(mutation: (call: MockCall) => unknown, role: TestRole = 'ADMIN') {
  return renderPage({
    path: '/account/partners',
    role,
    routes: <Route path="/account/partners" element={<AccountPartnersPage />} />,
    query: (call) => (call.operationName === 'AccountDelegations' ? delegationsAnswer(ACCOUNT, role, rows) : undefined),
    mutation,
  });
}

const invited = { delegationInvite: { __typename: 'DelegationInviteSuccess', delegation: delegation({ status: 'PENDING' }) } };

describe('<AccountPartnersPage>', { timeout: 15000 }, () => {
  it('lists the delegations with their status', async () => {
    renderPartners(() => null);
    const table = await screen.findByRole('table', { name: 'Partners of Acme Corp' });
    const body = within(table).getAllByRole('row').slice(1);
    expect(body).toHaveLength(3);
    expect(body[0]).toHaveTextContent('Initech Partners');
    expect(within(body[0]!).getByText('Active')).toHaveClass('badge--success');
    expect(within(body[1]!).getByText('Pending')).toHaveClass('badge');
    expect(body[1]).toHaveTextContent('View');
    expect(within(body[2]!).getByText('Revoked')).toHaveClass('badge--danger');
    // Ended delegations cannot be revoked again.
    expect(within(body[2]!).queryByRole('button')).not.toBeInTheDocument();
  });

  it('invites by account number with Manage access, or by a user’s e-mail with View access and an end date', async () => {
    const user = userEvent.setup();
    const { calls } = renderPartners(() => invited);
    const form = await screen.findByRole('form', { name: 'Invite a partner' });
    expect(within(form).getByRole('radio', { name: 'By its account number' })).toBeChecked();
    expect(within(form).getByRole('radio', { name: 'Manage' })).toBeChecked();

    await user.click(within(form).getByRole('button', { name: 'Invite partner' }));
    expect(within(form).getByLabelText('Partner account number')).toHaveAccessibleDescription(/Enter the partner’s account number\./);
    expect(calls).toHaveLength(0);

    await user.type(within(form).getByLabelText('Partner account number'), ' P-2001 ');
    await user.click(within(form).getByRole('button', { name: 'Invite partner' }));
    expect(calls[0]).toEqual({ operationName: 'DelegationInvite', variables: { input: { accountId: 'acc-1', scope: 'MANAGE', partnerAccountNumber: 'P-2001' } } });
    expect(await screen.findByText(/We invited Initech Partners\./)).toBeInTheDocument();

    await user.click(within(form).getByRole('radio', { name: 'By the e-mail of one of its users' }));
    expect(within(form).queryByLabelText('Partner account number')).not.toBeInTheDocument();
    await user.type(within(form).getByLabelText('Partner user’s e-mail'), 'carol@initech.example');
    await user.click(within(form).getByRole('radio', { name: 'View' }));
    await user.type(within(form).getByLabelText(/Last day/), '2027-01-31');
    await user.click(within(form).getByRole('button', { name: 'Invite partner' }));
    expect(calls[1]?.variables).toEqual({
      input: { accountId: 'acc-1', scope: 'VIEW', partnerUserEmail: 'carol@initech.example', endsOn: '2027-01-31' },
    });
  });

  it('shows the server’s field errors next to the inputs', async () => {
    const user = userEvent.setup();
    renderPartners(() => ({
      delegationInvite: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'Please check the form.',
        field: 'partnerAccountNumber',
        fieldErrors: [
          { __typename: 'FieldError', field: 'partnerAccountNumber', code: 'UNKNOWN_PARTNER', message: 'No partner account has the number P-9999.' },
          { __typename: 'FieldError', field: 'endsOn', code: 'IN_PAST', message: 'The last day must not be in the past.' },
        ],
      },
    }));
    const number = await screen.findByLabelText('Partner account number');
    await user.type(number, 'P-9999');
    await user.type(screen.getByLabelText(/Last day/), '2020-01-01');
    await user.click(screen.getByRole('button', { name: 'Invite partner' }));
    expect(await screen.findByText('No partner account has the number P-9999.')).toBeInTheDocument();
    expect(number).toHaveAccessibleDescription(/No partner account has the number P-9999\./);
    expect(number).toHaveAttribute('aria-invalid', 'true');
    expect(number).toHaveFocus();
    expect(screen.getByLabelText(/Last day/)).toHaveAccessibleDescription(/The last day must not be in the past\./);
  });

  it('revokes after confirmation and shows a refusal as an alert', async () => {
    const user = userEvent.setup();
    const { calls } = renderPartners(() => ({
      delegationRevoke: { __typename: 'DelegationRefused', code: 'NOT_OPEN', message: 'This delegation has already ended.', field: null },
    }));
    await user.click(await screen.findByRole('button', { name: 'Revoke the delegation with Initech Partners' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke the delegation?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Revoke the delegation with Initech Partners' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Revoke delegation' }));
    expect(calls[0]).toEqual({ operationName: 'DelegationRevoke', variables: { input: { delegationId: 'del-1' } } });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The delegation could not be revoked');
    expect(alert).toHaveTextContent('This delegation has already ended.');
  });

  it('shows delegations read-only to non-admins', async () => {
    renderPartners(() => null, 'MEMBER');
    const table = await screen.findByRole('table', { name: 'Partners of Acme Corp' });
    expect(within(table).queryByRole('button')).not.toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Invite a partner' })).not.toBeInTheDocument();
  });
});
