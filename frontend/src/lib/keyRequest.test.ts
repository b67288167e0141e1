import { describe, expect, it } from 'vitest';
import { EMPTY_SNAPSHOT, mayDiscardDraft, mergeSnapshot, snapshotValue, summariseProducts } from './keyRequest';

describe('mergeSnapshot', () => {
  const whole = { id: '1', updatedAt: '2025-01-01T10:00:00Z', status: 'DRAFT', serials: ['S1'], keys: [] as string[] };
  const confirmed = { id: '1', updatedAt: '2025-01-01T10:00:05Z', status: 'SUBMITTED', keys: [] as string[] };
  const ready = { id: '1', updatedAt: '2025-01-01T10:00:06Z', status: 'READY', keys: ['K1'] };

  it('is empty until a whole snapshot is merged in', () => {
    const partial = mergeSnapshot(EMPTY_SNAPSHOT, confirmed);
    expect(snapshotValue(partial)).toBeNull();
    expect(snapshotValue(mergeSnapshot(partial, whole, true))).toEqual({ ...whole, ...confirmed });
  });

  it('lets newer snapshots overwrite the fields they carry and keeps the rest', () => {
    const state = [confirmed, ready].reduce((s, next) => mergeSnapshot(s, next), mergeSnapshot(EMPTY_SNAPSHOT, whole, true));
    expect(snapshotValue(state)).toEqual({ id: '1', updatedAt: ready.updatedAt, status: 'READY', serials: ['S1'], keys: ['K1'] });
  });

  it('lets an older snapshot only fill in fields not yet known', () => {
    const state = mergeSnapshot(mergeSnapshot(EMPTY_SNAPSHOT, ready), whole, true);
    expect(snapshotValue(state)).toEqual({ id: '1', updatedAt: ready.updatedAt, status: 'READY', serials: ['S1'], keys: ['K1'] });
  });

  it('takes the later of two snapshots with the same time', () => {
    const state = mergeSnapshot(mergeSnapshot(EMPTY_SNAPSHOT, whole, true), { ...whole, status: 'SUBMITTED' });
    expect(snapshotValue<typeof whole>(state)?.status).toBe('SUBMITTED');
  });

  it('ignores a snapshot of a different request', () => {
    const state = mergeSnapshot(EMPTY_SNAPSHOT, whole, true);
    expect(mergeSnapshot(state, { ...ready, id: '2' })).toBe(state);
  });
});

describe('summariseProducts', () => {
  it('groups serials by product with total seats and longest maintenance', () => {
    const product = { id: 'p1', name: 'Studio', version: '9' };
    const other = { id: 'p2', name: 'Server', version: '2' };
    const summary = summariseProducts([
      { number: 'S1', quantity: 5, maintenanceMonths: 12, product },
      { number: 'S2', quantity: 1, maintenanceMonths: 1, product: other },
      { number: 'S3', quantity: 2, maintenanceMonths: 24, product },
    ]);
    expect(summary).toEqual([
      { product, serials: ['S1', 'S3'], seats: 7, maintenanceMonths: 24 },
      { product: other, serials: ['S2'], seats: 1, maintenanceMonths: 1 },
    ]);
  });
});

describe('mayDiscardDraft', () => {
  const draft = { status: 'DRAFT', requestedBy: { id: 'u1' } };
  it('lets the creator and account admins discard a draft, nobody anything else', () => {
    expect(mayDiscardDraft(draft, 'u1', 'MEMBER')).toBe(true);
    expect(mayDiscardDraft(draft, 'u1', 'VIEWER')).toBe(true);
    expect(mayDiscardDraft(draft, 'u2', 'ADMIN')).toBe(true);
    expect(mayDiscardDraft(draft, 'u2', 'MEMBER')).toBe(false);
    expect(mayDiscardDraft({ status: 'DRAFT' }, 'u1', 'MEMBER')).toBe(false);
    expect(mayDiscardDraft({ ...draft, status: 'SUBMITTED' }, 'u1', 'ADMIN')).toBe(false);
    expect(mayDiscardDraft({ ...draft, status: 'EXPIRED' }, 'u1', 'ADMIN')).toBe(false);
  });
});

