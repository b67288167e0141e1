import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery, useSubscription } from 'urql';
import { InboxMarkReadMutation, InboxQuery, InboxUpdatedSubscription } from './inboxDocuments';
import { InboxItemRow, useOpenInboxItem } from './InboxItems';
import { Spinner } from './Spinner';

/** How many of the newest notifications the panel lists; the rest are on /notifications. */
export const PANEL_SIZE = 8;
const PANEL_VARIABLES = { first: PANEL_SIZE, after: null, unreadOnly: false };

/** "Notifications, 3 unread": the bell's accessible name. */
export function bellLabel(count: number | null): string {
  return count ? `Notifications, ${count} unread` : 'Notifications';
}

/**
 * The unread count for the badge: the inbox query's answer, then every inboxUpdated frame
 * (the server pushes the count live) and every mark-read answer, whichever came last.
 */
function useUnreadCount(queried: number | undefined) {
  const [count, setCount] = useState<number | null>(null);
  const [news, setNews] = useState('');
  const [live] = useSubscription({ query: InboxUpdatedSubscription });
  const pushed = live.data?.inboxUpdated;
  useEffect(() => {
    if (queried !== undefined) setCount(queried);
  }, [queried]);
  const shown = useRef(count);
  shown.current = count;
  useEffect(() => {
    if (pushed === undefined) return;
    // A pushed count above the one shown: something new arrived; say so politely.
    if (shown.current !== null && pushed > shown.current) setNews(`New notification: ${pushed} unread`);
    setCount(pushed);
  }, [pushed]);
  return { count, setCount, pushed, news };
}

/** The header's bell: the unread badge and a panel with the newest notifications. */
export function NotificationBell() {
  const id = useId();
  const panelId = `${id}-panel`;
  const titleId = `${id}-title`;
  const [open, setOpen] = useState(false);
  const [list, reexecute] = useQuery({ query: InboxQuery, variables: PANEL_VARIABLES, requestPolicy: 'cache-and-network' });
  const inbox = list.data?.inbox;
  const { count, setCount, pushed, news } = useUnreadCount(inbox?.unreadCount);
  const [marking, markRead] = useMutation(InboxMarkReadMutation);
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const openItem = useOpenInboxItem(() => setOpen(false));

  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;
  const shownCount = inbox?.unreadCount;
  // A pushed count the list does not know yet: a new notification (or one read elsewhere).
  useEffect(() => {
    if (pushed !== undefined && shownCount !== undefined && pushed !== shownCount) reexecuteRef.current({ requestPolicy: 'network-only' });
  }, [pushed, shownCount]);

  useEffect(() => {
    if (!open) return;
    reexecuteRef.current({ requestPolicy: 'network-only' });
    heading.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (wrapper.current && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const markAll = async () => {
    const result = await markRead({ input: { all: true } });
    const outcome = result.data?.inboxMarkRead;
    if (outcome?.__typename === 'InboxMarkReadSuccess') setCount(outcome.unreadCount);
    reexecute({ requestPolicy: 'network-only' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape' && open) {
      event.stopPropagation();
      close(true);
    }
  };

  const items = inbox?.nodes ?? [];
  const now = Date.now();

  return (
    <div
      className="bell"
      ref={wrapper}
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tabbing out of the panel closes it.
        if (open && event.relatedTarget instanceof Node && !event.currentTarget.contains(event.relatedTarget)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="bell__button"
        aria-label={bellLabel(count)}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
          <path d="M6 9a6 6 0 1 1 12 0c0 5 2 6.5 2 6.5H4S6 14 6 9Z" />
          <path d="M10 19a2 2 0 0 0 4 0" />
        </svg>
        {count ? (
          <span className="bell__badge" aria-hidden="true" data-testid="unread-badge">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </button>
      <span className="visually-hidden" role="status">
        {news}
      </span>
      <div id={panelId} className="bell__panel" role="dialog" aria-labelledby={titleId} hidden={!open}>
        <div className="bell__header">
          <h2 className="bell__title" id={titleId} ref={heading} tabIndex={-1}>
            Notifications
          </h2>
          <button type="button" className="button button--link button--small" onClick={() => void markAll()} disabled={!count || marking.fetching}>
            Mark all read
          </button>
        </div>
        {open ? (
          list.error && !inbox ? (
            <p className="bell__note">Your notifications could not be loaded. Close the panel and try again.</p>
          ) : !inbox ? (
            <Spinner label="Loading notifications…" size="small" />
          ) : items.length === 0 ? (
            <p className="bell__note">
              Nothing yet. Upgrade notifications, keys ready, partner invitations and answers, shares and maintenance reminders
              appear here; they are e-mailed to you too.
            </p>
          ) : (
            <ul className="inbox-list inbox-list--panel" aria-label="Newest notifications">
              {items.map((item) => (
                <InboxItemRow key={item.id} item={item} onOpen={openItem} now={now} />
              ))}
            </ul>
          )
        ) : null}
        <div className="bell__footer">
          <Link to="/notifications" onClick={() => setOpen(false)}>
            See all notifications{inbox && inbox.totalCount > items.length ? ` (${inbox.totalCount})` : ''}
          </Link>
        </div>
      </div>
    </div>
  );
}
