import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { LicenseRowFieldsFragment } from '../../gql/graphql';
import { formatDate } from '../../lib/format';
import { customField, customFieldSettings, licenseConnection, licenseRow, registration } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { LocationProbe, renderPage, type TestRole } from '../../test/renderPage';
import { print } from 'graphql';
import { LicensesQuery } from './documents';
import { LicensesPage } from './LicensesPage';

/** The machine running the tests may be busy: allow the debounced filters time. */
const settle = (assertion: () => void) => waitFor(assertion, { timeout: 4000 });

const costCenter = customField();
const region = customField({ id: 'cf-region', name: 'Region', type: 'CHOICE', options: ['EMEA', 'APAC'], position: 2 });

const rows: LicenseRowFieldsFragment[] = [
  licenseRow({
    id: 'lic-1',
    status: 'EXPIRING',
    customValues: [{ __typename: 'CustomValue', value: '4711', field: { __typename: 'CustomField', id: 'cf-cost' } }],
  }),
  licenseRow({
    id: 'lic-2',
    quantity: 1,
    hostId: '00:11:22:33:44:55',
    product: { __typename: 'Product', id: 'p-mgw', sku: 'MGW-10', name: 'Messaging Gateway', version: '10.8' },
  }),
];

interface Options {
  path?: string;
  pages?: (call: MockCall) => ReturnType<typeof licenseConnection>;
  mutation?: (call: MockCall) => unknown;
  role?: TestRole;
}

function renderLicenses({ path = '/licenses', pages, mutation, role }: Options = {}) {
  const queries: MockCall[] = [];
  const utils = renderPage({
    path,
    role,
    routes: (
      <Route
        path="/licenses"
        element={
          <>
            <LicensesPage />
            <LocationProbe />
          </>
        }
      />
    ),
    query: (call) => {
      if (call.operationName === 'Licenses') {
        queries.push(call);
        return { __typename: 'Query', licenses: pages ? pages(call) : licenseConnection(rows, { totalCount: 100000, hasNextPage: true }) };
      }
      if (call.operationName === 'CustomFieldSettings') return customFieldSettings([costCenter, region], role ?? 'ADMIN');
      if (call.operationName === 'LicenseProducts') {
        return {
          __typename: 'Query',
          node: {
            __typename: 'Account',
            id: 'acc-1',
            licenseProducts: [
              { __typename: 'Product', id: 'p-dlp', sku: 'DLP-16', name: 'Data Loss Prevention', version: '16.0' },
              { __typename: 'Product', id: 'p-eps', sku: 'EPS-14', name: 'Endpoint Protection', version: '14.3' },
            ],
          },
        };
      }
      if (call.operationName === 'LicenseRegistration') {
        return { __typename: 'Query', license: { __typename: 'License', id: call.variables['id'], registration } };
      }
      return undefined;
    },
    mutation,
  });
  const lastQuery = () => queries[queries.length - 1]!.variables;
  return { ...utils, queries, lastQuery };
}

// These tests type into several fields; allow for a busy machine.
describe('<LicensesPage>', { timeout: 15000 }, () => {
  it('shows one page of licenses with the total count, custom field columns and links', async () => {
    const { lastQuery } = renderLicenses();
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    const body = within(table).getAllByRole('row').slice(1);
    expect(body).toHaveLength(2);
    expect(body[0]).toHaveTextContent('Expiring');
    expect(body[0]).toHaveTextContent(formatDate('2027-03-01'));
    expect(body[0]).toHaveTextContent('4711');
    expect(body[1]).toHaveTextContent('00:11:22:33:44:55');
    expect(within(body[1]!).getByRole('link', { name: 'Messaging Gateway 10.8' })).toHaveAttribute('href', '/licenses/lic-2');
    expect(within(table).getByRole('columnheader', { name: /Cost center/ })).toBeInTheDocument();
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–2 of 100,000');
    expect(lastQuery()).toEqual({
      accountId: 'acc-1',
      first: 50,
      after: null,
      filter: null,
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
    });
    expect(within(table).getByRole('columnheader', { name: /Created/ })).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByRole('link', { name: 'Export CSV' })).toHaveAttribute(
      'href',
      `/api/licenses/export.csv?accountId=acc-1&orderBy=${encodeURIComponent(JSON.stringify({ field: 'CREATED_AT', direction: 'DESC' }))}`,
    );
  });

  it('sorts by a column header, flips the direction on a second click and sorts by custom fields', async () => {
    const user = userEvent.setup();
    const { lastQuery } = renderLicenses();
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });

    await user.click(within(table).getByRole('button', { name: 'Quantity' }));
    await settle(() => expect(lastQuery()['orderBy']).toEqual({ field: 'QUANTITY', direction: 'ASC' }));
    expect(within(table).getByRole('columnheader', { name: /Quantity/ })).toHaveAttribute('aria-sort', 'ascending');
    expect(screen.getByTestId('location')).toHaveTextContent('/licenses?sort=QUANTITY&dir=asc');

    await user.click(within(table).getByRole('button', { name: 'Quantity' }));
    await settle(() => expect(lastQuery()['orderBy']).toEqual({ field: 'QUANTITY', direction: 'DESC' }));
    expect(within(table).getByRole('columnheader', { name: /Quantity/ })).toHaveAttribute('aria-sort', 'descending');

    await user.click(within(table).getByRole('button', { name: 'Cost center' }));
    await settle(() =>
      expect(lastQuery()['orderBy']).toEqual({ field: 'CUSTOM_FIELD', direction: 'ASC', customFieldId: 'cf-cost' }),
    );
    expect(within(table).getByRole('columnheader', { name: /Quantity/ })).toHaveAttribute('aria-sort', 'none');

    // Narrow screens hide the headers and offer the same orders in a select.
    await user.selectOptions(screen.getByLabelText('Sort by'), 'PRODUCT|DESC');
    await settle(() => expect(lastQuery()['orderBy']).toEqual({ field: 'PRODUCT', direction: 'DESC' }));
    expect(screen.getByLabelText('Sort by')).toHaveValue('PRODUCT|DESC');
  });

  it('puts filters into the address and the query variables (search debounced)', async () => {
    const user = userEvent.setup();
    const { lastQuery, queries } = renderLicenses();
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    const before = queries.length;

    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'M10');
    // One request for the whole word, not one per keystroke.
    await settle(() => expect(lastQuery()['filter']).toEqual({ search: 'M10' }));
    expect(queries.slice(before).filter((q) => (q.variables['filter'] as { search?: string } | null)?.search === 'M1')).toHaveLength(0);

    await user.click(screen.getByRole('checkbox', { name: 'Expiring' }));
    await user.click(screen.getByRole('checkbox', { name: 'Active' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Region' }), 'EMEA');
    await settle(() =>
      expect(lastQuery()['filter']).toEqual({
        search: 'M10',
        status: ['ACTIVE', 'EXPIRING'],
        customFields: [{ fieldId: 'cf-region', value: 'EMEA' }],
      }),
    );
    expect(screen.getByTestId('location')).toHaveTextContent('/licenses?q=M10&status=ACTIVE%2CEXPIRING&cf.cf-region=EMEA');
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain(
      `filter=${encodeURIComponent(JSON.stringify(lastQuery()['filter']))}`,
    );

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await settle(() => expect(lastQuery()['filter']).toBeNull());
    expect(screen.getByRole('searchbox', { name: 'Search' })).toHaveValue('');
  });

  it('restores filters, order and page size from a shared link', async () => {
    const { lastQuery } = renderLicenses({
      path: '/licenses?q=acme&product=EPS-14&status=EXPIRED&expiring=30&cf.cf-cost=12&sort=PRODUCT&dir=desc&size=25',
    });
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    expect(lastQuery()).toEqual({
      accountId: 'acc-1',
      first: 25,
      after: null,
      filter: {
        search: 'acme',
        productSku: 'EPS-14',
        status: ['EXPIRED'],
        expiringWithinDays: 30,
        customFields: [{ fieldId: 'cf-cost', value: '12' }],
      },
      orderBy: { field: 'PRODUCT', direction: 'DESC' },
    });
    expect(screen.getByRole('searchbox', { name: 'Search' })).toHaveValue('acme');
    expect(screen.getByRole('checkbox', { name: 'Expired' })).toBeChecked();
    expect(screen.getByLabelText('Rows per page')).toHaveValue('25');
    expect(screen.getByRole('columnheader', { name: /Product/ })).toHaveAttribute('aria-sort', 'descending');
  });

  it('pages forward with the end cursor and back with the remembered one', async () => {
    const user = userEvent.setup();
    const many = Array.from({ length: 25 }, (_, i) => licenseRow({ id: `lic-${i + 1}` }));
    const next = Array.from({ length: 25 }, (_, i) => licenseRow({ id: `lic-${i + 26}` }));
    const { lastQuery } = renderLicenses({
      path: '/licenses?size=25',
      pages: (call) =>
        call.variables['after'] === 'cursor-lic-25'
          ? licenseConnection(next, { totalCount: 60, hasNextPage: true, hasPreviousPage: true })
          : licenseConnection(many, { totalCount: 60, hasNextPage: true }),
    });
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–25 of 60');
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await settle(() => expect(lastQuery()).toMatchObject({ first: 25, after: 'cursor-lic-25' }));
    expect(await screen.findByText('26–50 of 60')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/licenses?size=25&after=cursor-lic-25&page=2');

    await user.click(screen.getByRole('button', { name: 'Previous' }));
    await settle(() => expect(lastQuery()).toMatchObject({ first: 25, after: null }));
    expect(await screen.findByText('1–25 of 60')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Rows per page'), '100');
    await settle(() => expect(lastQuery()).toMatchObject({ first: 100, after: null }));
  });

  it('sets a custom field on the selected licenses and shows a rejected value next to the input', async () => {
    const user = userEvent.setup();
    let answer: unknown = {
      licensesSetCustomValues: {
        __typename: 'CustomValueRejected',
        code: 'NOT_A_NUMBER',
        message: 'Cost center must be a number',
        field: 'values.0.value',
        customField: { __typename: 'CustomField', id: 'cf-cost', name: 'Cost center' },
      },
    };
    const { calls } = renderLicenses({ mutation: () => answer });
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    expect(screen.getByRole('button', { name: 'Set field…' })).toBeDisabled();

    const boxes = within(table).getAllByTestId('license-row-checkbox');
    await user.click(boxes[0]!);
    await user.click(boxes[1]!);
    expect(screen.getByText('2 selected')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download license files' })).toHaveAttribute(
      'href',
      '/api/licenses/files.zip?accountId=acc-1&ids=lic-1%2Clic-2',
    );

    await user.click(screen.getByRole('button', { name: 'Set field…' }));
    const dialog = screen.getByRole('dialog', { name: 'Set field' });
    expect(within(dialog).getByLabelText('Field')).toHaveFocus();
    await user.type(within(dialog).getByLabelText('Value'), 'abc');
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));

    expect(calls[0]).toEqual({
      operationName: 'LicensesSetCustomValues',
      variables: { input: { licenseIds: ['lic-1', 'lic-2'], values: [{ fieldId: 'cf-cost', value: 'abc' }] } },
    });
    const value = within(dialog).getByLabelText('Value');
    await settle(() => expect(value).toHaveAttribute('aria-invalid', 'true'));
    expect(value).toHaveAccessibleDescription(/Cost center must be a number/);
    expect(value).toHaveFocus();

    answer = { licensesSetCustomValues: { __typename: 'LicensesSetCustomValuesSuccess', licenses: [] } };
    await user.clear(value);
    await user.type(value, '1200');
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));
    expect(await screen.findByText('Cost center was set on 2 licenses.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('offers a select for choice fields and selects all rows on the page', async () => {
    const user = userEvent.setup();
    renderLicenses();
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    await user.click(screen.getByRole('checkbox', { name: 'Select all licenses on this page' }));
    expect(screen.getByText('2 selected')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Set field…' }));
    const dialog = screen.getByRole('dialog', { name: 'Set field' });
    await user.selectOptions(within(dialog).getByLabelText('Field'), 'cf-region');
    const value = within(dialog).getByLabelText('Value');
    expect(value.tagName).toBe('SELECT');
    expect(within(value).getByRole('option', { name: 'APAC' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Set field…' })).toHaveFocus();
  });

  it('remembers hidden columns in this browser', async () => {
    const user = userEvent.setup();
    const first = renderLicenses();
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    expect(within(table).queryByRole('columnheader', { name: 'Owner' })).not.toBeInTheDocument();
    await user.click(screen.getByText('Columns'));
    await user.click(screen.getByRole('checkbox', { name: 'Show Cost center column' }));
    await user.click(screen.getByRole('checkbox', { name: 'Show Owner column' }));
    expect(within(table).queryByRole('columnheader', { name: /Cost center/ })).not.toBeInTheDocument();
    expect(within(table).getByRole('columnheader', { name: 'Owner' })).toBeInTheDocument();
    first.unmount();

    renderLicenses();
    const again = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    expect(within(again).queryByRole('columnheader', { name: /Cost center/ })).not.toBeInTheDocument();
    expect(within(again).getByRole('columnheader', { name: 'Owner' })).toBeInTheDocument();
  });

  it('tells licenses of one product apart by serial number and activation key, the key a column the chooser adds', async () => {
    const user = userEvent.setup();
    const serial = (number: string) => ({ __typename: 'Serial' as const, number });
    const key = (id: string, activationKey: string, status: 'ACTIVE' | 'SUPERSEDED', issuedAt: string) => ({
      __typename: 'LicenseKey' as const,
      id,
      activationKey,
      status,
      issuedAt,
    });
    const twins = [
      licenseRow({
        id: 'lic-a',
        serials: [serial('M1234567890')],
        keys: [key('k-a', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE', 'ACTIVE', '2025-01-01T10:00:00Z')],
      }),
      licenseRow({
        id: 'lic-b',
        serials: [serial('M1234567891'), serial('R1111111111')],
        keys: [
          key('k-b-old', 'OLDOL-DOLDO-LDOLD-OLDOL-DOLD0', 'SUPERSEDED', '2025-01-01T10:00:00Z'),
          key('k-b', 'FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK', 'ACTIVE', '2025-06-01T10:00:00Z'),
        ],
      }),
      licenseRow({ id: 'lic-c' }),
    ];
    renderLicenses({ pages: () => licenseConnection(twins) });
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    const headers = within(table).getAllByRole('columnheader').map((th) => th.textContent?.replace(/[▲▼↕]/g, '').trim());
    // The serial number by default; the activation key (wide) is one click away, so the table
    // fits 1280 px with custom-field columns.
    expect(headers.slice(1, 4)).toEqual(['Product', 'Serial number', 'Status']);
    await user.click(screen.getByText('Columns'));
    expect(screen.getByRole('checkbox', { name: 'Show Serial number column' })).toBeChecked();
    const keyColumn = screen.getByRole('checkbox', { name: 'Show Activation key column' });
    expect(keyColumn).not.toBeChecked();
    await user.click(keyColumn);
    expect(within(table).getByRole('columnheader', { name: 'Activation key' })).toBeInTheDocument();
    const [a, b, c] = within(table).getAllByRole('row').slice(1);
    expect(within(a!).getByText('M123-456-7890').closest('td')).toHaveAttribute('data-label', 'Serial number');
    expect(within(a!).getByText('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE').closest('td')).toHaveAttribute('data-label', 'Activation key');
    // The serial that created it first, the renewal counted; the key in use, not the one it replaced.
    expect(within(b!).getByText('M123-456-7891')).toBeInTheDocument();
    expect(within(b!).getByText('+1 more')).toBeInTheDocument();
    expect(within(b!).getByText('M123-456-7891').parentElement).toHaveAttribute('title', 'M123-456-7891, R111-111-1111');
    expect(within(b!).getByText('FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK')).toBeInTheDocument();
    expect(within(b!).queryByText(/OLDOL/)).not.toBeInTheDocument();
    expect(within(c!).getByText('No key yet')).toBeInTheDocument();

    await user.click(screen.getByRole('checkbox', { name: 'Show Activation key column' }));
    expect(within(table).queryByRole('columnheader', { name: 'Activation key' })).not.toBeInTheDocument();
    expect(within(table).queryByText('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE')).not.toBeInTheDocument();
  });

  it('reads serial numbers and activation keys with the page, never the license files', () => {
    const text = print(LicensesQuery);
    const keys = /keys \{([^}]*)\}/.exec(text)?.[1] ?? '';
    expect(keys).toMatch(/activationKey/);
    expect(keys).not.toMatch(/licenseFile/);
    expect(text).toMatch(/serials \{\s*number\s*\}/);
  });

  it('explains an empty account and hides editing from viewers', async () => {
    renderLicenses({ pages: () => licenseConnection([]), role: 'VIEWER' });
    expect(await screen.findByText('No licenses yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Get a Key' })).toHaveAttribute('href', '/get-a-key');
    expect(screen.queryByRole('button', { name: 'Set field…' })).not.toBeInTheDocument();
  });

  it('edits the support registration of the selected licenses, prefilled from the first one', async () => {
    const user = userEvent.setup();
    const { calls } = renderLicenses({
      mutation: () => ({ licensesSetRegistration: { __typename: 'LicensesSetRegistrationSuccess', licenses: [] } }),
    });
    const table = await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    for (const box of within(table).getAllByTestId('license-row-checkbox')) await user.click(box);
    await user.click(screen.getByRole('button', { name: 'Edit support registration…' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit support registration' });
    const company = await within(dialog).findByLabelText('Company');
    expect(company).toHaveValue('Acme GmbH');
    await user.clear(company);
    await user.type(company, 'Acme AG');
    await user.click(within(dialog).getByRole('button', { name: 'Save registration' }));
    const input = calls[0]?.variables['input'] as { licenseIds: string[]; registration: { company: string } };
    expect(calls[0]?.operationName).toBe('LicensesSetRegistration');
    expect(input.licenseIds).toEqual(['lic-1', 'lic-2']);
    expect(input.registration.company).toBe('Acme AG');
    expect(await screen.findByText('The support registration of 2 licenses was updated.')).toBeInTheDocument();
  });

  it("filters by a product picked from the account's products, not by a typed SKU", async () => {
    const user = userEvent.setup();
    const { lastQuery } = renderLicenses();
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    const picker = screen.getByRole('combobox', { name: 'Product' });
    expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'All products',
      'Data Loss Prevention 16.0 (DLP-16)',
      'Endpoint Protection 14.3 (EPS-14)',
    ]);
    await user.selectOptions(picker, 'Endpoint Protection 14.3 (EPS-14)');
    await settle(() => expect(lastQuery()['filter']).toEqual({ productSku: 'EPS-14' }));
    expect(screen.getByTestId('location')).toHaveTextContent('product=EPS-14');
  });

  it('keeps the search term in the address on its own, like sort and filters', async () => {
    const user = userEvent.setup();
    const { lastQuery } = renderLicenses({ path: '/licenses?sort=QUANTITY&dir=asc' });
    await screen.findByRole('table', { name: 'Licenses of Acme Corp' });
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'M10');
    await settle(() => expect(lastQuery()['filter']).toEqual({ search: 'M10' }));
    await settle(() => expect(screen.getByTestId('location')).toHaveTextContent('/licenses?q=M10&sort=QUANTITY&dir=asc'));
  });
});
