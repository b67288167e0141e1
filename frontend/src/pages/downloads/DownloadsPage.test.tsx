import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import type { DocumentNode } from 'graphql';
import { createRequest, type AnyVariables, type Client, type OperationContext } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pipe, take, toPromise } from 'wonka';
import { followLink } from '../../lib/downloads';
import { formatDate } from '../../lib/format';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { DownloadsPage } from './DownloadsPage';

vi.mock('../../lib/downloads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/downloads')>()),
  followLink: vi.fn(),
}));

afterEach(() => {
  vi.mocked(followLink).mockReset();
  vi.useRealTimers();
});

const EPS = { __typename: 'Product', id: 'p-eps', sku: 'EPS-15', name: 'Endpoint Protection', version: '15.0' };
const DLP = { __typename: 'Product', id: 'p-dlp', sku: 'DLP-3', name: 'Data Loss Prevention', version: '3.1' };
const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function file(id: string, name: string, size: number, downloadUrl: string | null = `/downloads/${id}/${name}?s=1`) {
  return { __typename: 'ReleaseFile', id, name, size, sha256: SHA, contentType: 'application/octet-stream', downloadUrl };
}

function release(id: string, version: string, platform: string, overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'Release',
    id,
    version,
    platform,
    releasedOn: '2026-11-12',
    notes: '## Fixed\n\n- Faster scans\n- <b>bold</b> <script>alert(1)</script> <img src=x onerror="alert(2)">\n\n[Guide](https://docs.example/guide) [bad](javascript:alert(3))',
    lockedReason: null,
    downloadCount: null,
    product: EPS,
    files: [file(`f-${id}`, `eps-${version}-${platform.toLowerCase()}.bin`, 432_537_600)],
    ...overrides,
  };
}

const PRODUCTS = {
  __typename: 'Query',
  downloadProducts: [
    { __typename: 'DownloadProduct', product: EPS, latestVersion: '15.0.2', releaseCount: 3, platforms: ['Windows', 'Linux'], maintenanceEndsOn: '2027-01-31' },
    { __typename: 'DownloadProduct', product: DLP, latestVersion: '3.1.0', releaseCount: 1, platforms: ['Linux'], maintenanceEndsOn: null },
  ],
};

const LOCKED = 'Maintenance ended on 31 Jan 2026; renew to download.';

function downloads(nodes: unknown[], hasNextPage = false) {
  return {
    __typename: 'Query',
    downloads: {
      __typename: 'ReleaseConnection',
      nodes,
      pageInfo: { __typename: 'PageInfo', hasNextPage, endCursor: hasNextPage ? 'c-50' : null },
      totalCount: nodes.length,
    },
  };
}

const RELEASES = [
  release('r-win', '15.0.2', 'Windows'),
  release('r-lin', '15.0.2', 'Linux', { files: [file('f-lin', 'eps-15.0.2-linux.tar.gz', 830)], downloadCount: 12 }),
  release('r-old', '15.0.1', 'Windows', { lockedReason: LOCKED, files: [file('f-old', 'eps-15.0.1.msi', 2_100_000_000, null)] }),
];

interface Options {
  products?: unknown;
  releases?: (call: MockCall) => unknown;
  serial?: (call: MockCall) => unknown;
  path?: string;
}

/** The page under the mock client; `client.query` (what the page uses for fresh links and the lookup) goes through the same answers. */
function renderDownloads({ products = PRODUCTS, releases = () => downloads(RELEASES), serial, path = '/downloads' }: Options = {}) {
  const utils = renderPage({
    path,
    routes: <Route path="/downloads" element={<DownloadsPage />} />,
    query: (call) => {
      if (call.operationName === 'DownloadProducts') return products;
      if (call.operationName === 'Downloads') return releases(call);
      if (call.operationName === 'SerialDownloads') return serial?.(call);
      return undefined;
    },
  });
  const client = utils.client;
  // As urql's own Client.query: the first answer of executeQuery.
  client.query = ((query: DocumentNode, variables: AnyVariables, context?: Partial<OperationContext>) => ({
    toPromise: () => pipe(client.executeQuery(createRequest(query, variables), context), take(1), toPromise),
  })) as unknown as Client['query'];
  const queries = () =>
    vi.mocked(client.executeQuery).mock.calls.map(([request, context]) => ({
      variables: request.variables as Record<string, unknown>,
      requestPolicy: context?.requestPolicy,
    }));
  return { ...utils, queries };
}

// Generous: a shared CI machine renders these long pages slowly; nothing here measures time.
describe('<DownloadsPage>', { timeout: 15000 }, () => {
  it('lists the entitled products, the first one’s versions by platform, and each file with its size, SHA-256 and link', async () => {
    const { queries } = renderDownloads();
    const products = await screen.findByRole('region', { name: 'Your products' });
    const current = within(products).getByRole('link', { current: true });
    expect(current).toHaveTextContent('Endpoint Protection 15.0');
    expect(current).toHaveTextContent('EPS-15 · latest 15.0.2 · 3 releases');
    expect(current).toHaveTextContent('Windows and Linux');
    expect(current).toHaveTextContent(`Maintenance until ${formatDate('2027-01-31')}`);
    expect(within(products).getByRole('link', { name: /Data Loss Prevention/ })).toHaveAttribute('href', '/downloads?product=DLP-3');

    const versions = await screen.findAllByTestId('release-version');
    expect(versions).toHaveLength(2);
    expect(within(versions[0]!).getByRole('heading', { level: 3 })).toHaveTextContent('Endpoint Protection 15.0.2');
    expect(within(versions[0]!).getAllByRole('heading', { level: 4 }).map((h) => h.textContent)).toEqual(['Windows', 'Linux']);
    // Operators see how often each was downloaded (the field is null for everyone else).
    const [windows, linux] = within(versions[0]!).getAllByRole('region');
    expect(linux).toHaveTextContent('Downloaded 12 times');
    expect(windows).not.toHaveTextContent('Downloaded');
    expect(queries().find((q) => 'filter' in q.variables)?.variables).toEqual({
      filter: { productSku: 'EPS-15', platform: null, search: null },
      first: 50,
      after: null,
    });

    const files = within(versions[0]!).getAllByTestId('download-file');
    expect(files[0]).toHaveTextContent('eps-15.0.2-windows.bin');
    expect(files[0]).toHaveTextContent('433 MB');
    expect(files[1]).toHaveTextContent('830 bytes');
    expect(within(files[0]!).getByTestId('sha256')).toHaveTextContent(SHA);
    expect(within(files[0]!).getByRole('button', { name: 'Copy SHA-256 of eps-15.0.2-windows.bin' })).toBeInTheDocument();
    const link = within(files[0]!).getByRole('link', { name: 'Download eps-15.0.2-windows.bin (433 MB)' });
    expect(link).toHaveAttribute('href', '/downloads/f-r-win/eps-15.0.2-windows.bin?s=1');
    expect(link).toHaveAttribute('download', 'eps-15.0.2-windows.bin');

    // The commands that check the saved file, each with a copy button.
    const verify = within(files[0]!).getByText('Check the file after downloading').closest('details')!;
    const commands = [...verify.querySelectorAll('.verify-commands__command')].map((code) => code.textContent);
    // jsdom's user agent names no system, so Linux comes first; the two spaces are sha256sum's own format.
    expect(commands).toEqual([
      `echo '${SHA}  eps-15.0.2-windows.bin' | sha256sum --check`,
      `(Get-FileHash -Algorithm SHA256 -LiteralPath 'eps-15.0.2-windows.bin').Hash -eq '${SHA}'`,
      `echo '${SHA}  eps-15.0.2-windows.bin' | shasum -a 256 --check`,
    ]);
    expect(within(verify).getByRole('button', { name: 'Copy Linux command to check eps-15.0.2-windows.bin' })).toBeInTheDocument();
  });

  it('renders release notes from Markdown without their raw HTML or script links', async () => {
    renderDownloads();
    const [newest] = await screen.findAllByTestId('release-version');
    const notes = within(newest!).getByText('Release notes').closest('details')!;
    expect(notes).toHaveAttribute('open');
    expect(within(notes).getByRole('heading', { name: 'Fixed', level: 5 })).toBeInTheDocument();
    expect(within(notes).getByText('Faster scans').tagName).toBe('LI');
    // Raw HTML is dropped: no element of it, no handler attribute (what is left between tags is plain text).
    expect(notes.querySelector('script, img, b, [onerror]')).toBeNull();
    expect(notes.innerHTML).not.toContain('onerror');
    const guide = within(notes).getByRole('link', { name: 'Guide' });
    expect(guide).toHaveAttribute('href', 'https://docs.example/guide');
    expect(guide).toHaveAttribute('rel', 'noopener noreferrer');
    // A javascript: target loses its href.
    expect(within(notes).queryByRole('link', { name: 'bad' })).not.toBeInTheDocument();
  });

  it('shows a locked version with its reason and the ways to renew, and no download link', async () => {
    renderDownloads();
    const versions = await screen.findAllByTestId('release-version');
    const locked = versions[1]!;
    expect(within(locked).getByRole('heading', { level: 3 })).toHaveTextContent('Endpoint Protection 15.0.1');
    expect(within(locked).getByText('Locked', { selector: '.badge' })).toBeInTheDocument();
    expect(within(locked).getByRole('note')).toHaveTextContent(LOCKED);
    expect(within(locked).getByRole('link', { name: 'Get a Key' })).toHaveAttribute('href', '/get-a-key');
    expect(within(locked).getByRole('link', { name: 'your Endpoint Protection licenses' })).toHaveAttribute('href', '/licenses?product=EPS-15');
    expect(within(locked).queryByRole('link', { name: /^Download/ })).not.toBeInTheDocument();
    // Its file is still listed, with size and checksum.
    expect(within(locked).getByTestId('download-file')).toHaveTextContent('2.1 GB');
    expect(within(locked).getByTestId('sha256')).toHaveTextContent(SHA);
  });

  it('gives each platform its own notes and lock when they differ', async () => {
    renderDownloads({
      releases: () =>
        downloads([
          release('r-w', '16.0', 'windows-x64', { notes: 'Windows fixes', lockedReason: LOCKED, files: [file('f-w', 'w.msi', 10, null)] }),
          release('r-m', '16.0', 'macos', { notes: 'macOS fixes' }),
        ]),
    });
    const [version] = await screen.findAllByTestId('release-version');
    expect(within(version!).queryByText('Locked', { selector: '.badge' })).not.toBeInTheDocument();
    const windows = within(version!).getByRole('region', { name: 'Endpoint Protection 16.0 for Windows x64' });
    const mac = within(version!).getByRole('region', { name: 'Endpoint Protection 16.0 for macOS' });
    expect(within(windows).getByRole('note')).toHaveTextContent(LOCKED);
    expect(within(windows).queryByRole('link', { name: /^Download/ })).not.toBeInTheDocument();
    expect(within(windows).getByText('Release notes for Windows x64').closest('details')).toHaveTextContent('Windows fixes');
    expect(within(mac).queryByRole('note')).not.toBeInTheDocument();
    expect(within(mac).getByText('Release notes for macOS').closest('details')).toHaveTextContent('macOS fixes');
    expect(within(mac).getByRole('link', { name: /^Download eps-16.0-macos.bin/ })).toBeInTheDocument();
  });

  it('follows a fresh link as it is, and fetches a new one first when the shown one may have expired', async () => {
    const user = userEvent.setup();
    let round = 0;
    const { queries } = renderDownloads({
      releases: () => {
        round += 1;
        return downloads([release('r-win', '15.0.2', 'Windows', { files: [file('f-win', 'eps.msi', 1000, `/downloads/f-win/eps.msi?s=${round}`)] })]);
      },
    });
    const link = await screen.findByRole('link', { name: /^Download eps.msi/ });
    expect(link).toHaveAttribute('href', '/downloads/f-win/eps.msi?s=1');
    // A fresh link is the anchor's own click (seen here on the document, where the browser would follow it).
    const followed: string[] = [];
    const onClick = (event: MouseEvent) => {
      const anchor = (event.target as Element).closest('a');
      if (anchor && !event.defaultPrevented) followed.push(anchor.getAttribute('href') ?? '');
      event.preventDefault(); // jsdom cannot navigate
    };
    document.addEventListener('click', onClick);
    await user.click(link);
    expect(followed).toEqual(['/downloads/f-win/eps.msi?s=1']);
    expect(followLink).not.toHaveBeenCalled();
    expect(queries().filter((q) => q.requestPolicy === 'network-only')).toHaveLength(0);

    // Five minutes later the link may have expired: the same page is asked for again, and its new link followed.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 5 * 60 * 1000);
    await user.click(link);
    await waitFor(() => expect(followLink).toHaveBeenCalledWith('/downloads/f-win/eps.msi?s=2', 'eps.msi'));
    document.removeEventListener('click', onClick);
    expect(followed).toHaveLength(1); // the old link was not followed
    const again = queries().filter((q) => q.requestPolicy === 'network-only');
    expect(again).toHaveLength(1);
    expect(again[0]!.variables).toMatchObject({ filter: { productSku: 'EPS-15' }, first: 50 });
  });

  it('says so when a renewed link is refused because the file was withdrawn meanwhile', async () => {
    const user = userEvent.setup();
    let round = 0;
    renderDownloads({
      releases: () => {
        round += 1;
        return downloads(round === 1 ? [release('r-win', '15.0.2', 'Windows', { files: [file('f-win', 'eps.msi', 1000)] })] : []);
      },
    });
    const link = await screen.findByRole('link', { name: /^Download eps.msi/ });
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * 60 * 1000);
    await user.click(link);
    expect(await screen.findByRole('alert')).toHaveTextContent('This file can no longer be downloaded');
    expect(followLink).not.toHaveBeenCalled();
  });

  it('filters by platform and by a search, from the address so a filtered list can be shared', async () => {
    const user = userEvent.setup();
    const { queries } = renderDownloads({ path: '/downloads?product=DLP-3&q=3.1', releases: () => downloads([release('r-dlp', '3.1.0', 'Linux', { product: DLP })]) });
    expect(await screen.findByRole('heading', { name: 'Data Loss Prevention 3.1 releases' })).toBeInTheDocument();
    expect(screen.getByLabelText('Search versions and notes', { exact: true })).toHaveValue('3.1');
    const platform = screen.getByLabelText('Platform', { exact: true });
    expect(within(platform).getAllByRole('option').map((o) => o.textContent)).toEqual(['All platforms', 'Linux']);
    await user.selectOptions(platform, 'Linux');
    await waitFor(() =>
      expect(queries().map((q) => q.variables.filter)).toContainEqual({ productSku: 'DLP-3', platform: 'Linux', search: '3.1' }),
    );
  });

  it('offers the older releases page by page', async () => {
    const user = userEvent.setup();
    const { queries } = renderDownloads({
      releases: (call) => (call.variables.after ? downloads([release('r-14', '14.3.0', 'Windows')]) : downloads([release('r-15', '15.0.2', 'Windows')], true)),
    });
    await user.click(await screen.findByRole('button', { name: 'Show older releases' }));
    expect(await screen.findByRole('heading', { name: 'Endpoint Protection 14.3.0' })).toBeInTheDocument();
    expect(queries().some((q) => q.variables.after === 'c-50')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Show older releases' })).not.toBeInTheDocument();
  });

  it('tells a user without entitled products what to do', async () => {
    renderDownloads({ products: { __typename: 'Query', downloadProducts: [] } });
    expect(await screen.findByText('No software to download yet')).toBeInTheDocument();
    expect(screen.getByText(/Turn the serial numbers on your license certificate into licenses with Get a Key/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Get a Key' })).toHaveAttribute('href', '/get-a-key');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Look up a serial number' }));
    expect(screen.getByLabelText('Serial number', { exact: true })).toHaveFocus();
  });

  it('says when nothing matches the filters', async () => {
    renderDownloads({ path: '/downloads?platform=Linux', releases: () => downloads([]) });
    expect(await screen.findByText(/No release matches these filters/)).toBeInTheDocument();
  });
});

describe('serial-number lookup', { timeout: 15000 }, () => {
  const lookup = (errors: unknown[], releases: unknown[] = []) => ({
    __typename: 'Query',
    serialDownloads: { __typename: 'SerialDownloadsResult', serialNumber: 'M1234567890', product: errors.length ? null : EPS, releases, errors },
  });

  it('shows an unknown serial number’s answer at the field', async () => {
    const user = userEvent.setup();
    renderDownloads({
      serial: () => lookup([{ __typename: 'NotFound', code: 'NOT_FOUND', message: 'No such serial number in an account you can see.', field: 'serialNumber' }]),
    });
    const field = await screen.findByLabelText('Serial number', { exact: true });
    await user.click(screen.getByRole('button', { name: 'Show downloads' }));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription('Enter the serial number from your license certificate, e.g. M123-456-7890.');
    await user.type(field, 'M999-000-1111');
    expect(field).not.toHaveAttribute('aria-invalid');
    await user.click(screen.getByRole('button', { name: 'Show downloads' }));
    await waitFor(() => expect(field).toHaveAccessibleDescription('No such serial number in an account you can see.'));
    expect(field).toHaveFocus();
  });

  it('says how long to wait when too many serial numbers were not found', async () => {
    const user = userEvent.setup();
    renderDownloads({
      serial: () => lookup([{ __typename: 'RateLimited', code: 'RATE_LIMITED', message: 'Too many unknown serial numbers.', field: 'serialNumber', retryAfterSeconds: 90 }]),
    });
    const field = await screen.findByLabelText('Serial number', { exact: true });
    await user.type(field, 'M999-000-1111{Enter}');
    await waitFor(() => expect(field).toHaveAccessibleDescription('Too many unknown serial numbers. Try again in 1 minute 30 seconds.'));
  });

  it('lists the releases a valid serial number entitles', async () => {
    const user = userEvent.setup();
    const { calls, queries } = renderDownloads({ serial: () => lookup([], [release('r-s', '15.0.2', 'Windows')]) });
    await user.type(await screen.findByLabelText('Serial number', { exact: true }), ' m123-456-7890 ');
    await user.click(screen.getByRole('button', { name: 'Show downloads' }));
    expect(await screen.findByRole('heading', { name: 'Endpoint Protection 15.0 · serial number M123-456-7890' })).toHaveFocus();
    const result = screen.getByRole('heading', { name: 'Endpoint Protection 15.0 · serial number M123-456-7890' }).parentElement!;
    expect(within(result).getByRole('heading', { level: 4, name: 'Endpoint Protection 15.0.2' })).toBeInTheDocument();
    expect(within(result).getByRole('link', { name: /^Download eps-15.0.2-windows.bin/ })).toBeInTheDocument();
    expect(queries().filter((q) => 'serialNumber' in q.variables).map((q) => q.variables)).toEqual([{ serialNumber: 'm123-456-7890' }]);
    expect(calls).toHaveLength(0); // a query, never a mutation
  });
});
