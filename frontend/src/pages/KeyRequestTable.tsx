import { Link } from 'react-router-dom';
import { StatusBadge } from '../components/StatusBadge';
import type { AccountKeyRequestsQuery } from '../gql/graphql';
import { formatDateTime } from '../lib/format';
import { flowFor, stepLabelFor, stepNumberFor } from '../lib/steps';
import { formatSerial } from '../lib/serials';

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

/**
 * A table of key requests with kind, status, serial count, creation time and
 * a link to open each in its wizard ("Resume" a draft only for those who may
 * change it, `mayChange`; others "View" it).
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
  return (
    <div className="table-wrap">
      <table className="table table--stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
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
          {rows.map((row) => {
            const flow = flowFor(row.kind);
            return (
              <tr key={row.id}>
                <td data-label="Request">{flow.title}</td>
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
                  <Link to={flow.path(row.id)} className="button button--secondary button--small">
                    {actionLabel(row, mayChange)}
                    <span className="visually-hidden">
                      {' '}
                      {flow.noun} created {formatDateTime(row.createdAt)}
                    </span>
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
