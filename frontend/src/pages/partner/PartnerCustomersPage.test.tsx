import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { formatDate } from '../../lib/format';
import type { MockCall } from '../../test/mockClient';
import { LocationProbe, partnerMeData, renderPage } from '../../test/renderPage';
import { HomePage } from '../HomePage';
import { PartnerCustomersPage } from './PartnerCustomersPage';

const settle = (assertion: () => void) => waitFor(assertion, { timeout: 4000 });

function edge(id: string, name: string, scope: 'VIEW' | 'MANAGE', counts: Record<string, number>) {
  return {
    __typename: 'ManagedAccountEdge',
    cursor: `cursor-${id}`,
    scope,
    delegation: { __typename: 'Delegation', id: `del-${id}`, endsOn: scope === 'VIEW' ? '2027-06-30' : null, partnerAccount: { __typename: 'Account', id: 'acc-p' } },
    node: {
      __typename: 'Account',
      id,
      name,
      number: `C-${id}`,
      kind: 'CUSTOMER',
      summary: {
        __typename: 'AccountSummary',
        totalLicenses: Object.values(counts).reduce((a, b) => a + b, 0),
        nextMaintenanceEnd: '2026-12-31',
        openKeyRequests: 2,
        byStatus: ['ACTIVE', 'EXPIRING', 'MAINTENANCE_LAPSED', 'EXPIRED'].map((status) => ({ __typename: 'StatusCount', status, count: counts[status] ?? 0 })),
      },
    },
  };
}

function connection(edges: ReturnType<typeof edge>[], hasNextPage = false) {
  return {
    __typename: 'Query',
    managedAccounts: {
      __typename: 'ManagedAccountConnection',
      totalCount: 120,
      pageInfo: { __typename: 'PageInfo', hasNextPage, hasPreviousPage: false, startCursor: null, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
      edges,
    },
  };
}

function renderCustomers(path = '/partner') {
  const queries: MockCall[] = [];
  const utils = renderPage({
    path,
    me: partnerMeData(),
    routes: (
      <>
        <Route path="/partner" element={<PartnerCustomersPage />} />
        <Route path="/" element={<HomePage />} />
        <Route path="/home" element={<LocationProbe />} />
      </>
    ),
    query: (call) => {
      if (call.operationName === 'ManagedAccounts') {
        queries.push(call);
        return connection([edge('acme', 'Acme Corp', 'MANAGE', { ACTIVE: 2, EXPIRING: 1 }), edge('globex', 'Globex', 'VIEW', { EXPIRED: 4 })], true);
      }
      if (call.operationName === 'ManagedAccountLicenses') {
        return {
          __typename: 'Query',
          licenses: {
            __typename: 'LicenseConnection',
            totalCount: 3,
            edges: [
              {
                __typename: 'LicenseEdge',
                node: {
                  __typename: 'License',
                  id: 'lic-9',
                  quantity: 10,
                  maintenanceUntil: '2026-12-31',
                  status: 'EXPIRING',
                  product: { __typename: 'Product', id: 'p', sku: 'EPS-14', name: 'Endpoint Protection', version: '14.3' },
                },
              },
            ],
          },
        };
      }
      return undefined;
    },
  });
  return { ...utils, queries, lastQuery: () => queries[queries.length - 1]!.variables };
}

describe('<PartnerCustomersPage>', { timeout: 15000 }, () => {
  it('lists managed customers with their summaries', async () => {
    const { lastQuery } = renderCustomers();
    const table = await screen.findByRole('table', { name: 'Managed customer accounts' });
    const [acme, globex] = within(table).getAllByTestId('customer-row');
    expect(acme).toHaveTextContent('Acme Corp');
    expect(acme).toHaveTextContent('3 total');
    expect(within(acme!).getByText('Active: 2')).toHaveClass('badge');
    expect(within(acme!).getByText('Expiring: 1')).toBeInTheDocument();
    expect(within(acme!).queryByText(/Expired/)).not.toBeInTheDocument();
    expect(acme).toHaveTextContent(formatDate('2026-12-31'));
    expect(acme).toHaveTextContent('Manage');
    expect(globex).toHaveTextContent('View');
    expect(globex).toHaveTextContent(`Until ${formatDate('2027-06-30')}`);
    expect(globex).toHaveTextContent('Expired: 4');
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–2 of 120');
    expect(lastQuery()).toEqual({ first: 25, after: null, filter: null });
  });

  it('puts the filters into the query variables and pages with cursors', async () => {
    const user = userEvent.setup();
    const { lastQuery } = renderCustomers();
    await screen.findByRole('table', { name: 'Managed customer accounts' });

    await user.type(screen.getByLabelText('Customer name'), 'acme');
    await settle(() => expect(lastQuery()['filter']).toEqual({ name: 'acme' }));
    await user.type(screen.getByLabelText('Expiring within (days)'), '30');
    await settle(() => expect(lastQuery()['filter']).toEqual({ name: 'acme', expiringWithinDays: 30 }));
    await user.type(screen.getByLabelText('Product SKU'), 'EPS-14{Enter}');
    await settle(() => expect(lastQuery()['filter']).toEqual({ name: 'acme', expiringWithinDays: 30, productSku: 'EPS-14' }));

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await settle(() => expect(lastQuery()).toEqual({ first: 25, after: 'cursor-globex', filter: { name: 'acme', expiringWithinDays: 30, productSku: 'EPS-14' } }));
    await user.click(screen.getByRole('button', { name: 'Previous' }));
    await settle(() => expect(lastQuery()['after']).toBeNull());

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await settle(() => expect(lastQuery()).toEqual({ first: 25, after: null, filter: null }));
  });

  it('expands a customer’s first licenses and acts for the customer', async () => {
    const user = userEvent.setup();
    renderCustomers();
    const table = await screen.findByRole('table', { name: 'Managed customer accounts' });
    const acme = within(table).getAllByTestId('customer-row')[0]!;
    const toggle = within(acme).getByRole('button', { name: 'Show licenses' });
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const list = await screen.findByRole('list', { name: 'First licenses of Acme Corp' });
    expect(list).toHaveTextContent('Endpoint Protection 14.3');
    expect(screen.getByText('2 more: act for Acme Corp to see every license.')).toBeInTheDocument();

    await user.click(within(acme).getByRole('button', { name: 'Act for this customer: Acme Corp' }));
    expect(Object.values({ ...localStorage })).toContain('acme');
  });

  it('is the home page of a partner account', async () => {
    renderCustomers('/');
    expect(await screen.findByRole('heading', { name: 'Customers' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Partner pages' })).toBeInTheDocument();
    expect(screen.getByTestId('partner-number')).toHaveTextContent('partner account number P-2001');
  });
});
