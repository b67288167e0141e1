import { describe, expect, it } from 'vitest';
import { contactsEqual, initialRegistrationForm, registrationInput, type RegistrationValue } from './registration';

const suggestion: RegistrationValue = {
  company: 'Acme GmbH',
  address: { line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postalCode: '10115', country: 'de' },
  technicalContact: { name: 'Tina Tech', email: 'tina@acme.example', phone: '+49 30 1' },
  primaryContact: { name: 'Tina Tech', email: 'TINA@acme.example', phone: '+49 30 1' },
};

describe('initialRegistrationForm', () => {
  it('prefers the request’s own registration over the suggestion', () => {
    const own = { ...suggestion, company: 'Acme Own' };
    expect(initialRegistrationForm(own, suggestion, null).values.company).toBe('Acme Own');
  });

  it('prefills from the suggestion, upper-cases the country and keeps both contacts editable', () => {
    const state = initialRegistrationForm(null, suggestion, 'AA:BB');
    expect(state.values['address.country']).toBe('DE');
    expect(state.values['address.line2']).toBe('');
    expect(state.values.hostId).toBe('AA:BB');
    expect(state.values['primaryContact.email']).toBe('TINA@acme.example');
    expect(state.sameAsTechnical).toBe(false);
    expect(contactsEqual(suggestion.technicalContact, suggestion.primaryContact)).toBe(true);
  });

  it('starts empty without any registration', () => {
    const state = initialRegistrationForm(null, null, null);
    expect(Object.values(state.values).every((v) => v === '')).toBe(true);
    expect(state.sameAsTechnical).toBe(false);
  });
});

describe('registrationInput', () => {
  it('trims values, turns empty optional fields into null and copies the technical contact', () => {
    const state = { ...initialRegistrationForm(null, suggestion, null), sameAsTechnical: true };
    state.values['primaryContact.name'] = 'Someone Else';
    state.values.company = '  Acme GmbH  ';
    state.values['technicalContact.phone'] = '  ';
    const { registration, hostId } = registrationInput(state, false);
    expect(registration.company).toBe('Acme GmbH');
    expect(registration.address.line2).toBeNull();
    expect(registration.technicalContact.phone).toBeNull();
    expect(registration.primaryContact).toEqual(registration.technicalContact);
    expect(hostId).toBeNull();
  });

  it('sends the host ID only when the request needs one', () => {
    const state = initialRegistrationForm(null, suggestion, ' 00:11:22 ');
    expect(registrationInput(state, true).hostId).toBe('00:11:22');
    expect(registrationInput(state, false).hostId).toBeNull();
  });
});
