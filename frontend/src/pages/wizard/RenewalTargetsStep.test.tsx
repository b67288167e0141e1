import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { keyRequest, license, serial } from '../../test/fixtures';
import { renderWithClient } from '../../test/mockClient';
import { RenewalTargetsStep } from './RenewalTargetsStep';

const eps = { __typename: 'Product' as const, id: 'p-eps', name: 'Endpoint Protection', version: '14.3' };
const request = keyRequest({
  step: 'RENEWAL_TARGETS',
  serials: [serial('R111', { kind: 'RENEWAL' }), serial('R222', { kind: 'RENEWAL' })],
  renewalCandidates: [
    {
      __typename: 'RenewalCandidate',
      serialNumber: 'R111',
      product: eps,
      licenses: [license({ id: 'lic-a', maintenanceUntil: '2026-01-31' }), license({ id: 'lic-b', quantity: 10, maintenanceUntil: '2026-06-30' })],
    },
    {
      __typename: 'RenewalCandidate',
      serialNumber: 'R222',
      product: eps,
      licenses: [license({ id: 'lic-a', maintenanceUntil: '2026-01-31' }), license({ id: 'lic-b', quantity: 10, maintenanceUntil: '2026-06-30' })],
    },
  ],
});

describe('<RenewalTargetsStep>', () => {
  it('preselects the license the user came from and maps PRODUCT_MISMATCH to its serial', async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const { calls } = renderWithClient(
      <RenewalTargetsStep keyRequest={request} preferredLicenseId="lic-b" onUpdate={vi.fn()} onBack={vi.fn()} onSaved={onSaved} />,
      () => ({
        keyRequestSelectRenewals: {
          __typename: 'InvalidInput',
          code: 'INVALID_INPUT',
          message: 'Some renewals do not fit.',
          field: null,
          fieldErrors: [
            { __typename: 'FieldError', field: 'renewals.1.licenseId', code: 'PRODUCT_MISMATCH', message: 'This license is of another product.' },
          ],
        },
      }),
    );

    const first = screen.getByRole('group', { name: /Renewal serial R111/ });
    const second = screen.getByRole('group', { name: /Renewal serial R222/ });
    const option = within(first).getByRole('radio', { name: /10 seats, maintenance until/ });
    expect(option).toBeChecked();
    expect(option).toHaveAccessibleName(/^Endpoint Protection 14\.3, 10 seats, maintenance until .*2026$/);
    expect(within(second).getByRole('radio', { name: /10 seats/ })).toBeChecked();

    await user.click(within(second).getByRole('radio', { name: /25 seats/ }));
    await user.click(screen.getByRole('button', { name: 'Use these licenses' }));
    expect(calls[0]).toEqual({
      operationName: 'KeyRequestSelectRenewals',
      variables: {
        input: {
          keyRequestId: 'kr-1',
          renewals: [
            { serialNumber: 'R111', licenseId: 'lic-b' },
            { serialNumber: 'R222', licenseId: 'lic-a' },
          ],
        },
      },
    });
    expect(second).toHaveAccessibleDescription('This license is of another product.');
    expect(within(second).getByRole('radio', { name: /25 seats/ })).toHaveFocus();
    expect(first).not.toHaveAccessibleDescription();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('asks for a choice where none is made, without calling the server', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithClient(
      <RenewalTargetsStep keyRequest={request} preferredLicenseId={null} onUpdate={vi.fn()} onBack={vi.fn()} onSaved={vi.fn()} />,
      () => null,
    );
    await user.click(screen.getByRole('button', { name: 'Use these licenses' }));
    expect(calls).toHaveLength(0);
    expect(screen.getByRole('group', { name: /R111/ })).toHaveAccessibleDescription('Choose the license this serial number renews.');
  });

  it('saves the choice and moves on', async () => {
    const user = userEvent.setup();
    const onUpdate = vi.fn();
    const onSaved = vi.fn();
    const saved = { ...request, step: 'CONFIRM' as const, updatedAt: '2025-03-01T10:05:00Z' };
    renderWithClient(
      <RenewalTargetsStep keyRequest={request} preferredLicenseId="lic-a" onUpdate={onUpdate} onBack={vi.fn()} onSaved={onSaved} />,
      () => ({ keyRequestSelectRenewals: { __typename: 'KeyRequestSelectRenewalsSuccess', keyRequest: saved } }),
    );
    await user.click(screen.getByRole('button', { name: 'Use these licenses' }));
    expect(onUpdate).toHaveBeenCalledWith(saved);
    expect(onSaved).toHaveBeenCalled();
  });

  it('tells two licenses of the same product and size apart by serial number and activation key', () => {
    const twin = (id: string, number: string, activationKey: string) =>
      license({
        id,
        serials: [{ __typename: 'Serial', number }],
        keys: [{ __typename: 'LicenseKey', id: `k-${id}`, activationKey, status: 'ACTIVE', issuedAt: '2025-01-01T10:00:00Z' }],
      });
    const twins = keyRequest({
      step: 'RENEWAL_TARGETS',
      serials: [serial('R111', { kind: 'RENEWAL' })],
      renewalCandidates: [
        {
          __typename: 'RenewalCandidate',
          serialNumber: 'R111',
          product: eps,
          licenses: [twin('lic-a', 'M1234567890', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE'), twin('lic-b', 'M1234567891', 'FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK')],
        },
      ],
    });
    renderWithClient(<RenewalTargetsStep keyRequest={twins} preferredLicenseId={null} onUpdate={vi.fn()} onBack={vi.fn()} onSaved={vi.fn()} />, () => null);
    const [a, b] = screen.getAllByRole('radio');
    // The same name for both: the description tells them apart.
    expect(a).toHaveAccessibleName(/^Endpoint Protection 14\.3, 25 seats, maintenance until/);
    expect(b).toHaveAccessibleName(/^Endpoint Protection 14\.3, 25 seats, maintenance until/);
    expect(a).toHaveAccessibleDescription(/^Serial number M123-456-7890 Activation key AAAAA-BBBBB-CCCCC-DDDDD-EEEEE Active Not host-locked$/);
    expect(b).toHaveAccessibleDescription(/Serial number M123-456-7891 Activation key FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK/);
  });
});

