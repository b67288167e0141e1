import { Link } from 'react-router-dom';
import { StatusBadge } from '../components/StatusBadge';
import type { AccountKeyRequestsQuery } from '../gql/graphql';
import { formatDateTime } from '../lib/format';
import { GET_A_KEY_STEPS, stepNumberFor } from '../lib/steps';

export type KeyRequestRow = NonNullable<AccountKeyRequestsQuery['me']>['memberships'][number]['account']['keyRequests'][number];

function actionLabel(row: KeyRequestRow): string {
  switch (row.status) {
    case 'DRAFT':
      return 'Resume';
    case 'READY':
      return 'View keys';
    default:
      return 'View';
  }
}

function progress(row: KeyRequestRow): string {
  if (row.status !== 'DRAFT') return '';
  const number = stepNumberFor(row.step);
  const label = GET_A_KEY_STEPS.find((s) => s.number === number)?.label ?? '';
  return `Step ${number}: ${label}`;
}

/** A table of key requests with status, serial count, creation time and a link to open each. */
export function KeyRequestTable({ rows, caption }: { rows: readonly KeyRequestRow[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="table table--stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
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
          {rows.map((row) => (
            <tr key={row.id}>
              <td data-label="Status">
                <StatusBadge status={row.status} />
              </td>
              <td data-label="Serial numbers">
                <span>
                  {row.serials.length}
                  {row.serials.length > 0 ? (
                    <span className="muted small truncate"> · {row.serials.map((s) => s.number).join(', ')}</span>
                  ) : null}
                </span>
              </td>
              <td data-label="Created">{formatDateTime(row.createdAt)}</td>
              <td data-label="Progress" className="muted">
                {progress(row) || (row.status === 'EXPIRED' ? 'Expired' : 'Submitted')}
              </td>
              <td className="table__actions">
                <Link to={`/get-a-key/${encodeURIComponent(row.id)}`} className="button button--secondary button--small">
                  {actionLabel(row)}
                  <span className="visually-hidden"> key request created {formatDateTime(row.createdAt)}</span>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
