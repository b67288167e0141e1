import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { licenseConnection, licenseRow } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { SharedLicensesPage } from './SharedLicensesPage';

// These tests type into several fields; allow for a busy machine.
describe('<SharedLicensesPage>', { timeout: 15000 }, () => {
  it('lists licenses shared with the user, filters them and downloads their files', async () => {
    const user = userEvent.setup();
    const queries: MockCall[] = [];
    renderPage({
      path: '/licenses/shared',
      routes: <Route path="/licenses/shared" element={<SharedLicensesPage />} />,
      query: (call) => {
        if (call.operationName !== 'SharedWithMe') return undefined;
        queries.push(call);
        return {
          __typename: 'Query',
          sharedWithMe: licenseConnection(
            [{ ...licenseRow({ id: 'lic-9', access: 'MANAGE', serials: [{ __typename: 'Serial', number: 'M1234567890' }] }), account: { __typename: 'Account', id: 'acc-9', name: 'Globex' } }],
            { totalCount: 1 },
          ),
        };
      },
    });
    const table = await screen.findByRole('table', { name: 'Licenses shared with you' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent(/Endpoint Protection 14\.3.*M123-456-7890.*Globex.*Active.*25.*Manage/);
    expect(screen.getByRole('link', { name: 'Shared with me' })).toHaveAttribute('aria-current', 'page');
    expect(queries[0]?.variables).toEqual({ first: 50, after: null, filter: null });

    await user.click(screen.getByRole('checkbox', { name: 'Revoked' }));
    await waitFor(() => expect(queries[queries.length - 1]?.variables['filter']).toEqual({ status: ['REVOKED'] }), { timeout: 4000 });

    await user.click(within(row).getByTestId('license-row-checkbox'));
    expect(screen.getByRole('link', { name: 'Download license files' })).toHaveAttribute('href', '/api/licenses/files.zip?ids=lic-9');
  });
});
