import { useEffect, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { countryOptions } from '../../lib/countries';
import { fieldDomId, firstErrorField, mapFieldErrors, unplacedErrors } from '../../lib/fieldErrors';
import {
  initialRegistrationForm,
  mirroredField,
  REGISTRATION_FIELDS,
  registrationInput,
  type RegistrationField,
  type RegistrationFormState,
} from '../../lib/registration';
import { KeyRequestSetRegistrationMutation } from './documents';
import { userErrorText } from './messages';
import { ProductSummary } from './ProductSummary';
import type { KeyRequestData } from './WizardPage';

interface RegistrationStepProps {
  keyRequest: KeyRequestData;
  onUpdate: (keyRequest: KeyRequestData) => void;
  onBack: () => void;
  onSaved: () => void;
  /** Unsaved form state from an earlier visit to this step (kept when going back to the serials). */
  draft: RegistrationFormState | null;
  onDraftChange: (state: RegistrationFormState) => void;
}

const domId = (field: string) => fieldDomId(field, 'reg');

export function RegistrationStep({ keyRequest, onUpdate, onBack, onSaved, draft, onDraftChange }: RegistrationStepProps) {
  const [form, setForm] = useState<RegistrationFormState>(
    () => draft ?? initialRegistrationForm(keyRequest.registration, keyRequest.suggestedRegistration, keyRequest.hostId),
  );
  useEffect(() => onDraftChange(form), [form, onDraftChange]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(KeyRequestSetRegistrationMutation);
  // Built once with the prefilled value, so an unusual code from an older registration stays selectable.
  const [countries] = useState(() =>
    countryOptions(typeof navigator === 'undefined' ? undefined : navigator.language, form.values['address.country']),
  );
  const prefilled = !keyRequest.registration && !!keyRequest.suggestedRegistration;

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
    const { registration, hostId } = registrationInput(form, keyRequest.requiresHostId);
    const result = await save({
      input: { keyRequestId: keyRequest.id, registration, hostId: keyRequest.requiresHostId ? hostId : null },
    });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.keyRequestSetRegistration;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'KeyRequestSetRegistrationSuccess':
        onUpdate(outcome.keyRequest);
        onSaved();
        return;
      case 'InvalidInput': {
        const mapped = mapFieldErrors(outcome.fieldErrors);
        if (Object.keys(mapped).length === 0 && outcome.field) mapped[outcome.field] = outcome.message;
        setErrors(mapped);
        const extra = unplacedErrors(mapped, REGISTRATION_FIELDS);
        setFormError(extra.length ? extra.join(' ') : outcome.message || 'Please correct the highlighted fields.');
        const first = firstErrorField(mapped, REGISTRATION_FIELDS);
        if (first) focusField(first);
        return;
      }
      default:
        setFormError(userErrorText(outcome));
    }
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
    <div className="step step--registration">
      <section className="subsection" aria-labelledby="products-heading">
        <h3 className="section-title" id="products-heading">
          Products
        </h3>
        <ProductSummary keyRequest={keyRequest} />
      </section>

      <form className="form" onSubmit={onSubmit} noValidate>
        <h3 className="section-title">Support registration</h3>
        <p className="step__intro">
          Support and maintenance are registered to this company. License keys are e-mailed to the technical contact.
          {prefilled ? ' We filled in the details from your last request; check that they are still correct.' : ''}
        </p>
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

        {keyRequest.requiresHostId ? (
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
          </fieldset>
        ) : null}

        <div className="wizard__nav">
          <button type="button" className="button button--secondary" onClick={onBack}>
            Back
          </button>
          <SubmitButton busy={fetching}>Continue</SubmitButton>
        </div>
      </form>
    </div>
  );
}
