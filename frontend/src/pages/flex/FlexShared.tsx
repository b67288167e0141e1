import { useState } from 'react';
import { Link, NavLink, useNavigate } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import type { FlexContractFieldsFragment, FlexRole } from '../../gql/graphql';
import { formatNumber, formatPoints, percentOf } from '../../lib/flex';
import { formatDate } from '../../lib/format';
import { FLEX_DRAW_DOWN_FLOW } from '../../lib/steps';
import { useSession } from '../../session';
import { userErrorText } from '../wizard/messages';
import { FlexContractIdsQuery, FlexContractQuery, FlexDrawDownStartMutation } from './documents';

export type FlexContractData = FlexContractFieldsFragment;

export const ROLE_LABELS: Record<FlexRole, string> = {
  SUPER_USER: 'Super user',
  CONTRACT_USER: 'Contract user',
  VIEWER: 'Viewer',
};

export function roleLabel(role: FlexRole | null | undefined): string {
  return role ? ROLE_LABELS[role] : 'No role';
}

const STATUS_LABELS: Record<string, string> = { ACTIVE: 'Active', NOT_STARTED: 'Not started', ENDED: 'Ended' };
const STATUS_TONES: Record<string, string> = { ACTIVE: 'ACTIVE', NOT_STARTED: 'PENDING', ENDED: 'EXPIRED' };

/** A contract's status as a badge: Active, Not started, Ended. */
export function ContractStatusBadge({ status }: { status: string }) {
  return <StatusBadge status={STATUS_TONES[status] ?? status} label={STATUS_LABELS[status] ?? status} />;
}

/** True when the user may draw down from the contract (super and contract users, while it is active). */
export function canDraw(contract: Pick<FlexContractData, 'myRole' | 'status'>): boolean {
  return (contract.myRole === 'SUPER_USER' || contract.myRole === 'CONTRACT_USER') && contract.status === 'ACTIVE';
}

/** "1 Jan 2026 – 31 Dec 2028". */
export function termText(contract: Pick<FlexContractData, 'startsOn' | 'endsOn'>): string {
  return `${formatDate(contract.startsOn)} – ${formatDate(contract.endsOn)}`;
}

/** The navigation link to Enterprise Flexible: only for accounts with a contract the user holds a role on. */
export function FlexNavLink() {
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result] = useQuery({ query: FlexContractIdsQuery, variables: { accountId }, pause: !accountId });
  if (!result.data?.flexContracts.length) return null;
  return (
    <NavLink to="/flex" className="mainnav__link">
      <span className="mainnav__long">Enterprise</span> Flexible
    </NavLink>
  );
}

/** One contract by id, for its sub-pages: null while loading or when it is not yours to see. */
export function useFlexContract(id: string) {
  const [result, reexecute] = useQuery({ query: FlexContractQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const node = result.data?.node;
  const contract = node?.__typename === 'FlexContract' ? node : null;
  return { result, contract, reload: () => reexecute({ requestPolicy: 'network-only' }) };
}

/** Starts a draw-down on the contract and opens its wizard. */
export function DrawDownButton({ contract, variant = 'primary' }: { contract: FlexContractData; variant?: 'primary' | 'secondary' }) {
  const [{ fetching }, start] = useMutation(FlexDrawDownStartMutation);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const errorId = `draw-error-${contract.id}`;
  if (!canDraw(contract)) return null;

  const onStart = async () => {
    setError(null);
    const result = await start({ input: { contractId: contract.id } });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.flexDrawDownStart;
    if (!outcome) return;
    if (outcome.__typename === 'FlexDrawDownStartSuccess') {
      navigate(FLEX_DRAW_DOWN_FLOW.path(outcome.keyRequest.id));
      return;
    }
    setError(userErrorText(outcome));
  };

  return (
    <span className="flex-draw">
      <SubmitButton
        type="button"
        variant={variant}
        busy={fetching}
        onClick={onStart}
        aria-describedby={error ? errorId : undefined}
      >
        Draw down licenses <span className="visually-hidden">from {contract.number}</span>
      </SubmitButton>
      {error ? (
        <span className="field__error" id={errorId} role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** Consumed against committed points as a bar, with the overage allowance past the commitment. */
export function PointsBar({ contract }: { contract: FlexContractData }) {
  const { committedPoints, consumedPoints, ceilingPoints } = contract;
  const scale = Math.max(ceilingPoints, consumedPoints, 1);
  const used = Math.min(consumedPoints, committedPoints);
  const over = Math.max(consumedPoints - committedPoints, 0);
  const percent = percentOf(consumedPoints, committedPoints);
  return (
    <div className="points-bar">
      <div
        className="points-bar__track"
        role="meter"
        aria-label={`Points consumed of ${contract.number}`}
        aria-valuemin={0}
        aria-valuemax={committedPoints}
        aria-valuenow={consumedPoints}
        aria-valuetext={`${formatPoints(consumedPoints)} of ${formatPoints(committedPoints)} consumed (${percent} %)`}
      >
        <span className="points-bar__used" style={{ width: `${(used / scale) * 100}%` }} />
        {over > 0 ? <span className="points-bar__over" style={{ width: `${(over / scale) * 100}%` }} /> : null}
        {ceilingPoints > committedPoints ? (
          <span className="points-bar__commit" style={{ left: `${(committedPoints / scale) * 100}%` }} aria-hidden="true" />
        ) : null}
      </div>
      <p className="points-bar__legend small">
        <span>
          <strong>{formatNumber(consumedPoints)}</strong> of {formatNumber(committedPoints)} points consumed ({percent} %)
        </span>
        <span>
          <strong>{formatNumber(contract.drawablePoints)}</strong> can still be drawn
          {ceilingPoints > committedPoints ? ' (past the mark: the overage allowance)' : ''}
        </span>
      </p>
    </div>
  );
}

/** Breadcrumb, title, facts and the tabs of one contract's pages. */
export function FlexContractHeader({ contract, title }: { contract: FlexContractData; title: string }) {
  const base = `/flex/contracts/${encodeURIComponent(contract.id)}`;
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/flex">Enterprise Flexible</Link> <span aria-hidden="true">/</span> <span>{contract.number}</span>
      </nav>
      <div className="page__header">
        <div>
          <h1 className="page__title">
            {title} <span className="muted flex-nowrap">· {contract.number}</span>
          </h1>
          <p className="page__meta">
            <ContractStatusBadge status={contract.status} />
            <span>{termText(contract)}</span>
            <span>Your role: {roleLabel(contract.myRole)}</span>
            <span>{formatPoints(contract.drawablePoints)} drawable</span>
          </p>
        </div>
        <div className="page__actions">
          <DrawDownButton contract={contract} />
        </div>
      </div>
      <nav className="tabs" aria-label={`Contract ${contract.number}`}>
        <NavLink to="/flex" end className="tabs__link">
          Contracts
        </NavLink>
        <NavLink to={`${base}/deployments`} className="tabs__link">
          Deployments
        </NavLink>
        {contract.myRole === 'SUPER_USER' ? (
          <NavLink to={`${base}/report`} className="tabs__link">
            Report and roles
          </NavLink>
        ) : null}
      </nav>
    </>
  );
}
