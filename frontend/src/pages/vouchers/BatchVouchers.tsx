import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Pagination } from '../../components/Pagination';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import type { VoucherBatchFieldsFragment, VoucherState } from '../../gql/graphql';
import { formatNumber } from '../../lib/flex';
import { formatDateTime } from '../../lib/format';
import { BatchVouchersQuery } from './documents';

const STATE_TONES: Record<VoucherState, string> = { AVAILABLE: 'ACTIVE', CONVERTED: 'QUEUED', EXPIRED: 'EXPIRED', VOID: 'REVOKED' };
const STATE_LABELS: Record<VoucherState, string> = { AVAILABLE: 'Available', CONVERTED: 'Converted', EXPIRED: 'Expired', VOID: 'Void' };
const PAGE_SIZES = [25, 50, 100] as const;

/** One batch's vouchers, a page at a time (cursors: Previous goes back through the cursors seen), filtered by state. */
export function BatchVouchers({ batch, onClose }: { batch: VoucherBatchFieldsFragment; onClose: () => void }) {
  const [state, setState] = useState<'' | VoucherState>('');
  const [pageSize, setPageSize] = useState<number>(25);
  // The cursor each page starts after: [null] is the first page.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [result, reexecute] = useQuery({
    query: BatchVouchersQuery,
    variables: { batchId: batch.id, first: pageSize, after, filter: state ? { state } : null },
    requestPolicy: 'cache-and-network',
  });
  const page = result.data?.vouchers;
  const name = `${batch.product.name} ${batch.product.version}`;
  const restart = () => setCursors([null]);
  const start = (cursors.length - 1) * pageSize;

  return (
    <section className="voucher-batch card card--padded" id="batch-vouchers" aria-labelledby="batch-vouchers-heading">
      <div className="section__header">
        <h3 className="section-title" id="batch-vouchers-heading">
          Vouchers of {name}
        </h3>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          Close <span className="visually-hidden">the vouchers of {name}</span>
        </button>
      </div>
      <div className="voucher-batch__filter">
        <SelectField
          id="voucher-state"
          label="State"
          compact
          value={state}
          onValueChange={(value) => {
            setState(value as '' | VoucherState);
            restart();
          }}
        >
          <option value="">All</option>
          {(Object.keys(STATE_LABELS) as VoucherState[]).map((value) => (
            <option key={value} value={value}>
              {STATE_LABELS[value]}
            </option>
          ))}
        </SelectField>
      </div>
      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The vouchers could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !page ? (
        <LoadingPanel label="Loading vouchers…" />
      ) : page.nodes.length === 0 ? (
        <p className="empty-note">No vouchers {state ? `are ${STATE_LABELS[state].toLowerCase()}` : 'in this batch'}.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">Vouchers of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">State</th>
                  <th scope="col">Converted</th>
                  <th scope="col">License</th>
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((voucher) => (
                  <tr key={voucher.id}>
                    <td data-label="Code">
                      <code className="mono" title="Only the last four characters are shown">
                        …{voucher.lastFour}
                      </code>
                    </td>
                    <td data-label="State">
                      <StatusBadge status={STATE_TONES[voucher.state]} label={STATE_LABELS[voucher.state]} />
                    </td>
                    <td data-label="Converted">{voucher.convertedAt ? formatDateTime(voucher.convertedAt) : '—'}</td>
                    <td data-label="License">
                      {voucher.license ? (
                        <Link to={`/licenses/${encodeURIComponent(voucher.license.id)}`}>
                          License <span className="visually-hidden">of voucher …{voucher.lastFour}</span>
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            label={`Vouchers of ${name} pages`}
            rangeText={`${formatNumber(start + 1)}–${formatNumber(start + page.nodes.length)} of ${formatNumber(page.totalCount)}`}
            pageSize={pageSize}
            pageSizes={PAGE_SIZES}
            onPageSizeChange={(size) => {
              setPageSize(size);
              restart();
            }}
            hasPrevious={cursors.length > 1}
            hasNext={page.pageInfo.hasNextPage}
            onPrevious={() => setCursors((current) => current.slice(0, -1))}
            onNext={() => setCursors((current) => [...current, page.pageInfo.endCursor ?? null])}
            busy={result.fetching}
          />
        </>
      )}
    </section>
  );
}
