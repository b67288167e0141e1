import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { flexContract, NoResizeObserver } from './flexFixtures';
import { FlexReportPage } from './FlexReportPage';

beforeAll(() => vi.stubGlobal('ResizeObserver', NoResizeObserver));

const user = (id: string, name: string, email: string) => ({ __typename: 'User' as const, id, name, email });
const holder = (u: ReturnType<typeof user>, role: 'SUPER_USER' | 'CONTRACT_USER', byAccountRole = false) => ({
  __typename: 'FlexRoleHolder' as const,
  role,
  byAccountRole,
  user: u,
});
const dana = user('u1', 'Dana', 'dana@example.com');
const victor = user('u3', 'Victor', 'victor@acme.example');
const max = user('u2', 'Max', 'max@acme.example');

function report(myRole: 'SUPER_USER' | 'CONTRACT_USER' = 'SUPER_USER') {
  return {
    ...flexContract({ myRole }),
    byProduct: [
      {
        __typename: 'FlexConsumption',
        drawnUnits: 10,
        returnedUnits: 2,
        points: 96,
        overagePoints: 0,
        product: { __typename: 'Product', id: 'p-eps', sku: 'EPS-15', name: 'Endpoint Protection', version: '15.0' },
      },
    ],
    byMonth: [{ __typename: 'FlexConsumption', month: '2026-11', drawnUnits: 10, returnedUnits: 2, points: 96, overagePoints: 0 }],
    roles: [holder(dana, 'SUPER_USER', true), holder(victor, 'CONTRACT_USER')],
  };
}

function renderReport(mutation: (call: MockCall) => unknown = () => null, myRole: 'SUPER_USER' | 'CONTRACT_USER' = 'SUPER_USER') {
  return renderPage({
    path: '/flex/contracts/fc-1/report',
    routes: <Route path="/flex/contracts/:id/report" element={<FlexReportPage />} />,
    query: (call) => {
      if (call.operationName === 'FlexReport') return { __typename: 'Query', node: report(myRole) };
      if (call.operationName === 'AccountMembers')
        return {
          __typename: 'Query',
          node: {
            __typename: 'Account',
            id: 'acc-1',
            name: 'Acme Corp',
            viewerRole: 'ADMIN',
            invitations: [],
            members: [dana, max, victor].map((u) => ({ __typename: 'Member', role: 'MEMBER', joinedAt: '2024-01-01T00:00:00Z', isYou: u === dana, user: u })),
          },
        };
      return undefined;
    },
    mutation,
  });
}

describe('<FlexReportPage>', () => {
  it('shows consumption by product and month and links the true-up CSV', async () => {
    renderReport();
    const byProduct = await screen.findByRole('table', { name: /by product/ });
    const row = within(byProduct).getByRole('row', { name: /Endpoint Protection/ });
    expect(row).toHaveTextContent('10');
    expect(row).toHaveTextContent('96');
    expect(within(screen.getByRole('table', { name: /by month/ })).getByRole('rowheader', { name: '2026-11' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download true-up CSV' })).toHaveAttribute('href', '/exports/flex/fc-1/true-up.csv');
  });

  it('lists roles and gives a member of the account a role', async () => {
    const u = userEvent.setup();
    const { calls } = renderReport((call) =>
      call.operationName === 'FlexRoleSet'
        ? {
            flexRoleSet: {
              __typename: 'FlexRoleSetSuccess',
              contract: { __typename: 'FlexContract', id: 'fc-1', roles: [holder(dana, 'SUPER_USER', true), holder(victor, 'CONTRACT_USER'), holder(max, 'SUPER_USER')] },
            },
          }
        : null,
    );
    const roles = await screen.findByRole('table', { name: /People holding a role/ });
    expect(within(roles).getByText('(account administrator)')).toBeInTheDocument();
    expect(within(roles).getByLabelText('Role of Victor')).toHaveValue('CONTRACT_USER');

    const member = screen.getByLabelText('Member of the account');
    expect(within(member).getAllByRole('option').map((o) => o.textContent)).toEqual(['Choose a member…', 'Max (max@acme.example)']);
    await u.click(screen.getByRole('button', { name: 'Give role' }));
    expect(member).toHaveAccessibleDescription('Choose a member of the account.');
    await u.selectOptions(member, 'u2');
    await u.selectOptions(screen.getByLabelText('Role'), 'SUPER_USER');
    await u.click(screen.getByRole('button', { name: 'Give role' }));
    expect(calls[0]).toMatchObject({ operationName: 'FlexRoleSet', variables: { input: { contractId: 'fc-1', userId: 'u2', role: 'SUPER_USER' } } });
    expect(await screen.findByText('Max is now a super user of EF-ACME-2026.')).toBeInTheDocument();
    expect(within(roles).getByLabelText('Role of Max')).toHaveValue('SUPER_USER');
  });

  it('takes a role away and shows a refusal next to the row', async () => {
    const u = userEvent.setup();
    const { calls } = renderReport(() => ({
      flexRoleSet: { __typename: 'FlexRefused', code: 'ROLE', message: 'Only super users grant roles.', field: 'contractId' },
    }));
    const select = await screen.findByLabelText('Role of Victor');
    await u.selectOptions(select, '');
    expect(calls).toHaveLength(0);
    await u.click(screen.getByRole('button', { name: 'Remove role of Victor' }));
    expect(calls[0]?.variables).toMatchObject({ input: { userId: 'u3', role: null } });
    expect(await screen.findByText('Only super users grant roles.')).toBeInTheDocument();
    expect(select).toHaveAttribute('aria-invalid', 'true');
  });

  it('tells a contract user the report is for super users', async () => {
    renderReport(undefined, 'CONTRACT_USER');
    expect(await screen.findByText('For super users')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Download true-up CSV' })).not.toBeInTheDocument();
  });
});
