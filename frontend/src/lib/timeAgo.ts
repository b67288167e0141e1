function locale(): string | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.language;
}

const STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago" for a past instant. */
export function timeAgo(value: string, now: number = Date.now()): string {
  const then = Date.parse(value);
  if (Number.isNaN(then)) return value;
  let amount = (now - then) / 1000;
  if (amount < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return format.format(-Math.round(amount), unit);
    amount /= size;
  }
  return format.format(-Math.round(amount), 'year');
}
