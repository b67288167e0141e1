import { screen, within } from '@testing-library/react';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { formatDate } from '../../lib/format';
import { license } from '../../test/fixtures';
import { renderPage } from '../../test/renderPage';
import { LicensesPage } from './LicensesPage';

describe('<LicensesPage>', () => {
  it("lists the selected account's licenses, each linking to its detail page", async () => {
    const { client } = renderPage({
      path: '/licenses',
      routes: <Route path="/licenses" element={<LicensesPage />} />,
      query: (call) =>
        call.operationName === 'AccountLicenses'
          ? {
              __typename: 'Query',
              accountLicenses: [
                { ...license({ id: 'lic-1', status: 'EXPIRING' }), createdAt: '2025-01-01T00:00:00Z' },
                {
                  ...license({
                    id: 'lic-2',
                    quantity: 1,
                    hostId: '00:11:22:33:44:55',
                    product: { ...license().product, name: 'Messaging Gateway', version: '10.8', locking: 'HOST' },
                  }),
                  createdAt: '2025-01-02T00:00:00Z',
                },
              ],
            }
          : undefined,
    });

    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('25 seats');
    expect(rows[0]).toHaveTextContent('Expiring');
    expect(rows[0]).toHaveTextContent(formatDate('2027-03-01'));
    expect(rows[0]).toHaveTextContent('Not host-locked');
    expect(rows[1]).toHaveTextContent('1 seat');
    expect(rows[1]).toHaveTextContent('00:11:22:33:44:55');
    expect(within(rows[0]!).getByRole('link', { name: 'Endpoint Protection 14.3' })).toHaveAttribute('href', '/licenses/lic-1');
    expect(within(rows[1]!).getByRole('link', { name: 'Messaging Gateway 10.8' })).toHaveAttribute('href', '/licenses/lic-2');

    const queried = (client.executeQuery as unknown as { mock: { calls: [{ variables: Record<string, unknown> }][] } }).mock.calls
      .map(([request]) => request.variables)
      .find((variables) => 'accountId' in variables);
    expect(queried).toEqual({ accountId: 'acc-1' });
  });

  it('explains an empty list', async () => {
    renderPage({
      path: '/licenses',
      routes: <Route path="/licenses" element={<LicensesPage />} />,
      query: (call) => (call.operationName === 'AccountLicenses' ? { __typename: 'Query', accountLicenses: [] } : undefined),
    });
    expect(await screen.findByText('No licenses yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Get a Key' })).toHaveAttribute('href', '/get-a-key');
  });
});
