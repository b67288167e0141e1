import { describe, expect, it } from 'vitest';
import { activationRefusalText, activeKey, canRehost, isLicenseCurrent, licenseActivationKey, licenseSerialNumbers } from './licenses';

const keys = [
  { id: 'old', status: 'REVOKED', issuedAt: '2025-01-01T00:00:00Z' },
  { id: 'a1', status: 'ACTIVE', issuedAt: '2025-02-01T00:00:00Z' },
  { id: 'a2', status: 'ACTIVE', issuedAt: '2025-03-01T00:00:00Z' },
];

describe('licenses', () => {
  it('finds the newest active key', () => {
    expect(activeKey(keys)?.id).toBe('a2');
    expect(activeKey([keys[0]!])).toBeNull();
    expect(activeKey([])).toBeNull();
  });

  it('offers re-hosting only for host-locked licenses with an active key', () => {
    expect(canRehost({ product: { locking: 'HOST' }, keys })).toBe(true);
    expect(canRehost({ product: { locking: 'NONE' }, keys })).toBe(false);
    expect(canRehost({ product: { locking: 'HOST' }, keys: [keys[0]!] })).toBe(false);
  });

  it('treats superseded and revoked licenses as no longer current', () => {
    expect(isLicenseCurrent('ACTIVE')).toBe(true);
    expect(isLicenseCurrent('MAINTENANCE_LAPSED')).toBe(true);
    expect(isLicenseCurrent('SUPERSEDED')).toBe(false);
    expect(isLicenseCurrent('REVOKED')).toBe(false);
  });

  it('explains activation refusals', () => {
    expect(activationRefusalText({ code: 'HOST_MISMATCH', message: '' })).toBe('This host does not hold the license.');
    expect(activationRefusalText({ code: 'X', message: 'Nope.' })).toBe('Nope.');
  });

  it('names a license by its serial numbers (as printed) and the activation key in use', () => {
    expect(licenseSerialNumbers([{ number: 'M1234567890' }, { number: 'r9876543210' }])).toEqual(['M123-456-7890', 'R987-654-3210']);
    expect(licenseSerialNumbers(undefined)).toEqual([]);
    const withKeys = keys.map((key) => ({ ...key, activationKey: `KEY-${key.id}` }));
    expect(licenseActivationKey(withKeys)).toBe('KEY-a2');
    // Every key revoked or superseded: still the newest one, which the customer may hold.
    expect(licenseActivationKey([withKeys[0]!, { ...withKeys[1]!, status: 'SUPERSEDED' }])).toBe('KEY-a1');
    expect(licenseActivationKey([])).toBeNull();
  });
});

