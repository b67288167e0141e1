import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Pagination } from '../../components/Pagination';
import { SelectField } from '../../components/SelectField';
import { StatusBadge } from '../../components/StatusBadge';
import { downloadTextFile } from '../../lib/files';
import { formatNumber } from '../../lib/flex';
import { formatWait } from '../../lib/format';
import {
  countResults,
  RESULT_LABELS,
  voucherResultsCsv,
  voucherResultsFileName,
  type VoucherResultCode,
  type VoucherResultRow,
} from '../../lib/vouchers';

/** The badge colour of each result (StatusBadge tones by status name). */
const RESULT_TONES: Record<VoucherResultCode, string> = {
  CONVERTED: 'ACTIVE',
  ALREADY_CONVERTED: 'QUEUED',
  EXPIRED: 'EXPIRED',
  VOID: 'REVOKED',
  TYPO: 'HELD',
  UNKNOWN: 'REVOKED',
  DUPLICATE: 'DRAFT',
  RATE_LIMITED: 'HELD',
};

const RESULT_ORDER: readonly VoucherResultCode[] = ['CONVERTED', 'ALREADY_CONVERTED', 'TYPO', 'DUPLICATE', 'UNKNOWN', 'EXPIRED', 'VOID', 'RATE_LIMITED'];

export function ResultBadge({ result }: { result: VoucherResultCode }) {
  return <StatusBadge status={RESULT_TONES[result]} label={RESULT_LABELS[result]} />;
}

const PAGE_SIZES = [50, 100, 500] as const;
const features = tableFeatures({});
const column = createColumnHelper<typeof features, VoucherResultRow>();

const HEADERS: Record<string, string> = { line: 'Line', entered: 'Code', result: 'Result', message: 'Message', license: 'License' };

interface VoucherResultsProps {
  rows: readonly VoucherResultRow[];
  /** When the conversion was made, for the file name. */
  createdAt?: string | null;
  /** "Results" or "Results of the conversion of 3 Dec 2026, 14:05". */
  title: string;
  replayed?: boolean;
  /** Moves the focus to the results when they appear (after sending the codes). */
  focus?: boolean;
  /** 3 under another section's heading (a past conversion's results in the history). */
  level?: 2 | 3;
  /** False when the licenses went to a customer's e-mail: their pages are the customer's, not yours. */
  linkLicenses?: boolean;
}

/**
 * The result of every line, a page at a time (a conversion may have 10,000 lines), with
 * counts per result, a filter and "Download results (CSV)".
 */
export function VoucherResults({ rows, createdAt, title, replayed, focus, level = 2, linkLicenses = true }: VoucherResultsProps) {
  const Heading = level === 3 ? 'h3' : 'h2';
  const heading = useRef<HTMLHeadingElement>(null);
  const ids = useId();
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const [show, setShow] = useState<'' | 'PROBLEMS' | VoucherResultCode>('');
  const [pageSize, setPageSize] = useState<number>(100);
  const [page, setPage] = useState(0);
  const counts = useMemo(() => countResults(rows), [rows]);
  const shown = useMemo(
    () => (show === '' ? rows : show === 'PROBLEMS' ? rows.filter((r) => r.result !== 'CONVERTED') : rows.filter((r) => r.result === show)),
    [rows, show],
  );
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const current = Math.min(page, pages - 1);
  const data = useMemo(() => shown.slice(current * pageSize, (current + 1) * pageSize), [shown, current, pageSize]);

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor('line', { header: 'Line', cell: (info) => info.getValue() }),
        column.accessor('entered', { header: 'Code', cell: (info) => <code className="mono voucher-results__code">{info.getValue()}</code> }),
        column.accessor('result', { header: 'Result', cell: (info) => <ResultBadge result={info.getValue()} /> }),
        column.accessor('message', {
          header: 'Message',
          cell: ({ row }) => (
            <span>
              {row.original.message}
              {row.original.retryAfter ? ` Try again in ${formatWait(row.original.retryAfter)}.` : ''}
            </span>
          ),
        }),
        column.display({
          id: 'license',
          header: 'License',
          cell: ({ row }) =>
            row.original.licenseId && !linkLicenses ? (
              <span>{row.original.product ?? 'License'}</span>
            ) : row.original.licenseId ? (
              <Link to={`/licenses/${encodeURIComponent(row.original.licenseId)}`}>
                {row.original.product ?? 'License'}
                <span className="visually-hidden"> (line {row.original.line})</span>
              </Link>
            ) : (
              <span className="muted" aria-label="No license">
                —
              </span>
            ),
        }),
      ]),
    [linkLicenses],
  );
  const table = useTable({ features, columns, data: data as VoucherResultRow[], getRowId: (row) => String(row.line) });

  const download = () => {
    downloadTextFile(voucherResultsFileName(createdAt ? new Date(createdAt) : new Date()), voucherResultsCsv(rows), 'text/csv;charset=utf-8');
  };

  const summary = RESULT_ORDER.filter((result) => counts[result])
    .map((result) => `${formatNumber(counts[result] ?? 0)} ${RESULT_LABELS[result].toLowerCase()}`)
    .join(', ');
  const first = shown.length === 0 ? 0 : current * pageSize + 1;
  const last = Math.min(shown.length, (current + 1) * pageSize);

  return (
    <section className="voucher-results card card--padded" aria-labelledby={`${ids}-heading`}>
      <div className="section__header voucher-results__header">
        <Heading className="section__title" id={`${ids}-heading`} ref={heading} tabIndex={-1}>
          {title}
        </Heading>
        <button type="button" className="button button--secondary button--small" onClick={download}>
          Download results (CSV)
        </button>
      </div>
      <div aria-live="polite" data-testid="voucher-summary">
        {replayed ? <p className="small muted">This conversion was sent before; these are its results.</p> : null}
        <p className="voucher-results__summary">
          {formatNumber(rows.length)} line{rows.length === 1 ? '' : 's'}: {summary || 'nothing sent'}.
        </p>
      </div>
      <ul className="voucher-results__counts" aria-label="Lines by result">
        {RESULT_ORDER.filter((result) => counts[result]).map((result) => (
          <li key={result}>
            <ResultBadge result={result} /> <strong>{formatNumber(counts[result] ?? 0)}</strong>
          </li>
        ))}
      </ul>
      {rows.length > 10 ? (
        <div className="voucher-results__filter">
          <SelectField
            id={`${ids}-show`}
            label="Show"
            compact
            value={show}
            onValueChange={(value) => {
              setShow(value as typeof show);
              setPage(0);
            }}
          >
            <option value="">All lines</option>
            <option value="PROBLEMS">Lines not converted</option>
            {RESULT_ORDER.filter((result) => counts[result]).map((result) => (
              <option key={result} value={result}>
                {RESULT_LABELS[result]} only
              </option>
            ))}
          </SelectField>
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table table--stack voucher-results__table">
          <caption className="visually-hidden">Result of each line</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id} scope="col">
                    {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} data-result={row.original.result}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} data-label={HEADERS[cell.column.id]}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length > PAGE_SIZES[0] ? (
        <Pagination
          label="Result pages"
          rangeText={`${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(shown.length)}`}
          pageSize={pageSize}
          pageSizes={PAGE_SIZES}
          onPageSizeChange={(size) => {
            setPageSize(size);
            setPage(0);
          }}
          hasPrevious={current > 0}
          hasNext={current < pages - 1}
          onPrevious={() => setPage(current - 1)}
          onNext={() => setPage(current + 1)}
        />
      ) : null}
    </section>
  );
}
