import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { formatDate } from '../../lib/format';
import { keyRequest, license, product, serial } from '../../test/fixtures';
import { renderWithClient } from '../../test/mockClient';
import { ConfirmStep } from './ConfirmStep';

describe('<ConfirmStep>', () => {
  it('shows the chosen renewals with their new maintenance end and needs no registration for them', () => {
    renderWithClient(
      <ConfirmStep
        keyRequest={keyRequest({
          step: 'CONFIRM',
          serials: [serial('R111', { kind: 'RENEWAL' })],
          renewals: [
            {
              __typename: 'Renewal',
              serialNumber: 'R111',
              newMaintenanceUntil: '2027-01-31',
              license: license({ id: 'lic-a', maintenanceUntil: '2026-01-31' }),
            },
          ],
        })}
        onUpdate={vi.fn()}
        onBack={vi.fn()}
        onEditSerials={vi.fn()}
        onEditRenewals={vi.fn()}
        onConfirmed={vi.fn()}
        onRefresh={vi.fn()}
      />,
      () => null,
    );
    const table = screen.getByRole('table', { name: 'Licenses to renew and their new maintenance end' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('R111');
    expect(row).toHaveTextContent(formatDate('2026-01-31'));
    expect(row).toHaveTextContent(formatDate('2027-01-31'));
    expect(screen.queryByRole('heading', { name: 'Support registration' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Confirm and get keys' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Change licenses' })).toBeInTheDocument();
  });

  it('still requires the registration for new serials', () => {
    renderWithClient(
      <ConfirmStep
        keyRequest={keyRequest({ step: 'CONFIRM', serials: [serial('AAA-1')] })}
        onUpdate={vi.fn()}
        onBack={vi.fn()}
        onEditSerials={vi.fn()}
        onEditRenewals={vi.fn()}
        onConfirmed={vi.fn()}
        onRefresh={vi.fn()}
      />,
      () => null,
    );
    expect(screen.getByRole('heading', { name: 'Support registration' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Confirm and get keys' })).toBeDisabled();
  });

  it('shows serials in the one grouped format and new seats per product, not one sum across products and renewals', () => {
    const dlp = { ...product, id: 'p-dlp', sku: 'DLP-16', name: 'Data Loss Prevention', version: '16.0' };
    renderWithClient(
      <ConfirmStep
        keyRequest={keyRequest({
          step: 'CONFIRM',
          serials: [
            serial('M1234567897', { quantity: 25 }),
            serial('M2234567896', { quantity: 10, product: dlp }),
            serial('R1111111116', { kind: 'RENEWAL', quantity: 15 }),
          ],
        })}
        onUpdate={vi.fn()}
        onBack={vi.fn()}
        onEditSerials={vi.fn()}
        onEditRenewals={vi.fn()}
        onConfirmed={vi.fn()}
        onRefresh={vi.fn()}
      />,
      () => null,
    );
    expect(screen.getByText('M123-456-7897')).toBeInTheDocument();
    expect(screen.queryByText('M1234567897')).not.toBeInTheDocument();
    expect(screen.queryByText('Total seats')).not.toBeInTheDocument();
    const seats = screen.getByRole('list', { name: 'New seats by product' });
    expect(within(seats).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'Studio 9.2: 25 new seats',
      'Data Loss Prevention 16.0: 10 new seats',
    ]);
    expect(screen.getByText('Renewals add no seats: they extend the maintenance of the licenses they renew.')).toBeInTheDocument();
  });
});
