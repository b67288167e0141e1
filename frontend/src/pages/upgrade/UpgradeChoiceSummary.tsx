import { LicenseIdentity } from '../../components/LicenseIdentity';
import { formatDate, formatSeats } from '../../lib/format';
import type { UpgradeOption } from './types';

/** The chosen license and the version change, as a compact card. */
export function UpgradeChoiceSummary({ option }: { option: UpgradeOption }) {
  return (
    <ul className="product-list" aria-label="License to upgrade">
      <li className="product-list__item">
        <div className="product-list__name">
          {option.fromProduct.name} {option.fromProduct.version}, {formatSeats(option.license.quantity)}{' '}
          <span className="muted">
            → {option.toProduct.name} {option.toProduct.version}
          </span>
        </div>
        <div className="product-list__facts">
          <LicenseIdentity license={option.license} />
          <span>Maintenance until {formatDate(option.license.maintenanceUntil)}</span>
          {option.license.hostId ? (
            <span>
              Host ID <code className="mono">{option.license.hostId}</code>
            </span>
          ) : null}
          <span>
            {option.remainingQuantity} of {option.eligibleQuantity} eligible seats left to upgrade
          </span>
        </div>
      </li>
    </ul>
  );
}
