import { useMemo, useRef, useState } from 'react';
import { Link, Navigate } from 'react-router-dom';
import { useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RefreshButton } from '../../components/RefreshButton';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { usePageTitle } from '../../components/usePageTitle';
import type { LicenseRowFieldsFragment, LicenseSortField } from '../../gql/graphql';
import { asAccount, canRequestKeys, type Role } from '../../lib/accounts';
import { byPosition, formatCustomValue, type CustomFieldLike } from '../../lib/customFields';
import { formatDate, formatDateTime } from '../../lib/format';
import { licenseActivationKey, licenseSerialNumbers } from '../../lib/licenses';
import { SerialNumbers } from '../../components/LicenseIdentity';
import {
  BUILT_IN_COLUMNS,
  customFieldColumn,
  exportCsvUrl,
  isSortedBy,
  licenseFilesZipUrl,
  MAX_ZIP_LICENSES,
  nextSort,
  readHiddenColumns,
  toLicenseFilter,
  toLicenseOrder,
  writeHiddenColumns,
  type LicenseSort,
} from '../../lib/licenseList';
import { useSession } from '../../session';
import { CustomFieldSettingsQuery } from '../account/documents';
import { BulkExportPanel } from './BulkExportPanel';
import { ColumnChooser } from './ColumnChooser';
import { LicenseProductsQuery, LicensesQuery } from './documents';
import { EditRegistrationDialog } from './EditRegistrationDialog';
import { LicenseFilters } from './LicenseFilters';
import { LicenseTabs } from './LicenseTabs';
import { SetFieldDialog } from './SetFieldDialog';
import { LicenseListPagination } from './LicenseListPagination';
import { useLicenseListState } from './useListState';

type Row = LicenseRowFieldsFragment;

/** The selected account's licenses: filter, sort and page through them, and act on a selection. */
export function LicensesPage() {
  usePageTitle('Licenses');
  const { user, membership } = useSession();
  if (!user) return null;
  if (!membership) return <Navigate to="/licenses/shared" replace />;
  return (
    <AccountLicenses
      key={membership.account.id}
      accountId={membership.account.id}
      accountName={membership.account.name}
      role={membership.role}
    />
  );
}

interface AccountLicensesProps {
  accountId: string;
  accountName: string;
  role: Role;
}

function AccountLicenses({ accountId, accountName, role }: AccountLicensesProps) {
  const list = useLicenseListState();
  const { state } = list;
  const filter = useMemo(() => toLicenseFilter(state), [state]);
  const orderBy = useMemo(() => toLicenseOrder(state.sort), [state.sort]);
  const variables = useMemo(
    () => ({ accountId, first: state.pageSize, after: state.after, filter, orderBy }),
    [accountId, state.pageSize, state.after, filter, orderBy],
  );
  const [result, reexecute] = useQuery({ query: LicensesQuery, variables, requestPolicy: 'cache-and-network' });
  const [settings] = useQuery({
    query: CustomFieldSettingsQuery,
    variables: { accountId },
    requestPolicy: 'cache-and-network',
    context: useMemo(() => ({ additionalTypenames: ['CustomField'] }), []),
  });
  const [productsResult] = useQuery({ query: LicenseProductsQuery, variables: { accountId }, requestPolicy: 'cache-and-network' });
  const products = asAccount(productsResult.data?.node)?.licenseProducts ?? [];
  const account = asAccount(settings.data?.node);
  const customFields: CustomFieldLike[] = useMemo(() => byPosition(account?.customFields ?? []), [account]);
  const mayEdit = canRequestKeys(account?.viewerRole ?? role);

  // While the next page loads, keep showing the current one (dimmed) instead of a spinner.
  const shown = useRef(result.data);
  if (result.data) shown.current = result.data;
  const connection = shown.current?.licenses ?? null;
  const rows = useMemo(() => connection?.edges.map((edge) => edge.node) ?? [], [connection]);
  const stale = result.fetching || result.data === undefined;

  const [hidden, setHidden] = useState<string[]>(() => readHiddenColumns(accountId));
  const toggleColumn = (key: string, visible: boolean) => {
    const next = visible ? hidden.filter((k) => k !== key) : [...hidden, key];
    setHidden(next);
    writeHiddenColumns(accountId, next);
  };
  const visible = (key: string) => !hidden.includes(key);

  const [selected, setSelected] = useState<string[]>([]);
  const [dialog, setDialog] = useState<'field' | 'registration' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  const onDialogDone = (message: string) => {
    setDialog(null);
    setNotice(message);
    reload();
  };

  const pageIds = rows.map((row) => row.id);
  const selectedOnPage = pageIds.filter((id) => selected.includes(id));
  const allOnPage = pageIds.length > 0 && selectedOnPage.length === pageIds.length;
  const toggleRow = (id: string, checked: boolean) =>
    setSelected((current) => (checked ? [...current.filter((x) => x !== id), id] : current.filter((x) => x !== id)));
  const togglePage = (checked: boolean) =>
    setSelected((current) => (checked ? [...current, ...pageIds.filter((id) => !current.includes(id))] : current.filter((id) => !pageIds.includes(id))));

  const filtered = filter !== null;
  const sortHeader = (label: string, field: LicenseSortField, customFieldId?: string) => (
    <SortHeader label={label} sort={state.sort} field={field} customFieldId={customFieldId} onSort={(sort) => list.change({ sort })} />
  );

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Licenses</h1>
          <p className="page__lead">
            Licenses of {accountName}. Filter and sort them, set custom fields on several at once, share them or download their
            license files.
          </p>
        </div>
        <div className="page__actions">
          <a className="button button--secondary button--small" href={exportCsvUrl(accountId, filter, orderBy)} download>
            Export CSV
          </a>
          <RefreshButton onRefresh={reload} busy={result.fetching} />
        </div>
      </div>

      <LicenseTabs />

      {/* Bulk export (JSONL): every license with keys and custom values, beside the CSV of the current view. */}
      <BulkExportPanel accountId={accountId} accountName={accountName} />

      <LicenseFilters state={state} onChange={list.change} customFields={customFields} products={products} />

      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}

      <div className="list-toolbar">
        <div className="bulk-bar" role="group" aria-label="Actions on selected licenses">
          <span className="bulk-bar__count" aria-live="polite">
            {selected.length === 0 ? 'No licenses selected' : `${selected.length} selected`}
          </span>
          {mayEdit ? (
            <>
              <button
                type="button"
                className="button button--secondary button--small"
                disabled={selected.length === 0 || customFields.length === 0}
                title={customFields.length === 0 ? 'This account has no custom fields yet.' : undefined}
                onClick={() => setDialog('field')}
              >
                Set field…
              </button>
              <button
                type="button"
                className="button button--secondary button--small"
                disabled={selected.length === 0}
                onClick={() => setDialog('registration')}
              >
                Edit support registration…
              </button>
            </>
          ) : null}
          {selected.length > 0 && selected.length <= MAX_ZIP_LICENSES ? (
            <a className="button button--secondary button--small" href={licenseFilesZipUrl(accountId, selected)} download>
              Download license files
            </a>
          ) : (
            <button type="button" className="button button--secondary button--small" disabled>
              Download license files
            </button>
          )}
          {selected.length > 0 ? (
            <button type="button" className="button button--link button--small" onClick={() => setSelected([])}>
              Clear selection
            </button>
          ) : null}
          {selected.length > MAX_ZIP_LICENSES ? (
            <span className="muted small">Select at most {MAX_ZIP_LICENSES} licenses to download their files.</span>
          ) : null}
        </div>
        <SortSelect sort={state.sort} customFields={customFields} onSort={(sort) => list.change({ sort })} />
        <ColumnChooser
          columns={[
            ...BUILT_IN_COLUMNS.map((c) => ({ key: c.key, label: c.label })),
            ...customFields.map((f) => ({ key: customFieldColumn(f.id), label: f.name })),
          ]}
          isVisible={visible}
          onToggle={toggleColumn}
        />
      </div>

      {result.error && !connection ? (
        <ErrorNotice error={result.error} title="Your licenses could not be loaded" onRetry={reload} />
      ) : !connection ? (
        <LoadingPanel label="Loading licenses…" />
      ) : rows.length === 0 && !filtered && !state.after ? (
        <div className="empty-state card">
          <p className="empty-state__title">No licenses yet</p>
          <p className="muted">Licenses appear here once you turn serial numbers into keys for {accountName}.</p>
          <Link to="/get-a-key" className="button button--primary">
            Get a Key
          </Link>
        </div>
      ) : (
        <>
          {result.error ? <ErrorNotice error={result.error} title="The licenses could not be refreshed" onRetry={reload} /> : null}
          <div className={`card card--flush${stale ? ' is-stale' : ''}`} aria-busy={stale || undefined}>
            <div className="table-wrap">
              <table className="table table--stack table--licenses">
                <caption className="visually-hidden">Licenses of {accountName}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="table__select">
                      <input
                        type="checkbox"
                        aria-label="Select all licenses on this page"
                        checked={allOnPage}
                        ref={(el) => {
                          if (el) el.indeterminate = selectedOnPage.length > 0 && !allOnPage;
                        }}
                        onChange={(event) => togglePage(event.target.checked)}
                        disabled={pageIds.length === 0}
                      />
                    </th>
                    {sortHeader('Product', 'PRODUCT')}
                    {visible('serialNumber') ? <th scope="col">Serial number</th> : null}
                    {visible('activationKey') ? <th scope="col">Activation key</th> : null}
                    {visible('status') ? sortHeader('Status', 'STATUS') : null}
                    {visible('quantity') ? sortHeader('Quantity', 'QUANTITY') : null}
                    {visible('maintenanceUntil') ? sortHeader('Maintenance until', 'MAINTENANCE_UNTIL') : null}
                    {visible('hostId') ? <th scope="col">Host ID</th> : null}
                    {visible('owner') ? <th scope="col">Owner</th> : null}
                    {visible('createdAt') ? sortHeader('Created', 'CREATED_AT') : null}
                    {customFields.map((f) => (visible(customFieldColumn(f.id)) ? <SortHeaderCell key={f.id} field={f} sort={state.sort} onSort={(sort) => list.change({ sort })} /> : null))}
                  </tr>
                </thead>
                <tbody>
                  {rows.length === 0 ? (
                    <tr>
                      <td colSpan={99} className="table__empty">
                        <p className="empty-note">No licenses match these filters.</p>
                      </td>
                    </tr>
                  ) : (
                    rows.map((row) => (
                      <LicenseRow
                        key={row.id}
                        row={row}
                        visible={visible}
                        customFields={customFields}
                        checked={selected.includes(row.id)}
                        onCheck={(checked) => toggleRow(row.id, checked)}
                      />
                    ))
                  )}
                </tbody>
              </table>
            </div>
          </div>
          <LicenseListPagination label="Licenses pages" list={list} rowsOnPage={rows.length} connection={connection} busy={result.fetching} />
        </>
      )}

      {dialog === 'field' ? (
        <SetFieldDialog
          licenseIds={selected}
          customFields={customFields}
          onClose={() => setDialog(null)}
          onDone={onDialogDone}
        />
      ) : null}
      {dialog === 'registration' && selected[0] ? (
        <EditRegistrationDialog
          licenseIds={selected}
          onClose={() => setDialog(null)}
          onDone={onDialogDone}
        />
      ) : null}
    </div>
  );
}

const SORT_COLUMNS: readonly { field: LicenseSortField; label: string }[] = [
  { field: 'PRODUCT', label: 'Product' },
  { field: 'STATUS', label: 'Status' },
  { field: 'QUANTITY', label: 'Quantity' },
  { field: 'MAINTENANCE_UNTIL', label: 'Maintenance until' },
  { field: 'CREATED_AT', label: 'Created' },
];

/** On narrow screens the table's headers are hidden (rows become cards): the order is chosen here instead. */
function SortSelect({ sort, customFields, onSort }: { sort: LicenseSort; customFields: readonly CustomFieldLike[]; onSort: (sort: LicenseSort) => void }) {
  const columns = [
    ...SORT_COLUMNS.map((c) => ({ key: c.field, label: c.label, sort: { field: c.field } as Pick<LicenseSort, 'field' | 'customFieldId'> })),
    ...customFields.map((f) => ({ key: `CUSTOM_FIELD:${f.id}`, label: f.name, sort: { field: 'CUSTOM_FIELD' as const, customFieldId: f.id } })),
  ];
  const current = `${sort.field === 'CUSTOM_FIELD' ? `CUSTOM_FIELD:${sort.customFieldId ?? ''}` : sort.field}|${sort.direction}`;
  return (
    <div className="sort-select">
      <label htmlFor="license-sort" className="sort-select__label">
        Sort by
      </label>
      <select
        id="license-sort"
        className="select select--compact"
        value={current}
        onChange={(event) => {
          const [key = '', direction] = event.target.value.split('|');
          const column = columns.find((c) => c.key === key);
          if (column) onSort({ ...column.sort, direction: direction === 'DESC' ? 'DESC' : 'ASC' });
        }}
      >
        {columns.flatMap((c) => [
          <option key={`${c.key}|ASC`} value={`${c.key}|ASC`}>
            {c.label}, ascending
          </option>,
          <option key={`${c.key}|DESC`} value={`${c.key}|DESC`}>
            {c.label}, descending
          </option>,
        ])}
      </select>
    </div>
  );
}

interface SortHeaderProps {
  label: string;
  sort: LicenseSort;
  field: LicenseSortField;
  customFieldId?: string;
  onSort: (sort: LicenseSort) => void;
}

/** A column header whose button sorts by it; aria-sort tells which column the rows are sorted by. */
export function SortHeader({ label, sort, field, customFieldId, onSort }: SortHeaderProps) {
  const active = isSortedBy(sort, field, customFieldId);
  const direction = active ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : undefined;
  return (
    <th scope="col" aria-sort={direction ?? 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(nextSort(sort, field, customFieldId))}>
        {label}
        <span className={`sort-button__arrow${active ? ' sort-button__arrow--active' : ''}`} aria-hidden="true">
          {direction === 'descending' ? '▼' : direction === 'ascending' ? '▲' : '↕'}
        </span>
      </button>
    </th>
  );
}

function SortHeaderCell({ field, sort, onSort }: { field: CustomFieldLike; sort: LicenseSort; onSort: (sort: LicenseSort) => void }) {
  return <SortHeader label={field.name} sort={sort} field="CUSTOM_FIELD" customFieldId={field.id} onSort={onSort} />;
}

interface LicenseRowProps {
  row: Row;
  visible: (key: string) => boolean;
  customFields: readonly CustomFieldLike[];
  checked: boolean;
  onCheck: (checked: boolean) => void;
}

function LicenseRow({ row, visible, customFields, checked, onCheck }: LicenseRowProps) {
  const title = `${row.product.name} ${row.product.version}`;
  const values = new Map(row.customValues.map((v) => [v.field.id, v.value]));
  const activationKey = licenseActivationKey(row.keys);
  return (
    <tr data-testid="license-row" className={checked ? 'table__row--selected' : undefined}>
      <td className="table__select">
        <input
          type="checkbox"
          data-testid="license-row-checkbox"
          aria-label={`Select ${title}`}
          aria-describedby={`license-${row.id}-sku`}
          checked={checked}
          onChange={(event) => onCheck(event.target.checked)}
        />
      </td>
      <th scope="row" data-label="Product" className="table__row-title">
        <span className="license-title">
          <Link to={`/licenses/${encodeURIComponent(row.id)}`}>{title}</Link>
          <span className="muted small block" id={`license-${row.id}-sku`}>
            {row.product.sku}
          </span>
        </span>
      </th>
      {visible('serialNumber') ? (
        <td data-label="Serial number">
          <SerialNumbers numbers={licenseSerialNumbers(row.serials)} />
        </td>
      ) : null}
      {visible('activationKey') ? (
        <td data-label="Activation key">
          {activationKey ? <code className="mono license-key-cell">{activationKey}</code> : <span className="muted">No key yet</span>}
        </td>
      ) : null}
      {visible('status') ? (
        <td data-label="Status">
          <StatusBadge status={row.status} />
        </td>
      ) : null}
      {visible('quantity') ? <td data-label="Quantity">{row.quantity}</td> : null}
      {visible('maintenanceUntil') ? <td data-label="Maintenance until">{formatDate(row.maintenanceUntil)}</td> : null}
      {visible('hostId') ? (
        <td data-label="Host ID">{row.hostId ? <code className="mono">{row.hostId}</code> : <span className="muted">Not host-locked</span>}</td>
      ) : null}
      {visible('owner') ? <td data-label="Owner">{row.owner ? row.owner.name || row.owner.email : <span className="muted">—</span>}</td> : null}
      {visible('createdAt') ? (
        <td data-label="Created">
          <time dateTime={row.createdAt} title={formatDateTime(row.createdAt)}>
            {formatDate(row.createdAt)}
          </time>
        </td>
      ) : null}
      {customFields.map((field) =>
        visible(customFieldColumn(field.id)) ? (
          <td key={field.id} data-label={field.name}>
            {formatCustomValue(field.type, values.get(field.id))}
          </td>
        ) : null,
      )}
    </tr>
  );
}
