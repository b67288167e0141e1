/**
 * Splits what a customer pasted from a license certificate into serial
 * numbers. Entries may be separated by new lines, commas, semicolons, tabs or
 * spaces. Empty entries are dropped and repeated entries (ignoring case) are
 * kept once, in the order they were first typed.
 */
export function parseSerialText(text: string): string[] {
  const seen = new Set<string>();
  const serials: string[] = [];
  for (const piece of text.split(/[\s,;]+/)) {
    const serial = piece.trim();
    if (!serial) continue;
    const key = serial.toUpperCase();
    if (seen.has(key)) continue;
    seen.add(key);
    serials.push(serial);
  }
  return serials;
}

export interface SerialProblemLike {
  serialNumber: string;
  code: string;
  message: string;
}

/**
 * Orders rejected-serial problems the way the customer entered the serials,
 * so the list reads top-to-bottom like the textarea. Problems for serials
 * that are not in `entered` keep their relative order and go last.
 */
export function orderProblems<T extends SerialProblemLike>(problems: readonly T[], entered: readonly string[]): T[] {
  const position = new Map<string, number>();
  entered.forEach((serial, index) => {
    const key = serial.trim().toUpperCase();
    if (!position.has(key)) position.set(key, index);
  });
  return problems
    .map((problem, index) => ({
      problem,
      index,
      rank: position.get(problem.serialNumber.trim().toUpperCase()) ?? Number.MAX_SAFE_INTEGER,
    }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.problem);
}

/** "1 serial number" / "3 serial numbers". */
export function serialCountLabel(count: number): string {
  return `${count} serial number${count === 1 ? '' : 's'}`;
}

/**
 * The one way the portal shows a serial number: grouped for reading aloud,
 * "M123-456-7890" (as on the certificate, in the CSV export and in the API's
 * problems). Anything that is not a serial number is shown as it is.
 */
export function formatSerial(number: string): string {
  const compact = number.replace(/[\s._-]+/g, '').toUpperCase();
  return /^[A-Z]\d{10}$/.test(compact) ? `${compact.slice(0, 4)}-${compact.slice(4, 7)}-${compact.slice(7)}` : number;
}

interface SeatLike {
  kind: string;
  quantity: number;
  product: { id: string; name: string; version: string };
}

/** New seats per product, in the order the products first appear; renewals add none. */
export function newSeatsByProduct(serials: readonly SeatLike[]): { product: SeatLike['product']; seats: number }[] {
  const byProduct = new Map<string, { product: SeatLike['product']; seats: number }>();
  for (const serial of serials) {
    if (serial.kind === 'RENEWAL') continue;
    const entry = byProduct.get(serial.product.id) ?? { product: serial.product, seats: 0 };
    entry.seats += serial.quantity;
    byProduct.set(serial.product.id, entry);
  }
  return [...byProduct.values()];
}
