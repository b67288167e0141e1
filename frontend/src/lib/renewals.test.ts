import { describe, expect, it } from 'vitest';
import { initialRenewalChoices, renewalErrorsBySerial, renewalTargets } from './renewals';

const candidates = [
  { serialNumber: 'R1', licenses: [{ id: 'a' }, { id: 'b' }] },
  { serialNumber: 'R2', licenses: [{ id: 'c' }] },
  { serialNumber: 'R3', licenses: [] },
];

describe('initialRenewalChoices', () => {
  it('prefers the saved choice, then the license the user came from, then a single candidate', () => {
    expect(initialRenewalChoices(candidates, [], null)).toEqual({ R1: '', R2: 'c', R3: '' });
    expect(initialRenewalChoices(candidates, [], 'b')).toEqual({ R1: 'b', R2: 'c', R3: '' });
    expect(initialRenewalChoices(candidates, [{ serialNumber: 'R1', license: { id: 'a' } }], 'b')).toEqual({ R1: 'a', R2: 'c', R3: '' });
  });

  it('ignores a saved choice that is no longer a candidate', () => {
    expect(initialRenewalChoices(candidates, [{ serialNumber: 'R1', license: { id: 'gone' } }], null).R1).toBe('');
  });
});

describe('renewalTargets', () => {
  it('lists the chosen renewals in candidate order and the serials still missing one', () => {
    expect(renewalTargets(candidates, { R2: 'c', R1: 'a', R3: '' })).toEqual({
      targets: [
        { serialNumber: 'R1', licenseId: 'a' },
        { serialNumber: 'R2', licenseId: 'c' },
      ],
      missing: ['R3'],
    });
  });
});

describe('renewalErrorsBySerial', () => {
  it('places renewals.<i>.licenseId on the serial sent at index i', () => {
    const sent = [
      { serialNumber: 'R1', licenseId: 'a' },
      { serialNumber: 'R2', licenseId: 'c' },
    ];
    expect(
      renewalErrorsBySerial(
        { 'renewals.1.licenseId': 'Not the same product.', 'renewals.7.licenseId': 'Stray.', keyRequestId: 'Gone.' },
        sent,
      ),
    ).toEqual({ bySerial: { R2: 'Not the same product.' }, other: ['Stray.', 'Gone.'] });
  });
});
