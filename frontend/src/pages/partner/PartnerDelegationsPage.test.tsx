import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { delegation, delegationsAnswer } from '../../test/delegations';
import type { MockCall } from '../../test/mockClient';
import { PARTNER_ACCOUNT, partnerMeData, renderPage, type TestRole } from '../../test/renderPage';
import { PartnerDelegationsPage } from './PartnerDelegationsPage';

const globex = { __typename: 'Account' as const, id: 'acc-g', name: 'Globex', number: 'C-1002' };
const rows = [
  delegation({ id: 'del-pending', status: 'PENDING' }),
  delegation({ id: 'del-active', customerAccount: globex, scope: 'VIEW' }),
  delegation({ id: 'del-old', status: 'DECLINED', customerAccount: { ...globex, id: 'acc-h', name: 'Hooli' } }),
];

function renderDelegations(mutation: (call: MockCall) => unknown, role: TestRole = 'ADMIN') {
  return renderPage({
    path: '/partner/delegations',
    me: partnerMeData(role),
    routes: <Route path="/partner/delegations" element={<PartnerDelegationsPage />} />,
    query: (call) => (call.operationName === 'AccountDelegations' ? delegationsAnswer(PARTNER_ACCOUNT, role, rows) : undefined),
    mutation,
  });
}

const success = (name: string) => ({ [name]: { __typename: `${name.charAt(0).toUpperCase()}${name.slice(1)}Success`, delegation: delegation() } });

describe('<PartnerDelegationsPage>', { timeout: 15000 }, () => {
  it('accepts and declines pending invitations', async () => {
    const user = userEvent.setup();
    const { calls } = renderDelegations((call) =>
      call.operationName === 'DelegationAccept' ? success('delegationAccept') : success('delegationDecline'),
    );
    const pending = await screen.findByRole('table', { name: 'Pending invitations' });
    expect(within(pending).getByText('Pending')).toHaveClass('badge');
    expect(screen.getByRole('table', { name: 'Active delegations' })).toHaveTextContent('Globex');
    expect(screen.getByRole('table', { name: 'Ended and declined delegations' })).toHaveTextContent('Declined');

    await user.click(within(pending).getByRole('button', { name: 'Accept the invitation of Acme Corp' }));
    expect(calls[0]).toEqual({ operationName: 'DelegationAccept', variables: { input: { delegationId: 'del-pending' } } });
    expect(await screen.findByText(/You now manage Acme Corp\./)).toBeInTheDocument();

    await user.click(within(pending).getByRole('button', { name: 'Decline the invitation of Acme Corp' }));
    expect(calls[1]).toEqual({ operationName: 'DelegationDecline', variables: { input: { delegationId: 'del-pending' } } });
    expect(await screen.findByText('The invitation of Acme Corp was declined.')).toBeInTheDocument();
  });

  it('revokes an active delegation after confirmation and shows a refusal', async () => {
    const user = userEvent.setup();
    const { calls } = renderDelegations((call) =>
      call.operationName === 'DelegationRevoke'
        ? success('delegationRevoke')
        : { delegationAccept: { __typename: 'DelegationRefused', code: 'NOT_PENDING', message: '', field: null } },
    );
    const active = await screen.findByRole('table', { name: 'Active delegations' });
    await user.click(within(active).getByRole('button', { name: 'Revoke the delegation with Globex' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Revoke the delegation?' })).getByRole('button', { name: 'Revoke delegation' }));
    expect(calls[0]).toEqual({ operationName: 'DelegationRevoke', variables: { input: { delegationId: 'del-active' } } });
    expect(await screen.findByText('The delegation with Globex was revoked.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Accept the invitation of Acme Corp' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The invitation could not be accepted');
    expect(alert).toHaveTextContent('This invitation was already answered or withdrawn.');
  });

  it('offers no answers to partner members who are not administrators', async () => {
    renderDelegations(() => null, 'MEMBER');
    const pending = await screen.findByRole('table', { name: 'Pending invitations' });
    expect(within(pending).queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText(/Only administrators of the partner account answer invitations\./)).toBeInTheDocument();
  });
});
