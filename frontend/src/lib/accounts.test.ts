import { describe, expect, it } from 'vitest';
import { asAccount, homeMembership, isPartnerUser, lesserRole, roleForScope } from './accounts';

const m = (id: string, kind: string, role: 'ADMIN' | 'MEMBER' | 'VIEWER' = 'ADMIN') => ({ role, account: { id, name: id, kind } });

describe('partner accounts', () => {
  it('gives MEMBER for a Manage delegation and VIEWER for View, capped by the own role', () => {
    expect(roleForScope('MANAGE')).toBe('MEMBER');
    expect(roleForScope('VIEW')).toBe('VIEWER');
    expect(lesserRole('MEMBER', 'ADMIN')).toBe('MEMBER');
    expect(lesserRole('MEMBER', 'VIEWER')).toBe('VIEWER');
    expect(lesserRole('VIEWER', undefined)).toBe('VIEWER');
  });

  it('goes back to the partner account the delegation came from, else the first partner account', () => {
    const memberships = [m('c1', 'CUSTOMER'), m('p1', 'PARTNER'), m('p2', 'PARTNER')];
    expect(homeMembership(memberships, 'p2')?.account.id).toBe('p2');
    expect(homeMembership(memberships, null)?.account.id).toBe('p1');
    expect(homeMembership([m('c1', 'CUSTOMER')])?.account.id).toBe('c1');
    expect(homeMembership([])).toBeNull();
    expect(isPartnerUser(memberships)).toBe(true);
    expect(isPartnerUser([m('c1', 'CUSTOMER')])).toBe(false);
  });

  it('reads an Account out of a node answer', () => {
    expect(asAccount({ __typename: 'Account' as const, id: 'a' })).toEqual({ __typename: 'Account', id: 'a' });
    expect(asAccount({ __typename: 'License' as const, id: 'l' })).toBeNull();
    expect(asAccount(null)).toBeNull();
  });
});
