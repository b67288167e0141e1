function locale(): string | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.language;
}

/** "12 Mar 2025, 14:05" in the browser's locale; the raw value when it cannot be parsed. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "12 Mar 2025" for a calendar date ("2025-03-12"), without shifting it across time zones. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: match ? 'UTC' : undefined }).format(date);
}

/** "12 months", "1 month". */
export function formatMonths(months: number): string {
  return `${months} month${months === 1 ? '' : 's'}`;
}

/** "5 seats", "1 seat". */
export function formatSeats(quantity: number): string {
  return `${quantity} seat${quantity === 1 ? '' : 's'}`;
}

/** "in 1 minute 5 seconds", "in 30 seconds". */
export function formatWait(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  const parts: string[] = [];
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? '' : 's'}`);
  if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** Title-cases an enum value: "MAINTENANCE_LAPSED" → "Maintenance lapsed". */
export function humanize(value: string): string {
  const text = value.replace(/_/g, ' ').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
