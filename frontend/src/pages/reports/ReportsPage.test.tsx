import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MockCall } from '../../test/mockClient';
import { partnerMeData, renderPage } from '../../test/renderPage';
import { NoResizeObserver } from '../flex/flexFixtures';
import { ReportsPage } from './ReportsPage';

beforeAll(() => vi.stubGlobal('ResizeObserver', NoResizeObserver));
beforeEach(() => {
  asked = [];
});

const eps = { __typename: 'Product', id: 'p-1', sku: 'EPS-14', name: 'Endpoint Protection', version: '14.3' };

function report(managed: boolean, from = '2026-11-04', to = '2026-12-03') {
  return {
    __typename: 'Report',
    asOf: '2026-12-03',
    managed,
    accountCount: managed ? 2 : 1,
    licensesByProduct: [
      { __typename: 'LicensesByProductRow', status: 'ACTIVE', licenses: 8, seats: 80, product: eps },
      { __typename: 'LicensesByProductRow', status: 'EXPIRING', licenses: 2, seats: 15, product: eps },
    ],
    maintenanceByMonth: [
      { __typename: 'MaintenanceMonth', month: '2026-12', licenses: 2, seats: 15 },
      { __typename: 'MaintenanceMonth', month: '2027-01', licenses: 0, seats: 0 },
    ],
    keysIssued: {
      __typename: 'KeysIssuedReport',
      from,
      to,
      total: 3,
      byDay: [{ __typename: 'KeysIssuedDay', day: to, keys: 3 }],
      byKind: [
        { __typename: 'KeysIssuedKind', kind: 'NEW', keys: 2 },
        { __typename: 'KeysIssuedKind', kind: 'VOUCHER', keys: 1 },
      ],
    },
    activationsByProduct: [{ __typename: 'ActivationsByProductRow', seats: 80, activations: 12, activatedLicenses: 5, product: eps }],
    portfolio: [
      { __typename: 'PortfolioRow', account: { __typename: 'Account', id: 'c-1', name: 'Globex Inc', number: 'C-1002' }, licenses: 7, active: 6, maintenanceEnding90Days: 2, keysIssued30Days: 3 },
      { __typename: 'PortfolioRow', account: { __typename: 'Account', id: 'c-2', name: 'Umbrella', number: 'C-1003' }, licenses: 3, active: 3, maintenanceEnding90Days: 0, keysIssued30Days: 0 },
    ],
  };
}

// The mock client records mutations only: the page's report queries are kept here.
let asked: MockCall[] = [];
const lastAsked = () => asked.at(-1)?.variables;

function answer(call: MockCall) {
  if (call.operationName !== 'Reports') return undefined;
  asked.push(call);
  const variables = call.variables as { accountId: string | null; from: string; to: string };
  return { __typename: 'Query', report: report(variables.accountId === null, variables.from, variables.to) };
}

describe('<ReportsPage>', () => {
  it('shows a customer its own account with a CSV per report', async () => {
    renderPage({ path: '/reports', routes: <Route path="/reports" element={<ReportsPage />} />, query: answer });
    const byProduct = await screen.findByRole('table', { name: 'Licenses by product and status' });
    expect(within(byProduct).getAllByRole('row', { name: /Endpoint Protection/ })[0]).toHaveTextContent('80');
    expect(lastAsked()).toMatchObject({ accountId: 'acc-1' });
    expect(screen.queryByRole('table', { name: 'Customer portfolio' })).not.toBeInTheDocument();
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Download CSV of licenses by product and status/ })).toHaveAttribute(
      'href',
      '/api/reports/licenses-by-product.csv?accountId=acc-1',
    );
    expect(screen.getByRole('link', { name: /CSV by kind/ })).toHaveAttribute(
      'href',
      '/api/reports/keys-issued-by-kind.csv?accountId=acc-1&from=2026-11-04&to=2026-12-03',
    );
    expect(within(screen.getByRole('table', { name: 'Keys issued by kind of request' })).getByRole('row', { name: /Voucher conversion/ })).toHaveTextContent('1');
  });

  it('shows a partner every customer it manages, or its own account', async () => {
    const u = userEvent.setup();
    renderPage({ path: '/reports', routes: <Route path="/reports" element={<ReportsPage />} />, query: answer, me: partnerMeData() });
    const portfolio = await screen.findByRole('table', { name: 'Customer portfolio' });
    expect(within(portfolio).getByRole('row', { name: /Globex Inc/ })).toHaveTextContent('7');
    expect(screen.getByRole('link', { name: /Download CSV of customer portfolio/ })).toHaveAttribute('href', '/api/reports/portfolio.csv');
    expect(lastAsked()).toMatchObject({ accountId: null });
    await u.click(screen.getByRole('radio', { name: 'Initech Partners only' }));
    expect(await screen.findByRole('radio', { name: 'Initech Partners only', checked: true })).toBeInTheDocument();
    expect(lastAsked()).toMatchObject({ accountId: 'acc-p' });
  });

  it('asks for another range of keys, and checks it first', async () => {
    const u = userEvent.setup();
    renderPage({ path: '/reports', routes: <Route path="/reports" element={<ReportsPage />} />, query: answer });
    const from = await screen.findByLabelText('From', { exact: true });
    await u.clear(from);
    await u.type(from, '2026-12-10');
    await u.click(screen.getByRole('button', { name: 'Show' }));
    expect(await screen.findByText('The range ends before it starts.')).toBeInTheDocument();
    await u.clear(from);
    await u.type(from, '2026-10-01');
    await u.click(screen.getByRole('button', { name: 'Show' }));
    await screen.findByRole('link', { name: /CSV by day/ });
    expect(lastAsked()).toMatchObject({ from: '2026-10-01', to: expect.any(String) });
  });
});
