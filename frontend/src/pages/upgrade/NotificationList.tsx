import type { UpgradeNotificationFieldsFragment } from '../../gql/graphql';
import { licenseSerialNumbers } from '../../lib/licenses';
import { formatDate, formatDateTime, formatSeats } from '../../lib/format';

interface NotificationListProps {
  notifications: readonly UpgradeNotificationFieldsFragment[];
  busy: boolean;
  onUse: (notificationId: string) => void;
}

/** Open upgrade notifications, each with "Use this notification". */
export function NotificationList({ notifications, busy, onUse }: NotificationListProps) {
  return (
    <ul className="notification-list" aria-label="Open upgrade notifications">
      {notifications.map((notification) => {
        const idId = `notification-${notification.notificationId}`;
        return (
          <li key={notification.notificationId} className="notification-card">
            <div className="notification-card__main">
              <p className="notification-card__id">
                <code className="mono" id={idId}>
                  {notification.notificationId}
                </code>
              </p>
              <p className="upgrade-path">
                <span>
                  {notification.fromProduct.name} {notification.fromProduct.version}
                </span>
                <span className="upgrade-path__arrow" aria-hidden="true">
                  →
                </span>
                <span className="visually-hidden"> to </span>
                <span>
                  {notification.toProduct.name} {notification.toProduct.version}
                </span>
              </p>
              <ul className="notification-card__lines">
                {notification.lines.map((line) => (
                  <li key={line.license.id}>
                    {line.license.product.name} {line.license.product.version}, {formatSeats(line.license.quantity)}
                    {licenseSerialNumbers(line.license.serials).length
                      ? ` (serial number ${licenseSerialNumbers(line.license.serials).join(', ')})`
                      : ''}
                    , maintenance
                    until {formatDate(line.license.maintenanceUntil)}: {line.remainingQuantity} of {line.eligibleQuantity} eligible
                    seats left to upgrade
                  </li>
                ))}
              </ul>
              <p className="muted small">Expires {formatDateTime(notification.expiresAt)}</p>
            </div>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => onUse(notification.notificationId)}
              disabled={busy}
              aria-describedby={idId}
            >
              Use this notification
            </button>
          </li>
        );
      })}
    </ul>
  );
}
