import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from '../../components/Alert';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { countryOptions } from '../../lib/countries';
import { fieldDomId, firstErrorField, mapFieldErrors, unplacedErrors, type FieldErrorLike } from '../../lib/fieldErrors';
import {
  mirroredField,
  REGISTRATION_FIELDS,
  registrationInput,
  type RegistrationField,
  type RegistrationFormState,
  type RegistrationValue,
} from '../../lib/registration';
import { FieldHelp } from '../../components/FieldHelp';

/** What saving the registration came to, as the form needs it. */
export type RegistrationSaveResult =
  | { kind: 'saved' }
  | { kind: 'invalid'; message: string; field?: string | null; fieldErrors: readonly FieldErrorLike[] }
  | { kind: 'failed'; message: string };

/** The registration (and host ID) the form submits. */
export type RegistrationInputValue = { registration: RegistrationValue; hostId: string | null };

interface RegistrationFormProps {
  /** The form's first state, used unless `draft` holds an earlier, unsaved one. */
  initial: () => RegistrationFormState;
  /** Unsaved form state from an earlier visit to this step (kept when the user goes back). */
  draft: RegistrationFormState | null;
  onDraftChange: (state: RegistrationFormState) => void;
  /** Ask for the host ID (a product in the request is host-locked). */
  requiresHostId: boolean;
  /** The sentence under "Support registration". */
  intro: ReactNode;
  busy: boolean;
  onSave: (value: RegistrationInputValue) => Promise<RegistrationSaveResult>;
  onBack?: () => void;
  /** Text of the button that calls onBack. */
  backLabel?: string;
  submitLabel?: string;
}

const domId = (field: string) => fieldDomId(field, 'reg');

/**
 * The support registration form: company, address, technical and primary
 * contact (and the host ID when asked for). Server field errors are shown at
 * their fields and the first one gets focus.
 */
export function RegistrationForm({
  initial,
  draft,
  onDraftChange,
  requiresHostId,
  intro,
  busy,
  onSave,
  onBack,
  backLabel = 'Back',
  submitLabel = 'Continue',
}: RegistrationFormProps) {
  const [form, setForm] = useState<RegistrationFormState>(() => draft ?? initial());
  useEffect(() => onDraftChange(form), [form, onDraftChange]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  // Built once with the prefilled value, so an unusual code from an older registration stays selectable.
  const [countries] = useState(() =>
    countryOptions(typeof navigator === 'undefined' ? undefined : navigator.language, form.values['address.country']),
  );

  const value = (field: RegistrationField): string => {
    if (form.sameAsTechnical && field.startsWith('primaryContact.')) {
      return form.values[mirroredField(field) as RegistrationField];
    }
    return form.values[field];
  };
  const setValue = (field: RegistrationField) => (next: string) =>
    setForm((state) => ({ ...state, values: { ...state.values, [field]: next } }));
  const error = (field: RegistrationField) => errors[field] ?? null;

  const focusField = (field: string) => {
    const target = form.sameAsTechnical ? mirroredField(field) : field;
    const element = document.getElementById(domId(target));
    if (element instanceof HTMLElement) element.focus();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setErrors({});
    const outcome = await onSave(registrationInput(form, requiresHostId));
    if (outcome.kind === 'saved') return;
    if (outcome.kind === 'failed') {
      setFormError(outcome.message);
      return;
    }
    const mapped = mapFieldErrors(outcome.fieldErrors);
    if (Object.keys(mapped).length === 0 && outcome.field) mapped[outcome.field] = outcome.message;
    setErrors(mapped);
    const extra = unplacedErrors(mapped, REGISTRATION_FIELDS);
    setFormError(extra.length ? extra.join(' ') : outcome.message || 'Please correct the highlighted fields.');
    const first = firstErrorField(mapped, REGISTRATION_FIELDS);
    if (first) focusField(first);
  };

  const contactFields = (prefix: 'technicalContact' | 'primaryContact', title: string, disabled: boolean) => (
    <div className="grid grid--3">
      <TextField
        id={domId(`${prefix}.name`)}
        label="Name"
        aria-label={`${title} name`}
        autoComplete={prefix === 'technicalContact' ? 'name' : 'off'}
        value={value(`${prefix}.name`)}
        onValueChange={setValue(`${prefix}.name`)}
        error={error(`${prefix}.name`)}
        disabled={disabled}
        required
      />
      <TextField
        id={domId(`${prefix}.email`)}
        label="Email"
        aria-label={`${title} email`}
        type="email"
        inputMode="email"
        autoComplete={prefix === 'technicalContact' ? 'email' : 'off'}
        value={value(`${prefix}.email`)}
        onValueChange={setValue(`${prefix}.email`)}
        error={error(`${prefix}.email`)}
        disabled={disabled}
        required
      />
      <TextField
        id={domId(`${prefix}.phone`)}
        label="Phone"
        aria-label={`${title} phone`}
        type="tel"
        autoComplete={prefix === 'technicalContact' ? 'tel' : 'off'}
        optional
        value={value(`${prefix}.phone`)}
        onValueChange={setValue(`${prefix}.phone`)}
        error={error(`${prefix}.phone`)}
        disabled={disabled}
      />
    </div>
  );

  const countryError = error('address.country');
  const countryId = domId('address.country');

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <h3 className="section-title">Support registration</h3>
      <p className="step__intro">{intro}</p>
      {formError ? (
        <Alert tone="error">
          <p>{formError}</p>
        </Alert>
      ) : null}

      <TextField
        id={domId('company')}
        label="Company"
        autoComplete="organization"
        value={value('company')}
        onValueChange={setValue('company')}
        error={error('company')}
        required
      />

      <fieldset className="fieldset">
        <legend className="fieldset__legend">Address</legend>
        <TextField
          id={domId('address.line1')}
          label="Address line 1"
          autoComplete="address-line1"
          value={value('address.line1')}
          onValueChange={setValue('address.line1')}
          error={error('address.line1')}
          required
        />
        <TextField
          id={domId('address.line2')}
          label="Address line 2"
          autoComplete="address-line2"
          optional
          value={value('address.line2')}
          onValueChange={setValue('address.line2')}
          error={error('address.line2')}
        />
        <div className="grid grid--2">
          <TextField
            id={domId('address.city')}
            label="City"
            autoComplete="address-level2"
            value={value('address.city')}
            onValueChange={setValue('address.city')}
            error={error('address.city')}
            required
          />
          <TextField
            id={domId('address.postalCode')}
            label="Postal code"
            autoComplete="postal-code"
            value={value('address.postalCode')}
            onValueChange={setValue('address.postalCode')}
            error={error('address.postalCode')}
            required
          />
        </div>
        <div className={`field${countryError ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={countryId}>
            Country
          </label>
          <select
            id={countryId}
            className="select"
            autoComplete="country"
            value={value('address.country')}
            onChange={(event) => setValue('address.country')(event.target.value)}
            aria-invalid={countryError ? true : undefined}
            aria-describedby={countryError ? `${countryId}-error` : undefined}
            required
          >
            <option value="">Select a country</option>
            {countries.map((country) => (
              <option key={country.code} value={country.code}>
                {country.name}
              </option>
            ))}
          </select>
          {countryError ? (
            <p className="field__error" id={`${countryId}-error`}>
              {countryError}
            </p>
          ) : null}
        </div>
      </fieldset>

      <fieldset className="fieldset">
        <legend className="fieldset__legend">Technical contact</legend>
        <p className="fieldset__hint">The person who installs the software. License keys are sent to this address.</p>
        {contactFields('technicalContact', 'Technical contact', false)}
      </fieldset>

      <fieldset className="fieldset">
        <legend className="fieldset__legend">Primary contact</legend>
        <p className="fieldset__hint">The person responsible for the licenses and maintenance renewals.</p>
        <div className="checkbox">
          <input
            id="reg-same-as-technical"
            type="checkbox"
            checked={form.sameAsTechnical}
            onChange={(event) => setForm((state) => ({ ...state, sameAsTechnical: event.target.checked }))}
          />
          <label htmlFor="reg-same-as-technical">Same as technical contact</label>
        </div>
        {contactFields('primaryContact', 'Primary contact', form.sameAsTechnical)}
      </fieldset>

      {requiresHostId ? (
        <fieldset className="fieldset">
          <legend className="fieldset__legend">License locking</legend>
          <TextField
            id={domId('hostId')}
            label="Host ID"
            className="field--narrow"
            autoComplete="off"
            spellCheck={false}
            value={value('hostId')}
            onValueChange={setValue('hostId')}
            error={error('hostId')}
            required
            hint="A product in this request is locked to one machine. Enter the host ID of the server the license will run on, as shown by the product's license tool (usually the MAC address of its primary network interface)."
          />
          <FieldHelp topic="hostId" />
        </fieldset>
      ) : null}

      <div className={`wizard__nav${onBack ? '' : ' wizard__nav--end'}`}>
        {onBack ? (
          <button type="button" className="button button--secondary" onClick={onBack}>
            {backLabel}
          </button>
        ) : null}
        <SubmitButton busy={busy}>{submitLabel}</SubmitButton>
      </div>
    </form>
  );
}
