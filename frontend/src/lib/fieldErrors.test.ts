import { describe, expect, it } from 'vitest';
import { fieldDomId, firstErrorField, mapFieldErrors, normaliseFieldPath, unplacedErrors } from './fieldErrors';
import { REGISTRATION_FIELDS } from './registration';

describe('mapFieldErrors', () => {
  it('maps dotted paths to messages', () => {
    expect(
      mapFieldErrors([
        { field: 'address.city', code: 'REQUIRED', message: 'Enter a city.' },
        { field: 'technicalContact.email', code: 'INVALID_EMAIL', message: 'Enter a valid email address.' },
      ]),
    ).toEqual({ 'address.city': 'Enter a city.', 'technicalContact.email': 'Enter a valid email address.' });
  });

  it('strips input/registration prefixes the server may add', () => {
    expect(normaliseFieldPath('input.registration.primaryContact.name')).toBe('primaryContact.name');
    expect(normaliseFieldPath('registration.company')).toBe('company');
    expect(normaliseFieldPath('input.hostId')).toBe('hostId');
    expect(mapFieldErrors([{ field: 'registration.address.postalCode', code: 'X', message: 'Bad.' }])).toEqual({
      'address.postalCode': 'Bad.',
    });
  });

  it('joins several messages for one field and falls back to the code', () => {
    expect(
      mapFieldErrors([
        { field: 'hostId', code: 'REQUIRED', message: 'Required.' },
        { field: 'hostId', code: 'FORMAT', message: '' },
      ]),
    ).toEqual({ hostId: 'Required. FORMAT' });
  });

  it('handles missing lists', () => {
    expect(mapFieldErrors(null)).toEqual({});
    expect(mapFieldErrors(undefined)).toEqual({});
  });
});

describe('firstErrorField / unplacedErrors', () => {
  it('finds the first bad field in form order, not server order', () => {
    const errors = mapFieldErrors([
      { field: 'primaryContact.email', code: 'X', message: 'a' },
      { field: 'address.country', code: 'X', message: 'b' },
      { field: 'hostId', code: 'X', message: 'c' },
    ]);
    expect(firstErrorField(errors, REGISTRATION_FIELDS)).toBe('address.country');
    expect(firstErrorField({}, REGISTRATION_FIELDS)).toBeNull();
  });

  it('reports errors for fields the form does not show', () => {
    expect(unplacedErrors({ company: 'x', 'serials.0': 'Serial expired.' }, REGISTRATION_FIELDS)).toEqual(['Serial expired.']);
  });

  it('builds DOM ids from paths', () => {
    expect(fieldDomId('technicalContact.email', 'reg')).toBe('reg-technicalContact-email');
  });
});
