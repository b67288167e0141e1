import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { UpgradeRequestFieldsFragment } from '../../gql/graphql';
import { license, registration, upgradeOption, upgradeRequest } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { UpgradeWizardPage } from './UpgradeWizardPage';

function renderWizard(request: UpgradeRequestFieldsFragment, mutation: (call: MockCall) => unknown = () => null) {
  return renderPage({
    path: `/version-upgrade/${request.id}`,
    routes: <Route path="/version-upgrade/:id" element={<UpgradeWizardPage />} />,
    query: (call) => (call.operationName === 'UpgradeRequest' ? { __typename: 'Query', keyRequest: request } : undefined),
    mutation,
  });
}

const later = (request: UpgradeRequestFieldsFragment, minutes: number) => ({
  ...request,
  updatedAt: new Date(Date.parse(request.updatedAt) + minutes * 60_000).toISOString(),
});

const chosen = { ...license({ id: 'lic-1' }), registration };

describe('<UpgradeWizardPage>', () => {
  it('walks from "Select Product to Upgrade" to "Select Quantity to Upgrade", checking the quantity', async () => {
    const user = userEvent.setup();
    const start = upgradeRequest({
      upgradeOptions: [
        upgradeOption(),
        upgradeOption({ license: license({ id: 'lic-done', quantity: 3 }), eligibleQuantity: 3, remainingQuantity: 0 }),
      ],
    });
    const afterProduct = later({ ...start, step: 'UPGRADE_QUANTITY', upgradeLicense: { ...chosen, registration: null } }, 1);
    const { calls } = renderWizard(start, (call) => {
      if (call.operationName === 'UpgradeRequestSelectProduct') {
        return { upgradeRequestSelectProduct: { __typename: 'UpgradeRequestSelectProductSuccess', keyRequest: afterProduct } };
      }
      return {
        upgradeRequestSetQuantity: {
          __typename: 'UpgradeRefused',
          code: 'QUANTITY_EXCEEDED',
          message: 'At most 12 seat(s) remain eligible for this upgrade.',
          field: 'quantity',
        },
      };
    });

    const nav = await screen.findByRole('navigation', { name: 'Version Upgrade progress' });
    expect(within(nav).getByText('Select Product to Upgrade').closest('li')).toHaveAttribute('aria-current', 'step');
    expect(screen.getByText('VU-7K2M9QX4TD', { selector: '.notification-summary code' })).toBeInTheDocument();
    const radios = screen.getAllByRole('radio');
    expect(radios).toHaveLength(2);
    expect(radios[0]).toBeChecked(); // the only license with seats left
    expect(radios[1]).toBeDisabled();
    expect(radios[0]).toHaveAccessibleName('Endpoint Protection 14.3 → Endpoint Protection 15.0, 25 seats');
    expect(radios[0]).toHaveAccessibleDescription(expect.stringContaining('25 eligible, 20 left to upgrade'));

    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls[0]).toEqual({
      operationName: 'UpgradeRequestSelectProduct',
      variables: { input: { keyRequestId: 'kr-up', licenseId: 'lic-1' } },
    });

    const quantity = await screen.findByLabelText('Quantity to upgrade');
    expect(within(nav).getByText('Select Quantity to Upgrade').closest('li')).toHaveAttribute('aria-current', 'step');
    expect(quantity).toHaveValue(20);
    expect(quantity).toHaveAttribute('max', '20');
    expect(quantity).toHaveAccessibleDescription('Maximum 20: 25 eligible, 5 already upgraded.');

    await user.clear(quantity);
    await user.type(quantity, '21');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toHaveLength(1);
    expect(quantity).toHaveAccessibleDescription(expect.stringContaining('You can upgrade at most 20 seats.'));

    await user.clear(quantity);
    await user.type(quantity, '15');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls[1]).toEqual({ operationName: 'UpgradeRequestSetQuantity', variables: { input: { keyRequestId: 'kr-up', quantity: 15 } } });
    expect(quantity).toHaveAttribute('aria-invalid', 'true');
    expect(quantity).toHaveAccessibleDescription(expect.stringContaining('At most 12 seat(s) remain eligible for this upgrade.'));
    expect(quantity).toHaveFocus();
  });

  it('prefills the registration from the upgraded license and saves it', async () => {
    const user = userEvent.setup();
    const request = upgradeRequest({ step: 'REGISTRATION', upgradeLicense: chosen, upgradeQuantity: 10, suggestedRegistration: registration });
    const { calls } = renderWizard(request, () => ({
      upgradeRequestSetRegistration: {
        __typename: 'UpgradeRequestSetRegistrationSuccess',
        keyRequest: later({ ...request, step: 'CONFIRM', registration }, 1),
      },
    }));
    expect(await screen.findByLabelText('Company')).toHaveValue('Acme GmbH');
    expect(screen.getByText('Edit Existing Support Registration Information', { selector: 'li *' }).closest('li')).toHaveAttribute(
      'aria-current',
      'step',
    );
    expect(screen.queryByLabelText('Host ID')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls[0]?.operationName).toBe('UpgradeRequestSetRegistration');
    expect((calls[0]?.variables['input'] as { registration: { company: string } }).registration.company).toBe('Acme GmbH');
    expect(await screen.findByRole('button', { name: 'Confirm upgrade' })).toBeInTheDocument();
  });

  it('confirms once per idempotency key and shows refusals at the field they name', async () => {
    const user = userEvent.setup();
    const request = upgradeRequest({ step: 'CONFIRM', upgradeLicense: chosen, upgradeQuantity: 10, registration });
    let answer: unknown = {
      upgradeRequestConfirm: {
        __typename: 'UpgradeRefused',
        code: 'NOTIFICATION_EXPIRED',
        message: 'This upgrade notification has expired.',
        field: 'notificationId',
      },
    };
    const { calls } = renderWizard(request, () => answer);
    expect(await screen.findByText(/10 seats of your Endpoint Protection 14.3 license move to/)).toBeInTheDocument();
    const summary = screen.getByText('Quantity to upgrade', { selector: 'dt' }).closest('div')!;
    expect(summary).toHaveTextContent('10 seats');

    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));
    const notificationRow = screen.getByText('Notification ID', { selector: 'dt' }).closest('div')!;
    expect(await within(notificationRow).findByText('This upgrade notification has expired.')).toBeInTheDocument();
    const firstKey = (calls[0]?.variables['input'] as { idempotencyKey: string }).idempotencyKey;

    answer = {
      upgradeRequestConfirm: {
        __typename: 'UpgradeRequestConfirmSuccess',
        keyRequest: later({ ...request, status: 'SUBMITTED', step: 'KEYS', submittedAt: '2025-03-01T10:05:00Z' }, 5),
      },
    };
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));
    const secondKey = (calls[1]?.variables['input'] as { idempotencyKey: string }).idempotencyKey;
    expect(secondKey).not.toBe(firstKey); // a definite refusal starts a new attempt
    expect(await screen.findByText('Signing your keys…')).toBeInTheDocument();
    expect(screen.getByText('Receive a Key', { selector: 'li *' }).closest('li')).toHaveAttribute('aria-current', 'step');
  });

  it('sends requests of another kind to their own wizard', async () => {
    renderWizard({ ...upgradeRequest(), kind: 'REHOST' });
    expect(await screen.findByTestId('location')).toHaveTextContent('/rehost/kr-up');
  });

  it('tells two licenses of the same product apart by serial number and activation key', async () => {
    const twin = (id: string, number: string, activationKey: string) =>
      upgradeOption({
        license: license({
          id,
          serials: [{ __typename: 'Serial', number }],
          keys: [{ __typename: 'LicenseKey', id: `k-${id}`, activationKey, status: 'ACTIVE', issuedAt: '2025-01-01T10:00:00Z' }],
        }),
      });
    renderWizard(
      upgradeRequest({
        upgradeOptions: [twin('lic-a', 'M1234567890', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE'), twin('lic-b', 'M1234567891', 'FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK')],
      }),
    );
    await screen.findByRole('navigation', { name: 'Version Upgrade progress' });
    const [a, b] = screen.getAllByRole('radio');
    expect(a).toHaveAccessibleDescription(expect.stringContaining('Serial number M123-456-7890 Activation key AAAAA-BBBBB-CCCCC-DDDDD-EEEEE'));
    expect(b).toHaveAccessibleDescription(expect.stringContaining('Serial number M123-456-7891 Activation key FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK'));
  });
});

