import { Link } from 'react-router-dom';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { usePageTitle } from '../../components/usePageTitle';
import { formatDate, formatSeats } from '../../lib/format';
import { useSession } from '../../session';
import { AccountLicensesQuery } from './documents';

/** The selected account's licenses, newest first; each opens its detail page. */
export function LicensesPage() {
  usePageTitle('My licenses');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reexecute] = useQuery({
    query: AccountLicensesQuery,
    variables: { accountId },
    pause: !accountId,
    requestPolicy: 'cache-and-network',
  });
  if (!membership) return null;
  const account = membership.account;
  const licenses = result.data?.accountLicenses ?? [];

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">My licenses</h1>
          <p className="page__lead">
            Licenses of {account.name}, newest first. Open a license to see its keys and activations, renew it or move it to
            another host.
          </p>
        </div>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => reexecute({ requestPolicy: 'network-only' })}
          disabled={result.fetching}
        >
          Refresh
        </button>
      </div>

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="Your licenses could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !result.data ? (
        <LoadingPanel label="Loading licenses…" />
      ) : licenses.length === 0 ? (
        <div className="empty-state card">
          <p className="empty-state__title">No licenses yet</p>
          <p className="muted">Licenses appear here once you turn serial numbers into keys for {account.name}.</p>
          <Link to="/get-a-key" className="button button--primary">
            Get a Key
          </Link>
        </div>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Licenses of {account.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Seats</th>
                  <th scope="col">Status</th>
                  <th scope="col">Maintenance until</th>
                  <th scope="col">Host ID</th>
                </tr>
              </thead>
              <tbody>
                {licenses.map((license) => (
                  <tr key={license.id}>
                    <th scope="row" data-label="Product" className="table__row-title">
                      <Link to={`/licenses/${encodeURIComponent(license.id)}`}>
                        {license.product.name} {license.product.version}
                      </Link>
                    </th>
                    <td data-label="Seats">{formatSeats(license.quantity)}</td>
                    <td data-label="Status">
                      <StatusBadge status={license.status} />
                    </td>
                    <td data-label="Maintenance until">{formatDate(license.maintenanceUntil)}</td>
                    <td data-label="Host ID">
                      {license.hostId ? <code className="mono">{license.hostId}</code> : <span className="muted">Not host-locked</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
