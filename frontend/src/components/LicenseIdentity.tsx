import { licenseActivationKey, licenseSerialNumbers } from '../lib/licenses';

export interface LicenseIdentityLicense {
  serials?: readonly { number: string }[] | null;
  keys?: readonly { id: string; activationKey: string; status: string; issuedAt?: string }[] | null;
}

/**
 * What tells two licenses of the same product apart: "Serial M123-456-7890" and
 * "Key ABCDE-…" as fact spans (for a card's or a choice's line of facts). Either
 * is left out when the license has none (a draw-down has no serial number).
 */
export function LicenseIdentity({ license, showKey = true }: { license: LicenseIdentityLicense; showKey?: boolean }) {
  const serials = licenseSerialNumbers(license.serials);
  const key = showKey ? licenseActivationKey(license.keys) : null;
  return (
    <>
      {serials.length > 0 ? (
        <span>
          Serial number{serials.length > 1 ? 's' : ''} <code className="mono">{serials.join(', ')}</code>
        </span>
      ) : null}
      {/* Spaces between the facts: a description read out runs them together otherwise (flex layout ignores them). */}
      {serials.length > 0 ? ' ' : null}
      {key ? (
        <span>
          Activation key <code className="mono">{key}</code>
        </span>
      ) : null}
      {key ? ' ' : null}
    </>
  );
}

/** A table cell's serial numbers: the one that created the license, and how many renewed it ("+1 more", all in the tooltip). */
export function SerialNumbers({ numbers }: { numbers: readonly string[] }) {
  if (numbers.length === 0) return <span className="muted">—</span>;
  const [first, ...rest] = numbers;
  return (
    <span className="license-serial-cell" title={rest.length ? numbers.join(', ') : undefined}>
      <code className="mono">{first}</code>
      {rest.length ? <span className="muted small"> +{rest.length} more</span> : null}
    </span>
  );
}
