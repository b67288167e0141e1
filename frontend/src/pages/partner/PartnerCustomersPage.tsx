import { useId, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ExpiringWithinField, FilterField } from '../../components/FilterField';
import { Pagination } from '../../components/Pagination';
import { RefreshButton } from '../../components/RefreshButton';
import { LoadingPanel, Spinner } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { usePageTitle } from '../../components/usePageTitle';
import type { ManagedAccountFilter, ManagedAccountsQuery as ManagedAccountsData } from '../../gql/graphql';
import { formatDate, formatSeats, humanize } from '../../lib/format';
import { pageRangeText } from '../../lib/licenseList';
import { useSession } from '../../session';
import { ManagedAccountLicensesQuery, ManagedAccountsQuery } from './documents';
import { PartnerTabs } from './PartnerTabs';

type Edge = ManagedAccountsData['managedAccounts']['edges'][number];

export const CUSTOMER_PAGE_SIZES = [25, 50, 100] as const;

export interface CustomerFilters {
  name: string;
  productSku: string;
  expiringWithinDays: number | null;
}

const NO_FILTERS: CustomerFilters = { name: '', productSku: '', expiringWithinDays: null };

/** The managedAccounts filter for the form's values; null when nothing is filtered. */
export function toManagedAccountFilter(filters: CustomerFilters): ManagedAccountFilter | null {
  const filter: ManagedAccountFilter = {};
  if (filters.name.trim()) filter.name = filters.name.trim();
  if (filters.productSku.trim()) filter.productSku = filters.productSku.trim();
  if (filters.expiringWithinDays !== null) filter.expiringWithinDays = filters.expiringWithinDays;
  return Object.keys(filter).length ? filter : null;
}

/** A partner's customers: their licenses at a glance, with "Act for this customer". */
export function PartnerCustomersPage() {
  usePageTitle('Customers');
  const { ownMembership } = useSession();
  const id = useId();
  const [filters, setFilters] = useState<CustomerFilters>(NO_FILTERS);
  const [pageSize, setPageSize] = useState<number>(CUSTOMER_PAGE_SIZES[0]);
  // Cursors of the pages before the current one: "Previous" pops one.
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const filter = useMemo(() => toManagedAccountFilter(filters), [filters]);
  const variables = useMemo(() => ({ first: pageSize, after, filter }), [pageSize, after, filter]);
  const [result, reexecute] = useQuery({ query: ManagedAccountsQuery, variables, requestPolicy: 'cache-and-network' });

  const shown = useRef(result.data);
  if (result.data) shown.current = result.data;
  const connection = shown.current?.managedAccounts ?? null;
  const stale = result.fetching || result.data === undefined;
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  const change = (changes: Partial<CustomerFilters>) => {
    setFilters((current) => ({ ...current, ...changes }));
    setAfter(null);
    setCursors([]);
  };
  const active = filter !== null;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Customers</h1>
          <p className="page__lead">
            Customer accounts that delegated their licenses to {ownMembership?.account.name ?? 'your partner account'}. Act for a
            customer to request keys, upgrade or re-host on its behalf.
          </p>
          {ownMembership?.account.kind === 'PARTNER' ? (
            <p className="page__meta">
              <span data-testid="partner-number">
                Customers invite you with your partner account number <strong>{ownMembership.account.number}</strong>
              </span>
            </p>
          ) : null}
        </div>
        <div className="page__actions">
          <RefreshButton onRefresh={reload} busy={result.fetching} />
        </div>
      </div>

      <PartnerTabs />

      <form className="filters card" role="search" aria-label="Filter customers" onSubmit={(event) => event.preventDefault()}>
        <div className="filters__row">
          <FilterField id={`${id}-name`} label="Customer name" type="search" autoComplete="off" value={filters.name} onCommit={(name) => change({ name })} />
          <FilterField
            id={`${id}-sku`}
            label="Product SKU"
            autoComplete="off"
            spellCheck={false}
            value={filters.productSku}
            onCommit={(productSku) => change({ productSku })}
          />
          <ExpiringWithinField id={`${id}-expiring`} days={filters.expiringWithinDays} onCommit={(expiringWithinDays) => change({ expiringWithinDays })} />
        </div>
        {active ? (
          <p className="filters__clear">
            <button type="button" className="button button--link button--small" onClick={() => change(NO_FILTERS)}>
              Clear filters
            </button>
          </p>
        ) : null}
      </form>

      {result.error && !connection ? (
        <ErrorNotice error={result.error} title="Your customers could not be loaded" onRetry={reload} />
      ) : !connection ? (
        <LoadingPanel label="Loading customers…" />
      ) : connection.edges.length === 0 && !active && !after ? (
        <div className="empty-state card">
          <p className="empty-state__title">No customers yet</p>
          <p className="muted">
            When a customer invites your partner account and an administrator accepts on the Delegations tab, the customer
            appears here.
          </p>
        </div>
      ) : (
        <>
          {result.error ? <ErrorNotice error={result.error} title="The customers could not be refreshed" onRetry={reload} /> : null}
          <div className={`card card--flush${stale ? ' is-stale' : ''}`} aria-busy={stale || undefined}>
            <div className="table-wrap">
              <table className="table table--stack">
                <caption className="visually-hidden">Managed customer accounts</caption>
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col">Access</th>
                    <th scope="col">Licenses</th>
                    <th scope="col">Next maintenance end</th>
                    <th scope="col">Open key requests</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {connection.edges.length === 0 ? (
                    <tr>
                      <td colSpan={6} className="table__empty">
                        <p className="empty-note">No customers match these filters.</p>
                      </td>
                    </tr>
                  ) : (
                    connection.edges.map((edge) => <CustomerRow key={edge.node.id} edge={edge} />)
                  )}
                </tbody>
              </table>
            </div>
          </div>
          <Pagination
            label="Customer pages"
            rangeText={pageRangeText(cursors.length + 1, pageSize, connection.edges.length, connection.totalCount)}
            pageSize={pageSize}
            pageSizes={CUSTOMER_PAGE_SIZES}
            onPageSizeChange={(size) => {
              setPageSize(size);
              setAfter(null);
              setCursors([]);
            }}
            hasPrevious={after !== null}
            hasNext={connection.pageInfo.hasNextPage && !!connection.pageInfo.endCursor}
            onPrevious={() => {
              setAfter(cursors[cursors.length - 1] ?? null);
              setCursors(cursors.slice(0, -1));
            }}
            onNext={() => {
              if (!connection.pageInfo.endCursor) return;
              setCursors([...cursors, after]);
              setAfter(connection.pageInfo.endCursor);
            }}
            busy={result.fetching}
          />
        </>
      )}
    </div>
  );
}

function CustomerRow({ edge }: { edge: Edge }) {
  const { selectAccount, actingFor } = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const account = edge.node;
  const summary = account.summary;
  const detailsId = `customer-${account.id}-licenses`;
  const nameId = `customer-${account.id}-name`;
  const current = actingFor?.account.id === account.id;

  const actFor = () => {
    selectAccount(account.id, {
      account: { id: account.id, name: account.name, number: account.number, kind: account.kind },
      scope: edge.scope,
      partnerAccountId: edge.delegation.partnerAccount.id,
    });
    navigate('/');
  };

  return (
    <>
      <tr data-testid="customer-row">
        <th scope="row" data-label="Customer" className="table__row-title">
          <span>
            <span id={nameId}>{account.name}</span>
            <span className="muted small block">Account {account.number}</span>
          </span>
        </th>
        <td data-label="Access">
          <span className={`badge badge--${edge.scope === 'MANAGE' ? 'info' : 'neutral'}`}>{humanize(edge.scope)}</span>
          {edge.delegation.endsOn ? <span className="muted small block">Until {formatDate(edge.delegation.endsOn)}</span> : null}
        </td>
        <td data-label="Licenses">
          {summary ? (
            <span className="summary-counts">
              <span>{summary.totalLicenses} total</span>
              {summary.byStatus
                .filter((s) => s.count > 0)
                .map((s) => (
                  <StatusBadge key={s.status} status={s.status} label={`${humanize(s.status)}: ${s.count}`} />
                ))}
            </span>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td data-label="Next maintenance end">{formatDate(summary?.nextMaintenanceEnd)}</td>
        <td data-label="Open key requests">{summary?.openKeyRequests ?? '—'}</td>
        <td className="table__actions">
          <span className="row-actions">
            <button
              type="button"
              className="button button--ghost button--small"
              aria-expanded={open}
              aria-controls={open ? detailsId : undefined}
              aria-describedby={nameId}
              onClick={() => setOpen(!open)}
            >
              {open ? 'Hide licenses' : 'Show licenses'}
            </button>
            {current ? (
              <span className="tag">Acting for this customer</span>
            ) : (
              <button type="button" className="button button--primary button--small" onClick={actFor}>
                Act for this customer<span className="visually-hidden">: {account.name}</span>
              </button>
            )}
          </span>
        </td>
      </tr>
      {open ? (
        <tr id={detailsId} className="table__details">
          <td colSpan={6}>
            <CustomerLicenses accountId={account.id} accountName={account.name} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function CustomerLicenses({ accountId, accountName }: { accountId: string; accountName: string }) {
  const [result] = useQuery({ query: ManagedAccountLicensesQuery, variables: { accountId }, requestPolicy: 'cache-and-network' });
  if (result.error && !result.data) return <ErrorNotice error={result.error} title="The licenses could not be loaded" />;
  if (!result.data) return <Spinner label="Loading licenses…" size="small" />;
  const { edges, totalCount } = result.data.licenses;
  if (edges.length === 0) return <p className="empty-note">{accountName} has no licenses yet.</p>;
  return (
    <div>
      <ul className="mini-list" aria-label={`First licenses of ${accountName}`}>
        {edges.map(({ node }) => (
          <li key={node.id} className="mini-list__item">
            <span>
              {node.product.name} {node.product.version} <span className="muted small">{node.product.sku}</span>
            </span>
            <span className="mini-list__facts">
              <StatusBadge status={node.status} />
              <span>{formatSeats(node.quantity)}</span>
              <span>Maintenance until {formatDate(node.maintenanceUntil)}</span>
            </span>
          </li>
        ))}
      </ul>
      {totalCount > edges.length ? (
        <p className="muted small">
          {totalCount - edges.length} more: act for {accountName} to see every license.
        </p>
      ) : null}
    </div>
  );
}
