import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { CombinedError, Provider, type GraphQLRequest } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { fromValue, makeSubject, map, pipe } from 'wonka';
import { makeMockClient, type MockCall } from '../../test/mockClient';
import { BulkExportPanel, licensesExportQuery } from './BulkExportPanel';

function exportNode(overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'BulkExport',
    id: 'be-1',
    status: 'CREATED',
    objectCount: 0,
    errorMessage: null,
    url: null,
    expiresAt: null,
    createdAt: '2026-12-03T18:00:00Z',
    completedAt: null,
    ...overrides,
  };
}

const COMPLETED = exportNode({
  status: 'COMPLETED',
  objectCount: 1234,
  url: '/api/bulk-exports/be-1.jsonl?e=1765390000&s=abc',
  expiresAt: '2026-12-10T18:01:00Z',
  completedAt: '2026-12-03T18:01:00Z',
});

function list(nodes: unknown[]) {
  return { __typename: 'Query', bulkExports: { __typename: 'BulkExportConnection', edges: nodes.map((node) => ({ __typename: 'BulkExportEdge', node })) } };
}

interface Options {
  recent?: unknown[] | (() => unknown[]);
  mutation?: (call: MockCall) => unknown;
}

function renderPanel({ recent = [], mutation }: Options = {}) {
  const calls: MockCall[] = [];
  const client = makeMockClient(
    {
      query: (call) => (call.operationName === 'BulkExports' ? list(typeof recent === 'function' ? recent() : recent) : undefined),
      mutation,
    },
    calls,
  );
  const frames = makeSubject<unknown>();
  const subscribed: Record<string, unknown>[] = [];
  vi.mocked(client.executeSubscription).mockImplementation(((request: GraphQLRequest) => {
    subscribed.push(request.variables as Record<string, unknown>);
    return pipe(
      frames.source,
      map((frame) => ({ operation: request, data: { bulkExportUpdated: frame }, stale: false, hasNext: true })),
    );
  }) as never);
  render(
    <Provider value={client}>
      <BulkExportPanel accountId="acc-1" accountName="Acme Corp" />
    </Provider>,
  );
  const listReads = () =>
    vi.mocked(client.executeQuery).mock.calls.filter(([request]) => /query\s+BulkExports\b/.test(JSON.stringify(request.query.loc?.source.body ?? ''))).length;
  return { calls, client, frames, subscribed, listReads };
}

describe('<BulkExportPanel>', () => {
  it('writes a query the portal accepts: every license of this account with its keys and custom values', () => {
    const schema = buildSchema(readFileSync(resolve(process.cwd(), '../shared/schema.graphql'), 'utf8'));
    const query = licensesExportQuery('acc-"1"');
    expect(validate(schema, parse(query))).toEqual([]);
    expect(query).toContain('licenses(accountId: "acc-\\"1\\"")');
    expect(query).toMatch(/keys \{ [^}]*activationKey/);
    expect(query).toContain('customValues { field { name } value }');
  });

  it('starts an export, shows its progress live and, once completed, the download link with its expiry', async () => {
    const user = userEvent.setup();
    let recent: unknown[] = [];
    const { calls, frames, subscribed, listReads } = renderPanel({
      recent: () => recent,
      mutation: () => ({ __typename: 'Mutation', bulkExportStart: { __typename: 'BulkExportStartSuccess', bulkExport: exportNode() } }),
    });
    await user.click(screen.getByRole('button', { name: 'Export everything (JSONL)' }));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.operationName).toBe('BulkExportStart');
    expect((calls[0]!.variables.input as { query: string }).query).toBe(licensesExportQuery('acc-1'));

    const status = await screen.findByRole('status');
    expect(status).toHaveTextContent('Queued');
    expect(subscribed).toEqual([{ id: 'be-1' }]);
    expect(screen.getByRole('button', { name: 'Cancel export' })).toBeInTheDocument();

    act(() => frames.next(exportNode({ status: 'RUNNING', objectCount: 500 })));
    expect(screen.getByRole('status')).toHaveTextContent('Running Exporting: 500 lines so far');
    // A late frame does not move the count back.
    act(() => frames.next(exportNode({ status: 'RUNNING', objectCount: 100 })));
    expect(screen.getByRole('status')).toHaveTextContent('500 lines so far');
    expect(screen.queryByRole('link', { name: /Download JSONL/ })).not.toBeInTheDocument();

    const readsBefore = listReads();
    recent = [COMPLETED];
    act(() => frames.next(COMPLETED));
    expect(screen.getByRole('status')).toHaveTextContent('Completed Ready: 1,234 lines');
    const current = screen.getByTestId('bulk-export-current');
    expect(within(current).getByRole('link', { name: /Download JSONL/ })).toHaveAttribute('href', COMPLETED.url);
    expect(current).toHaveTextContent(/until .*2026/);
    expect(screen.queryByRole('button', { name: 'Cancel export' })).not.toBeInTheDocument();
    // The recent exports are read again once it ends; the completed one is not listed twice.
    expect(listReads()).toBeGreaterThan(readsBefore);
    expect(screen.queryAllByTestId('bulk-export-item')).toHaveLength(0);
  });

  it('cancels the running export', async () => {
    const user = userEvent.setup();
    const { calls } = renderPanel({
      recent: [exportNode({ status: 'RUNNING', objectCount: 40 })],
      mutation: (call) =>
        call.operationName === 'BulkExportCancel'
          ? { __typename: 'Mutation', bulkExportCancel: { __typename: 'BulkExportCancelSuccess', bulkExport: exportNode({ status: 'CANCELED', objectCount: 40 }) } }
          : null,
    });
    // A running export of the user's is followed as soon as the page opens.
    expect(await screen.findByRole('status')).toHaveTextContent('Exporting: 40 lines so far');
    await user.click(screen.getByRole('button', { name: 'Cancel export' }));
    expect(calls.map((call) => call.operationName)).toEqual(['BulkExportCancel']);
    expect(calls[0]!.variables).toEqual({ input: { id: 'be-1' } });
    expect(await screen.findByText('The export was canceled.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel export' })).not.toBeInTheDocument();
  });

  it('answers a second start while one runs with the message, and offers to cancel the running one', async () => {
    const user = userEvent.setup();
    const running = exportNode({ id: 'be-7', status: 'RUNNING', objectCount: 900 });
    renderPanel({
      mutation: () => ({
        __typename: 'Mutation',
        bulkExportStart: {
          __typename: 'BulkExportRunning',
          code: 'BULK_EXPORT_RUNNING',
          message: 'An export of yours is running already: cancel it or wait for it to finish.',
          field: null,
          runningExport: running,
        },
      }),
    });
    const start = screen.getByRole('button', { name: 'Export everything (JSONL)' });
    await user.click(start);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('An export of yours is running already: cancel it or wait for it to finish.');
    expect(start).toHaveAccessibleDescription('An export of yours is running already: cancel it or wait for it to finish.');
    expect(screen.getByRole('status')).toHaveTextContent('Exporting: 900 lines so far');
    expect(screen.getByRole('button', { name: 'Cancel export' })).toBeInTheDocument();
  });

  it('reads the export with a query when the live updates fail', async () => {
    const user = userEvent.setup();
    const reads: Record<string, unknown>[] = [];
    const client = makeMockClient({
      query: (call) => {
        if (call.operationName === 'BulkExports') return list([]);
        if (call.operationName === 'BulkExport') {
          reads.push(call.variables);
          return { __typename: 'Query', bulkExport: COMPLETED };
        }
        return undefined;
      },
      mutation: () => ({ __typename: 'Mutation', bulkExportStart: { __typename: 'BulkExportStartSuccess', bulkExport: exportNode() } }),
    });
    vi.mocked(client.executeSubscription).mockImplementation(((request: GraphQLRequest) =>
      fromValue({ operation: request, error: new CombinedError({ networkError: new Error('socket closed') }), stale: false, hasNext: false })) as never);
    render(
      <Provider value={client}>
        <BulkExportPanel accountId="acc-1" accountName="Acme Corp" />
      </Provider>,
    );
    await user.click(screen.getByRole('button', { name: 'Export everything (JSONL)' }));
    expect(await screen.findByRole('link', { name: /Download JSONL/ })).toHaveAttribute('href', COMPLETED.url);
    expect(reads[0]).toEqual({ id: 'be-1' });
    expect(screen.getByRole('status')).toHaveTextContent('Ready: 1,234 lines');
  });

  it('lists the recent exports with their status and the links of the completed ones', async () => {
    renderPanel({
      recent: [COMPLETED, exportNode({ id: 'be-0', status: 'FAILED', objectCount: 12, errorMessage: 'boom', createdAt: '2026-12-02T08:00:00Z' })],
    });
    const items = await screen.findAllByTestId('bulk-export-item');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Completed');
    expect(items[0]).toHaveTextContent('1,234 lines');
    expect(within(items[0]!).getByRole('link', { name: /Download JSONL/ })).toHaveAttribute('href', COMPLETED.url);
    expect(items[1]).toHaveTextContent('Failed');
    expect(within(items[1]!).queryByRole('link')).not.toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });
});
