import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { StatusBadge } from '../components/StatusBadge';
import type { AccountKeyRequestsQuery } from '../gql/graphql';
import { formatDateTime } from '../lib/format';
import { mayDiscardDraft } from '../lib/keyRequest';
import { flowFor, stepLabelFor, stepNumberFor } from '../lib/steps';
import { formatSerial } from '../lib/serials';
import { useSession } from '../session';
import { DiscardDraftButton } from './DiscardDraftButton';

export type KeyRequestRow = Extract<NonNullable<AccountKeyRequestsQuery['node']>, { __typename: 'Account' }>['keyRequests'][number];

function actionLabel(row: KeyRequestRow, mayChange: boolean): string {
  switch (row.status) {
    case 'DRAFT':
      return mayChange ? 'Resume' : 'View';
    case 'READY':
      return 'View keys';
    default:
      return 'View';
  }
}

function progress(row: KeyRequestRow): string {
  if (row.status !== 'DRAFT') return '';
  const flow = flowFor(row.kind);
  return `Step ${stepNumberFor(row.step, flow)}: ${stepLabelFor(row.step, flow)}`;
}

/** "Endpoint Protection 14.3, Mail Gateway 10.8": what a request is for. */
export function productsText(products: readonly { name: string; version: string }[]): string {
  return products.map((p) => `${p.name} ${p.version}`).join(', ');
}

/**
 * A table of key requests with kind, products, requester (and the partner
 * account they acted from), status, serial numbers, creation time and a link
 * to open each in its wizard ("Resume" a draft only for those who may change
 * it, `mayChange`; others "View" it). A draft's creator or an account admin may
 * discard it here; it then leaves the table.
 */
export function KeyRequestTable({
  rows,
  caption,
  mayChange = true,
}: {
  rows: readonly KeyRequestRow[];
  caption: string;
  mayChange?: boolean;
}) {
  const { user, membership } = useSession();
  const [discarded, setDiscarded] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const shown = rows.filter((row) => !discarded.includes(row.id));
  const onDiscarded = (id: string, what: string) => {
    setDiscarded((current) => [...current, id]);
    setNotice(`The draft ${what} was discarded.`);
    window.requestAnimationFrame(() => noticeRef.current?.focus());
  };
  return (
    <div className="table-wrap">
      {notice ? (
        <p className="table-notice" role="status" tabIndex={-1} ref={noticeRef}>
          {notice}
        </p>
      ) : null}
      <table className="table table--stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Products</th>
            <th scope="col">Requested by</th>
            <th scope="col">Status</th>
            <th scope="col">Serial numbers</th>
            <th scope="col">Created</th>
            <th scope="col">Progress</th>
            <th scope="col">
              <span className="visually-hidden">Open</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const flow = flowFor(row.kind);
            const products = productsText(row.products);
            const what = `${flow.noun} created ${formatDateTime(row.createdAt)}`;
            return (
              <tr key={row.id}>
                <td data-label="Request">{flow.title}</td>
                <td data-label="Products">{products || <span className="muted">Not chosen yet</span>}</td>
                <td data-label="Requested by">
                  <span className="block">{row.requestedBy.name || row.requestedBy.email}</span>
                  {row.actingAccount ? <span className="block muted small">via {row.actingAccount.name}</span> : null}
                </td>
                <td data-label="Status">
                  <StatusBadge status={row.status} />
                </td>
                <td data-label="Serial numbers">
                  {row.serials.length === 0 && row.kind !== 'NEW' ? (
                    <span className="muted">—</span>
                  ) : (
                    <span>
                      {row.serials.length}{' '}
                      {row.serials.length > 0 ? (
                        <span className="muted small truncate">· {row.serials.map((s) => formatSerial(s.number)).join(', ')}</span>
                      ) : null}
                    </span>
                  )}
                </td>
                <td data-label="Created">{formatDateTime(row.createdAt)}</td>
                <td data-label="Progress" className="muted">
                  {progress(row) || (row.status === 'EXPIRED' ? 'Expired' : 'Submitted')}
                </td>
                <td className="table__actions">
                  <span className="table__action-group">
                    <Link to={flow.path(row.id)} className="button button--secondary button--small">
                      {actionLabel(row, mayChange)}
                      <span className="visually-hidden"> {what}</span>
                    </Link>
                    {mayDiscardDraft(row, user?.id, membership?.role) ? (
                      <DiscardDraftButton
                        keyRequestId={row.id}
                        noun={flow.noun}
                        label={what}
                        onDiscarded={() => onDiscarded(row.id, what)}
                      />
                    ) : null}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
