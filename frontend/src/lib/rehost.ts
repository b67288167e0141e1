import { formatDateTime } from './format';

export interface RehostAllowanceLike {
  rehostsUsed: number;
  rehostLimit: number;
  nextRehostAllowedAt?: string | null;
}

export interface RehostAllowance {
  used: number;
  limit: number;
  remaining: number;
  /** When the next re-host is allowed; null when one is allowed now. */
  nextAllowedAt: string | null;
  allowed: boolean;
}

/** How many re-hosts are left in the rolling 12 months and when the next one is allowed. */
export function rehostAllowance(license: RehostAllowanceLike, now: Date = new Date()): RehostAllowance {
  const used = Math.max(0, license.rehostsUsed);
  const limit = Math.max(0, license.rehostLimit);
  const remaining = Math.max(0, limit - used);
  const next = license.nextRehostAllowedAt ?? null;
  const nextTime = next ? Date.parse(next) : Number.NaN;
  const waiting = next !== null && (Number.isNaN(nextTime) || nextTime > now.getTime());
  return { used, limit, remaining, nextAllowedAt: waiting ? next : null, allowed: !waiting && remaining > 0 };
}

/** "1 of 4 re-hosts used in the last 12 months" */
export function rehostUsageText(allowance: RehostAllowance): string {
  return `${allowance.used} of ${allowance.limit} re-host${allowance.limit === 1 ? '' : 's'} used in the last 12 months`;
}

/** Fallback texts for RehostRefused codes when the server sends no message. */
export const REHOST_REFUSED_MESSAGES: Record<string, string> = {
  REHOST_LIMIT: 'This license has been re-hosted as often as allowed in the last 12 months.',
  NOT_HOST_LOCKED: 'This license is not locked to a host, so it does not need re-hosting.',
  KEY_REVOKED: 'This key has been revoked and can no longer be re-hosted.',
  SAME_HOST: 'The new host ID is the one the key is already locked to.',
};

export interface RehostRefusalLike {
  code: string;
  message: string;
  field?: string | null;
  nextAllowedAt?: string | null;
}

/** A readable sentence for a re-host refusal, with the date of the next allowed re-host when known. */
export function rehostRefusalText(error: RehostRefusalLike): string {
  const base = error.message || REHOST_REFUSED_MESSAGES[error.code] || 'The key could not be re-hosted.';
  if (error.code === 'REHOST_LIMIT' && error.nextAllowedAt) {
    return `${base} The next re-host is allowed from ${formatDateTime(error.nextAllowedAt)}.`;
  }
  return base;
}

/** "Next re-host allowed from 12 Mar 2026, 14:05" */
export function nextRehostText(nextAllowedAt: string): string {
  return `Next re-host allowed from ${formatDateTime(nextAllowedAt)}`;
}

/** Trims a host ID as typed; host IDs are otherwise kept exactly as the product's license tool shows them. */
export function normaliseHostId(text: string): string {
  return text.trim();
}
