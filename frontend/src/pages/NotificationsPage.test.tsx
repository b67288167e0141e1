import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../test/mockClient';
import { renderPage } from '../test/renderPage';
import { NotificationsPage } from './NotificationsPage';

function item(n: number, readAt: string | null = null) {
  return {
    __typename: 'InboxItem',
    id: `n${n}`,
    kind: 'MAINTENANCE_REMINDER',
    title: `Maintenance of license ${n} ends soon`,
    link: `/licenses/lic-${n}`,
    code: null,
    createdAt: '2026-11-30T10:00:00Z',
    readAt,
    account: null,
  };
}

function answer(call: MockCall) {
  const { after, unreadOnly, first } = call.variables as { after: string | null; unreadOnly: boolean; first: number };
  const all = Array.from({ length: 25 }, (_, i) => item(i + 1, i % 2 ? '2026-12-01T00:00:00Z' : null));
  const matching = unreadOnly ? all.filter((i) => !i.readAt) : all;
  const start = after ? Number(after) : 0;
  const nodes = matching.slice(start, start + first);
  return {
    __typename: 'Query',
    inbox: {
      __typename: 'InboxConnection',
      nodes,
      pageInfo: { __typename: 'PageInfo', hasNextPage: start + first < matching.length, endCursor: String(start + nodes.length) },
      totalCount: matching.length,
      unreadCount: 13,
    },
  };
}

describe('<NotificationsPage>', () => {
  it('pages through the notifications by cursor, filters the unread ones and marks one read', async () => {
    const user = userEvent.setup();
    const { calls } = renderPage({
      path: '/notifications',
      routes: <Route path="/notifications" element={<NotificationsPage />} />,
      query: (call) => (call.operationName === 'Inbox' ? answer(call) : undefined),
      mutation: () => ({ inboxMarkRead: { __typename: 'InboxMarkReadSuccess', marked: 1, unreadCount: 12, items: [] } }),
    });
    const list = await screen.findByRole('list', { name: 'Notifications' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(20);
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–20 of 25');
    expect(screen.getByText(/13 unread/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Maintenance of license 21 ends soon')).toBeInTheDocument();
    expect(screen.getByTestId('page-range')).toHaveTextContent('21–25 of 25');
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByTestId('page-range')).toHaveTextContent('1–20 of 25');

    await user.click(screen.getByRole('checkbox', { name: 'Unread only' }));
    const unread = await screen.findByRole('list', { name: 'Unread notifications' });
    expect(within(unread).getAllByRole('listitem')).toHaveLength(13);
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–13 of 13');

    await user.click(within(unread).getAllByRole('button', { name: /^Mark read/ })[0]!);
    expect(calls).toContainEqual({ operationName: 'InboxMarkRead', variables: { input: { ids: ['n1'] } } });
  });
});
