import { describe, expect, it } from 'vitest';
import {
  checkQuantity,
  isNotificationId,
  normaliseNotificationId,
  placeUpgradeErrors,
  upgradeErrorField,
  upgradeRefusalText,
} from './upgrade';

describe('normaliseNotificationId', () => {
  it('upper-cases, drops spaces and keeps one dash after VU', () => {
    expect(normaliseNotificationId(' vu-7k2m9qx4td ')).toBe('VU-7K2M9QX4TD');
    expect(normaliseNotificationId('vu 7k2m 9qx4 td')).toBe('VU-7K2M9QX4TD');
    expect(normaliseNotificationId('VU7K2M9QX4TD')).toBe('VU-7K2M9QX4TD');
    expect(normaliseNotificationId('VU–7K2M-9QX4-TD')).toBe('VU-7K2M9QX4TD');
    expect(normaliseNotificationId('VU--7K2M9QX4TD')).toBe('VU-7K2M9QX4TD');
  });

  it('leaves text that does not start with VU alone apart from case and spaces', () => {
    expect(normaliseNotificationId('ab 12')).toBe('AB12');
    expect(normaliseNotificationId('')).toBe('');
  });

  it('recognises the VU- plus ten letters and digits shape', () => {
    expect(isNotificationId('vu 7k2m 9qx4 td')).toBe(true);
    expect(isNotificationId('VU-7K2M9QX4T')).toBe(false);
    expect(isNotificationId('VU-7K2M9QX4TDX')).toBe(false);
    expect(isNotificationId('VX-7K2M9QX4TD')).toBe(false);
    expect(isNotificationId('VU-7K2M9QX4T!')).toBe(false);
  });
});

describe('checkQuantity', () => {
  it('accepts whole numbers from 1 to the maximum', () => {
    expect(checkQuantity('1', 20)).toEqual({ ok: true, value: 1 });
    expect(checkQuantity(' 20 ', 20)).toEqual({ ok: true, value: 20 });
  });

  it('explains what is wrong otherwise', () => {
    expect(checkQuantity('', 20)).toEqual({ ok: false, message: 'Enter how many seats to upgrade.' });
    expect(checkQuantity('2.5', 20)).toEqual({ ok: false, message: 'Enter a whole number of seats.' });
    expect(checkQuantity('-1', 20)).toEqual({ ok: false, message: 'Enter a whole number of seats.' });
    expect(checkQuantity('0', 20)).toEqual({ ok: false, message: 'Upgrade at least 1 seat.' });
    expect(checkQuantity('21', 20)).toEqual({ ok: false, message: 'You can upgrade at most 20 seats.' });
    expect(checkQuantity('2', 1)).toEqual({ ok: false, message: 'You can upgrade at most 1 seat.' });
  });
});

describe('upgrade refusals', () => {
  it('finds the field a refusal names, else the one its code is about', () => {
    expect(upgradeErrorField({ code: 'QUANTITY_EXCEEDED', message: '', field: 'input.quantity' })).toBe('quantity');
    expect(upgradeErrorField({ code: 'ALREADY_UPGRADED', message: '', field: 'quantity' })).toBe('quantity');
    expect(upgradeErrorField({ code: 'NOTIFICATION_EXPIRED', message: '', field: null })).toBe('notificationId');
    expect(upgradeErrorField({ code: 'MAINTENANCE_LAPSED', message: '', field: 'somethingElse' })).toBe('licenseId');
    expect(upgradeErrorField({ code: 'OTHER', message: '', field: 'keyRequestId' })).toBeNull();
  });

  it('falls back to a text per code when the server sends no message', () => {
    expect(upgradeRefusalText({ code: 'ALREADY_UPGRADED', message: '' })).toMatch(/already been upgraded/);
    expect(upgradeRefusalText({ code: 'X', message: 'Server says no.' })).toBe('Server says no.');
  });

  it('places refusals and field errors on the inputs and keeps the rest general', () => {
    expect(
      placeUpgradeErrors({ __typename: 'UpgradeRefused', code: 'QUANTITY_EXCEEDED', message: 'At most 3 seats.', field: 'quantity' }),
    ).toEqual({ fields: { quantity: 'At most 3 seats.' }, general: [] });
    expect(
      placeUpgradeErrors({
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'Check the form.',
        field: null,
        fieldErrors: [
          { field: 'input.quantity', code: 'RANGE', message: 'Upgrade at least one seat.' },
          { field: 'idempotencyKey', code: 'FORMAT', message: 'Bad key.' },
        ],
      }),
    ).toEqual({ fields: { quantity: 'Upgrade at least one seat.' }, general: ['Bad key.'] });
    expect(
      placeUpgradeErrors(
        { __typename: 'KeyRequestNotEditable', code: 'EXPIRED', message: '', field: 'keyRequestId' },
        (e) => `fallback ${e.code}`,
      ),
    ).toEqual({ fields: {}, general: ['fallback EXPIRED'] });
    expect(
      placeUpgradeErrors({ __typename: 'NotFound', code: 'NOT_FOUND', message: 'No such license.', field: 'licenseId' }, (e) => e.message),
    ).toEqual({ fields: { licenseId: 'No such license.' }, general: [] });
  });
});
