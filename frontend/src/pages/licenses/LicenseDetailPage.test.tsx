import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { LicenseDetailQuery } from '../../gql/graphql';
import { license, registration } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { ACCOUNT, renderPage, type TestRole } from '../../test/renderPage';
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

function renderDetail(data: Detail, mutation?: (call: MockCall) => unknown, role: TestRole = 'ADMIN') {
  return renderPage({
    path: `/licenses/${data.id}`,
    routes: <Route path="/licenses/:id" element={<LicenseDetailPage />} />,
    query: (call) => (call.operationName === 'LicenseDetail' ? { __typename: 'Query', license: data } : undefined),
    mutation,
    role,
  });
}

describe('<LicenseDetailPage>', () => {
  it('shows the license, its keys (newest first), serials and activations', async () => {
    renderDetail(detail());
    expect(await screen.findByRole('heading', { level: 1, name: 'Messaging Gateway 10.8' })).toBeInTheDocument();
    const keys = within(screen.getByRole('table', { name: 'License keys' })).getAllByRole('row').slice(1);
    expect(keys[0]).toHaveTextContent('NEW11-NEW22');
    expect(keys[0]).toHaveTextContent('Active');
    expect(keys[1]).toHaveTextContent('Revoked');
    expect(within(keys[0]!).getByRole('button', { name: 'Copy' })).toHaveAccessibleDescription('NEW11-NEW22');
    expect(within(keys[0]!).getByRole('button', { name: 'Download .lic' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'R2576041111' })).toBeInTheDocument();
    expect(screen.getByText('1 of 4 re-hosts used in the last 12 months', { selector: 'dd' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Renew' })).toHaveAttribute('href', '/get-a-key?renew=lic-mgw');
  });

  it('deactivates a host with the key in use and shows refusals', async () => {
    const user = userEvent.setup();
    let answer: unknown = {
      deactivate: { __typename: 'ActivationRefused', code: 'HOST_MISMATCH', message: 'This host does not hold a seat.', field: 'hostId' },
    };
    const { calls } = renderDetail(detail(), () => answer);
    const hosts = await screen.findByRole('table', { name: 'Hosts that hold a seat of this license' });
    const row = within(hosts).getByRole('row', { name: /AA:BB:CC:DD:EE:FF/ });
    const button = within(row).getByRole('button', { name: 'Deactivate' });
    expect(button).toHaveAccessibleDescription('AA:BB:CC:DD:EE:FF');
    await user.click(button);
    expect(calls[0]).toEqual({
      operationName: 'Deactivate',
      variables: { input: { activationKey: 'NEW11-NEW22', hostId: 'AA:BB:CC:DD:EE:FF' } },
    });
    expect(await screen.findByText('This host does not hold a seat.')).toBeInTheDocument();

    answer = { deactivate: { __typename: 'DeactivateSuccess', hostId: 'AA:BB:CC:DD:EE:FF' } };
    await user.click(button);
    expect(await screen.findByText('Host AA:BB:CC:DD:EE:FF was deactivated; its seat is free again.')).toBeInTheDocument();
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
});
