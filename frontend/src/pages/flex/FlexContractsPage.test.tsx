import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { renderPage } from '../../test/renderPage';
import { FlexContractsPage } from './FlexContractsPage';
import { FlexNavLink } from './FlexShared';
import { CATALOG, flexContract, NoResizeObserver } from './flexFixtures';

beforeAll(() => vi.stubGlobal('ResizeObserver', NoResizeObserver));

function renderContracts(contracts: unknown[], mutation: Parameters<typeof renderPage>[0]['mutation'] = () => null) {
  return renderPage({
    path: '/flex',
    routes: <Route path="/flex" element={<FlexContractsPage />} />,
    query: (call) => (call.operationName === 'FlexContracts' ? { __typename: 'Query', flexContracts: contracts } : undefined),
    mutation,
  });
}

describe('<FlexContractsPage>', () => {
  it('shows a super user the points, the overage policy and a burn-down against the straight line', async () => {
    renderContracts([
      {
        ...flexContract(),
        catalog: CATALOG,
        consumption: [{ __typename: 'FlexConsumption', month: '2026-01', points: 5000, drawnUnits: 100, returnedUnits: 0, overagePoints: 0 }],
      },
    ]);
    const card = await screen.findByRole('listitem', { name: 'EF-ACME-2026' });
    expect(within(card).getByText('Super user')).toBeInTheDocument();
    expect(within(card).getByText('Committed', { selector: 'dt' }).nextSibling).toHaveTextContent('20,000');
    expect(within(card).getByText('Remaining', { selector: 'dt' }).nextSibling).toHaveTextContent('15,000');
    expect(within(card).getByText('Drawable now', { selector: 'dt' }).nextSibling).toHaveTextContent('17,000');
    expect(within(card).getByText(/Soft: up to 10/)).toBeInTheDocument();
    expect(within(card).getByRole('figure', { name: /Burn-down/ })).toBeInTheDocument();
    expect(within(card).getByRole('table', { name: /Points remaining by month/ })).toBeInTheDocument();
    expect(within(card).getByRole('link', { name: 'Report and roles' })).toHaveAttribute('href', '/flex/contracts/fc-1/report');
    expect(within(card).queryByRole('meter')).not.toBeInTheDocument();
  });

  it('shows a contract user a points bar and no report', async () => {
    renderContracts([{ ...flexContract({ myRole: 'CONTRACT_USER' }), catalog: CATALOG, consumption: [] }]);
    const card = await screen.findByRole('listitem', { name: 'EF-ACME-2026' });
    expect(within(card).getByRole('meter', { name: /Points consumed/ })).toHaveAttribute('aria-valuenow', '5000');
    expect(within(card).queryByRole('figure')).not.toBeInTheDocument();
    expect(within(card).queryByRole('link', { name: 'Report and roles' })).not.toBeInTheDocument();
    expect(within(card).getByRole('button', { name: /Draw down licenses/ })).toBeInTheDocument();
  });

  it('explains when the account has no contract', async () => {
    renderContracts([]);
    expect(await screen.findByText('No Enterprise Flexible contracts')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Get a Key' })).toHaveAttribute('href', '/get-a-key');
  });

  it('starts a draw-down and opens its wizard; an ended contract has no button', async () => {
    const user = userEvent.setup();
    const { calls } = renderContracts(
      [
        { ...flexContract(), catalog: CATALOG, consumption: [] },
        { ...flexContract({ id: 'fc-2', number: 'EF-OLD-2020', status: 'ENDED' }), catalog: CATALOG, consumption: [] },
      ],
      () => ({ flexDrawDownStart: { __typename: 'FlexDrawDownStartSuccess', keyRequest: { __typename: 'KeyRequest', id: 'kr-9', status: 'DRAFT', step: 'FLEX_ITEMS' } } }),
    );
    const old = await screen.findByRole('listitem', { name: 'EF-OLD-2020' });
    expect(within(old).queryByRole('button', { name: /Draw down/ })).not.toBeInTheDocument();
    expect(within(old).getByText(/The term has ended/)).toBeInTheDocument();
    await user.click(within(screen.getByRole('listitem', { name: 'EF-ACME-2026' })).getByRole('button', { name: /Draw down licenses/ }));
    expect(await screen.findByTestId('location')).toHaveTextContent('/flex/draw-downs/kr-9');
    expect(calls[0]).toMatchObject({ operationName: 'FlexDrawDownStart', variables: { input: { contractId: 'fc-1' } } });
  });
});

describe('<FlexNavLink>', () => {
  it('links to Enterprise Flexible only when the account has a contract you hold a role on', async () => {
    const render = (ids: string[]) =>
      renderPage({
        path: '/',
        routes: <Route path="/" element={<nav aria-label="Main"><FlexNavLink /></nav>} />,
        query: (call) =>
          call.operationName === 'FlexContractIds'
            ? { __typename: 'Query', flexContracts: ids.map((id) => ({ __typename: 'FlexContract', id })) }
            : undefined,
      });
    const first = render(['fc-1']);
    expect(await screen.findByRole('link', { name: 'Enterprise Flexible' })).toHaveAttribute('href', '/flex');
    first.unmount();
    render([]);
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
