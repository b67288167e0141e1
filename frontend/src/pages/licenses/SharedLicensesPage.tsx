import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RefreshButton } from '../../components/RefreshButton';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { usePageTitle } from '../../components/usePageTitle';
import { formatDate, humanize } from '../../lib/format';
import { licenseFilesZipUrl, MAX_ZIP_LICENSES, toLicenseFilter } from '../../lib/licenseList';
import { SharedWithMeQuery } from './documents';
import { LicenseFilters } from './LicenseFilters';
import { LicenseTabs } from './LicenseTabs';
import { LicenseListPagination } from './LicenseListPagination';
import { useLicenseListState } from './useListState';
import { SerialNumbers } from '../../components/LicenseIdentity';
import { licenseSerialNumbers } from '../../lib/licenses';

/** Licenses of other accounts that were shared with the signed-in user. */
export function SharedLicensesPage() {
  usePageTitle('Shared with me');
  const list = useLicenseListState();
  const { state } = list;
  const filter = useMemo(() => toLicenseFilter({ ...state, productSku: '', expiringWithinDays: null, customFields: {} }), [state]);
  const variables = useMemo(() => ({ first: state.pageSize, after: state.after, filter }), [state.pageSize, state.after, filter]);
  const [result, reexecute] = useQuery({ query: SharedWithMeQuery, variables, requestPolicy: 'cache-and-network' });
  const shown = useRef(result.data);
  if (result.data) shown.current = result.data;
  const connection = shown.current?.sharedWithMe ?? null;
  const rows = connection?.edges.map((edge) => edge.node) ?? [];
  const stale = result.fetching || result.data === undefined;
  const [selected, setSelected] = useState<string[]>([]);
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Licenses</h1>
          <p className="page__lead">Licenses of other companies that their owners shared with you.</p>
        </div>
        <div className="page__actions">
          {selected.length > 0 && selected.length <= MAX_ZIP_LICENSES ? (
            <a className="button button--secondary button--small" href={licenseFilesZipUrl(null, selected)} download>
              Download license files
            </a>
          ) : null}
          <RefreshButton onRefresh={reload} busy={result.fetching} />
        </div>
      </div>

      <LicenseTabs />
      <LicenseFilters state={state} onChange={list.change} customFields={[]} full={false} />

      {result.error && !connection ? (
        <ErrorNotice error={result.error} title="The shared licenses could not be loaded" onRetry={reload} />
      ) : !connection ? (
        <LoadingPanel label="Loading shared licenses…" />
      ) : rows.length === 0 && !filter && !state.after ? (
        <div className="empty-state card">
          <p className="empty-state__title">Nothing shared with you</p>
          <p className="muted">When another company shares a license with your e-mail address, it appears here.</p>
        </div>
      ) : (
        <>
          <div className={`card card--flush${stale ? ' is-stale' : ''}`} aria-busy={stale || undefined}>
            <div className="table-wrap">
              <table className="table table--stack">
                <caption className="visually-hidden">Licenses shared with you</caption>
                <thead>
                  <tr>
                    <th scope="col" className="table__select">
                      <span className="visually-hidden">Selected</span>
                    </th>
                    <th scope="col">Product</th>
                    <th scope="col">Serial number</th>
                    <th scope="col">Account</th>
                    <th scope="col">Status</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Maintenance until</th>
                    <th scope="col">Your access</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.length === 0 ? (
                    <tr>
                      <td colSpan={8} className="table__empty">
                        <p className="empty-note">No shared licenses match these filters.</p>
                      </td>
                    </tr>
                  ) : (
                    rows.map((row) => {
                      const title = `${row.product.name} ${row.product.version}`;
                      const checked = selected.includes(row.id);
                      return (
                        <tr key={row.id} data-testid="license-row" className={checked ? 'table__row--selected' : undefined}>
                          <td className="table__select">
                            <input
                              type="checkbox"
                              data-testid="license-row-checkbox"
                              aria-label={`Select ${title}`}
                              checked={checked}
                              onChange={(event) =>
                                setSelected((current) => (event.target.checked ? [...current, row.id] : current.filter((id) => id !== row.id)))
                              }
                            />
                          </td>
                          <th scope="row" data-label="Product" className="table__row-title">
                            <Link to={`/licenses/${encodeURIComponent(row.id)}`}>{title}</Link>
                          </th>
                          <td data-label="Serial number">
                            <SerialNumbers numbers={licenseSerialNumbers(row.serials)} />
                          </td>
                          <td data-label="Account">{row.account.name}</td>
                          <td data-label="Status">
                            <StatusBadge status={row.status} />
                          </td>
                          <td data-label="Quantity">{row.quantity}</td>
                          <td data-label="Maintenance until">{formatDate(row.maintenanceUntil)}</td>
                          <td data-label="Your access">{humanize(row.access)}</td>
                        </tr>
                      );
                    })
                  )}
                </tbody>
              </table>
            </div>
          </div>
          <LicenseListPagination label="Shared licenses pages" list={list} rowsOnPage={rows.length} connection={connection} busy={result.fetching} />
        </>
      )}
    </div>
  );
}
