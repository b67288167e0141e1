import { formatSerial } from './serials';

export interface KeyLike {
  id: string;
  status: string;
  issuedAt?: string;
}

/** The key currently in use: the newest ACTIVE key, or null when every key is revoked. */
export function activeKey<K extends KeyLike>(keys: readonly K[]): K | null {
  const active = keys.filter((key) => key.status === 'ACTIVE');
  if (active.length === 0) return null;
  return active.reduce((newest, key) =>
    Date.parse(key.issuedAt ?? '') > Date.parse(newest.issuedAt ?? '') ? key : newest,
  );
}

/** A license can be moved to another host when it is host-locked and has an active key. */
export function canRehost(license: { product: { locking: string }; keys: readonly KeyLike[] }): boolean {
  return license.product.locking === 'HOST' && activeKey(license.keys) !== null;
}

/** Statuses under which a license can no longer be renewed or re-hosted from the portal. */
const FINAL_STATUSES = new Set(['SUPERSEDED', 'REVOKED']);

/** True unless the license was superseded (e.g. upgraded) or revoked. */
export function isLicenseCurrent(status: string): boolean {
  return !FINAL_STATUSES.has(status);
}

/** Fallback texts for ActivationRefused codes when the server sends no message. */
export const ACTIVATION_REFUSED_MESSAGES: Record<string, string> = {
  INVALID_KEY: 'The activation key is not valid.',
  HOST_MISMATCH: 'This host does not hold the license.',
  SEATS_EXHAUSTED: 'All seats of this license are in use.',
};

export function activationRefusalText(error: { code: string; message: string }): string {
  return error.message || ACTIVATION_REFUSED_MESSAGES[error.code] || 'The host could not be deactivated.';
}

/** A license's serial numbers as the portal shows them, the one that created it first (renewals follow). */
export function licenseSerialNumbers(serials: readonly { number: string }[] | null | undefined): string[] {
  return (serials ?? []).map((serial) => formatSerial(serial.number));
}

/**
 * The activation key that tells a license apart: the key in use (newest ACTIVE),
 * else the newest key of any status; null for a license without keys.
 */
export function licenseActivationKey(keys: readonly (KeyLike & { activationKey: string })[] | null | undefined): string | null {
  const list = keys ?? [];
  const key =
    activeKey(list) ??
    list.reduce<(typeof list)[number] | null>(
      (newest, k) => (newest === null || Date.parse(k.issuedAt ?? '') > Date.parse(newest.issuedAt ?? '') ? k : newest),
      null,
    );
  return key ? key.activationKey : null;
}
