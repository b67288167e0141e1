import { formatDate, formatSeats } from '../lib/format';
import { LicenseIdentity, type LicenseIdentityLicense } from './LicenseIdentity';
import { RadioCard } from './RadioCard';
import { StatusBadge } from './StatusBadge';

export interface LicenseChoiceLicense extends LicenseIdentityLicense {
  id: string;
  quantity: number;
  maintenanceUntil: string;
  status: string;
  hostId: string | null;
  product: { name: string; version: string };
}

interface LicenseChoiceProps {
  name: string;
  license: LicenseChoiceLicense;
  checked: boolean;
  onChange: () => void;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
}

/**
 * A license as a radio choice: "Studio 9.2, 5 seats, maintenance until 1 Mar 2026"
 * plus its serial number, activation key, status and host (what tells two licenses
 * of one product apart).
 */
export function LicenseChoice({ name, license, checked, onChange, disabled, invalid, describedBy }: LicenseChoiceProps) {
  return (
    <RadioCard
      name={name}
      value={license.id}
      checked={checked}
      onChange={onChange}
      disabled={disabled}
      invalid={invalid}
      describedBy={describedBy}
      title={
        <>
          {license.product.name} {license.product.version}, {formatSeats(license.quantity)}, maintenance until{' '}
          {formatDate(license.maintenanceUntil)}
        </>
      }
      facts={
        <>
          <LicenseIdentity license={license} />
          <StatusBadge status={license.status} />{' '}
          {license.hostId ? (
            <span>
              Host ID <code className="mono">{license.hostId}</code>
            </span>
          ) : (
            <span>Not host-locked</span>
          )}
        </>
      }
    />
  );
}
