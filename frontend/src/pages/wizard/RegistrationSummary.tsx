import { countryName } from '../../lib/countries';
import type { KeyRequestData } from './WizardPage';

type Registration = NonNullable<KeyRequestData['registration']>;
type Contact = Registration['technicalContact'];

function ContactLines({ contact }: { contact: Contact }) {
  return (
    <>
      <span className="block">{contact.name}</span>
      <span className="block">{contact.email}</span>
      {contact.phone ? <span className="block">{contact.phone}</span> : null}
    </>
  );
}

/** The support registration as a read-only definition list. */
export function RegistrationSummary({ registration, hostId }: { registration: Registration; hostId?: string | null }) {
  const { address } = registration;
  const locale = typeof navigator === 'undefined' ? undefined : navigator.language;
  return (
    <dl className="summary">
      <div className="summary__row">
        <dt>Company</dt>
        <dd>{registration.company}</dd>
      </div>
      <div className="summary__row">
        <dt>Address</dt>
        <dd>
          <span className="block">{address.line1}</span>
          {address.line2 ? <span className="block">{address.line2}</span> : null}
          <span className="block">
            {address.postalCode} {address.city}
          </span>
          <span className="block">{countryName(address.country, locale)}</span>
        </dd>
      </div>
      <div className="summary__row">
        <dt>Technical contact</dt>
        <dd>
          <ContactLines contact={registration.technicalContact} />
        </dd>
      </div>
      <div className="summary__row">
        <dt>Primary contact</dt>
        <dd>
          <ContactLines contact={registration.primaryContact} />
        </dd>
      </div>
      {hostId !== undefined ? (
        <div className="summary__row">
          <dt>Host ID</dt>
          <dd>{hostId ? <code className="mono">{hostId}</code> : <span className="muted">Not host-locked</span>}</dd>
        </div>
      ) : null}
    </dl>
  );
}
