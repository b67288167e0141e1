import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { RehostRequestFieldsFragment } from '../../gql/graphql';
import { rehostRequest } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { RehostWizardPage } from './RehostWizardPage';

function renderWizard(request: RehostRequestFieldsFragment, mutation: (call: MockCall) => unknown = () => null) {
  return renderPage({
    path: `/rehost/${request.id}`,
    routes: <Route path="/rehost/:id" element={<RehostWizardPage />} />,
    query: (call) => (call.operationName === 'RehostRequest' ? { __typename: 'Query', keyRequest: request } : undefined),
    mutation,
  });
}

describe('<RehostWizardPage>', () => {
  it('shows the key being moved and puts refusals at "New host ID"', async () => {
    const user = userEvent.setup();
    const request = rehostRequest();
    const answers: unknown[] = [
      { rehostRequestSetHost: { __typename: 'RehostRefused', code: 'SAME_HOST', message: 'The key is already on this host.', field: 'hostId', nextAllowedAt: null } },
      {
        rehostRequestSetHost: {
          __typename: 'RehostRequestSetHostSuccess',
          keyRequest: { ...request, step: 'CONFIRM', hostId: 'AA:AA:AA:AA:AA:AA', updatedAt: '2025-03-01T10:01:00Z' },
        },
      },
    ];
    const { calls } = renderWizard(request, () => answers.shift());

    const nav = await screen.findByRole('navigation', { name: 'Re-host progress' });
    expect(within(nav).getAllByRole('listitem')).toHaveLength(5);
    expect(within(nav).getByText('Input New Host ID').closest('li')).toHaveAttribute('aria-current', 'step');
    expect(screen.getByText('K7Q2-9XLM-4RT8')).toBeInTheDocument();
    expect(screen.getByText('00:11:22:33:44:55')).toBeInTheDocument();
    expect(screen.getByText('1 of 4 re-hosts used in the last 12 months')).toBeInTheDocument();

    const input = screen.getByLabelText('New host ID');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toHaveLength(0);
    expect(input).toHaveAccessibleDescription(expect.stringContaining('Enter the host ID of the new machine.'));

    await user.type(input, ' 00:11:22:33:44:55 ');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls[0]).toEqual({
      operationName: 'RehostRequestSetHost',
      variables: { input: { keyRequestId: 'kr-rh', hostId: '00:11:22:33:44:55' } },
    });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(expect.stringContaining('The key is already on this host.'));

    await user.clear(input);
    await user.type(input, 'AA:AA:AA:AA:AA:AA');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('button', { name: 'Confirm re-host' })).toBeInTheDocument();
    expect(within(nav).getByText('Confirm Re-host').closest('li')).toHaveAttribute('aria-current', 'step');
    expect(screen.getByText('To host ID', { selector: 'dt' }).closest('div')).toHaveTextContent('AA:AA:AA:AA:AA:AA');
  });

  it('confirms with an idempotency key kept across retries and shows REHOST_LIMIT with its date', async () => {
    const user = userEvent.setup();
    const request = rehostRequest({ step: 'CONFIRM', hostId: 'AA:AA:AA:AA:AA:AA' });
    const answers: unknown[] = [
      null, // a lost answer: the retry must reuse the key
      {
        rehostRequestConfirm: {
          __typename: 'RehostRefused',
          code: 'REHOST_LIMIT',
          message: 'This license was re-hosted 4 times in the last 12 months.',
          field: 'keyRequestId',
          nextAllowedAt: '2099-05-01T00:00:00Z',
        },
      },
    ];
    const { calls } = renderWizard(request, () => answers.shift());
    const confirm = await screen.findByRole('button', { name: 'Confirm re-host' });
    await user.click(confirm);
    await user.click(confirm);
    const keys = calls.map((c) => (c.variables['input'] as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await screen.findByText(/re-hosted 4 times in the last 12 months\. The next re-host is allowed from .*2099/)).toBeInTheDocument();
  });

  it('shows the new key live once it is issued', async () => {
    renderWizard(
      rehostRequest({
        status: 'READY',
        step: 'KEYS',
        readyAt: '2025-03-01T10:02:00Z',
        keys: [
          {
            __typename: 'LicenseKey',
            id: 'key-2',
            activationKey: 'NEWKEY-0001',
            licenseFile: 'jws',
            hostId: 'AA:AA:AA:AA:AA:AA',
            kid: 'k1',
            status: 'ACTIVE',
            issuedAt: '2025-03-01T10:02:00Z',
            license: {
              __typename: 'License',
              id: 'lic-mgw',
              quantity: 5,
              maintenanceUntil: '2026-01-01',
              status: 'ACTIVE',
              hostId: 'AA:AA:AA:AA:AA:AA',
              product: { __typename: 'Product', id: 'p-mgw', sku: 'MGW-10', name: 'Messaging Gateway', version: '10.8' },
              serials: [],
            },
          },
        ],
      }),
    );
    expect(await screen.findByText('NEWKEY-0001')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download .lic' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to the license' })).toHaveAttribute('href', '/licenses/lic-mgw');
  });

  it('answers "Where do I find the host ID?" next to "New host ID"', async () => {
    const user = userEvent.setup();
    renderWizard(rehostRequest());
    await user.click(await screen.findByRole('button', { name: 'Where do I find the host ID?' }));
    expect(screen.getByRole('region', { name: 'Where do I find the host ID?' })).toHaveTextContent(/hostid.*ipconfig \/all/);
  });
});
