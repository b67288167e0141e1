import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import type { DelegationFieldsFragment } from '../../gql/graphql';
import { formatDate, humanize } from '../../lib/format';

export type DelegationRow = DelegationFieldsFragment;

export type DelegationAction = 'accept' | 'decline' | 'revoke';

interface DelegationTableProps {
  rows: readonly DelegationRow[];
  caption: string;
  /** Which side the table is seen from: the other side's name is shown. */
  side: 'customer' | 'partner';
  /** The actions a row offers (none for non-admins). */
  actionsFor: (row: DelegationRow) => readonly DelegationAction[];
  onAction: (row: DelegationRow, action: DelegationAction) => void;
  /** "<action>-<id>" of the action under way. */
  pending: string | null;
}

const LABELS: Record<DelegationAction, string> = { accept: 'Accept', decline: 'Decline', revoke: 'Revoke' };

/** Delegations with status badges, scope, dates and the row's actions. */
export function DelegationTable({ rows, caption, side, actionsFor, onAction, pending }: DelegationTableProps) {
  const otherHeading = side === 'customer' ? 'Partner' : 'Customer';
  return (
    <div className="card card--flush">
      <div className="table-wrap">
        <table className="table table--stack">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{otherHeading}</th>
              <th scope="col">Status</th>
              <th scope="col">Access</th>
              <th scope="col">Ends</th>
              <th scope="col">Invited</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const other = side === 'customer' ? row.partnerAccount : row.customerAccount;
              const actions = actionsFor(row);
              return (
                <tr key={row.id} data-testid="delegation-row">
                  <th scope="row" data-label={otherHeading} className="table__row-title">
                    <span>
                      {other.name}
                      <span className="muted small block">Account {other.number}</span>
                    </span>
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={row.status} />
                  </td>
                  <td data-label="Access">{humanize(row.scope)}</td>
                  <td data-label="Ends">{row.endsOn ? formatDate(row.endsOn) : 'When revoked'}</td>
                  <td data-label="Invited">{formatDate(row.createdAt)}</td>
                  <td className="table__actions">
                    {actions.length ? (
                      <span className="row-actions">
                        {actions.map((action) => (
                          <SubmitButton
                            key={action}
                            type="button"
                            variant={action === 'accept' ? 'primary' : 'ghost'}
                            className={`button--small${action === 'accept' ? '' : ' button--danger-text'}`}
                            busy={pending === `${action}-${row.id}`}
                            onClick={() => onAction(row, action)}
                          >
                            {LABELS[action]}{' '}
                            <span className="visually-hidden">
                              {side === 'partner' && action !== 'revoke' ? `the invitation of ${other.name}` : `the delegation with ${other.name}`}
                            </span>
                          </SubmitButton>
                        ))}
                      </span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
