/** The Reports page's pure parts: which accounts a report covers, the keys-issued range, the CSV links and chart rows. */

export const REPORT_TABLES = [
  'licenses-by-product',
  'maintenance-by-month',
  'keys-issued-by-day',
  'keys-issued-by-kind',
  'activations-by-product',
  'portfolio',
] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

/** The longest keys-issued range the server answers (a year, leap day included). */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

export interface DateRange {
  from: string;
  to: string;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function parseDay(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || isoDay(date) !== text ? null : date;
}

/** The last 30 days up to `today` (UTC), today included: what the server answers without a range. */
export function defaultRange(today: Date = new Date()): DateRange {
  const to = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const from = new Date(to.getTime() - (DEFAULT_RANGE_DAYS - 1) * 86_400_000);
  return { from: isoDay(from), to: isoDay(to) };
}

/** What is wrong with a range, per field, before it is sent (the server checks the same). */
export function rangeProblems(range: DateRange): Partial<Record<keyof DateRange, string>> {
  const from = parseDay(range.from);
  const to = parseDay(range.to);
  const problems: Partial<Record<keyof DateRange, string>> = {};
  if (!from) problems.from = 'Enter a date, e.g. 2026-11-01.';
  if (!to) problems.to = 'Enter a date, e.g. 2026-11-30.';
  if (from && to) {
    const days = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
    if (days < 1) problems.to = 'The range ends before it starts.';
    else if (days > MAX_RANGE_DAYS) problems.to = `Ask for at most ${MAX_RANGE_DAYS} days at a time.`;
  }
  return problems;
}

/** The CSV download of one report, over the same accounts (and range) the page shows. */
export function reportCsvPath(table: ReportTable, accountId: string | null, range?: DateRange): string {
  const params = new URLSearchParams();
  if (accountId) params.set('accountId', accountId);
  if (range && table.startsWith('keys-issued')) {
    params.set('from', range.from);
    params.set('to', range.to);
  }
  const query = params.toString();
  return `/api/reports/${table}.csv${query ? `?${query}` : ''}`;
}

export const STATUS_ORDER = ['ACTIVE', 'EXPIRING', 'MAINTENANCE_LAPSED', 'EXPIRED', 'SUPERSEDED', 'REVOKED'] as const;
export type ReportStatus = (typeof STATUS_ORDER)[number];

export const STATUS_LABELS: Record<ReportStatus, string> = {
  ACTIVE: 'Active',
  EXPIRING: 'Expiring',
  MAINTENANCE_LAPSED: 'Maintenance lapsed',
  EXPIRED: 'Expired',
  SUPERSEDED: 'Superseded',
  REVOKED: 'Revoked',
};

/** Distinguishable by colour and readable on white; the table beside each chart carries the same figures. */
export const STATUS_COLORS: Record<ReportStatus, string> = {
  ACTIVE: '#1d7a46',
  EXPIRING: '#b45309',
  MAINTENANCE_LAPSED: '#7c3aed',
  EXPIRED: '#b91c1c',
  SUPERSEDED: '#64748b',
  REVOKED: '#334155',
};

interface ProductStatusRow {
  product: { sku: string; name: string; version: string };
  status: string;
  licenses: number;
}

export type ProductStatusBar = { product: string } & Partial<Record<ReportStatus, number>> & { total: number };

/** One bar per product (SKU order), its licenses stacked by status; the statuses present, in the one status order. */
export function pivotByStatus(rows: readonly ProductStatusRow[]): { bars: ProductStatusBar[]; statuses: ReportStatus[] } {
  const bars = new Map<string, ProductStatusBar>();
  const present = new Set<string>();
  for (const row of rows) {
    const label = `${row.product.name} ${row.product.version}`;
    const bar = bars.get(row.product.sku) ?? { product: label, total: 0 };
    const status = row.status as ReportStatus;
    bar[status] = (bar[status] ?? 0) + row.licenses;
    bar.total += row.licenses;
    bars.set(row.product.sku, bar);
    present.add(row.status);
  }
  return { bars: [...bars.values()], statuses: STATUS_ORDER.filter((s) => present.has(s)) };
}

/** "Dec 2026" for "2026-12" (the month itself, no time-zone shift). */
export function monthLabel(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(typeof navigator === 'undefined' ? undefined : navigator.language, {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

export const KIND_LABELS: Record<string, string> = {
  NEW: 'Get a Key (new and renewals)',
  UPGRADE: 'Version Upgrade',
  REHOST: 'Re-host',
  FLEX: 'Enterprise Flexible',
  VOUCHER: 'Voucher conversion',
};

/** A kind of key request as people call it; null: keys signed outside any request (imported). */
export function kindLabel(kind: string | null): string {
  return kind === null ? 'Imported (no key request)' : (KIND_LABELS[kind] ?? kind);
}
