import { useId, useState, type FormEvent } from 'react';
import { useParams } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { usePageTitle } from '../../components/usePageTitle';
import type { FlexReportQuery as FlexReportResult, FlexRole, FlexRoleHolderFieldsFragment } from '../../gql/graphql';
import { formatNumber, formatPoints, overageText, trueUpCsvPath } from '../../lib/flex';
import { asAccount } from '../../lib/accounts';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { AccountMembersQuery } from '../account/documents';
import { userErrorText } from '../wizard/messages';
import { FlexReportQuery, FlexRoleSetMutation } from './documents';
import { ContractMissing } from './FlexDeploymentsPage';
import { FlexContractHeader, roleLabel } from './FlexShared';

type Report = Extract<NonNullable<FlexReportResult['node']>, { __typename: 'FlexContract' }>;

/** /flex/contracts/:id/report — super users: consumption by product and month, the true-up CSV and roles. */
export function FlexReportPage() {
  usePageTitle('Enterprise Flexible report');
  const { id = '' } = useParams();
  const [result, reexecute] = useQuery({ query: FlexReportQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const reload = () => reexecute({ requestPolicy: 'network-only' });
  if (result.error && !result.data) return <ErrorNotice error={result.error} title="The report could not be loaded" onRetry={reload} />;
  if (!result.data) return <LoadingPanel label="Loading the report…" />;
  const node = result.data.node;
  if (node?.__typename !== 'FlexContract') return <ContractMissing />;
  return (
    <div className="page">
      <FlexContractHeader contract={node} title="Report and roles" />
      {node.myRole !== 'SUPER_USER' ? (
        <Alert tone="info" title="For super users">
          <p>Consumption reports, the true-up file and roles are for the contract's super users. Your role: {roleLabel(node.myRole)}.</p>
        </Alert>
      ) : (
        <ReportView report={node} />
      )}
    </div>
  );
}

function ReportView({ report }: { report: Report }) {
  const overage = Math.max(report.consumedPoints - report.committedPoints, 0);
  const productTotals = report.byProduct.reduce(
    (sum, row) => ({
      drawn: sum.drawn + row.drawnUnits,
      returned: sum.returned + row.returnedUnits,
      points: sum.points + row.points,
      overage: sum.overage + row.overagePoints,
    }),
    { drawn: 0, returned: 0, points: 0, overage: 0 },
  );
  return (
    <>
      <section className="section flex-report__summary" aria-labelledby="trueup-heading">
        <div className="card card--padded flex-trueup">
          <div>
            <h2 className="section__title" id="trueup-heading">
              True-up
            </h2>
            <p className="muted">
              {formatPoints(report.consumedPoints)} consumed of {formatPoints(report.committedPoints)} committed
              {overage > 0 ? `, ${formatPoints(overage)} of them overage` : ', no overage'}.{' '}
              {overageText(report.overagePolicy, report.overagePercent, report.committedPoints)}.
            </p>
          </div>
          <a className="button button--primary" href={trueUpCsvPath(report.id)} download={`${report.number}-true-up.csv`}>
            Download true-up CSV
          </a>
        </div>
      </section>

      <section className="section" aria-labelledby="by-product-heading">
        <h2 className="section__title" id="by-product-heading">
          Consumption by product
        </h2>
        {report.byProduct.length === 0 ? (
          <p className="empty-note">Nothing has been drawn from this contract yet.</p>
        ) : (
          <div className="table-wrap card card--flush">
            <table className="table table--stack">
              <caption className="visually-hidden">Consumption of {report.number} by product</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Units drawn</th>
                  <th scope="col">Units returned</th>
                  <th scope="col">Points</th>
                  <th scope="col">Overage points</th>
                </tr>
              </thead>
              <tbody>
                {report.byProduct.map((row, index) => (
                  <tr key={row.product?.id ?? index}>
                    <th scope="row" data-label="Product">
                      {row.product ? (
                        <span>
                          {row.product.name} <span className="muted">{row.product.version}</span>
                        </span>
                      ) : (
                        '—'
                      )}
                    </th>
                    <td data-label="Units drawn">{formatNumber(row.drawnUnits)}</td>
                    <td data-label="Units returned">{formatNumber(row.returnedUnits)}</td>
                    <td data-label="Points">{formatNumber(row.points)}</td>
                    <td data-label="Overage points">{formatNumber(row.overagePoints)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" data-label="">
                    Total
                  </th>
                  <td data-label="Units drawn">{formatNumber(productTotals.drawn)}</td>
                  <td data-label="Units returned">{formatNumber(productTotals.returned)}</td>
                  <td data-label="Points">{formatNumber(productTotals.points)}</td>
                  <td data-label="Overage points">{formatNumber(productTotals.overage)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </section>

      <section className="section" aria-labelledby="by-month-heading">
        <h2 className="section__title" id="by-month-heading">
          Consumption by month
        </h2>
        {report.byMonth.length === 0 ? (
          <p className="empty-note">No monthly consumption yet.</p>
        ) : (
          <>
            <div className="card card--padded flex-month-chart" aria-hidden="true">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={report.byMonth.map((row) => ({ ...row, kept: row.points - row.overagePoints }))} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
                  <CartesianGrid stroke="#e3e8ee" vertical={false} />
                  <XAxis dataKey="month" tick={{ fontSize: 12 }} />
                  <YAxis tickFormatter={(value: number) => formatNumber(value)} tick={{ fontSize: 12 }} width={56} />
                  <Tooltip formatter={(value) => (typeof value === 'number' ? formatPoints(value) : String(value))} />
                  <Legend verticalAlign="bottom" height={28} />
                  <Bar maxBarSize={56} dataKey="kept" name="Points within the commitment" stackId="p" fill="#1d5fbf" isAnimationActive={false} />
                  <Bar maxBarSize={56} dataKey="overagePoints" name="Overage points" stackId="p" fill="#c2410c" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <div className="table-wrap card card--flush">
              <table className="table table--stack">
                <caption className="visually-hidden">Consumption of {report.number} by month</caption>
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col">Units drawn</th>
                    <th scope="col">Units returned</th>
                    <th scope="col">Points</th>
                    <th scope="col">Overage points</th>
                  </tr>
                </thead>
                <tbody>
                  {report.byMonth.map((row) => (
                    <tr key={row.month ?? ''}>
                      <th scope="row" data-label="Month">
                        {row.month}
                      </th>
                      <td data-label="Units drawn">{formatNumber(row.drawnUnits)}</td>
                      <td data-label="Units returned">{formatNumber(row.returnedUnits)}</td>
                      <td data-label="Points">{formatNumber(row.points)}</td>
                      <td data-label="Overage points">{formatNumber(row.overagePoints)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <Roles contractId={report.id} contractNumber={report.number} roles={report.roles} />
    </>
  );
}

type Holder = FlexRoleHolderFieldsFragment;

const ROLE_CHOICES: readonly { role: FlexRole; label: string; hint: string }[] = [
  { role: 'SUPER_USER', label: 'Super user', hint: 'sees every deployment, runs reports, grants roles' },
  { role: 'CONTRACT_USER', label: 'Contract user', hint: 'draws down, sees their own deployments' },
];

function Roles({ contractId, contractNumber, roles: initial }: { contractId: string; contractNumber: string; roles: readonly Holder[] }) {
  const { membership } = useSession();
  const [members] = useAccountQuery(AccountMembersQuery, membership?.account.id ?? '');
  const [roles, setRoles] = useState<readonly Holder[]>(initial);
  const [{ fetching }, setRole] = useMutation(FlexRoleSetMutation);
  const [pending, setPending] = useState<string | null>(null);
  const [userId, setUserId] = useState('');
  const [role, setNewRole] = useState<FlexRole>('CONTRACT_USER');
  const [errors, setErrors] = useState<{ userId?: string; role?: string; general?: string; row?: Record<string, string> }>({});
  const [notice, setNotice] = useState<string | null>(null);
  const headingId = useId();
  const account = asAccount(members.data?.node);
  const holding = new Set(roles.map((holder) => holder.user.id));
  const candidates = (account?.members ?? []).filter((member) => !holding.has(member.user.id));

  const apply = async (targetUserId: string, nextRole: FlexRole | null, who: string): Promise<Record<string, string> | null> => {
    setNotice(null);
    setPending(targetUserId);
    const result = await setRole({ input: { contractId, userId: targetUserId, role: nextRole } });
    setPending(null);
    if (result.error) return { general: describeError(result.error) };
    const outcome = result.data?.flexRoleSet;
    if (!outcome) return { general: 'The role could not be changed.' };
    if (outcome.__typename === 'FlexRoleSetSuccess') {
      setRoles(outcome.contract.roles);
      setNotice(nextRole ? `${who} is now a ${roleLabel(nextRole).toLowerCase()} of ${contractNumber}.` : `${who} no longer holds a role on ${contractNumber}.`);
      return null;
    }
    const placed: Record<string, string> = {};
    if (outcome.__typename === 'InvalidInput' && outcome.fieldErrors.length) {
      for (const error of outcome.fieldErrors) placed[error.field] = error.message;
    } else {
      placed[outcome.field ?? 'general'] = userErrorText(outcome);
    }
    return placed;
  };

  const onAdd = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId) {
      setErrors({ userId: 'Choose a member of the account.' });
      document.getElementById('role-member')?.focus();
      return;
    }
    const member = candidates.find((m) => m.user.id === userId);
    const problems = await apply(userId, role, member ? member.user.name || member.user.email : 'The member');
    if (problems) {
      setErrors({ userId: problems.userId, role: problems.role, general: problems.general ?? problems.contractId });
      return;
    }
    setErrors({});
    setUserId('');
  };

  // A row's new role is applied only with its Save button: a select changes value as one browses it with the keyboard.
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const onSave = async (holder: Holder) => {
    const next = drafts[holder.user.id] ?? holder.role;
    const problems = await apply(holder.user.id, next ? (next as FlexRole) : null, holder.user.name || holder.user.email);
    setErrors(problems ? { row: { [holder.user.id]: Object.values(problems).join(' ') } } : {});
    if (!problems) setDrafts(({ [holder.user.id]: _, ...rest }) => rest);
  };

  return (
    <section className="section" aria-labelledby={headingId}>
      <h2 className="section__title" id={headingId}>
        Roles on {contractNumber}
      </h2>
      <p className="muted">
        Super users see every deployment, run these reports and grant roles; contract users draw down and see their own deployments.
        Administrators of the account are super users by their account role.
      </p>
      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}
      <div className="table-wrap card card--flush">
        <table className="table table--stack">
          <caption className="visually-hidden">People holding a role on {contractNumber}</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {roles.map((holder) => {
              const who = holder.user.name || holder.user.email;
              const selectId = `role-${holder.user.id}`;
              const rowError = errors.row?.[holder.user.id];
              const draft = drafts[holder.user.id];
              const changed = draft !== undefined && draft !== holder.role;
              return (
                <tr key={holder.user.id}>
                  <th scope="row" data-label="Person">
                    <span>
                      {who}
                      {holder.user.name ? <span className="block small muted">{holder.user.email}</span> : null}
                    </span>
                  </th>
                  <td data-label="Role">
                    {holder.byAccountRole ? (
                      <span>
                        {roleLabel(holder.role)} <span className="muted small">(account administrator)</span>
                      </span>
                    ) : (
                      <div className="flex-role-row">
                        <SelectField
                          id={selectId}
                          label={<span className="visually-hidden">Role of {who}</span>}
                          value={draft ?? holder.role}
                          onValueChange={(value) => setDrafts((current) => ({ ...current, [holder.user.id]: value }))}
                          disabled={fetching && pending === holder.user.id}
                          error={rowError}
                          compact
                          className="flex-role-select"
                        >
                          {ROLE_CHOICES.map((choice) => (
                            <option key={choice.role} value={choice.role}>
                              {choice.label}
                            </option>
                          ))}
                          {holder.role === 'VIEWER' ? <option value="VIEWER">Viewer</option> : null}
                          <option value="">No role (remove)</option>
                        </SelectField>
                        {changed ? (
                          <span className="row-actions">
                            <SubmitButton
                              type="button"
                              variant={draft === '' ? 'danger' : 'primary'}
                              className="button--small"
                              busy={fetching && pending === holder.user.id}
                              onClick={() => onSave(holder)}
                            >
                              {draft === '' ? 'Remove role' : 'Save'} <span className="visually-hidden">of {who}</span>
                            </SubmitButton>
                            <button
                              type="button"
                              className="button button--ghost button--small"
                              onClick={() => setDrafts(({ [holder.user.id]: _, ...rest }) => rest)}
                            >
                              Cancel
                            </button>
                          </span>
                        ) : null}
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <form className="card card--padded flex-role-form" onSubmit={onAdd} noValidate aria-label="Give a member a role">
        <h3 className="section-title flex-role-form__title">Give a member a role</h3>
        {errors.general ? (
          <Alert tone="error">
            <p>{errors.general}</p>
          </Alert>
        ) : null}
        <div className="flex-role-form__row">
          <SelectField
            id="role-member"
            label="Member of the account"
            value={userId}
            onValueChange={setUserId}
            error={errors.userId}
            disabled={!!members.data && candidates.length === 0}
          >
            <option value="">{members.data ? (candidates.length ? 'Choose a member…' : 'Every member holds a role') : 'Loading members…'}</option>
            {candidates.map((member) => (
              <option key={member.user.id} value={member.user.id}>
                {member.user.name ? `${member.user.name} (${member.user.email})` : member.user.email}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="role-role"
            label="Role"
            value={role}
            onValueChange={(value) => setNewRole(value as FlexRole)}
            error={errors.role}
            hint={ROLE_CHOICES.find((choice) => choice.role === role)?.hint}
          >
            {ROLE_CHOICES.map((choice) => (
              <option key={choice.role} value={choice.role}>
                {choice.label}
              </option>
            ))}
          </SelectField>
          <div className="flex-role-form__submit">
            <SubmitButton busy={fetching && pending === userId} disabled={!!members.data && candidates.length === 0}>
              Give role
            </SubmitButton>
          </div>
        </div>
      </form>
    </section>
  );
}
