import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it, vi } from 'vitest';
import { makeSubject, map, pipe } from 'wonka';
import { PortalProvider } from '../session';
import { makeMockClient, type MockCall } from '../test/mockClient';
import { LocationProbe, meData } from '../test/renderPage';
import { NotificationBell } from './NotificationBell';

function item(id: string, kind: string, extra: Record<string, unknown> = {}) {
  return {
    __typename: 'InboxItem',
    id,
    kind,
    title: `Title of ${id}`,
    link: `/somewhere/${id}`,
    code: null,
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    readAt: null,
    account: { __typename: 'Account', id: 'acc-1', name: 'Acme Corp' },
    ...extra,
  };
}

const ITEMS = [
  item('n1', 'UPGRADE_AVAILABLE', {
    title: 'Endpoint Protection 15.0 is available for 2 licenses',
    code: 'VU-7K2M9QX4TD',
    link: '/version-upgrade?notification=VU-7K2M9QX4TD',
  }),
  item('n2', 'KEYS_READY', { title: 'Your 2 license keys are ready', link: '/get-a-key/kr-1' }),
  item('n3', 'LICENSE_SHARED', { readAt: '2026-12-01T10:00:00Z' }),
];

function inbox(nodes = ITEMS, unreadCount = 3) {
  return {
    __typename: 'Query',
    inbox: {
      __typename: 'InboxConnection',
      nodes,
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      totalCount: nodes.length,
      unreadCount,
    },
  };
}

function renderBell(options: { unread?: number; mutation?: (call: MockCall) => unknown } = {}) {
  const calls: MockCall[] = [];
  const client = makeMockClient(
    {
      query: (call) => (call.operationName === 'Me' ? meData('ADMIN') : call.operationName === 'Inbox' ? inbox(ITEMS, options.unread ?? 3) : undefined),
      mutation:
        options.mutation ??
        ((call) => ({
          inboxMarkRead: { __typename: 'InboxMarkReadSuccess', marked: 1, unreadCount: call.variables.input && (call.variables.input as { all?: boolean }).all ? 0 : 2, items: [] },
        })),
    },
    calls,
  );
  const live = makeSubject<{ data: { inboxUpdated: number } }>();
  (client as unknown as { executeSubscription: unknown }).executeSubscription = vi.fn((request: object) =>
    pipe(
      live.source,
      map((frame) => ({ operation: request, data: frame.data, stale: false, hasNext: true })),
    ),
  );
  // Each frame the server pushes reaches the hook as an operation result.
  const push = (count: number) =>
    act(() => {
      live.next({ data: { inboxUpdated: count } });
    });
  render(
    <MemoryRouter initialEntries={['/']}>
      <PortalProvider clientFactory={() => ({ client, dispose: () => undefined })}>
        <Routes>
          <Route
            path="/"
            element={
              <>
                <NotificationBell />
                <button type="button">Elsewhere</button>
              </>
            }
          />
          <Route path="*" element={<LocationProbe />} />
        </Routes>
      </PortalProvider>
    </MemoryRouter>,
  );
  return { calls, push };
}

describe('<NotificationBell>', () => {
  it('names the unread count on the bell and keeps it live', async () => {
    const { push } = renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, 3 unread' });
    expect(bell).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByTestId('unread-badge')).toHaveTextContent('3');
    push(5);
    expect(await screen.findByRole('button', { name: 'Notifications, 5 unread' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('New notification: 5 unread');
    push(0);
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    expect(screen.queryByTestId('unread-badge')).not.toBeInTheDocument();
  });

  it('opens a panel of the newest notifications; Escape closes it and returns focus to the bell', async () => {
    const user = userEvent.setup();
    renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, 3 unread' });
    await user.click(bell);
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    expect(within(panel).getByRole('heading', { name: 'Notifications' })).toHaveFocus();
    const list = within(panel).getByRole('list', { name: 'Newest notifications' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('Upgrade available');
    expect(rows[0]).toHaveTextContent('Notification ID VU-7K2M9QX4TD');
    expect(rows[0]).toHaveTextContent('5 minutes ago');
    expect(rows[1]).toHaveTextContent('Keys ready');
    expect(rows[2]).toHaveTextContent('License shared');
    // Unread items say so to screen readers; read ones do not.
    expect(within(rows[1]!).getByRole('link', { name: 'Unread: Your 2 license keys are ready' })).toHaveAttribute('href', '/get-a-key/kr-1');
    expect(within(rows[2]!).getByRole('link', { name: 'Title of n3' })).toBeInTheDocument();
    expect(within(panel).getByRole('link', { name: 'See all notifications' })).toHaveAttribute('href', '/notifications');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Notifications' })).not.toBeInTheDocument();
    expect(bell).toHaveFocus();
  });

  it('starts the upgrade from the notification with its ID filled in, marking it read', async () => {
    const user = userEvent.setup();
    const { calls } = renderBell();
    await user.click(await screen.findByRole('button', { name: 'Notifications, 3 unread' }));
    const start = screen.getByRole('link', { name: 'Start upgrade' });
    expect(start).toHaveAttribute('href', '/version-upgrade?notification=VU-7K2M9QX4TD');
    await user.click(start);
    expect(await screen.findByTestId('location')).toHaveTextContent('/version-upgrade?notification=VU-7K2M9QX4TD');
    expect(calls).toContainEqual({ operationName: 'InboxMarkRead', variables: { input: { ids: ['n1'] } } });
  });

  it('opens a notification at its link and marks it read', async () => {
    const user = userEvent.setup();
    const { calls } = renderBell();
    await user.click(await screen.findByRole('button', { name: 'Notifications, 3 unread' }));
    await user.click(screen.getByRole('link', { name: 'Unread: Your 2 license keys are ready' }));
    expect(await screen.findByTestId('location')).toHaveTextContent('/get-a-key/kr-1');
    expect(calls).toContainEqual({ operationName: 'InboxMarkRead', variables: { input: { ids: ['n2'] } } });
  });

  it('marks all read', async () => {
    const user = userEvent.setup();
    const { calls } = renderBell();
    await user.click(await screen.findByRole('button', { name: 'Notifications, 3 unread' }));
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    expect(calls).toContainEqual({ operationName: 'InboxMarkRead', variables: { input: { all: true } } });
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
  });

  it('closes when focus leaves the panel', async () => {
    const user = userEvent.setup();
    renderBell({ unread: 1 });
    await user.click(await screen.findByRole('button', { name: 'Notifications, 1 unread' }));
    expect(screen.getByRole('dialog', { name: 'Notifications' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Elsewhere' }));
    expect(screen.queryByRole('dialog', { name: 'Notifications' })).not.toBeInTheDocument();
  });
});
