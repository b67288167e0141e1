import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { LicenseDetailQuery } from '../../gql/graphql';
import { customField, license, registration } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { ACCOUNT, meData, renderPage, type TestRole } from '../../test/renderPage';
import { LicenseDetailPage } from './LicenseDetailPage';

type Detail = NonNullable<LicenseDetailQuery['license']>;

function detail(overrides: Partial<Detail> = {}): Detail {
  return {
    ...license({
      id: 'lic-mgw',
      quantity: 5,
      hostId: 'AA:BB:CC:DD:EE:FF',
      product: { ...license().product, sku: 'MGW-10', name: 'Messaging Gateway', version: '10.8', locking: 'HOST' },
    }),
    createdAt: '2025-01-01T10:00:00Z',
    rehostsUsed: 1,
    rehostLimit: 4,
    nextRehostAllowedAt: null,
    access: 'ADMIN',
    owner: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' },
    requestedBy: null,
    requestedThrough: null,
    shares: [],
    customFields: [customField(), customField({ id: 'cf-due', name: 'Audit date', type: 'DATE', position: 2 })],
    customValues: [],
    history: [],
    account: { __typename: 'Account', id: ACCOUNT.id, name: ACCOUNT.name, number: ACCOUNT.number },
    registration,
    keys: [
      {
        __typename: 'LicenseKey',
        id: 'key-old',
        activationKey: 'OLD11-OLD22',
        licenseFile: 'old.jws',
        hostId: '11:11:11:11:11:11',
        status: 'REVOKED',
        issuedAt: '2025-01-01T10:00:00Z',
      },
      {
        __typename: 'LicenseKey',
        id: 'key-new',
        activationKey: 'NEW11-NEW22',
        licenseFile: 'new.jws',
        hostId: 'AA:BB:CC:DD:EE:FF',
        status: 'ACTIVE',
        issuedAt: '2025-02-01T10:00:00Z',
      },
    ],
    serials: [
      { __typename: 'Serial', number: 'M1043712791', kind: 'NEW', status: 'REGISTERED', quantity: 5, maintenanceMonths: 12 },
      { __typename: 'Serial', number: 'R2576041111', kind: 'RENEWAL', status: 'REGISTERED', quantity: 5, maintenanceMonths: 12 },
    ],
    activations: [
      { __typename: 'Activation', hostId: 'AA:BB:CC:DD:EE:FF', firstSeenAt: '2025-02-02T08:00:00Z', lastSeenAt: '2025-02-20T08:00:00Z' },
    ],
    ...overrides,
  };
}

function renderDetail(data: Detail, mutation?: (call: MockCall) => unknown, role: TestRole = 'ADMIN', me?: unknown) {
  return renderPage({
    me,
    path: `/licenses/${data.id}`,
    routes: <Route path="/licenses/:id" element={<LicenseDetailPage />} />,
    query: (call) =>
      call.operationName === 'LicenseDetail'
        ? { __typename: 'Query', license: data }
        : undefined,
    mutation,
    role,
  });
}

const share = (email: string, permission: 'VIEW' | 'MANAGE') => ({
  __typename: 'LicenseShare' as const,
  id: `share-${email}`,
  email,
  permission,
  createdAt: '2025-03-01T10:00:00Z',
  user: null,
});

// These tests type into several fields; allow for a busy machine.
describe('<LicenseDetailPage>', { timeout: 15000 }, () => {
  it('shows the license, its keys (newest first), serials and activations', async () => {
    renderDetail(detail());
    expect(await screen.findByRole('heading', { level: 1, name: 'Messaging Gateway 10.8' })).toBeInTheDocument();
    const keys = within(screen.getByRole('table', { name: 'License keys' })).getAllByRole('row').slice(1);
    expect(keys[0]).toHaveTextContent('NEW11-NEW22');
    expect(keys[0]).toHaveTextContent('Active');
    expect(keys[1]).toHaveTextContent('Revoked');
    expect(within(keys[0]!).getByRole('button', { name: 'Copy' })).toHaveAccessibleDescription('NEW11-NEW22');
    expect(within(keys[0]!).getByRole('button', { name: 'Download .lic' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'R257-604-1111' })).toBeInTheDocument();
    expect(screen.getByText('1 of 4 re-hosts used in the last 12 months', { selector: 'dd' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Renew' })).toHaveAttribute('href', '/get-a-key?renew=lic-mgw');
  });

  it('asks before deactivating a host, then frees its seat from the portal and shows refusals', async () => {
    const user = userEvent.setup();
    let answer: unknown = {
      licenseDeactivateHost: {
        __typename: 'NotAllowed',
        code: 'NOT_ALLOWED',
        message: 'Your role (Viewer) cannot deactivate hosts.',
        field: 'licenseId',
      },
    };
    const { calls } = renderDetail(detail(), () => answer);
    const hosts = await screen.findByRole('table', { name: 'Hosts that hold a seat of this license' });
    const row = within(hosts).getByRole('row', { name: /AA:BB:CC:DD:EE:FF/ });
    const button = within(row).getByRole('button', { name: 'Deactivate' });
    expect(button).toHaveAccessibleDescription('AA:BB:CC:DD:EE:FF');

    // nothing happens until the dialog is confirmed; Cancel sends nothing
    await user.click(button);
    let dialog = await screen.findByRole('dialog', { name: 'Deactivate host AA:BB:CC:DD:EE:FF?' });
    expect(calls).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(calls).toEqual([]);

    await user.click(button);
    dialog = await screen.findByRole('dialog', { name: 'Deactivate host AA:BB:CC:DD:EE:FF?' });
    await user.click(within(dialog).getByRole('button', { name: 'Deactivate host' }));
    expect(calls[0]).toEqual({
      operationName: 'DeactivateHost',
      variables: { input: { licenseId: 'lic-mgw', hostId: 'AA:BB:CC:DD:EE:FF' } },
    });
    expect(await screen.findByText('Your role (Viewer) cannot deactivate hosts.')).toBeInTheDocument();

    answer = {
      licenseDeactivateHost: {
        __typename: 'LicenseDeactivateHostSuccess',
        hostId: 'aa:bb:cc:dd:ee:ff',
        license: { __typename: 'License', id: 'lic-mgw', activations: [] },
      },
    };
    await user.click(button);
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Deactivate host' }));
    expect(await screen.findByText('Host aa:bb:cc:dd:ee:ff was deactivated; its seat is free again.')).toBeInTheDocument();
  });

  it('starts a re-host of the active key and opens the re-host wizard', async () => {
    const user = userEvent.setup();
    const { calls } = renderDetail(detail(), () => ({
      rehostRequestStart: { __typename: 'RehostRequestStartSuccess', keyRequest: { __typename: 'KeyRequest', id: 'kr-9', kind: 'REHOST', status: 'DRAFT', step: 'HOST' } },
    }));
    await user.click(await screen.findByRole('button', { name: 'Re-host' }));
    expect(calls[0]?.variables).toEqual({ input: { licenseKeyId: 'key-new' } });
    expect(await screen.findByTestId('location')).toHaveTextContent('/rehost/kr-9');
  });

  it('shows when the next re-host is allowed and disables the button until then', async () => {
    renderDetail(detail({ rehostsUsed: 4, nextRehostAllowedAt: '2099-05-01T00:00:00Z' }));
    const button = await screen.findByRole('button', { name: 'Re-host' });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(/4 of 4 re-hosts used in the last 12 months · Next re-host allowed from .*2099/);
  });

  it('shows a RehostRefused answer with its date', async () => {
    const user = userEvent.setup();
    renderDetail(detail(), () => ({
      rehostRequestStart: {
        __typename: 'RehostRefused',
        code: 'REHOST_LIMIT',
        message: 'This license was re-hosted 4 times in the last 12 months.',
        field: 'licenseKeyId',
        nextAllowedAt: '2099-05-01T00:00:00Z',
      },
    }));
    await user.click(await screen.findByRole('button', { name: 'Re-host' }));
    expect(await screen.findByText(/re-hosted 4 times .* The next re-host is allowed from .*2099/)).toBeInTheDocument();
  });

  it('offers neither re-host for unlocked licenses nor changes to viewers', async () => {
    renderDetail(detail({ product: { ...license().product }, hostId: null }), undefined, 'VIEWER');
    expect(await screen.findByRole('heading', { level: 1, name: 'Endpoint Protection 14.3' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Re-host' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Renew' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Deactivate' })).not.toBeInTheDocument();
  });

  it('shows owner, custom values and history, and edits a value inline', async () => {
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
    const { calls } = renderDetail(
      detail({
        customValues: [{ __typename: 'CustomValue', value: '4711', field: customField() }],
        history: [
          {
            __typename: 'AuditEntry',
            at: '2025-03-02T10:00:00Z',
            action: 'license.share',
            summary: 'Shared with sam@example.com (view)',
            actor: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' },
          },
        ],
      }),
      () => answer,
    );
    expect(await screen.findByText('Owner')).toBeInTheDocument();
    expect(screen.getByText('(dana@example.com)')).toBeInTheDocument();
    const history = screen.getByRole('table', { name: 'History of this license, newest first' });
    expect(within(history).getAllByRole('row')[1]).toHaveTextContent(/Shared with sam@example\.com \(view\).*dana@example\.com/);
    // a sentence, not the event's code
    expect(within(history).queryByText('license.share')).not.toBeInTheDocument();
    expect(screen.getByText('4711')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Edit Cost center' }));
    const input = screen.getByLabelText('Cost center');
    expect(input).toHaveFocus();
    expect(input).toHaveValue('4711');
    await user.clear(input);
    await user.type(input, 'x');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(calls[0]).toEqual({
      operationName: 'LicensesSetCustomValues',
      variables: { input: { licenseIds: ['lic-mgw'], values: [{ fieldId: 'cf-cost', value: 'x' }] } },
    });
    expect(await screen.findByText('Cost center must be a number')).toBeInTheDocument();
    expect(input).toHaveAccessibleDescription('Cost center must be a number');

    answer = { licensesSetCustomValues: { __typename: 'LicensesSetCustomValuesSuccess', licenses: [] } };
    await user.clear(input);
    await user.type(input, '12.5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Cost center was saved.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Edit Cost center' })).toHaveFocus();
    // The account's other field is offered too, with a date input.
    await user.click(screen.getByRole('button', { name: 'Edit Audit date' }));
    expect(screen.getByLabelText('Audit date')).toHaveAttribute('type', 'date');
  });

  it('shares the license, changes nothing for a member e-mail and removes a share', async () => {
    const user = userEvent.setup();
    const shares = [share('ext@partner.example', 'VIEW')];
    const { calls } = renderDetail(detail({ shares }), (call) => {
      if (call.operationName === 'LicenseShare') {
        const input = call.variables['input'] as { email: string; permission: 'VIEW' | 'MANAGE' };
        if (input.email === 'colleague@acme.example') {
          return {
            licenseShare: {
              __typename: 'InvalidInput',
              code: 'INVALID_INPUT',
              message: 'Please check the form.',
              field: 'email',
              fieldErrors: [{ __typename: 'FieldError', field: 'email', code: 'ALREADY_MEMBER', message: 'This person is already a member of the account.' }],
            },
          };
        }
        return {
          licenseShare: {
            __typename: 'LicenseShareSuccess',
            license: { __typename: 'License', id: 'lic-mgw', owner: null, shares: [...shares, share(input.email, input.permission)] },
          },
        };
      }
      return { licenseUnshare: { __typename: 'LicenseUnshareSuccess', license: { __typename: 'License', id: 'lic-mgw', owner: null, shares: [] } } };
    });

    await user.click(await screen.findByRole('button', { name: 'Share…' }));
    const dialog = screen.getByRole('dialog', { name: 'Share license' });
    const email = within(dialog).getByLabelText('E-mail');
    expect(email).toHaveFocus();
    expect(within(dialog).getByRole('row', { name: /ext@partner\.example/ })).toHaveTextContent('Can view');

    await user.type(email, 'colleague@acme.example');
    await user.click(within(dialog).getByRole('button', { name: 'Share' }));
    expect(await within(dialog).findByText('This person is already a member of the account.')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');

    await user.clear(email);
    await user.type(email, 'new@partner.example');
    await user.selectOptions(within(dialog).getByLabelText('Permission'), 'MANAGE');
    await user.click(within(dialog).getByRole('button', { name: 'Share' }));
    expect(calls[1]).toEqual({
      operationName: 'LicenseShare',
      variables: { input: { licenseId: 'lic-mgw', email: 'new@partner.example', permission: 'MANAGE' } },
    });
    expect(await within(dialog).findByRole('row', { name: /new@partner\.example/ })).toHaveTextContent('Can manage');
    expect(email).toHaveValue('');

    await user.click(within(dialog).getByRole('button', { name: 'Remove ext@partner.example' }));
    expect(calls[2]).toEqual({ operationName: 'LicenseUnshare', variables: { input: { licenseId: 'lic-mgw', email: 'ext@partner.example' } } });
    await waitFor(() => expect(within(dialog).getByText('This license is not shared with anyone.')).toBeInTheDocument());
    expect(within(dialog).getByRole('status')).toHaveTextContent('ext@partner.example no longer has access.');

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Share…' })).toHaveFocus();
  });

  it('transfers ownership to a member', async () => {
    const user = userEvent.setup();
    const { calls } = renderDetail(detail(), () => ({
      licenseTransferOwnership: {
        __typename: 'LicenseTransferOwnershipSuccess',
        license: {
          __typename: 'License',
          id: 'lic-mgw',
          access: 'ADMIN',
          owner: { __typename: 'User', id: 'u2', name: 'Max', email: 'max@acme.example' },
          shares: [],
        },
      },
    }));
    await user.click(await screen.findByRole('button', { name: 'Transfer ownership…' }));
    const dialog = screen.getByRole('dialog', { name: 'Transfer ownership' });
    await user.type(within(dialog).getByLabelText("New owner's e-mail"), 'max@acme.example');
    await user.click(within(dialog).getByRole('button', { name: 'Transfer' }));
    expect(calls[0]?.variables).toEqual({ input: { licenseId: 'lic-mgw', email: 'max@acme.example' } });
    expect(await screen.findByText('Messaging Gateway 10.8 now belongs to max@acme.example.')).toBeInTheDocument();
  });

  it('offers the license file download and hides sharing and editing without the access for it', async () => {
    renderDetail(detail({ access: 'VIEW', customValues: [{ __typename: 'CustomValue', value: '4711', field: customField() }] }), undefined, 'VIEWER');
    expect(await screen.findByRole('link', { name: 'Download license file' })).toHaveAttribute('href', '/api/licenses/lic-mgw/license.lic');
    expect(screen.queryByRole('button', { name: 'Share…' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Transfer ownership…' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit Cost center' })).not.toBeInTheDocument();
    expect(screen.getByText('4711')).toBeInTheDocument();
  });

  it('names the account as owner of a license a partner got for it, and the partner as who requested it', async () => {
    renderDetail(
      detail({
        owner: null,
        requestedBy: { __typename: 'User', id: 'u-carol', name: 'Carol Channel', email: 'carol@initech.example' },
        requestedThrough: { __typename: 'Account', id: 'acc-initech', name: 'Initech Partners' },
      }),
    );
    const owner = (await screen.findByText('Owner', { selector: 'dt' })).nextElementSibling;
    expect(owner).toHaveTextContent('Acme Corp (the account)');
    const requested = screen.getByText('Requested by', { selector: 'dt' }).nextElementSibling;
    expect(requested).toHaveTextContent('Carol Channel for Acme Corp, from Initech Partners');
  });

  it("shows the owning account's custom fields on a license shared with someone outside it, read-only for VIEW", async () => {
    const globex = { __typename: 'Account' as const, id: 'acc-g', name: 'Globex Inc', number: 'C-2002', kind: 'CUSTOMER' as const };
    const bob = meData('ADMIN');
    bob.me.memberships = [{ __typename: 'Membership', role: 'ADMIN', account: globex }];
    renderDetail(
      detail({ access: 'VIEW', customFields: [customField({ id: 'cf-dept', name: 'Department', type: 'TEXT', position: 1 })] }),
      undefined,
      'ADMIN',
      bob,
    );
    const section = await screen.findByRole('region', { name: 'Custom fields' });
    expect(within(section).getByText('Department')).toBeInTheDocument();
    expect(within(section).queryByText(/has no custom fields/)).not.toBeInTheDocument();
    expect(within(section).queryByRole('button', { name: /Edit/ })).not.toBeInTheDocument();
  });
});
