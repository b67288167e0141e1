import { useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { licenseSerialNumbers } from '../../lib/licenses';
import { formatDate, formatSeats } from '../../lib/format';
import { RenewalLicenseQuery } from './documents';

/** Names the license the user chose "Renew" on while they enter the renewal serial number. */
export function RenewalLicenseNote({ licenseId }: { licenseId: string }) {
  const [result] = useQuery({ query: RenewalLicenseQuery, variables: { id: licenseId } });
  const license = result.data?.license;
  return (
    <Alert tone="info" title="Renewing a license" live={false}>
      <p>
        {license ? (
          <>
            You are renewing{' '}
            <strong>
              {license.product.name} {license.product.version}
            </strong>{' '}
            ({formatSeats(license.quantity)}
            {licenseSerialNumbers(license.serials)[0] ? `, serial number ${licenseSerialNumbers(license.serials)[0]}` : ''}, maintenance
            until {formatDate(license.maintenanceUntil)}).{' '}
          </>
        ) : null}
        Enter the renewal serial number from your renewal certificate (it starts with R). This license is preselected in the
        next step.
      </p>
    </Alert>
  );
}
