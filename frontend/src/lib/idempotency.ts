const PREFIX = 'portal.confirm-key.';

/** A random UUID; falls back to getRandomValues where randomUUID is unavailable (non-secure origins). */
export function newUuid(): string {
  const c: Crypto | undefined = typeof crypto === 'undefined' ? undefined : crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

const memory = new Map<string, string>();

/**
 * The idempotency key for confirming key request `keyRequestId`. It is created
 * once and kept in sessionStorage, so a double click, a retry after a network
 * error or a reload sends the same key and the server issues keys only once.
 */
export function confirmIdempotencyKey(keyRequestId: string, store: Storage | null = storage()): string {
  const name = PREFIX + keyRequestId;
  const existing = store ? safeGet(store, name) : memory.get(name);
  if (existing) return existing;
  const key = newUuid();
  if (store) safeSet(store, name, key);
  else memory.set(name, key);
  return key;
}

/** Forgets the key after the server definitively rejected the attempt, so the next attempt is a new one. */
export function resetConfirmIdempotencyKey(keyRequestId: string, store: Storage | null = storage()): void {
  const name = PREFIX + keyRequestId;
  memory.delete(name);
  if (store) {
    try {
      store.removeItem(name);
    } catch {
      /* storage unavailable: nothing to forget */
    }
  }
}

function safeGet(store: Storage, name: string): string | null {
  try {
    return store.getItem(name);
  } catch {
    return memory.get(name) ?? null;
  }
}

function safeSet(store: Storage, name: string, value: string): void {
  try {
    store.setItem(name, value);
  } catch {
    memory.set(name, value);
  }
}
