import type { LicenseFilter, LicenseOrder, LicenseSortField, LicenseStatus, SortDirection } from '../gql/graphql';

/** Rows per page the licenses table offers; the server allows at most 100. */
export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;

/** Every license status, in the order the server sorts them. */
export const LICENSE_STATUSES: readonly LicenseStatus[] = [
  'ACTIVE',
  'EXPIRING',
  'MAINTENANCE_LAPSED',
  'EXPIRED',
  'SUPERSEDED',
  'REVOKED',
];

export interface LicenseSort {
  field: LicenseSortField;
  direction: SortDirection;
  /** Only with field CUSTOM_FIELD. */
  customFieldId?: string;
}

/** Newest first, as the server does without an order. */
export const DEFAULT_SORT: LicenseSort = { field: 'CREATED_AT', direction: 'DESC' };

/** Everything the licenses table shows, as it is kept in the address bar. */
export interface LicenseListState {
  search: string;
  productSku: string;
  statuses: LicenseStatus[];
  expiringWithinDays: number | null;
  /** Custom field id → the value to match. */
  customFields: Record<string, string>;
  sort: LicenseSort;
  pageSize: number;
  /** Cursor of the row before the current page; null on the first page. */
  after: string | null;
  /** 1-based page number, for "51–100 of …". */
  page: number;
}

const CUSTOM_FIELD_PARAM = 'cf.';
const SORT_FIELDS: readonly LicenseSortField[] = ['CREATED_AT', 'MAINTENANCE_UNTIL', 'PRODUCT', 'QUANTITY', 'STATUS', 'CUSTOM_FIELD'];

function positiveInt(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function parseSort(sort: string | null, dir: string | null): LicenseSort {
  if (!sort) return DEFAULT_SORT;
  const [field, ...rest] = sort.split(':');
  if (!SORT_FIELDS.includes(field as LicenseSortField)) return DEFAULT_SORT;
  const direction: SortDirection = dir?.toLowerCase() === 'desc' ? 'DESC' : 'ASC';
  if (field === 'CUSTOM_FIELD') {
    const customFieldId = rest.join(':');
    return customFieldId ? { field: 'CUSTOM_FIELD', direction, customFieldId } : DEFAULT_SORT;
  }
  return { field: field as LicenseSortField, direction };
}

/** Reads the table's state from the query string; unknown or broken values fall back to the defaults. */
export function parseListState(params: URLSearchParams): LicenseListState {
  const statuses = (params.get('status') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is LicenseStatus => LICENSE_STATUSES.includes(s as LicenseStatus));
  const customFields: Record<string, string> = {};
  params.forEach((value, key) => {
    if (key.startsWith(CUSTOM_FIELD_PARAM) && key.length > CUSTOM_FIELD_PARAM.length && value !== '') {
      customFields[key.slice(CUSTOM_FIELD_PARAM.length)] = value;
    }
  });
  const size = positiveInt(params.get('size'));
  const after = params.get('after') || null;
  const page = positiveInt(params.get('page'));
  return {
    search: params.get('q') ?? '',
    productSku: params.get('product') ?? '',
    statuses: [...new Set(statuses)],
    expiringWithinDays: positiveInt(params.get('expiring')),
    customFields,
    sort: parseSort(params.get('sort'), params.get('dir')),
    pageSize: size !== null && (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    after,
    page: after && page && page > 1 ? page : 1,
  };
}

/** The query string for `state`; defaults are left out so links stay short. */
export function listStateToParams(state: LicenseListState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.search.trim()) params.set('q', state.search.trim());
  if (state.productSku.trim()) params.set('product', state.productSku.trim());
  if (state.statuses.length) params.set('status', state.statuses.join(','));
  if (state.expiringWithinDays !== null) params.set('expiring', String(state.expiringWithinDays));
  for (const [fieldId, value] of Object.entries(state.customFields)) {
    if (value.trim()) params.set(`${CUSTOM_FIELD_PARAM}${fieldId}`, value.trim());
  }
  const sort = state.sort;
  if (sort.field !== DEFAULT_SORT.field || sort.direction !== DEFAULT_SORT.direction) {
    params.set('sort', sort.field === 'CUSTOM_FIELD' ? `CUSTOM_FIELD:${sort.customFieldId ?? ''}` : sort.field);
    params.set('dir', sort.direction.toLowerCase());
  }
  if (state.pageSize !== DEFAULT_PAGE_SIZE) params.set('size', String(state.pageSize));
  if (state.after) {
    params.set('after', state.after);
    params.set('page', String(state.page));
  }
  return params;
}

/** The GraphQL LicenseFilter for `state`, or null when nothing is filtered. */
export function toLicenseFilter(state: LicenseListState): LicenseFilter | null {
  const filter: LicenseFilter = {};
  if (state.search.trim()) filter.search = state.search.trim();
  if (state.productSku.trim()) filter.productSku = state.productSku.trim();
  if (state.statuses.length) filter.status = [...state.statuses];
  if (state.expiringWithinDays !== null) filter.expiringWithinDays = state.expiringWithinDays;
  const custom = Object.entries(state.customFields)
    .filter(([, value]) => value.trim() !== '')
    .map(([fieldId, value]) => ({ fieldId, value: value.trim() }));
  if (custom.length) filter.customFields = custom;
  return Object.keys(filter).length ? filter : null;
}

export function toLicenseOrder(sort: LicenseSort): LicenseOrder {
  return sort.field === 'CUSTOM_FIELD'
    ? { field: 'CUSTOM_FIELD', direction: sort.direction, customFieldId: sort.customFieldId ?? null }
    : { field: sort.field, direction: sort.direction };
}

/** True when `sort` is the order of the column `field` (and custom field). */
export function isSortedBy(sort: LicenseSort, field: LicenseSortField, customFieldId?: string): boolean {
  return sort.field === field && (field !== 'CUSTOM_FIELD' || sort.customFieldId === customFieldId);
}

/** Clicking a column header: the same column flips the direction; another starts ascending (dates newest first). */
export function nextSort(current: LicenseSort, field: LicenseSortField, customFieldId?: string): LicenseSort {
  if (isSortedBy(current, field, customFieldId)) {
    return { ...current, direction: current.direction === 'ASC' ? 'DESC' : 'ASC' };
  }
  const direction: SortDirection = field === 'CREATED_AT' || field === 'MAINTENANCE_UNTIL' ? 'DESC' : 'ASC';
  return field === 'CUSTOM_FIELD' ? { field, direction, customFieldId } : { field, direction };
}

/** The state with the filters or order changed: back to the first page. */
export function withFirstPage(state: LicenseListState, change: Partial<LicenseListState>): LicenseListState {
  return { ...state, ...change, after: null, page: 1 };
}

function formatCount(n: number): string {
  return new Intl.NumberFormat(typeof navigator === 'undefined' ? undefined : navigator.language).format(n);
}

/** "1–50 of 100,000"; "0 of 0" for an empty result. */
export function pageRangeText(page: number, pageSize: number, rowsOnPage: number, totalCount: number): string {
  if (rowsOnPage === 0) return `0 of ${formatCount(totalCount)}`;
  const first = (page - 1) * pageSize + 1;
  return `${formatCount(first)}–${formatCount(first + rowsOnPage - 1)} of ${formatCount(totalCount)}`;
}

/** GET link of the CSV export of every license matching the filter, in the table's order. */
export function exportCsvUrl(accountId: string, filter: LicenseFilter | null, orderBy: LicenseOrder): string {
  const params = new URLSearchParams({ accountId });
  if (filter) params.set('filter', JSON.stringify(filter));
  params.set('orderBy', JSON.stringify(orderBy));
  return `/api/licenses/export.csv?${params.toString()}`;
}

/** The most licenses one ZIP download may contain. */
export const MAX_ZIP_LICENSES = 500;

/** GET link of a ZIP with the license files of `ids`. */
export function licenseFilesZipUrl(accountId: string | null, ids: readonly string[]): string {
  const params = new URLSearchParams();
  if (accountId) params.set('accountId', accountId);
  params.set('ids', ids.join(','));
  return `/api/licenses/files.zip?${params.toString()}`;
}

/** GET link of the newest active key's license file of one license. */
export function licenseFileUrl(licenseId: string): string {
  return `/api/licenses/${encodeURIComponent(licenseId)}/license.lic`;
}

/** Columns of the licenses table that can be hidden; custom fields use "cf:<id>". */
export const BUILT_IN_COLUMNS = [
  { key: 'serialNumber', label: 'Serial number' },
  { key: 'activationKey', label: 'Activation key' },
  { key: 'status', label: 'Status' },
  { key: 'quantity', label: 'Quantity' },
  { key: 'maintenanceUntil', label: 'Maintenance until' },
  { key: 'hostId', label: 'Host ID' },
  { key: 'owner', label: 'Owner' },
  { key: 'createdAt', label: 'Created' },
] as const;

export const customFieldColumn = (fieldId: string) => `cf:${fieldId}`;

const COLUMNS_KEY = 'portal.licenseColumns';
// The activation key is a column one click away: with it the table would not fit 1280 px beside
// a couple of custom fields, and the serial number already tells licenses of one product apart.
const DEFAULT_HIDDEN = ['owner', 'activationKey'];

/** Hidden columns of the licenses table, remembered per account in this browser. */
export function readHiddenColumns(accountId: string): string[] {
  try {
    const raw = localStorage.getItem(`${COLUMNS_KEY}.${accountId}`);
    if (raw === null) return [...DEFAULT_HIDDEN];
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [...DEFAULT_HIDDEN];
  } catch {
    return [...DEFAULT_HIDDEN];
  }
}

export function writeHiddenColumns(accountId: string, hidden: readonly string[]): void {
  try {
    localStorage.setItem(`${COLUMNS_KEY}.${accountId}`, JSON.stringify(hidden));
  } catch {
    /* storage unavailable: the choice lasts for this page only */
  }
}
