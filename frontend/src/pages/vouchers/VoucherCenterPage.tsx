import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { usePageTitle } from '../../components/usePageTitle';
import type { VoucherBatchFieldsFragment, VoucherConversionFieldsFragment } from '../../gql/graphql';
import { formatNumber } from '../../lib/flex';
import { formatDate, formatDateTime, formatMonths, formatSeats } from '../../lib/format';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { usagePercent, type VoucherResultRow } from '../../lib/vouchers';
import { useSession } from '../../session';
import { BatchVouchers } from './BatchVouchers';
import { ConvertForm, type Converted } from './ConvertForm';
import { VoucherCenterQuery, VoucherConversionQuery } from './documents';
import { VoucherKeys } from './VoucherKeys';
import { VoucherResults } from './VoucherResults';

/** /vouchers — an OEM account's voucher batches, converting codes into licenses, and the conversions so far. */
export function VoucherCenterPage() {
  usePageTitle('Voucher Center');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reload] = useAccountQuery(VoucherCenterQuery, accountId);
  const [converted, setConverted] = useState<Converted | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  if (!membership) return null;
  const { account } = membership;

  if (account.kind !== 'OEM') {
    return (
      <div className="page">
        <h1 className="page__title">Voucher Center</h1>
        <Alert tone="info" title="For OEM accounts">
          <p>
            {account.name} is not an OEM account, so it has no vouchers. OEM partners buy vouchers in bulk and turn them into licenses
            here. Serial numbers from a license certificate go through <Link to="/get-a-key">Get a Key</Link>.
          </p>
        </Alert>
      </div>
    );
  }

  const batches = result.data?.voucherBatches ?? [];
  const conversions = result.data?.voucherConversions ?? [];
  const openedBatch = batches.find((batch) => batch.id === opened) ?? null;
  const canConvert = membership.role !== 'VIEWER';

  return (
    <div className="page voucher-center">
      <div className="page__header">
        <div>
          <h1 className="page__title">Voucher Center</h1>
          <p className="page__lead">
            Turn {account.name}'s vouchers into licenses — for this account, another account you act for, or a customer — and get their
            keys at once.
          </p>
        </div>
      </div>

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The vouchers could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading vouchers…" />
      ) : (
        <>
          <section className="section" aria-labelledby="voucher-batches-heading">
            <h2 className="section__title" id="voucher-batches-heading">
              Batches
            </h2>
            {batches.length === 0 ? (
              <div className="empty-state card">
                <p className="empty-state__title">No vouchers yet</p>
                <p className="muted">The vendor issues vouchers to {account.name} in batches; they appear here once issued.</p>
              </div>
            ) : (
              <BatchTable batches={batches} opened={opened} onOpen={(id) => setOpened((current) => (current === id ? null : id))} />
            )}
            {openedBatch ? <BatchVouchers key={openedBatch.id} batch={openedBatch} onClose={() => setOpened(null)} /> : null}
          </section>

          <section className="section" aria-label="Convert">
            {canConvert ? (
              <ConvertForm
                key={account.id}
                accountId={account.id}
                accountName={account.name}
                onConverted={(next) => {
                  setConverted(next);
                  reload();
                }}
              />
            ) : (
              <Alert tone="info" live={false}>
                <p>Viewers see the vouchers; converting them takes a member or an administrator of {account.name}.</p>
              </Alert>
            )}
          </section>

          {converted ? (
            <div className="section voucher-outcome" key={converted.conversion.id}>
              <VoucherResults
                rows={converted.rows}
                createdAt={converted.conversion.createdAt}
                replayed={converted.replayed}
                title="Results"
                focus
                linkLicenses={!converted.conversion.targetEmail}
              />
              <VoucherKeys keyRequest={converted.keyRequest} target={targetNote(converted.conversion, account.id)} onSettled={reload} />
            </div>
          ) : null}

          <section className="section" aria-labelledby="voucher-history-heading">
            <h2 className="section__title" id="voucher-history-heading">
              Conversion history
            </h2>
            <ConversionHistory conversions={conversions} accountName={account.name} />
          </section>
        </>
      )}
    </div>
  );
}

function BatchTable({ batches, opened, onOpen }: { batches: readonly VoucherBatchFieldsFragment[]; opened: string | null; onOpen: (id: string) => void }) {
  return (
    <div className="table-wrap card card--flush">
      <table className="table table--stack voucher-batches">
        <caption className="visually-hidden">Voucher batches, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Each voucher</th>
            <th scope="col">Used</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {batches.map((batch) => {
            const name = `${batch.product.name} ${batch.product.version}`;
            return (
              <tr key={batch.id} data-testid="voucher-batch">
                <td data-label="Product">
                  <div>
                    {batch.product.name} <span className="muted">{batch.product.version}</span>
                    <span className="block small muted">
                      <span className="mono">{batch.product.sku}</span> · issued {formatDate(batch.createdAt.slice(0, 10))}
                    </span>
                  </div>
                </td>
                <td data-label="Each voucher">
                  <div>
                    {formatSeats(batch.quantity)}
                    <span className="block small muted">{formatMonths(batch.maintenanceMonths)} maintenance</span>
                  </div>
                </td>
                <td data-label="Used">
                  <UsageBar batch={batch} name={name} />
                </td>
                <td data-label="Expires">
                  <div>
                    {batch.expiresOn ? formatDate(batch.expiresOn) : 'Never'}
                    {batch.expiringSoon ? (
                      <span className="block">
                        <StatusBadge status="EXPIRING" label="Expiring soon" />
                      </span>
                    ) : null}
                  </div>
                </td>
                <td className="table__actions">
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    aria-expanded={opened === batch.id}
                    aria-controls={opened === batch.id ? 'batch-vouchers' : undefined}
                    onClick={() => onOpen(batch.id)}
                  >
                    {opened === batch.id ? 'Hide vouchers' : 'Vouchers'} <span className="visually-hidden">of {name}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Converted of total as a bar with the figures beside it. */
function UsageBar({ batch, name }: { batch: VoucherBatchFieldsFragment; name: string }) {
  const percent = usagePercent(batch.converted, batch.count);
  return (
    <div className="voucher-usage">
      <div
        className="voucher-usage__track"
        role="meter"
        aria-label={`Vouchers converted of ${name}`}
        aria-valuemin={0}
        aria-valuemax={batch.count}
        aria-valuenow={batch.converted}
        aria-valuetext={`${formatNumber(batch.converted)} of ${formatNumber(batch.count)} converted`}
      >
        <span className={`voucher-usage__used${batch.expiringSoon ? ' voucher-usage__used--soon' : ''}`} style={{ width: `${percent}%` }} />
      </div>
      <span className="voucher-usage__text small">
        <strong>{formatNumber(batch.converted)}</strong> of {formatNumber(batch.count)} converted · {formatNumber(batch.available)} left
      </span>
    </div>
  );
}

function targetText(conversion: VoucherConversionFieldsFragment, accountName: string): string {
  if (conversion.targetEmail) return conversion.targetEmail;
  if (conversion.targetAccount) return conversion.targetAccount.name === accountName ? `${accountName} (this account)` : conversion.targetAccount.name;
  return '—';
}

/** Under "keys ready": where the licenses went, when not to this account. */
function targetNote(conversion: VoucherConversionFieldsFragment, accountId: string): string | null {
  if (conversion.targetEmail) {
    return `The licenses are for ${conversion.targetEmail}, who was e-mailed how to sign in and find them. Pass the keys on, or let them download their own.`;
  }
  if (conversion.targetAccount && conversion.targetAccount.id !== accountId) {
    return `The licenses are in ${conversion.targetAccount.name}'s account (${conversion.targetAccount.number}).`;
  }
  return null;
}

function ConversionHistory({ conversions, accountName }: { conversions: readonly VoucherConversionFieldsFragment[]; accountName: string }) {
  const [shown, setShown] = useState<string | null>(null);
  if (conversions.length === 0) return <p className="empty-note">No vouchers converted yet.</p>;
  return (
    <>
      <div className="table-wrap card card--flush">
        <table className="table table--stack voucher-history">
          <caption className="visually-hidden">Conversions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Requested by</th>
              <th scope="col">Converted</th>
              <th scope="col">Licenses for</th>
              <th scope="col">Keys</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {conversions.map((conversion) => (
              <tr key={conversion.id} data-testid="voucher-conversion">
                <td data-label="Date">{formatDateTime(conversion.createdAt)}</td>
                <td data-label="Requested by">
                  <div>
                    {conversion.requestedBy.name || conversion.requestedBy.email}
                    {conversion.requestedBy.name ? <span className="block small muted">{conversion.requestedBy.email}</span> : null}
                  </div>
                </td>
                <td data-label="Converted">
                  <span>
                    {formatNumber(conversion.convertedCount)} of {formatNumber(conversion.total)}
                  </span>
                </td>
                <td data-label="Licenses for">{targetText(conversion, accountName)}</td>
                <td data-label="Keys">
                  <StatusBadge status={conversion.keyRequest.status} />
                </td>
                <td className="table__actions">
                  <button
                    type="button"
                    className="button button--ghost button--small"
                    aria-expanded={shown === conversion.id}
                    onClick={() => setShown((current) => (current === conversion.id ? null : conversion.id))}
                  >
                    {shown === conversion.id ? 'Hide results' : 'Results'}{' '}
                    <span className="visually-hidden">of {formatDateTime(conversion.createdAt)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown ? <PastResults key={shown} conversionId={shown} /> : null}
    </>
  );
}

/** A past conversion's lines: the codes are not kept, so each shows its last four characters; each license's page has its key. */
function PastResults({ conversionId }: { conversionId: string }) {
  const [result, reexecute] = useQuery({ query: VoucherConversionQuery, variables: { id: conversionId } });
  const node = result.data?.node;
  if (result.error && !result.data)
    return <ErrorNotice error={result.error} title="The results could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />;
  if (!result.data) return <LoadingPanel label="Loading the results…" />;
  if (node?.__typename !== 'VoucherConversion') return <p className="empty-note">These results are not available.</p>;
  const rows: VoucherResultRow[] = node.lines.map((line) => ({
    line: line.line,
    entered: line.lastFour ? `…${line.lastFour}` : '',
    result: line.result,
    message: line.message,
    licenseId: line.license?.id ?? null,
    product: line.license ? `${line.license.product.name} ${line.license.product.version}` : null,
    convertedAt: line.convertedAt,
    retryAfter: line.retryAfter,
    checkedInBrowser: false,
  }));
  return (
    <div className="voucher-outcome">
      <VoucherResults
        rows={rows}
        createdAt={node.createdAt}
        title={`Results of ${formatDateTime(node.createdAt)}`}
        level={3}
        linkLicenses={!node.targetEmail}
      />
    </div>
  );
}
