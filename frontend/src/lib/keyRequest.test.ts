import { describe, expect, it } from 'vitest';
import { newerSnapshot, summariseProducts } from './keyRequest';

describe('newerSnapshot', () => {
  const a = { id: '1', updatedAt: '2025-01-01T10:00:00Z', status: 'DRAFT' };
  const b = { id: '1', updatedAt: '2025-01-01T10:00:05Z', status: 'SUBMITTED' };

  it('returns the most recently updated snapshot', () => {
    expect(newerSnapshot(a, b)).toBe(b);
    expect(newerSnapshot(b, a)).toBe(b);
  });

  it('handles missing snapshots and ties', () => {
    expect(newerSnapshot(null, b)).toBe(b);
    expect(newerSnapshot(a, null)).toBe(a);
    expect(newerSnapshot(a, { ...a })).toBe(a);
  });

  it('ignores a snapshot of a different request', () => {
    expect(newerSnapshot(a, { ...b, id: '2' })).toBe(a);
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
