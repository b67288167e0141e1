import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { ErrorNotice } from '../components/ErrorNotice';
import { InboxMarkReadMutation, InboxQuery } from '../components/inboxDocuments';
import { InboxItemRow, useOpenInboxItem, type InboxItemData } from '../components/InboxItems';
import { Pagination } from '../components/Pagination';
import { Spinner } from '../components/Spinner';
import { usePageTitle } from '../components/usePageTitle';

const PAGE_SIZES = [20, 50, 100] as const;

/** All your notifications, newest first, a page at a time (cursors), optionally only the unread ones. */
export function NotificationsPage() {
  usePageTitle('Notifications');
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get('unread') === '1';
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0]);
  // The cursors of the pages before this one: Previous goes back one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [result, reexecute] = useQuery({
    query: InboxQuery,
    variables: { first: pageSize, after, unreadOnly },
    requestPolicy: 'cache-and-network',
  });
  const [marking, markRead] = useMutation(InboxMarkReadMutation);
  const [error, setError] = useState<string | null>(null);
  const openItem = useOpenInboxItem();
  const inbox = result.data?.inbox;
  const items = inbox?.nodes ?? [];
  const firstPage = () => setCursors([null]);

  const mark = async (input: { ids?: string[]; all?: boolean }) => {
    setError(null);
    const answer = await markRead({ input });
    const outcome = answer.data?.inboxMarkRead;
    if (answer.error || (outcome && outcome.__typename !== 'InboxMarkReadSuccess')) {
      setError(outcome && 'message' in outcome ? outcome.message : 'The notifications could not be marked read. Try again.');
    }
    reexecute({ requestPolicy: 'network-only' });
  };

  const start = (cursors.length - 1) * pageSize;
  const now = Date.now();

  return (
    <div className="page notifications-page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Notifications</h1>
          <p className="page__meta">
            {inbox ? (
              <span>
                {inbox.unreadCount} unread · the same notices are e-mailed to you
              </span>
            ) : null}
          </p>
        </div>
        <div className="page__actions">
          <button
            type="button"
            className="button button--secondary"
            disabled={!inbox?.unreadCount || marking.fetching}
            onClick={() => void mark({ all: true })}
          >
            Mark all read
          </button>
        </div>
      </div>
      <div className="card card--flush">
        <div className="notifications-page__filter">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={unreadOnly}
              onChange={(event) => {
                const next = new URLSearchParams(params);
                if (event.target.checked) next.set('unread', '1');
                else next.delete('unread');
                setParams(next, { replace: true });
                firstPage();
              }}
            />{' '}
            Unread only
          </label>
        </div>
        {error ? (
          <p className="field__error notifications-page__error" role="alert">
            {error}
          </p>
        ) : null}
        {result.error && !inbox ? (
          <ErrorNotice error={result.error} title="Your notifications could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : !inbox ? (
          <Spinner label="Loading notifications…" />
        ) : items.length === 0 ? (
          <p className="empty-note notifications-page__empty">
            {unreadOnly
              ? 'No unread notifications.'
              : 'No notifications yet. Upgrade notifications, keys ready, partner invitations and answers, shares and maintenance reminders appear here.'}
          </p>
        ) : (
          <ul className={`inbox-list${result.fetching ? ' is-stale' : ''}`} aria-label={unreadOnly ? 'Unread notifications' : 'Notifications'}>
            {items.map((item: InboxItemData) => (
              <InboxItemRow key={item.id} item={item} onOpen={openItem} onMarkRead={(one) => void mark({ ids: [one.id] })} busy={marking.fetching} now={now} />
            ))}
          </ul>
        )}
        {inbox && inbox.totalCount > 0 ? (
          <div className="notifications-page__pages">
          <Pagination
            label="Notification pages"
            rangeText={`${start + 1}–${start + items.length} of ${inbox.totalCount}`}
            pageSize={pageSize}
            pageSizes={PAGE_SIZES}
            onPageSizeChange={(size) => {
              setPageSize(size);
              firstPage();
            }}
            hasPrevious={cursors.length > 1}
            hasNext={inbox.pageInfo.hasNextPage}
            onPrevious={() => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list))}
            onNext={() => {
              const cursor = inbox.pageInfo.endCursor;
              if (cursor) setCursors((list) => [...list, cursor]);
            }}
            busy={result.fetching}
          />
          </div>
        ) : null}
      </div>
    </div>
  );
}
