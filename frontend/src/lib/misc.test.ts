import { describe, expect, it } from 'vitest';
import { canRequestKeys, pickMembership } from './accounts';
import { isAuthError } from './authErrors';
import { countryName, countryOptions, ISO_COUNTRY_CODES } from './countries';
import { licenseFileName } from './files';
import { formatMonths, formatWait, humanize } from './format';

describe('countries', () => {
  it('lists all 249 ISO 3166-1 alpha-2 codes once', () => {
    expect(ISO_COUNTRY_CODES).toHaveLength(249);
    expect(new Set(ISO_COUNTRY_CODES).size).toBe(249);
    expect(ISO_COUNTRY_CODES.every((c) => /^[A-Z]{2}$/.test(c))).toBe(true);
  });

  it('names countries through Intl.DisplayNames and sorts by name', () => {
    expect(countryName('de', 'en')).toBe('Germany');
    const options = countryOptions('en');
    const names = options.map((o) => o.name);
    expect(names).toEqual([...names].sort((x, y) => new Intl.Collator('en').compare(x, y)));
    expect(options.find((o) => o.code === 'JP')?.name).toBe('Japan');
  });

  it('keeps an unusual prefilled code selectable', () => {
    expect(countryOptions('en', 'xk').some((o) => o.code === 'XK')).toBe(true);
  });
});

describe('accounts', () => {
  const memberships = [
    { role: 'VIEWER' as const, account: { id: 'a1', name: 'One', kind: 'CUSTOMER' } },
    { role: 'ADMIN' as const, account: { id: 'a2', name: 'Two', kind: 'PARTNER' } },
  ];

  it('picks the remembered account, else the first', () => {
    expect(pickMembership(memberships, 'a2')?.account.id).toBe('a2');
    expect(pickMembership(memberships, 'gone')?.account.id).toBe('a1');
    expect(pickMembership(memberships, null)?.account.id).toBe('a1');
    expect(pickMembership([], 'a1')).toBeNull();
  });

  it('lets admins and members request keys, not viewers', () => {
    expect(canRequestKeys('ADMIN')).toBe(true);
    expect(canRequestKeys('MEMBER')).toBe(true);
    expect(canRequestKeys('VIEWER')).toBe(false);
  });
});

describe('isAuthError', () => {
  it('recognises "not signed in" errors by code, message or HTTP 401', () => {
    expect(isAuthError({ graphQLErrors: [{ message: 'Not signed in' }] })).toBe(true);
    expect(isAuthError({ graphQLErrors: [{ message: 'x', extensions: { code: 'UNAUTHENTICATED' } }] })).toBe(true);
    expect(isAuthError({ graphQLErrors: [], response: { status: 401 } })).toBe(true);
  });

  it('does not treat other errors as sign-out', () => {
    expect(isAuthError({ graphQLErrors: [{ message: 'Forbidden: viewers cannot do this' }] })).toBe(false);
    expect(isAuthError({ graphQLErrors: [], networkError: new Error('offline') })).toBe(false);
    expect(isAuthError(null)).toBe(false);
  });
});

describe('formatting', () => {
  it('formats waits, months, enum values and license file names', () => {
    expect(formatWait(5)).toBe('5 seconds');
    expect(formatWait(61)).toBe('1 minute 1 second');
    expect(formatWait(120)).toBe('2 minutes');
    expect(formatMonths(1)).toBe('1 month');
    expect(humanize('MAINTENANCE_LAPSED')).toBe('Maintenance lapsed');
    expect(licenseFileName('ABCD-1234-EF')).toBe('ABCD-1234-EF.lic');
    expect(licenseFileName('a/b c')).toBe('a-b-c.lic');
  });
});
