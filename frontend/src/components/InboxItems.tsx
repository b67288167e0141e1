import type { MouseEvent, ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useMutation } from 'urql';
import type { InboxItemFieldsFragment, InboxKind } from '../gql/graphql';
import { formatDateTime } from '../lib/format';
import { timeAgo } from '../lib/timeAgo';
import { useSession } from '../session';
import { InboxMarkReadMutation } from './inboxDocuments';

export type InboxItemData = InboxItemFieldsFragment;

/** What each kind of notification is called next to its title. */
export const INBOX_KIND_LABELS: Record<InboxKind, string> = {
  UPGRADE_AVAILABLE: 'Upgrade available',
  KEYS_READY: 'Keys ready',
  DELEGATION_INVITED: 'Partner invitation',
  DELEGATION_ANSWERED: 'Partner answer',
  LICENSE_SHARED: 'License shared',
  MAINTENANCE_REMINDER: 'Maintenance reminder',
};

/** Version Upgrade's start page with the notification ID filled in. */
export function upgradeStartPath(code: string): string {
  return `/version-upgrade?notification=${encodeURIComponent(code)}`;
}

function KindIcon({ kind }: { kind: InboxKind }) {
  const paths: Record<InboxKind, ReactNode> = {
    UPGRADE_AVAILABLE: (
      <>
        <circle cx="12" cy="12" r="9" />
        <path d="M12 16.5v-9m-4 4 4-4 4 4" />
      </>
    ),
    KEYS_READY: (
      <>
        <circle cx="8" cy="15" r="4" />
        <path d="M10.8 12.2 20 3m-3 3 2.5 2.5M14.5 8.5 17 11" />
      </>
    ),
    DELEGATION_INVITED: (
      <>
        <circle cx="9" cy="8" r="3.5" />
        <path d="M2.5 20a6.5 6.5 0 0 1 13 0M19 8v6m-3-3h6" />
      </>
    ),
    DELEGATION_ANSWERED: (
      <>
        <circle cx="9" cy="8" r="3.5" />
        <path d="M2.5 20a6.5 6.5 0 0 1 13 0m1.5-8 2 2 4-4" />
      </>
    ),
    LICENSE_SHARED: (
      <>
        <circle cx="6" cy="12" r="2.5" />
        <circle cx="18" cy="6" r="2.5" />
        <circle cx="18" cy="18" r="2.5" />
        <path d="m8.2 10.8 7.6-3.6m-7.6 6 7.6 3.6" />
      </>
    ),
    MAINTENANCE_REMINDER: (
      <>
        <rect x="3.5" y="5" width="17" height="15" rx="2" />
        <path d="M3.5 10h17M8 3v4m8-4v4m-4 6v3l2 1" />
      </>
    ),
  };
  return (
    <span className={`inbox-item__icon inbox-item__icon--${kind.toLowerCase().replace(/_/g, '-')}`} aria-hidden="true">
      <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" focusable="false">
        {paths[kind]}
      </svg>
    </span>
  );
}

/**
 * Opening a notification: it is marked read, the account it is about becomes the current one
 * when it is one of the user's own accounts (an upgrade starts on that account), and its page opens.
 */
export function useOpenInboxItem(onOpened?: () => void) {
  const [, markRead] = useMutation(InboxMarkReadMutation);
  const { user, membership, selectAccount } = useSession();
  const navigate = useNavigate();
  return (item: InboxItemData, to: string = item.link) => {
    if (!item.readAt) void markRead({ input: { ids: [item.id] } });
    const accountId = item.account?.id;
    if (accountId && membership?.account.id !== accountId && user?.memberships.some((m) => m.account.id === accountId)) {
      selectAccount(accountId);
    }
    onOpened?.();
    navigate(to);
  };
}

interface InboxItemRowProps {
  item: InboxItemData;
  onOpen: (item: InboxItemData, to?: string) => void;
  /** A "Mark read" button for an unread item (the full page). */
  onMarkRead?: (item: InboxItemData) => void;
  busy?: boolean;
  now?: number;
}

function plainClick(event: MouseEvent) {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

/** One notification: its kind, title (a link to where it is acted on), account and age; an upgrade's ID and "Start upgrade". */
export function InboxItemRow({ item, onOpen, onMarkRead, busy, now }: InboxItemRowProps) {
  const unread = !item.readAt;
  return (
    <li className={`inbox-item${unread ? ' inbox-item--unread' : ''}`}>
      <KindIcon kind={item.kind} />
      <div className="inbox-item__body">
        <p className="inbox-item__meta">
          <span className="inbox-item__kind">{INBOX_KIND_LABELS[item.kind] ?? item.kind}</span>
          <span aria-hidden="true"> · </span>
          <time dateTime={item.createdAt} title={formatDateTime(item.createdAt)}>
            {timeAgo(item.createdAt, now)}
          </time>
          {item.account ? (
            <>
              <span aria-hidden="true"> · </span>
              <span className="inbox-item__account">{item.account.name}</span>
            </>
          ) : null}
        </p>
        <Link
          to={item.link}
          className="inbox-item__title"
          onClick={(event) => {
            if (!plainClick(event)) return;
            event.preventDefault();
            onOpen(item);
          }}
        >
          {unread ? <span className="visually-hidden">Unread:</span> : null}
          {unread ? ` ${item.title}` : item.title}
        </Link>
        {item.kind === 'UPGRADE_AVAILABLE' && item.code ? (
          <div className="inbox-item__upgrade">
            <span>
              Notification ID <code className="mono">{item.code}</code>
            </span>
            <Link
              to={upgradeStartPath(item.code)}
              className="button button--primary button--small"
              onClick={(event) => {
                if (!plainClick(event)) return;
                event.preventDefault();
                onOpen(item, upgradeStartPath(item.code!));
              }}
            >
              Start upgrade
            </Link>
          </div>
        ) : null}
      </div>
      {unread ? (
        onMarkRead ? (
          <button type="button" className="button button--link button--small inbox-item__mark" disabled={busy} onClick={() => onMarkRead(item)}>
            Mark read<span className="visually-hidden">: {item.title}</span>
          </button>
        ) : (
          <span className="inbox-item__dot" aria-hidden="true" />
        )
      ) : null}
    </li>
  );
}
