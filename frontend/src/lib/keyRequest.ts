interface Versioned {
  id: string;
  updatedAt: string;
}

/**
 * Of two snapshots of the same key request (from a query, a mutation or the
 * subscription) returns the most recently updated one; `a` wins a tie.
 */
export function newerSnapshot<T extends Versioned>(a: T | null | undefined, b: T | null | undefined): T | null {
  if (!a) return b ?? null;
  if (!b || b.id !== a.id) return a;
  const ta = Date.parse(a.updatedAt);
  const tb = Date.parse(b.updatedAt);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return b;
  return tb > ta ? b : a;
}

export interface ProductLike {
  id: string;
  name: string;
  version: string;
}

export interface SerialWithProduct<P extends ProductLike = ProductLike> {
  number: string;
  quantity: number;
  maintenanceMonths: number;
  product: P;
}

export interface ProductSummary<P extends ProductLike = ProductLike> {
  product: P;
  serials: string[];
  seats: number;
  maintenanceMonths: number;
}

/** Groups a request's serials by product: total seats and the longest maintenance term. */
export function summariseProducts<P extends ProductLike>(serials: readonly SerialWithProduct<P>[]): ProductSummary<P>[] {
  const byProduct = new Map<string, ProductSummary<P>>();
  for (const serial of serials) {
    const entry = byProduct.get(serial.product.id);
    if (entry) {
      entry.serials.push(serial.number);
      entry.seats += serial.quantity;
      entry.maintenanceMonths = Math.max(entry.maintenanceMonths, serial.maintenanceMonths);
    } else {
      byProduct.set(serial.product.id, {
        product: serial.product,
        serials: [serial.number],
        seats: serial.quantity,
        maintenanceMonths: serial.maintenanceMonths,
      });
    }
  }
  return Array.from(byProduct.values());
}
