import { formatDateTime } from '../../lib/format';
import type { UpgradeRequestData } from './types';

interface NotificationSummaryProps {
  notification: UpgradeRequestData['notification'];
  /** An error about the notification (e.g. it expired), shown with it. */
  error?: string | null;
}

/** The notification the upgrade follows: its ID, the product change and when it expires. */
export function NotificationSummary({ notification, error }: NotificationSummaryProps) {
  if (!notification) return null;
  return (
    <div className={`notification-summary${error ? ' notification-summary--invalid' : ''}`}>
      <p className="notification-summary__id">
        Notification <code className="mono">{notification.notificationId}</code>
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
      <p className="muted small">Expires {formatDateTime(notification.expiresAt)}</p>
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
