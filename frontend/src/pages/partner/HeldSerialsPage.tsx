import { Link } from 'react-router-dom';
import { Alert } from '../../components/Alert';
import { CopyButton } from '../../components/CopyButton';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RefreshButton } from '../../components/RefreshButton';
import { LoadingPanel } from '../../components/Spinner';
import { usePageTitle } from '../../components/usePageTitle';
import { asAccount, partnerMembership } from '../../lib/accounts';
import { formatMonths, formatSeats } from '../../lib/format';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { HeldSerialsQuery } from './documents';
import { PartnerTabs } from './PartnerTabs';
import { formatSerial } from '../../lib/serials';

/** Serials the partner account bought for customers and has not registered yet. */
export function HeldSerialsPage() {
  usePageTitle('Held serials');
  const { user, ownMembership } = useSession();
  const partner = partnerMembership(ownMembership, user?.memberships ?? []);
  const accountId = partner?.account.id ?? '';
  const [result, reload] = useAccountQuery(HeldSerialsQuery, accountId);

  if (!partner) {
    return (
      <div className="page">
        <h1 className="page__title">Held serials</h1>
        <Alert tone="info" live={false}>
          <p>Only partner accounts hold serial numbers for customers.</p>
        </Alert>
      </div>
    );
  }
  const serials = asAccount(result.data?.node)?.heldSerials ?? [];

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Held serials</h1>
          <p className="page__lead">Serial numbers {partner.account.name} holds for customers and has not registered yet.</p>
        </div>
        <div className="page__actions">
          <RefreshButton onRefresh={reload} busy={result.fetching} />
        </div>
      </div>

      <PartnerTabs />

      <Alert tone="info" live={false} title="Registering a serial for a customer">
        <p>
          Act for the customer (from the <Link to="/partner">Customers</Link> tab or the account switcher in the header), start{' '}
          <strong>Get a Key</strong> and enter the serial number: the license is created on the customer’s account.
        </p>
      </Alert>

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The held serials could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading held serials…" />
      ) : serials.length === 0 ? (
        <p className="empty-note">{partner.account.name} holds no unregistered serial numbers.</p>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Serials held by {partner.account.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Serial number</th>
                  <th scope="col">Product</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Maintenance</th>
                </tr>
              </thead>
              <tbody>
                {serials.map((serial) => (
                  <tr key={serial.number}>
                    <th scope="row" data-label="Serial number" className="table__row-title">
                      <span className="serial-cell">
                        <code className="mono">{formatSerial(serial.number)}</code>
                        <CopyButton text={serial.number} label={`serial number ${serial.number}`} />
                      </span>
                    </th>
                    <td data-label="Product">
                      {serial.product.name} {serial.product.version}
                      <span className="muted small block">{serial.product.sku}</span>
                    </td>
                    <td data-label="Quantity">{formatSeats(serial.quantity)}</td>
                    <td data-label="Maintenance">{formatMonths(serial.maintenanceMonths)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
