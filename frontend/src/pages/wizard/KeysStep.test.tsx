import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it, vi } from 'vitest';
import { keyRequest } from '../../test/fixtures';
import { KeysStep } from './KeysStep';

const readyRequest = keyRequest({
  status: 'READY',
  step: 'KEYS',
  keys: [
    {
      __typename: 'LicenseKey',
      id: 'key-1',
      activationKey: 'K7Q2-9XLM-4RT8',
      licenseFile: 'eyJhbGciOiJFZERTQSJ9.payload.sig',
      hostId: '00:11:22:33:44:55',
      kid: 'k1',
      status: 'ACTIVE',
      issuedAt: '2025-03-01T10:01:00Z',
      license: {
        __typename: 'License',
        id: 'lic-1',
        quantity: 5,
        maintenanceUntil: '2026-03-01',
        status: 'ACTIVE',
        hostId: '00:11:22:33:44:55',
        product: { __typename: 'Product', id: 'p', sku: 'S', name: 'Studio', version: '9.2' },
        serials: [],
      },
    },
  ],
});

describe('<KeysStep>', () => {
  it('shows a spinner while the keys are being signed', () => {
    render(
      <MemoryRouter>
        <KeysStep keyRequest={keyRequest({ status: 'FULFILLING', step: 'KEYS' })} polling={false} />
      </MemoryRouter>,
    );
    expect(screen.getByText('Signing your keys…')).toBeInTheDocument();
  });

  it('copies the activation key and downloads the license file', async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const createObjectURL = vi.fn(() => 'blob:license');
    Object.defineProperty(URL, 'createObjectURL', { value: createObjectURL, configurable: true });
    Object.defineProperty(URL, 'revokeObjectURL', { value: vi.fn(), configurable: true });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });

    render(
      <MemoryRouter>
        <KeysStep keyRequest={readyRequest} polling={false} />
      </MemoryRouter>,
    );
    expect(screen.getByText('K7Q2-9XLM-4RT8')).toBeInTheDocument();
    expect(screen.getAllByText('00:11:22:33:44:55').length).toBeGreaterThan(0);

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('K7Q2-9XLM-4RT8');
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Download .lic' }));
    expect(clicked).toEqual(['K7Q2-9XLM-4RT8.lic']);
    const blob = (createObjectURL.mock.calls[0] as unknown as [Blob])[0];
    expect(await blob.text()).toBe('eyJhbGciOiJFZERTQSJ9.payload.sig');
    expect(screen.getByRole('link', { name: 'Get another key' })).toHaveAttribute('href', '/get-a-key');
  });

  it('names each key by its serial number, links it to its license and downloads every license file at once', () => {
    const card = readyRequest.keys[0]!;
    const second = {
      ...card,
      id: 'key-2',
      activationKey: 'ZZZZ-9XLM-4RT8',
      license: { ...card.license, id: 'lic-2', serials: [{ __typename: 'Serial' as const, number: 'M1234567891' }, { __typename: 'Serial' as const, number: 'R9876543210' }] },
    };
    const first = { ...card, license: { ...card.license, serials: [{ __typename: 'Serial' as const, number: 'M1234567890' }] } };
    render(
      <MemoryRouter>
        <KeysStep keyRequest={{ ...readyRequest, keys: [first, second] }} polling={false} />
      </MemoryRouter>,
    );
    const cards = within(screen.getByRole('list', { name: 'License keys' })).getAllByRole('listitem');
    expect(cards).toHaveLength(2);
    expect(within(cards[0]!).getByText('M123-456-7890')).toBeInTheDocument();
    expect(within(cards[0]!).getByRole('link', { name: /^View license/ })).toHaveAttribute('href', '/licenses/lic-1');
    expect(within(cards[0]!).getByRole('link', { name: /^View license/ })).toHaveAccessibleName(/Studio 9\.2, serial number M123-456-7890$/);
    expect(within(cards[1]!).getByText('M123-456-7891, R987-654-3210')).toBeInTheDocument();
    expect(within(cards[1]!).getByText(/^Serial numbers/)).toBeInTheDocument();
    expect(within(cards[1]!).getByRole('link', { name: /^View license/ })).toHaveAttribute('href', '/licenses/lic-2');

    const all = screen.getByRole('link', { name: /^Download all/ });
    expect(all).toHaveAttribute('href', '/api/licenses/files.zip?ids=lic-1%2Clic-2');
    expect(all).toHaveAttribute('download');
  });

  it('shows no serial number where the license has none (a draw-down)', () => {
    render(
      <MemoryRouter>
        <KeysStep keyRequest={readyRequest} polling={false} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('link', { name: /^Download all/ })).toHaveAttribute('href', '/api/licenses/files.zip?ids=lic-1');
    expect(screen.queryByText(/^Serial number/)).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /^View license/ })).toHaveAttribute('href', '/licenses/lic-1');
  });
});

