import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { CombinedError, type GraphQLRequest } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { fromValue, makeSubject, map, pipe } from 'wonka';
import { downloadTextFile } from '../../lib/files';
import { checkSymbol } from '../../lib/vouchers';
import { renderPage } from '../../test/renderPage';
import { VoucherCenterPage } from './VoucherCenterPage';

vi.mock('../../lib/files', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/files')>()),
  downloadTextFile: vi.fn(),
}));

const OEM = { __typename: 'Account' as const, id: 'acc-oem', name: 'Otto OEM', number: 'O-3001', kind: 'OEM' as const };

function oemMe(role = 'MEMBER', accounts = [OEM]) {
  return {
    __typename: 'Query',
    me: {
      __typename: 'User',
      id: 'u-otto',
      email: 'otto@oem.example',
      name: 'Otto',
      emailVerified: true,
      memberships: accounts.map((account) => ({ __typename: 'Membership', role, account })),
    },
  };
}

const PRODUCT = { __typename: 'Product' as const, id: 'prod-1', sku: 'STUDIO-9', name: 'Studio', version: '9.2' };

function batch(overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'VoucherBatch',
    id: 'vb-1',
    quantity: 5,
    count: 100,
    converted: 40,
    available: 60,
    maintenanceMonths: 12,
    expiresOn: '2027-06-30',
    expiringSoon: false,
    createdAt: '2026-11-01T09:00:00Z',
    product: PRODUCT,
    ...overrides,
  };
}

const CONVERSION = {
  __typename: 'VoucherConversion',
  id: 'vc-1',
  createdAt: '2026-12-03T14:05:00Z',
  total: 3,
  convertedCount: 2,
  targetEmail: null,
  targetAccount: { __typename: 'Account', id: 'acc-oem', name: 'Otto OEM', number: 'O-3001' },
  requestedBy: { __typename: 'User', id: 'u-otto', name: 'Otto', email: 'otto@oem.example' },
  keyRequest: { __typename: 'KeyRequest', id: 'kr-9', status: 'SUBMITTED' },
};

function center(batches = [batch(), batch({ id: 'vb-2', count: 10, converted: 9, available: 1, expiresOn: '2026-12-20', expiringSoon: true })], conversions: unknown[] = []) {
  return { __typename: 'Query', voucherBatches: batches, voucherConversions: conversions };
}

// Valid codes (check symbols from backend/keys.py) and one with its last character mistyped.
const GOOD = ['M9S3-46Q3-D25V-T4F0', '5V37-E3S3-E28J-T97D', 'KFBF-5KZN-WJ47-TANG'];
const TYPO = 'KB6C-Q643-DZVM-XXQA';

function progress(status: string, keysReady: number, keys: unknown[] | undefined = undefined) {
  return {
    __typename: 'KeyRequest',
    id: 'kr-9',
    status,
    updatedAt: `2026-12-03T14:05:0${keysReady}Z`,
    failureReason: null,
    readyAt: status === 'READY' ? '2026-12-03T14:05:09Z' : null,
    keysReady,
    keysTotal: 2,
    ...(keys ? { keys } : {}),
  };
}

function key(id: string, activationKey: string) {
  return {
    __typename: 'LicenseKey',
    id,
    activationKey,
    licenseFile: 'eyJ.sig',
    hostId: null,
    kid: 'k1',
    status: 'ACTIVE',
    issuedAt: '2026-12-03T14:05:05Z',
    license: {
      __typename: 'License',
      id: `lic-${id}`,
      quantity: 5,
      maintenanceUntil: '2027-12-03',
      status: 'ACTIVE',
      hostId: null,
      product: { ...PRODUCT },
    },
  };
}

function convertAnswer() {
  const line = (n: number, result: string, message: string, license: unknown = null, convertedAt: string | null = null) => ({
    __typename: 'VoucherConversionLine',
    line: n,
    lastFour: null,
    result,
    message,
    convertedAt,
    retryAfter: null,
    license,
  });
  const license = (id: string) => ({ __typename: 'License', id, product: { ...PRODUCT } });
  return {
    voucherConvert: {
      __typename: 'VoucherConvertSuccess',
      replayed: false,
      conversion: {
        ...CONVERSION,
        lines: [
          line(1, 'CONVERTED', 'Converted into a license of 5 seats.', license('lic-a'), '2026-12-03T14:05:00Z'),
          line(2, 'ALREADY_CONVERTED', 'This voucher was converted before.', null, '2026-11-20T08:00:00Z'),
          line(3, 'CONVERTED', 'Converted into a license of 5 seats.', license('lic-b'), '2026-12-03T14:05:00Z'),
        ],
      },
      keyRequest: progress('SUBMITTED', 0),
    },
  };
}

function renderCenter(options: { me?: unknown; data?: unknown; mutation?: Parameters<typeof renderPage>[0]['mutation'] } = {}) {
  return renderPage({
    path: '/vouchers',
    routes: <Route path="/vouchers" element={<VoucherCenterPage />} />,
    me: options.me ?? oemMe(),
    query: (call) => {
      if (call.operationName === 'VoucherCenter') return options.data ?? center();
      if (call.operationName === 'VoucherKeys') return { __typename: 'Query', keyRequest: { ...progress('FULFILLING', 0, []), registration: null } };
      if (call.operationName === 'KeyRequestDeliveries') return { __typename: 'Query', keyRequest: { __typename: 'KeyRequest', id: 'kr-9', deliveries: [] } };
      return undefined;
    },
    mutation: options.mutation,
  });
}

describe('<VoucherCenterPage>', () => {
  it('lists the batches with a usage bar, the expiring ones marked, and the conversions so far', async () => {
    renderCenter({ data: center(undefined, [CONVERSION]) });
    const rows = await screen.findAllByTestId('voucher-batch');
    expect(rows).toHaveLength(2);
    const first = within(rows[0]!).getByRole('meter', { name: 'Vouchers converted of Studio 9.2' });
    expect(first).toHaveAttribute('aria-valuenow', '40');
    expect(first).toHaveAttribute('aria-valuemax', '100');
    expect(rows[0]).toHaveTextContent('40 of 100 converted · 60 left');
    expect(rows[0]).toHaveTextContent('5 seats');
    expect(within(rows[0]!).queryByText('Expiring soon')).not.toBeInTheDocument();
    expect(within(rows[1]!).getByText('Expiring soon')).toBeInTheDocument();
    const history = screen.getByTestId('voucher-conversion');
    expect(history).toHaveTextContent('Otto');
    expect(history).toHaveTextContent('2 of 3');
    expect(history).toHaveTextContent('Otto OEM (this account)');
  });

  it('catches a typo in the browser, sends only the well-formed codes and shows every line in the results', async () => {
    const user = userEvent.setup();
    const { calls } = renderCenter({ mutation: () => convertAnswer() });
    const codes = await screen.findByLabelText('Voucher codes');
    await user.click(codes);
    await user.paste([GOOD[0], TYPO, GOOD[1]!.toLowerCase(), GOOD[2]].join('\n'));
    expect(screen.getByTestId('voucher-count')).toHaveTextContent('4 codes · 1 to fix');
    expect(screen.getByText(/Line 2: check character wrong — a typo\?/)).toBeInTheDocument();
    expect(codes).toHaveAttribute('aria-invalid', 'true');

    await user.click(screen.getByRole('button', { name: 'Convert 3 vouchers' }));
    expect(calls).toHaveLength(1);
    const input = calls[0]!.variables.input as { accountId: string; codes: string[]; target: unknown; idempotencyKey: string };
    expect(calls[0]!.operationName).toBe('VoucherConvert');
    expect(input.accountId).toBe('acc-oem');
    expect(input.codes).toEqual(['M9S346Q3D25VT4F0', '5V37E3S3E28JT97D', 'KFBF5KZNWJ47TANG']);
    expect(input.target).toBeNull();
    expect(input.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);

    const results = await screen.findByRole('region', { name: 'Results' });
    expect(within(results).getByRole('heading', { name: 'Results' })).toHaveFocus();
    expect(within(results).getByTestId('voucher-summary')).toHaveTextContent('4 lines: 2 converted, 1 already converted, 1 typo.');
    // The line not sent is left in the box to fix.
    expect(codes).toHaveValue(TYPO);
    expect(screen.getByText(/The line not sent is left here to fix/)).toBeInTheDocument();
    const table = within(results).getByRole('table');
    const bodyRows = within(table).getAllByRole('row').slice(1);
    expect(bodyRows.map((row) => row.getAttribute('data-result'))).toEqual(['CONVERTED', 'TYPO', 'ALREADY_CONVERTED', 'CONVERTED']);
    expect(bodyRows[1]).toHaveTextContent(TYPO);
    expect(bodyRows[1]).toHaveTextContent('Check character wrong — a typo? Not sent.');
    expect(within(bodyRows[0]!).getByRole('link', { name: /Studio 9.2/ })).toHaveAttribute('href', '/licenses/lic-a');
    expect(bodyRows[2]).toHaveTextContent(GOOD[1]!.toLowerCase());

    await user.click(within(results).getByRole('button', { name: 'Download results (CSV)' }));
    const [fileName, csv] = vi.mocked(downloadTextFile).mock.calls[0]!;
    expect(fileName).toMatch(/^voucher-results-\d{4}-\d{2}-\d{2}-\d{4}\.csv$/);
    expect(csv.split('\r\n')).toEqual([
      'line,code,result,message,license_id,product,converted_at',
      `1,${GOOD[0]},CONVERTED,Converted into a license of 5 seats.,lic-a,Studio 9.2,2026-12-03T14:05:00Z`,
      `2,${TYPO},TYPO,Check character wrong — a typo? Not sent.,,,`,
      `3,${GOOD[1]!.toLowerCase()},ALREADY_CONVERTED,This voucher was converted before.,,,2026-11-20T08:00:00Z`,
      `4,${GOOD[2]},CONVERTED,Converted into a license of 5 seats.,lic-b,Studio 9.2,2026-12-03T14:05:00Z`,
      '',
    ]);
  });

  it('shows the keys signing live, then the keys', async () => {
    const user = userEvent.setup();
    const frames = makeSubject<unknown>();
    const { client } = renderCenter({ mutation: () => convertAnswer() });
    vi.mocked(client.executeSubscription).mockImplementation(((request: GraphQLRequest) =>
      pipe(
        frames.source,
        map((frame) => ({ operation: request, data: { keyRequestUpdated: frame }, stale: false, hasNext: true })),
      )) as never);
    await user.click(await screen.findByLabelText('Voucher codes'));
    await user.paste(`${GOOD[0]}\n${GOOD[2]}`);
    await user.click(screen.getByRole('button', { name: 'Convert 2 vouchers' }));

    const bar = await screen.findByRole('progressbar', { name: 'Keys signed' });
    expect(bar).toHaveAttribute('aria-valuenow', '0');
    expect(bar).toHaveAttribute('aria-valuemax', '2');
    act(() => frames.next(progress('FULFILLING', 1, [key('k1', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE')])));
    expect(await screen.findByTestId('key-progress')).toHaveTextContent('Signing keys: 1 of 2 ready');
    expect(screen.getByRole('list', { name: 'Keys signed so far' })).toHaveTextContent('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE');
    const centerReads = () => vi.mocked(client.executeQuery).mock.calls.filter(([request]) => 'accountId' in (request.variables as object)).length;
    const readsBefore = centerReads();
    act(() => frames.next(progress('READY', 2, [key('k1', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE'), key('k2', 'FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK')])));
    expect(await screen.findByText('2 keys are ready')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    const keys = screen.getByRole('list', { name: 'License keys' });
    expect(within(keys).getAllByRole('listitem')).toHaveLength(2);
    expect(keys).toHaveTextContent('FFFFF-GGGGG-HHHHH-JJJJJ-KKKKK');
    // The history is read again, to show the keys ready.
    expect(centerReads()).toBe(readsBefore + 1);
  });

  it('reads the keys with a query when the socket fails', async () => {
    const user = userEvent.setup();
    const { client } = renderPage({
      path: '/vouchers',
      routes: <Route path="/vouchers" element={<VoucherCenterPage />} />,
      me: oemMe(),
      query: (call) => {
        if (call.operationName === 'VoucherCenter') return center();
        if (call.operationName === 'VoucherKeys') {
          expect(call.variables).toEqual({ id: 'kr-9', withKeys: true });
          return { __typename: 'Query', keyRequest: { ...progress('READY', 2, [key('k1', 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE')]), registration: null } };
        }
        if (call.operationName === 'KeyRequestDeliveries') return { __typename: 'Query', keyRequest: { __typename: 'KeyRequest', id: 'kr-9', deliveries: [] } };
        return undefined;
      },
      mutation: () => convertAnswer(),
    });
    vi.mocked(client.executeSubscription).mockImplementation(((request: GraphQLRequest) =>
      fromValue({ operation: request, error: new CombinedError({ networkError: new Error('socket closed') }), stale: false, hasNext: false })) as never);
    await user.click(await screen.findByLabelText('Voucher codes'));
    await user.paste(GOOD[0]!);
    await user.click(screen.getByRole('button', { name: 'Convert 1 voucher' }));
    expect(await screen.findByText('2 keys are ready')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'License keys' })).toHaveTextContent('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE');
  });

  it('reads the codes of an uploaded CSV file and names the row of a bad one', async () => {
    const user = userEvent.setup();
    const { calls } = renderCenter({ mutation: () => convertAnswer() });
    const csv = `Order,Voucher\n1,${GOOD[0]}\n2,${TYPO}\n3,${GOOD[1]}\n4,${GOOD[2]}\n`;
    await user.upload(await screen.findByLabelText('Or upload a CSV file'), new File([csv], 'codes.csv', { type: 'text/csv' }));
    expect(await screen.findByText('codes.csv', { selector: 'strong' })).toBeInTheDocument();
    expect(screen.getByTestId('voucher-count')).toHaveTextContent('4 codes · 1 to fix');
    expect(screen.getByText(/Row 3: check character wrong/)).toBeInTheDocument();
    expect(screen.getByLabelText('Voucher codes')).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Convert 3 vouchers' }));
    expect((calls[0]!.variables.input as { codes: string[] }).codes).toHaveLength(3);
  });

  it('asks for a customer e-mail address before sending to one, and sends it as the target', async () => {
    const user = userEvent.setup();
    const { calls } = renderCenter({
      mutation: () => {
        const answer = convertAnswer();
        answer.voucherConvert.conversion = { ...answer.voucherConvert.conversion, targetEmail: 'buyer@customer.example' as never };
        return answer;
      },
    });
    await user.click(await screen.findByLabelText('Voucher codes'));
    await user.paste(GOOD[0]!);
    await user.click(screen.getByRole('radio', { name: 'A customer' }));
    await user.click(screen.getByRole('button', { name: 'Convert 1 voucher' }));
    expect(calls).toHaveLength(0);
    expect(screen.getByText(/Enter the customer’s e-mail address/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Customer’s e-mail address'), 'buyer@customer.example');
    await user.click(screen.getByRole('button', { name: 'Convert 1 voucher' }));
    expect(calls[0]!.variables.input).toMatchObject({ target: { email: 'buyer@customer.example' } });
    // The licenses are the customer's: named, not linked.
    const results = await screen.findByRole('region', { name: 'Results' });
    expect(within(results).getAllByRole('row')[1]).toHaveTextContent('Studio 9.2');
    expect(within(results).queryByRole('link')).not.toBeInTheDocument();
  });

  it('refuses to send when no line can be a voucher', async () => {
    const user = userEvent.setup();
    const { calls } = renderCenter({ mutation: () => convertAnswer() });
    await user.click(await screen.findByLabelText('Voucher codes'));
    await user.paste('hello\nKB6C-Q643');
    expect(screen.getByText(/Line 2: 8 characters; a voucher code has 16/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Convert vouchers' }));
    expect(calls).toHaveLength(0);
    expect(screen.getByText(/None of these codes can be a voucher/)).toBeInTheDocument();
  });

  it('shows 10,000 results a page at a time, filtered to the lines not converted', async () => {
    const user = userEvent.setup();
    const codes = Array.from({ length: 10_000 }, (_, i) => {
      const body = `VC${i.toString(32).toUpperCase().padStart(13, '0')}`.replace(/[ILOU]/g, 'X');
      return body + checkSymbol(body);
    });
    const { calls } = renderCenter({
      mutation: (call) => {
        const sent = (call.variables.input as { codes: string[] }).codes;
        const answer = convertAnswer();
        answer.voucherConvert.conversion.lines = sent.map((_, i) => ({
          __typename: 'VoucherConversionLine',
          line: i + 1,
          lastFour: null,
          result: i % 1000 === 999 ? 'UNKNOWN' : 'CONVERTED',
          message: i % 1000 === 999 ? 'No voucher of this account has this code.' : 'Converted.',
          convertedAt: null,
          retryAfter: null,
          license: null,
        }));
        return answer;
      },
    });
    fireEvent.change(await screen.findByLabelText('Voucher codes'), { target: { value: codes.join('\n') } });
    expect(await screen.findByTestId('voucher-count')).toHaveTextContent('10,000 codes · all look right');
    await user.click(screen.getByRole('button', { name: 'Convert 10,000 vouchers' }));
    expect((calls[0]!.variables.input as { codes: string[] }).codes).toHaveLength(10_000);
    const results = await screen.findByRole('region', { name: 'Results' });
    expect(within(results).getByTestId('voucher-summary')).toHaveTextContent('10,000 lines: 9,990 converted, 10 unknown.');
    expect(within(results).getAllByRole('row')).toHaveLength(101);
    expect(within(results).getByTestId('page-range')).toHaveTextContent('1–100 of 10,000');
    await user.click(within(results).getByRole('button', { name: 'Next' }));
    expect(within(results).getByTestId('page-range')).toHaveTextContent('101–200 of 10,000');
    expect(within(results).getAllByRole('row')[1]).toHaveTextContent(codes[100]!);
    await user.selectOptions(within(results).getByLabelText('Show'), 'PROBLEMS');
    expect(within(results).getAllByRole('row')).toHaveLength(11);
    expect(within(results).getAllByRole('row')[1]).toHaveTextContent('1000');
  });

  it("opens a batch's vouchers, filtered by state and paged by cursor", async () => {
    const user = userEvent.setup();
    const { client } = renderPage({
      path: '/vouchers',
      routes: <Route path="/vouchers" element={<VoucherCenterPage />} />,
      me: oemMe(),
      query: (call) => {
        if (call.operationName === 'VoucherCenter') return center();
        if (call.operationName !== 'BatchVouchers') return undefined;
        const after = call.variables.after as string | null;
        return {
          __typename: 'Query',
          vouchers: {
            __typename: 'VoucherConnection',
            totalCount: 40,
            pageInfo: { __typename: 'PageInfo', hasNextPage: !after, hasPreviousPage: !!after, startCursor: null, endCursor: after ? 'c2' : 'c1' },
            nodes: [
              {
                __typename: 'Voucher',
                id: `v-${after ?? 'first'}`,
                lastFour: after ? 'WXYZ' : 'ABCD',
                state: 'CONVERTED',
                convertedAt: '2026-12-01T10:00:00Z',
                license: { __typename: 'License', id: 'lic-7' },
              },
            ],
          },
        };
      },
    });
    const [first] = await screen.findAllByTestId('voucher-batch');
    await user.click(within(first!).getByRole('button', { name: 'Vouchers of Studio 9.2' }));
    const drill = await screen.findByRole('region', { name: 'Vouchers of Studio 9.2' });
    expect(await within(drill).findByText('…ABCD')).toBeInTheDocument();
    expect(within(drill).getByRole('link', { name: /License/ })).toHaveAttribute('href', '/licenses/lic-7');
    await user.selectOptions(within(drill).getByLabelText('State'), 'CONVERTED');
    await user.click(within(drill).getByRole('button', { name: 'Next' }));
    expect(await within(drill).findByText('…WXYZ')).toBeInTheDocument();
    const asked = vi.mocked(client.executeQuery).mock.calls.map(([request]) => request.variables as Record<string, unknown>).filter((v) => 'batchId' in v);
    expect(asked.at(-1)).toMatchObject({ batchId: 'vb-1', after: 'c1', filter: { state: 'CONVERTED' } });
    expect(within(drill).getByTestId('page-range')).toHaveTextContent('26–26 of 40');
  });

  it("shows a past conversion's results from the history, each code by its last four characters", async () => {
    const user = userEvent.setup();
    renderPage({
      path: '/vouchers',
      routes: <Route path="/vouchers" element={<VoucherCenterPage />} />,
      me: oemMe(),
      query: (call) => {
        if (call.operationName === 'VoucherCenter') return center(undefined, [CONVERSION]);
        if (call.operationName !== 'VoucherConversion') return undefined;
        expect(call.variables).toEqual({ id: 'vc-1' });
        const lines = convertAnswer().voucherConvert.conversion.lines.map((line, i) => ({ ...line, lastFour: ['T4F0', 'T97D', 'TANG'][i] }));
        return { __typename: 'Query', node: { ...CONVERSION, lines } };
      },
    });
    await user.click(await screen.findByRole('button', { name: /^Results/ }));
    const past = await screen.findByRole('region', { name: /^Results of/ });
    expect(within(past).getByRole('heading', { level: 3 })).toBeInTheDocument();
    expect(within(past).getByTestId('voucher-summary')).toHaveTextContent('3 lines: 2 converted, 1 already converted.');
    const rows = within(past).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('…T4F0');
    expect(rows[2]).toHaveTextContent('…T97D');
  });

  it('explains that the Voucher Center is for OEM accounts', async () => {
    renderCenter({ me: oemMe('ADMIN', [{ ...OEM, kind: 'CUSTOMER' as never, name: 'Acme Corp' }]) });
    expect(await screen.findByText('For OEM accounts')).toBeInTheDocument();
    expect(screen.queryByLabelText('Voucher codes')).not.toBeInTheDocument();
  });
});
