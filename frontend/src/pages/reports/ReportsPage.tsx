import { useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { ReportsQuery as ReportsResult } from '../../gql/graphql';
import { isPartnerUser } from '../../lib/accounts';
import { formatNumber } from '../../lib/flex';
import { formatDate } from '../../lib/format';
import {
  defaultRange,
  kindLabel,
  monthLabel,
  pivotByStatus,
  rangeProblems,
  reportCsvPath,
  STATUS_COLORS,
  STATUS_LABELS,
  type DateRange,
  type ReportTable,
} from '../../lib/reports';
import { useSession } from '../../session';
import { ReportsQuery } from './documents';

type Report = NonNullable<ReportsResult['report']>;

const AXIS_TICK = { fontSize: 12 };
const GRID = '#e3e8ee';

/** /reports — licenses, maintenance, keys issued, activations and (for partners) the portfolio, each with a chart, a table and its CSV. */
export function ReportsPage() {
  usePageTitle('Reports');
  const { user, membership, actingFor } = useSession();
  const [params, setParams] = useSearchParams();
  const partner = !!user && isPartnerUser(user.memberships);
  // A partner starts on every customer it manages, unless it is working on one customer right now.
  const everyCustomer = partner && (params.get('scope') ?? (actingFor ? 'account' : 'customers')) === 'customers';
  const accountId = everyCustomer ? null : (membership?.account.id ?? null);
  const [range, setRange] = useState<DateRange>(() => defaultRange());
  const [result, reexecute] = useQuery({
    query: ReportsQuery,
    variables: { accountId, from: range.from, to: range.to },
    pause: !everyCustomer && !accountId,
    requestPolicy: 'cache-and-network',
  });
  if (!membership) return null;

  const chooseScope = (scope: 'customers' | 'account') =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set('scope', scope);
        return next;
      },
      { replace: true },
    );
  const report = result.data?.report;
  const scopeName = everyCustomer ? 'every customer account you manage' : membership.account.name;

  return (
    <div className="page reports">
      <div className="page__header">
        <div>
          <h1 className="page__title">Reports</h1>
          <p className="page__lead">
            Licenses, maintenance, keys and activations of {scopeName}
            {report ? `, as of ${formatDate(report.asOf)} (UTC)` : ''}. Each report downloads as CSV.
          </p>
        </div>
      </div>

      {partner ? (
        <fieldset className="reports-scope">
          <legend className="field__label">Report on</legend>
          <label className="reports-scope__choice">
            <input type="radio" name="report-scope" checked={everyCustomer} onChange={() => chooseScope('customers')} />
            Every customer account you manage
          </label>
          <label className="reports-scope__choice">
            <input type="radio" name="report-scope" checked={!everyCustomer} onChange={() => chooseScope('account')} />
            {membership.account.name} only
          </label>
        </fieldset>
      ) : null}

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The reports could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !result.data ? (
        <LoadingPanel label="Loading reports…" />
      ) : !report ? (
        <Alert tone="warning" title="No reports for this account">
          <p>You cannot see {membership.account.name} any more. Choose another account.</p>
        </Alert>
      ) : (
        <ReportSections report={report} accountId={accountId} range={range} onRange={setRange} />
      )}
    </div>
  );
}

function ReportSections({
  report,
  accountId,
  range,
  onRange,
}: {
  report: Report;
  accountId: string | null;
  range: DateRange;
  onRange: (range: DateRange) => void;
}) {
  if (report.accountCount === 0) {
    return (
      <Alert tone="info" title="No customer accounts yet">
        <p>Your partner accounts manage no customer account right now. Once a customer delegates its account to you, its figures appear here.</p>
      </Alert>
    );
  }
  return (
    <>
      {report.managed ? <Portfolio report={report} accountId={accountId} /> : null}
      <LicensesByProduct report={report} accountId={accountId} />
      <MaintenanceByMonth report={report} accountId={accountId} />
      <KeysIssued report={report} accountId={accountId} range={range} onRange={onRange} />
      <Activations report={report} accountId={accountId} />
    </>
  );
}

function Section({
  id,
  title,
  lead,
  csv,
  children,
}: {
  id: string;
  title: string;
  lead?: ReactNode;
  csv: { table: ReportTable; accountId: string | null; range?: DateRange; what: string }[];
  children: ReactNode;
}) {
  return (
    <section className="section reports-section" aria-labelledby={`${id}-heading`}>
      <div className="reports-section__head">
        <div>
          <h2 className="section__title" id={`${id}-heading`}>
            {title}
          </h2>
          {lead ? <p className="muted reports-section__lead">{lead}</p> : null}
        </div>
        <div className="reports-section__downloads">
          {csv.map((link) => (
            <a
              key={link.table}
              className="button button--secondary button--small"
              href={reportCsvPath(link.table, link.accountId, link.range)}
              download
            >
              {csv.length > 1 ? `CSV ${link.what}` : 'Download CSV'}{' '}
              <span className="visually-hidden">of {csv.length > 1 ? `keys issued ${link.what}` : title.toLowerCase()}</span>
            </a>
          ))}
        </div>
      </div>
      {children}
    </section>
  );
}

function Portfolio({ report, accountId }: { report: Report; accountId: string | null }) {
  return (
    <Section
      id="portfolio"
      title="Customer portfolio"
      lead={`${formatNumber(report.accountCount)} customer account${report.accountCount === 1 ? '' : 's'} you manage.`}
      csv={[{ table: 'portfolio', accountId, what: '' }]}
    >
      <div className="table-wrap card card--flush">
        <table className="table table--stack">
          <caption className="visually-hidden">Customer portfolio</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Licenses</th>
              <th scope="col">Active</th>
              <th scope="col">Maintenance ending in 90 days</th>
              <th scope="col">Keys issued in 30 days</th>
            </tr>
          </thead>
          <tbody>
            {report.portfolio.map((row) => (
              <tr key={row.account.id}>
                <th scope="row" data-label="Customer">
                  <span>
                    {row.account.name} <span className="muted small">{row.account.number}</span>
                  </span>
                </th>
                <td data-label="Licenses">{formatNumber(row.licenses)}</td>
                <td data-label="Active">{formatNumber(row.active)}</td>
                <td data-label="Maintenance ending in 90 days">{formatNumber(row.maintenanceEnding90Days)}</td>
                <td data-label="Keys issued in 30 days">{formatNumber(row.keysIssued30Days)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function LicensesByProduct({ report, accountId }: { report: Report; accountId: string | null }) {
  const { bars, statuses } = pivotByStatus(report.licensesByProduct);
  return (
    <Section
      id="by-product"
      title="Licenses by product and status"
      csv={[{ table: 'licenses-by-product', accountId, what: '' }]}
    >
      {bars.length === 0 ? (
        <p className="empty-note">No licenses yet.</p>
      ) : (
        <>
          <div className="card card--padded reports-chart" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={bars} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke={GRID} vertical={false} />
                <XAxis dataKey="product" tick={AXIS_TICK} interval={0} />
                <YAxis allowDecimals={false} tickFormatter={(value: number) => formatNumber(value)} tick={AXIS_TICK} width={48} />
                <Tooltip />
                <Legend verticalAlign="bottom" height={28} />
                {statuses.map((status) => (
                  <Bar key={status} dataKey={status} name={STATUS_LABELS[status]} stackId="s" fill={STATUS_COLORS[status]} maxBarSize={64} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="table-wrap card card--flush">
            <table className="table table--stack">
              <caption className="visually-hidden">Licenses by product and status</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Status</th>
                  <th scope="col">Licenses</th>
                  <th scope="col">Seats</th>
                </tr>
              </thead>
              <tbody>
                {report.licensesByProduct.map((row) => (
                  <tr key={`${row.product.id}-${row.status}`}>
                    <th scope="row" data-label="Product">
                      <span>
                        {row.product.name} <span className="muted">{row.product.version}</span>{' '}
                        <span className="muted small">{row.product.sku}</span>
                      </span>
                    </th>
                    <td data-label="Status">{STATUS_LABELS[row.status]}</td>
                    <td data-label="Licenses">{formatNumber(row.licenses)}</td>
                    <td data-label="Seats">{formatNumber(row.seats)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}

function MaintenanceByMonth({ report, accountId }: { report: Report; accountId: string | null }) {
  const months = report.maintenanceByMonth.map((row) => ({ ...row, label: monthLabel(row.month) }));
  const total = months.reduce((sum, row) => sum + row.licenses, 0);
  return (
    <Section
      id="maintenance"
      title="Maintenance ending, next 12 months"
      lead={`${formatNumber(total)} current license${total === 1 ? '' : 's'} reach the end of maintenance by ${months.at(-1)?.label ?? ''}.`}
      csv={[{ table: 'maintenance-by-month', accountId, what: '' }]}
    >
      <div className="card card--padded reports-chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={months} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={GRID} vertical={false} />
            <XAxis dataKey="label" tick={AXIS_TICK} />
            <YAxis allowDecimals={false} tickFormatter={(value: number) => formatNumber(value)} tick={AXIS_TICK} width={48} />
            <Tooltip />
            <Bar dataKey="licenses" name="Licenses" fill="#b45309" maxBarSize={48} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="table-wrap card card--flush">
        <table className="table">
          <caption className="visually-hidden">Maintenance ending by month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Licenses</th>
              <th scope="col">Seats</th>
            </tr>
          </thead>
          <tbody>
            {months.map((row) => (
              <tr key={row.month}>
                <th scope="row" data-label="Month">
                  {row.label}
                </th>
                <td data-label="Licenses">{formatNumber(row.licenses)}</td>
                <td data-label="Seats">{formatNumber(row.seats)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function KeysIssued({
  report,
  accountId,
  range,
  onRange,
}: {
  report: Report;
  accountId: string | null;
  range: DateRange;
  onRange: (range: DateRange) => void;
}) {
  const [draft, setDraft] = useState<DateRange>(range);
  const [problems, setProblems] = useState<Partial<Record<keyof DateRange, string>>>({});
  const keys = report.keysIssued;
  const shown = { from: keys.from, to: keys.to };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = rangeProblems(draft);
    setProblems(found);
    if (found.from || found.to) {
      document.getElementById(found.from ? 'keys-from' : 'keys-to')?.focus();
      return;
    }
    onRange(draft);
  };
  return (
    <Section
      id="keys"
      title="Keys issued"
      lead={`${formatNumber(keys.total)} key${keys.total === 1 ? '' : 's'} signed from ${formatDate(keys.from)} to ${formatDate(keys.to)} (UTC days).`}
      csv={[
        { table: 'keys-issued-by-day', accountId, range: shown, what: 'by day' },
        { table: 'keys-issued-by-kind', accountId, range: shown, what: 'by kind' },
      ]}
    >
      <form className="reports-range" onSubmit={onSubmit} noValidate aria-label="Keys issued: date range">
        <TextField id="keys-from" label="From" type="date" value={draft.from} onValueChange={(from) => setDraft({ ...draft, from })} error={problems.from} />
        <TextField id="keys-to" label="To" type="date" value={draft.to} onValueChange={(to) => setDraft({ ...draft, to })} error={problems.to} hint="At most 366 days." />
        <div className="reports-range__submit">
          <button type="submit" className="button button--secondary">
            Show
          </button>
        </div>
      </form>
      <div className="card card--padded reports-chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={keys.byDay} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={GRID} vertical={false} />
            <XAxis dataKey="day" tick={AXIS_TICK} tickFormatter={(day: string) => day.slice(5)} minTickGap={16} />
            <YAxis allowDecimals={false} tickFormatter={(value: number) => formatNumber(value)} tick={AXIS_TICK} width={48} />
            <Tooltip labelFormatter={(day) => formatDate(String(day))} />
            <Bar dataKey="keys" name="Keys" fill="#1d5fbf" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="table-wrap card card--flush">
        <table className="table">
          <caption className="visually-hidden">Keys issued by kind of request</caption>
          <thead>
            <tr>
              <th scope="col">Kind of request</th>
              <th scope="col">Keys</th>
            </tr>
          </thead>
          <tbody>
            {keys.byKind.map((row) => (
              <tr key={row.kind ?? 'none'}>
                <th scope="row" data-label="Kind of request">
                  {kindLabel(row.kind)}
                </th>
                <td data-label="Keys">{formatNumber(row.keys)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Activations({ report, accountId }: { report: Report; accountId: string | null }) {
  const bars = report.activationsByProduct.map((row) => ({ ...row, product: `${row.product.name} ${row.product.version}` }));
  return (
    <Section
      id="activations"
      title="Activations by product"
      lead="Hosts activated against the seats of current licenses."
      csv={[{ table: 'activations-by-product', accountId, what: '' }]}
    >
      {bars.length === 0 ? (
        <p className="empty-note">No licenses or activations yet.</p>
      ) : (
        <>
          <div className="card card--padded reports-chart" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={bars} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke={GRID} vertical={false} />
                <XAxis dataKey="product" tick={AXIS_TICK} interval={0} />
                <YAxis allowDecimals={false} tickFormatter={(value: number) => formatNumber(value)} tick={AXIS_TICK} width={48} />
                <Tooltip />
                <Legend verticalAlign="bottom" height={28} />
                <Bar dataKey="seats" name="Seats" fill="#94a3b8" maxBarSize={48} isAnimationActive={false} />
                <Bar dataKey="activations" name="Activated hosts" fill="#1d7a46" maxBarSize={48} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="table-wrap card card--flush">
            <table className="table table--stack">
              <caption className="visually-hidden">Activations by product</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Seats</th>
                  <th scope="col">Activated hosts</th>
                  <th scope="col">Licenses in use</th>
                </tr>
              </thead>
              <tbody>
                {report.activationsByProduct.map((row) => (
                  <tr key={row.product.id}>
                    <th scope="row" data-label="Product">
                      <span>
                        {row.product.name} <span className="muted">{row.product.version}</span>{' '}
                        <span className="muted small">{row.product.sku}</span>
                      </span>
                    </th>
                    <td data-label="Seats">{formatNumber(row.seats)}</td>
                    <td data-label="Activated hosts">{formatNumber(row.activations)}</td>
                    <td data-label="Licenses in use">{formatNumber(row.activatedLicenses)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
