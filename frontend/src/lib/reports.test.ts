import { describe, expect, it } from 'vitest';
import { defaultRange, kindLabel, monthLabel, pivotByStatus, rangeProblems, reportCsvPath } from './reports';

describe('reports', () => {
  it('defaults to the last 30 UTC days, today included', () => {
    expect(defaultRange(new Date('2026-12-03T23:30:00Z'))).toEqual({ from: '2026-11-04', to: '2026-12-03' });
  });

  it('checks a range as the server does', () => {
    expect(rangeProblems({ from: '2026-11-01', to: '2026-11-30' })).toEqual({});
    expect(rangeProblems({ from: '2026-12-01', to: '2026-11-30' }).to).toBe('The range ends before it starts.');
    expect(rangeProblems({ from: '2025-11-30', to: '2026-12-01' }).to).toBe('Ask for at most 366 days at a time.');
    expect(rangeProblems({ from: '2025-12-01', to: '2026-12-01' })).toEqual({});
    expect(rangeProblems({ from: '2026-02-30', to: '' })).toEqual({ from: 'Enter a date, e.g. 2026-11-01.', to: 'Enter a date, e.g. 2026-11-30.' });
  });

  it('links each CSV to the same accounts and, for keys, the same range', () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    expect(reportCsvPath('portfolio', null, range)).toBe('/api/reports/portfolio.csv');
    expect(reportCsvPath('licenses-by-product', 'QWNjb3VudDox', range)).toBe('/api/reports/licenses-by-product.csv?accountId=QWNjb3VudDox');
    expect(reportCsvPath('keys-issued-by-day', null, range)).toBe('/api/reports/keys-issued-by-day.csv?from=2026-11-01&to=2026-11-30');
  });

  it('stacks each product by status in the one status order', () => {
    const product = (sku: string, name: string) => ({ sku, name, version: '1' });
    const { bars, statuses } = pivotByStatus([
      { product: product('A', 'Alpha'), status: 'REVOKED', licenses: 1 },
      { product: product('A', 'Alpha'), status: 'ACTIVE', licenses: 4 },
      { product: product('B', 'Beta'), status: 'EXPIRING', licenses: 2 },
    ]);
    expect(statuses).toEqual(['ACTIVE', 'EXPIRING', 'REVOKED']);
    expect(bars).toEqual([
      { product: 'Alpha 1', ACTIVE: 4, REVOKED: 1, total: 5 },
      { product: 'Beta 1', EXPIRING: 2, total: 2 },
    ]);
  });

  it('names months and kinds of request', () => {
    expect(monthLabel('2026-12')).toMatch(/Dec/);
    expect(monthLabel('soon')).toBe('soon');
    expect(kindLabel('VOUCHER')).toBe('Voucher conversion');
    expect(kindLabel(null)).toBe('Imported (no key request)');
  });
});
