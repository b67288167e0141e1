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
