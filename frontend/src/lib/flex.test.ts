import { describe, expect, it } from 'vitest';
import { burnDownSeries, cartProblems, cartTotal, isReturnable, overageText, placeFlexErrors, planVariance, trueUpCsvPath } from './flex';

const contract = { startsOn: '2026-01-01', endsOn: '2026-12-31', committedPoints: 1200 };

describe('burnDownSeries', () => {
  it('runs from the commitment to 0 over the term, with what remains up to today', () => {
    const series = burnDownSeries(
      contract,
      [
        { month: '2026-01', points: 100 },
        { month: '2026-03', points: 300 },
      ],
      new Date(Date.UTC(2026, 2, 15)),
    );
    expect(series).toHaveLength(13);
    expect(series[0]).toMatchObject({ key: 'start', planned: 1200, remaining: 1200 });
    expect(series[1]).toMatchObject({ key: '2026-01', remaining: 1100 });
    expect(series[2]).toMatchObject({ key: '2026-02', remaining: 1100 });
    expect(series[3]).toMatchObject({ key: '2026-03', remaining: 800 });
    expect(series[4]!.remaining).toBeNull();
    expect(series[12]).toMatchObject({ key: '2026-12', planned: 0, remaining: null });
    // After three of twelve months the straight line stands near three quarters of the commitment.
    expect(series[3]!.planned).toBeGreaterThan(890);
    expect(series[3]!.planned).toBeLessThan(910);
    expect(planVariance(series)).toBe(800 - series[3]!.planned);
  });

  it('has nothing remaining to show before the start', () => {
    const series = burnDownSeries(contract, [], new Date(Date.UTC(2025, 5, 1)));
    expect(series.every((point) => point.remaining === null)).toBe(true);
    expect(planVariance(series)).toBeNull();
  });

  it('goes below zero in overage', () => {
    const series = burnDownSeries(contract, [{ month: '2026-01', points: 1300 }], new Date(Date.UTC(2026, 0, 20)));
    expect(series[1]!.remaining).toBe(-100);
  });
});

describe('the cart', () => {
  const catalog = [
    { pointsPerUnit: 12, product: { id: 'a' } },
    { pointsPerUnit: 20, product: { id: 'b' } },
  ];

  it('totals the points of valid lines', () => {
    expect(cartTotal([{ productId: 'a', quantity: '10' }, { productId: 'b', quantity: '5' }], catalog)).toBe(220);
    expect(cartTotal([{ productId: 'a', quantity: '' }, { productId: 'b', quantity: '2' }], catalog)).toBe(40);
  });

  it('flags quantities that are not whole numbers from 1', () => {
    expect(cartProblems([{ productId: 'a', quantity: '0' }, { productId: 'b', quantity: '2.5' }, { productId: 'a', quantity: '3' }])).toEqual({
      0: expect.stringContaining('at least 1'),
      1: expect.stringContaining('whole number'),
    });
    expect(cartProblems([{ productId: 'a', quantity: '100001' }])[0]).toMatch(/At most/);
  });
});

describe('placeFlexErrors', () => {
  it('puts field errors next to the cart line they name', () => {
    const placed = placeFlexErrors({
      __typename: 'InvalidInput',
      message: 'Check the cart.',
      field: null,
      fieldErrors: [
        { field: 'items[1].quantity', message: 'From 1 to 100,000 units.' },
        { field: 'items', message: 'Choose 1 to 50 products.' },
        { field: 'registration.company', message: 'Enter the company.' },
      ],
    });
    expect(placed.lines).toEqual({ 1: 'From 1 to 100,000 units.' });
    expect(placed.cart).toEqual(['Choose 1 to 50 products.']);
    expect(placed.registration).toEqual(['Enter the company.']);
    expect(placed.general).toEqual([]);
  });

  it('puts exhausted points at the cart and the rest at the top', () => {
    expect(placeFlexErrors({ __typename: 'FlexPointsExhausted', message: 'Only 10 remain.', field: 'keyRequestId' }).cart).toEqual([
      'Only 10 remain.',
    ]);
    expect(placeFlexErrors({ __typename: 'FlexContractNotActive', message: 'Ended.', field: 'keyRequestId' }).general).toEqual(['Ended.']);
  });
});

describe('small helpers', () => {
  it('describes the overage policy', () => {
    expect(overageText('HARD', 0, 1000)).toMatch(/stop at the commitment/);
    expect(overageText('SOFT', 10, 20000)).toMatch(/10\u00a0% .*2,000 points/);
  });

  it('knows when a deployment can still be returned', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(isReturnable({ returnedAt: null, returnableUntil: '2026-06-02T00:00:00Z' }, now)).toBe(true);
    expect(isReturnable({ returnedAt: null, returnableUntil: '2026-05-31T00:00:00Z' }, now)).toBe(false);
    expect(isReturnable({ returnedAt: '2026-05-20T00:00:00Z', returnableUntil: '2026-06-02T00:00:00Z' }, now)).toBe(false);
  });

  it('builds the true-up download path', () => {
    expect(trueUpCsvPath('Rmxl:1')).toBe('/exports/flex/Rmxl%3A1/true-up.csv');
  });
});
