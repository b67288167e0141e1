export type Role = 'ADMIN' | 'MEMBER' | 'VIEWER';

export interface MembershipLike {
  role: Role;
  account: { id: string; name: string; kind: string };
}

const STORAGE_KEY = 'portal.selectedAccount';

/** The membership to work in: the remembered one if the user still has it, else the first. */
export function pickMembership<T extends MembershipLike>(memberships: readonly T[], rememberedId: string | null): T | null {
  if (memberships.length === 0) return null;
  return memberships.find((m) => m.account.id === rememberedId) ?? memberships[0]!;
}

/** Only admins and members may request keys; viewers can look but not change. */
export function canRequestKeys(role: Role | null | undefined): boolean {
  return role === 'ADMIN' || role === 'MEMBER';
}

export function readRememberedAccount(userId: string): string | null {
  try {
    return localStorage.getItem(`${STORAGE_KEY}.${userId}`);
  } catch {
    return null;
  }
}

export function rememberAccount(userId: string, accountId: string): void {
  try {
    localStorage.setItem(`${STORAGE_KEY}.${userId}`, accountId);
  } catch {
    /* storage unavailable: the choice lasts for this page only */
  }
}

export type DelegationScope = 'VIEW' | 'MANAGE';

/** What a partner user may do on a customer account it manages: MANAGE acts like a member, VIEW only reads. */
export function roleForScope(scope: DelegationScope): Role {
  return scope === 'MANAGE' ? 'MEMBER' : 'VIEWER';
}

/** The account a partner user goes back to from a customer: the partner account given, else the first partner membership, else the first. */
export function homeMembership<T extends MembershipLike>(memberships: readonly T[], partnerAccountId?: string | null): T | null {
  return (
    memberships.find((m) => m.account.id === partnerAccountId) ??
    memberships.find((m) => m.account.kind === 'PARTNER') ??
    memberships[0] ??
    null
  );
}

/** The user's partner account: the one they work in, or (while acting for a customer) the first partner membership. */
export function partnerMembership<T extends MembershipLike>(own: T | null | undefined, memberships: readonly T[]): T | null {
  return own?.account.kind === 'PARTNER' ? own : (memberships.find((m) => m.account.kind === 'PARTNER') ?? null);
}

/** True when the user belongs to a partner account, and so may act for the customers it manages. */
export function isPartnerUser(memberships: readonly MembershipLike[]): boolean {
  return memberships.some((m) => m.account.kind === 'PARTNER');
}

/** The Account a `node(id:)` answer holds, or null (unknown id, no access, another type). */
export function asAccount<T extends { __typename: string }>(node: T | null | undefined): Extract<T, { __typename: 'Account' }> | null {
  return node && node.__typename === 'Account' ? (node as Extract<T, { __typename: 'Account' }>) : null;
}

const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2 };

/** The weaker of two roles: a partner user's role on a customer is capped by both their own role and the delegation's scope. */
export function lesserRole(a: Role, b: Role | null | undefined): Role {
  return b && RANK[b] < RANK[a] ? b : a;
}
