import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { graphql } from '../../gql';
import type { BulkExportFieldsFragment, BulkExportStatus } from '../../gql/graphql';
import { formatNumber } from '../../lib/flex';
import { formatDateTime } from '../../lib/format';

export const BulkExportFieldsFragmentDoc = graphql(`
  fragment BulkExportFields on BulkExport {
    id
    status
    objectCount
    errorMessage
    url
    expiresAt
    createdAt
    completedAt
  }
`);

/** The user's latest exports, newest first. */
export const BulkExportsQuery = graphql(`
  query BulkExports {
    bulkExports(first: 5) {
      edges {
        node {
          ...BulkExportFields
        }
      }
    }
  }
`);

/** One export, read when the live updates are unavailable. */
export const BulkExportQuery = graphql(`
  query BulkExport($id: ID!) {
    bulkExport(id: $id) {
      ...BulkExportFields
    }
  }
`);

export const BulkExportUpdatedSubscription = graphql(`
  subscription BulkExportUpdated($id: ID!) {
    bulkExportUpdated(id: $id) {
      ...BulkExportFields
    }
  }
`);

export const BulkExportStartMutation = graphql(`
  mutation BulkExportStart($input: BulkExportStartInput!) {
    bulkExportStart(input: $input) {
      __typename
      ... on BulkExportStartSuccess {
        bulkExport {
          ...BulkExportFields
        }
      }
      ... on BulkExportRunning {
        runningExport {
          ...BulkExportFields
        }
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

export const BulkExportCancelMutation = graphql(`
  mutation BulkExportCancel($input: BulkExportCancelInput!) {
    bulkExportCancel(input: $input) {
      __typename
      ... on BulkExportCancelSuccess {
        bulkExport {
          ...BulkExportFields
        }
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

type Export = BulkExportFieldsFragment;

const POLL_INTERVAL_MS = 3000;

/**
 * The export query for an account: every license with its product, keys and custom values. The
 * account id is written into the query (bulk exports take no variables), quoted as a JSON string.
 */
export function licensesExportQuery(accountId: string): string {
  return (
    `{ licenses(accountId: ${JSON.stringify(accountId)}) { edges { node { ` +
    'id status quantity maintenanceUntil hostId createdAt ' +
    'product { sku name version } ' +
    'keys { id activationKey status hostId issuedAt } ' +
    'customValues { field { name } value } ' +
    '} } } }'
  );
}

export function isRunning(status: BulkExportStatus): boolean {
  return status === 'CREATED' || status === 'RUNNING';
}

const STATUS_LABELS: Record<BulkExportStatus, string> = {
  CREATED: 'Queued',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  EXPIRED: 'Expired',
};

const STATUS_TONES: Record<BulkExportStatus, string> = {
  CREATED: 'info',
  RUNNING: 'progress',
  COMPLETED: 'success',
  FAILED: 'danger',
  CANCELED: 'neutral',
  EXPIRED: 'neutral',
};

const STATUS_RANK: Record<BulkExportStatus, number> = { CREATED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2, CANCELED: 2, EXPIRED: 3 };

/** The further along of two snapshots of one export: a late frame never moves it back. */
export function laterExport(a: Export | null, b: Export | null): Export | null {
  if (!a || !b || a.id !== b.id) return b ?? a;
  if (STATUS_RANK[b.status] !== STATUS_RANK[a.status]) return STATUS_RANK[b.status] > STATUS_RANK[a.status] ? b : a;
  return b.objectCount >= a.objectCount ? b : a;
}

function ExportStatus({ status }: { status: BulkExportStatus }) {
  return <span className={`badge badge--${STATUS_TONES[status]}`}>{STATUS_LABELS[status]}</span>;
}

function linesText(count: number): string {
  return count === 1 ? '1 line' : `${formatNumber(count)} lines`;
}

/**
 * Follows one export while it runs: bulkExportUpdated frames (the current state at once, then
 * about every ten pages and at the end), or polling bulkExport(id) when the socket fails.
 */
function useLiveExport(initial: Export | null): Export | null {
  const [latest, setLatest] = useState<Export | null>(initial);
  useEffect(() => setLatest((current) => laterExport(current, initial)), [initial]);
  const active = latest !== null && isRunning(latest.status);
  const variables = useMemo(() => ({ id: latest?.id ?? '' }), [latest?.id]);
  const [frames] = useSubscription({ query: BulkExportUpdatedSubscription, variables, pause: !active });
  const frame = frames.data?.bulkExportUpdated ?? null;
  useEffect(() => {
    if (frame) setLatest((current) => laterExport(current, frame));
  }, [frame]);

  const polling = active && frames.error !== undefined;
  const [queried, reexecute] = useQuery({ query: BulkExportQuery, variables, requestPolicy: 'network-only', pause: !polling });
  const read = queried.data?.bulkExport ?? null;
  useEffect(() => {
    if (read) setLatest((current) => laterExport(current, read));
  }, [read]);
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => reexecuteRef.current({ requestPolicy: 'network-only' }), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);
  return latest;
}

interface BulkExportPanelProps {
  accountId: string;
  accountName: string;
}

/**
 * "Export everything (JSONL)": every license of the account with its keys and custom values, run
 * in the background by the portal; its progress live, Cancel while it runs, the download link when
 * it is done, and the user's latest exports.
 */
export function BulkExportPanel({ accountId, accountName }: BulkExportPanelProps) {
  const [list, reloadList] = useQuery({ query: BulkExportsQuery, requestPolicy: 'cache-and-network' });
  const recent = useMemo(() => list.data?.bulkExports.edges.map((edge) => edge.node) ?? [], [list.data]);
  const [started, setStarted] = useState<Export | null>(null);
  // The export followed: the one started (or found running) here, else a running one from the list.
  const followed = started ?? recent.find((item) => isRunning(item.status)) ?? null;
  const current = useLiveExport(followed);
  const [error, setError] = useState<string | null>(null);
  const [starting, start] = useMutation(BulkExportStartMutation);
  const [canceling, cancel] = useMutation(BulkExportCancelMutation);

  // When the followed export ends, the list is read again to show it with its link.
  const running = current !== null && isRunning(current.status);
  const wasRunning = useRef(running);
  const reloadRef = useRef(reloadList);
  reloadRef.current = reloadList;
  useEffect(() => {
    if (wasRunning.current && !running) reloadRef.current({ requestPolicy: 'network-only' });
    wasRunning.current = running;
  }, [running]);

  const onStart = async () => {
    setError(null);
    const result = await start({ input: { query: licensesExportQuery(accountId) } });
    const answer = result.data?.bulkExportStart;
    if (!answer) {
      setError(result.error ? describeError(result.error) : 'The export could not be started. Please try again.');
      return;
    }
    if (answer.__typename === 'BulkExportStartSuccess') {
      setStarted(answer.bulkExport);
      reloadList({ requestPolicy: 'network-only' });
    } else if (answer.__typename === 'BulkExportRunning') {
      // Only one export runs per user: say so, and follow the running one (so it can be canceled).
      setError(answer.message);
      setStarted(answer.runningExport);
    } else if ('message' in answer) {
      setError(answer.message);
    }
  };

  const onCancel = async () => {
    if (!current) return;
    setError(null);
    const result = await cancel({ input: { id: current.id } });
    const answer = result.data?.bulkExportCancel;
    if (!answer) {
      setError(result.error ? describeError(result.error) : 'The export could not be canceled. Please try again.');
      return;
    }
    if (answer.__typename === 'BulkExportCancelSuccess') setStarted(answer.bulkExport);
    else if ('message' in answer) setError(answer.message);
    reloadList({ requestPolicy: 'network-only' });
  };

  const others = recent.filter((item) => item.id !== current?.id);
  const errorId = 'bulk-export-error';

  return (
    <section className="bulk-export card" aria-labelledby="bulk-export-heading">
      <div className="bulk-export__head">
        <div>
          <h2 className="bulk-export__title" id="bulk-export-heading">
            Bulk export (JSONL)
          </h2>
          <p className="muted small">
            Every license of {accountName} with its keys and custom values, one JSON object per line. The portal prepares the file
            in the background; the download link works for seven days.
          </p>
        </div>
        <div className="bulk-export__actions">
          {running ? (
            <button type="button" className="button button--secondary button--small" onClick={onCancel} disabled={canceling.fetching}>
              Cancel export
            </button>
          ) : null}
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={onStart}
            disabled={starting.fetching}
            aria-describedby={error ? errorId : undefined}
          >
            {starting.fetching ? 'Starting…' : 'Export everything (JSONL)'}
          </button>
        </div>
      </div>

      {error ? (
        <p className="field__error bulk-export__error" id={errorId} role="alert">
          {error}
        </p>
      ) : null}

      {current ? <CurrentExport item={current} /> : null}

      {others.length > 0 ? (
        <div className="bulk-export__recent">
          <h3 className="bulk-export__subtitle">Your recent exports</h3>
          <ul className="bulk-export__list" aria-label="Your recent exports">
            {others.map((item) => (
              <li key={item.id} className="bulk-export__item" data-testid="bulk-export-item">
                <ExportStatus status={item.status} />
                <span className="small">Started {formatDateTime(item.createdAt)}</span>
                <span className="small muted">{linesText(item.objectCount)}</span>
                <ExportLink item={item} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {list.error && !list.data ? <p className="field__error small">{describeError(list.error)}</p> : null}
    </section>
  );
}

/** The export followed here: its status and count, announced as they change; the link when done. */
function CurrentExport({ item }: { item: Export }) {
  return (
    <div className="bulk-export__current" data-testid="bulk-export-current">
      <p role="status" className="bulk-export__status small">
        <ExportStatus status={item.status} />{' '}
        {item.status === 'CREATED'
          ? 'Waiting to start…'
          : item.status === 'RUNNING'
            ? `Exporting: ${linesText(item.objectCount)} so far`
            : item.status === 'COMPLETED'
              ? `Ready: ${linesText(item.objectCount)}`
              : item.status === 'FAILED'
                ? `The export failed${item.errorMessage ? `: ${item.errorMessage}` : '.'}`
                : item.status === 'CANCELED'
                  ? 'The export was canceled.'
                  : 'The file has expired.'}
      </p>
      <ExportLink item={item} />
    </div>
  );
}

/** A completed export's signed link (no sign-in needed, so it is as private as the data) and its expiry. */
function ExportLink({ item }: { item: Export }) {
  if (item.status !== 'COMPLETED' || !item.url) return null;
  return (
    <span className="bulk-export__link small">
      <a href={item.url} download>
        Download JSONL<span className="visually-hidden"> of {formatDateTime(item.createdAt)}</span>
      </a>{' '}
      <span className="muted">(until {formatDateTime(item.expiresAt)})</span>
    </span>
  );
}
