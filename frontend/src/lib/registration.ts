import { formatDate } from './format';

export interface ContactValue {
  name: string;
  email: string;
  phone?: string | null;
}

export interface RegistrationValue {
  company: string;
  address: { line1: string; line2?: string | null; city: string; postalCode: string; country: string };
  technicalContact: ContactValue;
  primaryContact: ContactValue;
}

/** Field paths of the registration form in the order they appear (and get focus on error). */
export const REGISTRATION_FIELDS = [
  'company',
  'address.line1',
  'address.line2',
  'address.city',
  'address.postalCode',
  'address.country',
  'technicalContact.name',
  'technicalContact.email',
  'technicalContact.phone',
  'primaryContact.name',
  'primaryContact.email',
  'primaryContact.phone',
  'hostId',
] as const;

export type RegistrationField = (typeof REGISTRATION_FIELDS)[number];
export type RegistrationFormValues = Record<RegistrationField, string>;

export interface RegistrationFormState {
  values: RegistrationFormValues;
  sameAsTechnical: boolean;
}

/**
 * Initial form state: the request's own registration, else the suggested one
 * (the account's last registration), else empty. "Same as technical contact"
 * starts unticked so both contacts are visible and editable; ticking it copies
 * the technical contact.
 */
export function initialRegistrationForm(
  registration: RegistrationValue | null | undefined,
  suggested: RegistrationValue | null | undefined,
  hostId: string | null | undefined,
): RegistrationFormState {
  const source = registration ?? suggested ?? null;
  const values: RegistrationFormValues = {
    company: source?.company ?? '',
    'address.line1': source?.address.line1 ?? '',
    'address.line2': source?.address.line2 ?? '',
    'address.city': source?.address.city ?? '',
    'address.postalCode': source?.address.postalCode ?? '',
    'address.country': source?.address.country?.toUpperCase() ?? '',
    'technicalContact.name': source?.technicalContact.name ?? '',
    'technicalContact.email': source?.technicalContact.email ?? '',
    'technicalContact.phone': source?.technicalContact.phone ?? '',
    'primaryContact.name': source?.primaryContact.name ?? '',
    'primaryContact.email': source?.primaryContact.email ?? '',
    'primaryContact.phone': source?.primaryContact.phone ?? '',
    hostId: hostId ?? '',
  };
  return { values, sameAsTechnical: false };
}

/** True when both contacts in a registration are the same person. */
export function contactsEqual(a: ContactValue, b: ContactValue): boolean {
  const norm = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();
  return norm(a.name) === norm(b.name) && norm(a.email) === norm(b.email) && norm(a.phone) === norm(b.phone);
}

const optional = (value: string): string | null => {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

/** The RegistrationInput (and host ID) to send from the form state. */
export function registrationInput(
  state: RegistrationFormState,
  requiresHostId: boolean,
): { registration: RegistrationValue; hostId: string | null } {
  const v = state.values;
  const technicalContact: ContactValue = {
    name: v['technicalContact.name'].trim(),
    email: v['technicalContact.email'].trim(),
    phone: optional(v['technicalContact.phone']),
  };
  const primaryContact: ContactValue = state.sameAsTechnical
    ? { ...technicalContact }
    : {
        name: v['primaryContact.name'].trim(),
        email: v['primaryContact.email'].trim(),
        phone: optional(v['primaryContact.phone']),
      };
  return {
    registration: {
      company: v.company.trim(),
      address: {
        line1: v['address.line1'].trim(),
        line2: optional(v['address.line2']),
        city: v['address.city'].trim(),
        postalCode: v['address.postalCode'].trim(),
        country: v['address.country'].trim().toUpperCase(),
      },
      technicalContact,
      primaryContact,
    },
    hostId: requiresHostId ? optional(v.hostId) : null,
  };
}

/** With "same as technical contact", the primary contact's field that mirrors `field`. */
export function mirroredField(field: string): string {
  return field.startsWith('primaryContact.') ? field.replace('primaryContact.', 'technicalContact.') : field;
}

/** Who entered the details a registration step was prefilled with (KeyRequest.suggestedRegistrationSource). */
export interface RegistrationSourceValue {
  byYou: boolean;
  enteredAt: string;
  enteredBy?: { name: string } | null;
}

/**
 * Says whose details a prefilled registration shows, so nobody takes another user's typing for
 * their own: "the details you entered on 3 Dec 2026" or "the details Alice Admin entered on …".
 */
export function prefillSource(source: RegistrationSourceValue | null | undefined): string {
  if (!source) return 'the details from an earlier request';
  const when = formatDate(source.enteredAt);
  if (source.byYou) return `the details you entered on ${when}`;
  return `the details ${source.enteredBy?.name ?? 'another user of this account'} entered on ${when}`;
}
