import { describe, expect, it } from 'vitest';
import { confirmIdempotencyKey, newUuid, resetConfirmIdempotencyKey } from './idempotency';

describe('confirmIdempotencyKey', () => {
  it('creates one key per key request and reuses it', () => {
    const first = confirmIdempotencyKey('kr-1');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(confirmIdempotencyKey('kr-1')).toBe(first);
    expect(confirmIdempotencyKey('kr-2')).not.toBe(first);
  });

  it('keeps the key in sessionStorage so a reload reuses it', () => {
    const key = confirmIdempotencyKey('kr-3');
    expect(Object.values({ ...sessionStorage })).toContain(key);
  });

  it('issues a fresh key after a reset', () => {
    const first = confirmIdempotencyKey('kr-4');
    resetConfirmIdempotencyKey('kr-4');
    expect(confirmIdempotencyKey('kr-4')).not.toBe(first);
  });

  it('works without randomUUID (plain HTTP origins)', () => {
    const original = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      expect(newUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: original, configurable: true });
    }
  });
});
