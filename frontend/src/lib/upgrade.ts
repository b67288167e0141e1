/** Upgrade notification IDs look like "VU-7K2M9QX4TD": "VU-" and ten letters or digits. */
export const NOTIFICATION_ID_PATTERN = /^VU-[A-Z0-9]{10}$/;

/**
 * Tidies a notification ID as typed or pasted: upper case, no spaces, dash-like
 * characters turned into "-" and the dash after "VU" added when it is missing
 * ("vu 7k2m 9qx4 td" → "VU-7K2M9QX4TD").
 */
export function normaliseNotificationId(text: string): string {
  const compact = text
    .toUpperCase()
    .replace(/[\u2010-\u2015\u2212_]/g, '-')
    .replace(/\s+/g, '');
  const match = /^VU-*([A-Z0-9].*)$/.exec(compact);
  return match ? `VU-${match[1]!.replace(/-/g, '')}` : compact;
}

/** True when `text`, once normalised, has the shape of a notification ID. */
export function isNotificationId(text: string): boolean {
  return NOTIFICATION_ID_PATTERN.test(normaliseNotificationId(text));
}

export type QuantityCheck = { ok: true; value: number } | { ok: false; message: string };

/** Checks the "Quantity to upgrade" field: a whole number from 1 to `max`. */
export function checkQuantity(text: string, max: number): QuantityCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter how many seats to upgrade.' };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: 'Enter a whole number of seats.' };
  const value = Number(trimmed);
  if (value < 1) return { ok: false, message: 'Upgrade at least 1 seat.' };
  if (value > max) return { ok: false, message: `You can upgrade at most ${max} ${max === 1 ? 'seat' : 'seats'}.` };
  return { ok: true, value };
}

/** Fallback texts for UpgradeRefused codes when the server sends no message. */
export const UPGRADE_REFUSED_MESSAGES: Record<string, string> = {
  NOTIFICATION_UNKNOWN: 'There is no open upgrade notification with this ID for this account.',
  NOTIFICATION_EXPIRED: 'This upgrade notification has expired.',
  MAINTENANCE_LAPSED: 'The maintenance of this license has lapsed, so it cannot be upgraded.',
  QUANTITY_EXCEEDED: 'That is more seats than are left to upgrade.',
  ALREADY_UPGRADED: 'All seats of this license have already been upgraded.',
};

/** Which input of the upgrade wizard an UpgradeRefused code concerns when the server names none. */
const UPGRADE_CODE_FIELDS: Record<string, UpgradeField> = {
  NOTIFICATION_UNKNOWN: 'notificationId',
  NOTIFICATION_EXPIRED: 'notificationId',
  MAINTENANCE_LAPSED: 'licenseId',
  ALREADY_UPGRADED: 'licenseId',
  QUANTITY_EXCEEDED: 'quantity',
};

export type UpgradeField = 'notificationId' | 'licenseId' | 'quantity';
const UPGRADE_FIELDS: readonly UpgradeField[] = ['notificationId', 'licenseId', 'quantity'];

export interface RefusalLike {
  code: string;
  message: string;
  field?: string | null;
}

/**
 * The wizard input an upgrade refusal belongs to: the field the server names
 * ("input.quantity" → "quantity"), else the one its code is about; null when
 * it concerns none of them.
 */
export function upgradeErrorField(error: RefusalLike): UpgradeField | null {
  const named = error.field?.trim().replace(/^input\./, '') ?? '';
  if ((UPGRADE_FIELDS as readonly string[]).includes(named)) return named as UpgradeField;
  return UPGRADE_CODE_FIELDS[error.code] ?? null;
}

/** A readable sentence for an upgrade refusal. */
export function upgradeRefusalText(error: RefusalLike): string {
  return error.message || UPGRADE_REFUSED_MESSAGES[error.code] || 'The upgrade could not be continued.';
}

export interface UpgradeErrorLike extends RefusalLike {
  __typename: string;
  fieldErrors?: readonly { field: string; code: string; message: string }[];
}

export interface PlacedUpgradeErrors {
  /** Messages shown at the wizard input they concern. */
  fields: Partial<Record<UpgradeField, string>>;
  /** Messages that concern no input on screen, shown above the step. */
  general: string[];
}

/**
 * Sorts the errors of an upgrade mutation onto the wizard's inputs: refusals
 * go to the field they name (or that their code is about), InvalidInput field
 * errors to their fields, everything else into `general`. `fallback` turns
 * codes without a message into text (e.g. KeyRequestNotEditable codes).
 */
export function placeUpgradeErrors(
  error: UpgradeErrorLike,
  fallback: (error: RefusalLike) => string = upgradeRefusalText,
): PlacedUpgradeErrors {
  const placed: PlacedUpgradeErrors = { fields: {}, general: [] };
  const put = (field: UpgradeField | null, message: string) => {
    if (!field) {
      placed.general.push(message);
      return;
    }
    const existing = placed.fields[field];
    placed.fields[field] = existing ? `${existing} ${message}` : message;
  };
  if (error.__typename === 'InvalidInput' && error.fieldErrors && error.fieldErrors.length > 0) {
    for (const fieldError of error.fieldErrors) {
      const field = upgradeErrorField({ code: '', message: '', field: fieldError.field });
      put(field, fieldError.message || fieldError.code);
    }
    return placed;
  }
  const text = error.__typename === 'UpgradeRefused' ? upgradeRefusalText(error) : fallback(error);
  const field = error.__typename === 'UpgradeRefused' ? upgradeErrorField(error) : upgradeErrorField({ ...error, code: '' });
  put(field, text);
  return placed;
}
