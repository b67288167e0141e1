/** Enterprise Flexible: points, the burn-down series, the cart and where an error belongs. */

/** "20,000 points", "1 point". */
export function formatPoints(points: number): string {
  return `${formatNumber(points)} point${Math.abs(points) === 1 ? '' : 's'}`;
}

/** "20,000" in the browser's locale. */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(typeof navigator === 'undefined' ? undefined : navigator.language).format(value);
}

/** "HARD" → "Hard: no overage"; "SOFT" 10 % of 20,000 → "Soft: up to 10 % over (2,000 points)". */
export function overageText(policy: string, percent: number, committed: number): string {
  if (policy !== 'SOFT') return 'Hard: draw-downs stop at the commitment';
  const extra = Math.floor((committed * percent) / 100);
  return `Soft: up to ${percent}\u00a0% over the commitment (${formatPoints(extra)}), billed at true-up`;
}

/** What share of `whole` `part` is, 0 to 100, rounded to one decimal. */
export function percentOf(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.round((part / whole) * 1000) / 10;
}

// ---- Burn-down

export interface BurnDownPoint {
  /** YYYY-MM, the month whose end the point stands for; "start" for the first point. */
  key: string;
  /** Axis label: "Jan 2026" (the start: the contract's first day). */
  label: string;
  /** The straight line from the commitment at the start to 0 at the end. */
  planned: number;
  /** Points remaining at the end of this month (today for the current month); null for months to come. */
  remaining: number | null;
}

interface ContractTerm {
  startsOn: string;
  endsOn: string;
  committedPoints: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function parseDate(value: string): number {
  const [y, m, d] = value.split('-').map(Number);
  return Date.UTC(y!, (m ?? 1) - 1, d ?? 1);
}

function monthKey(time: number): string {
  const date = new Date(time);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthLabel(time: number): string {
  return new Intl.DateTimeFormat(typeof navigator === 'undefined' ? undefined : navigator.language, {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(time));
}

/**
 * Points remaining over the contract's term, one point per month (at its last
 * day, or the contract's end), from the monthly consumption (net points of what
 * was drawn and not returned, by draw-down month), against the straight line
 * from the commitment to 0 at the end of the term. Months after `today` have
 * no remaining value.
 */
export function burnDownSeries(
  contract: ContractTerm,
  consumption: readonly { month: string | null; points: number }[],
  today: Date = new Date(),
): BurnDownPoint[] {
  const start = parseDate(contract.startsOn);
  // The term ends at the end of its last day.
  const end = parseDate(contract.endsOn) + DAY_MS;
  if (!(end > start)) return [];
  const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) + DAY_MS;
  const byMonth = new Map<string, number>();
  for (const row of consumption) {
    if (row.month) byMonth.set(row.month, (byMonth.get(row.month) ?? 0) + row.points);
  }
  // Draw-downs before the start (none expected) count from the first month.
  const startKey = monthKey(start);
  let consumed = 0;
  for (const [key, points] of byMonth) if (key < startKey) consumed += points;

  const planned = (time: number) =>
    Math.max(0, Math.round(contract.committedPoints * (1 - (Math.min(time, end) - start) / (end - start))));
  const series: BurnDownPoint[] = [
    { key: 'start', label: monthLabel(start), planned: contract.committedPoints, remaining: now > start ? contract.committedPoints : null },
  ];
  const cursor = new Date(start);
  for (let i = 0; i < 240; i += 1) {
    const monthStart = Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + i, 1);
    if (monthStart >= end) break;
    const monthEnd = Math.min(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + i + 1, 1), end);
    const key = monthKey(monthStart);
    consumed += byMonth.get(key) ?? 0;
    const started = now > monthStart;
    series.push({
      key,
      label: monthLabel(monthStart),
      planned: planned(monthEnd),
      remaining: started ? contract.committedPoints - consumed : null,
    });
  }
  return series;
}

/** Where the contract stands against the plan today: positive = points ahead of (under) plan. */
export function planVariance(series: readonly BurnDownPoint[]): number | null {
  const last = [...series].reverse().find((point) => point.remaining !== null);
  if (!last || last.remaining === null) return null;
  return last.remaining - last.planned;
}

// ---- Cart

export interface CartLine {
  productId: string;
  /** The quantity as typed (may be empty or invalid while editing). */
  quantity: string;
}

export interface CatalogPrice {
  pointsPerUnit: number;
  product: { id: string };
}

/** A typed quantity as a whole number ≥ 1, or null. */
export function parseQuantity(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : null;
}

/** The points a cart costs at the catalog's prices (lines with an invalid quantity count 0). */
export function cartTotal(lines: readonly CartLine[], catalog: readonly CatalogPrice[]): number {
  const prices = new Map(catalog.map((item) => [item.product.id, item.pointsPerUnit]));
  return lines.reduce((sum, line) => sum + (parseQuantity(line.quantity) ?? 0) * (prices.get(line.productId) ?? 0), 0);
}

export const MAX_QUANTITY = 100_000;
export const MAX_LINES = 50;

/** The client-side problems of a cart, by line index, before anything is sent. */
export function cartProblems(lines: readonly CartLine[]): Record<number, string> {
  const problems: Record<number, string> = {};
  lines.forEach((line, index) => {
    const quantity = parseQuantity(line.quantity);
    if (quantity === null) problems[index] = 'Enter a whole number of units, at least 1.';
    else if (quantity > MAX_QUANTITY) problems[index] = `At most ${formatNumber(MAX_QUANTITY)} units per product.`;
  });
  return problems;
}

// ---- Errors

/** Where a draw-down error goes: a cart line (its quantity or product), the cart as a whole, the registration, or the top. */
export interface PlacedFlexErrors {
  lines: Record<number, string>;
  cart: string[];
  registration: string[];
  general: string[];
}

export const NO_FLEX_ERRORS: PlacedFlexErrors = { lines: {}, cart: [], registration: [], general: [] };

const LINE_FIELD = /^items\[(\d+)\]/;

/**
 * Sorts an error (and an InvalidInput's field errors) by the input field it
 * names: `items[2].quantity` to cart line 2, `items` and exhausted points to
 * the cart, `registration…` and `hostId` to the registration.
 */
export function placeFlexErrors(
  outcome: {
    __typename?: string;
    message: string;
    field?: string | null;
    fieldErrors?: readonly { field: string; message: string }[];
  },
): PlacedFlexErrors {
  const placed: PlacedFlexErrors = { lines: {}, cart: [], registration: [], general: [] };
  const put = (field: string | null | undefined, message: string) => {
    const line = field ? LINE_FIELD.exec(field) : null;
    if (line) {
      const index = Number(line[1]);
      placed.lines[index] = placed.lines[index] ? `${placed.lines[index]} ${message}` : message;
    } else if (field === 'items') placed.cart.push(message);
    else if (field && (field === 'hostId' || field.startsWith('registration'))) placed.registration.push(message);
    else placed.general.push(message);
  };
  const message = outcome.message || 'The draw-down could not be completed.';
  if (outcome.__typename === 'FlexPointsExhausted') {
    placed.cart.push(message);
    return placed;
  }
  if (outcome.fieldErrors && outcome.fieldErrors.length > 0) {
    for (const error of outcome.fieldErrors) put(error.field, error.message);
    return placed;
  }
  put(outcome.field, message);
  return placed;
}

/** True when nothing was placed. */
export function noFlexErrors(errors: PlacedFlexErrors): boolean {
  return (
    Object.keys(errors.lines).length === 0 && errors.cart.length === 0 && errors.registration.length === 0 && errors.general.length === 0
  );
}

/** The CSV a super user takes to the true-up, for one contract. */
export function trueUpCsvPath(contractId: string): string {
  return `/exports/flex/${encodeURIComponent(contractId)}/true-up.csv`;
}

/** A deployment can be returned until its window closes, once. */
export function isReturnable(deployment: { returnedAt: string | null; returnableUntil: string }, now: Date = new Date()): boolean {
  return deployment.returnedAt === null && new Date(deployment.returnableUntil).getTime() > now.getTime();
}
