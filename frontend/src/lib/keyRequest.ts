interface Versioned {
  id: string;
  updatedAt: string;
}

/**
 * What is known of one key request, gathered from the page's query, mutation
 * answers and subscription frames. Answers and frames may carry only some of
 * the request's fields (those their step changes), so each field keeps the
 * `updatedAt` of the snapshot it came from: a newer snapshot overwrites the
 * fields it carries, an older one only fills in fields not yet known.
 */
export interface SnapshotState {
  fields: Record<string, unknown>;
  versions: Record<string, number>;
  /** True once a whole snapshot (the page's query) has been merged in. */
  complete: boolean;
}

export const EMPTY_SNAPSHOT: SnapshotState = { fields: {}, versions: {}, complete: false };

/** Merges `next` into `state`; a snapshot of another request is ignored. */
export function mergeSnapshot<V extends Versioned>(state: SnapshotState, next: V, whole = false): SnapshotState {
  if (state.fields.id !== undefined && state.fields.id !== next.id) return state;
  const parsed = Date.parse(next.updatedAt);
  const at = Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
  const fields = { ...state.fields };
  const versions = { ...state.versions };
  for (const [name, value] of Object.entries(next)) {
    const known = versions[name];
    if (known === undefined || at >= known) {
      fields[name] = value;
      versions[name] = at;
    }
  }
  return { fields, versions, complete: state.complete || whole };
}

/** The merged request once a whole snapshot is in, else null. */
export function snapshotValue<T extends Versioned>(state: SnapshotState): T | null {
  return state.complete ? (state.fields as unknown as T) : null;
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

/**
 * Whether the signed-in user may discard `request`: only a draft, and only its
 * creator or an admin of its account (as the server decides).
 */
export function mayDiscardDraft(
  request: { status: string; requestedBy?: { id: string } | null },
  userId: string | null | undefined,
  role: string | null | undefined,
): boolean {
  if (request.status !== 'DRAFT') return false;
  return role === 'ADMIN' || (!!userId && request.requestedBy?.id === userId);
}
