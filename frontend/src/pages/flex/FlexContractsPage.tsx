import { Link } from 'react-router-dom';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { usePageTitle } from '../../components/usePageTitle';
import type { FlexContractsQuery as FlexContractsResult } from '../../gql/graphql';
import { formatNumber, formatPoints, overageText } from '../../lib/flex';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { BurnDownChart } from './BurnDownChart';
import { FlexContractsQuery } from './documents';
import { ContractStatusBadge, DrawDownButton, PointsBar, roleLabel, termText } from './FlexShared';

type Contract = FlexContractsResult['flexContracts'][number];

/** /flex — the account's Enterprise Flexible contracts you hold a role on, with points and a burn-down. */
export function FlexContractsPage() {
  usePageTitle('Enterprise Flexible');
  const { membership } = useSession();
  const accountId = membership?.account.id ?? '';
  const [result, reload] = useAccountQuery(FlexContractsQuery, accountId);
  if (!membership) return null;
  const contracts = result.data?.flexContracts ?? [];

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Enterprise Flexible</h1>
          <p className="page__lead">
            Draw licenses down from {membership.account.name}'s contracts as you deploy, and keep an eye on the points left.
          </p>
        </div>
      </div>
      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The contracts could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading contracts…" />
      ) : contracts.length === 0 ? (
        <div className="empty-state card">
          <p className="empty-state__title">No Enterprise Flexible contracts</p>
          <p className="muted">
            {membership.account.name} has no Enterprise Flexible contract you hold a role on. Contracts are set up by the vendor when
            your company signs one; a super user of the contract (an administrator of the account) can then give you a role. Until
            then, request keys for the serial numbers you bought with <Link to="/get-a-key">Get a Key</Link>.
          </p>
        </div>
      ) : (
        <ul className="flex-contracts" aria-label="Contracts">
          {contracts.map((contract) => (
            <ContractCard key={contract.id} contract={contract} />
          ))}
        </ul>
      )}
    </div>
  );
}

function ContractCard({ contract }: { contract: Contract }) {
  const base = `/flex/contracts/${encodeURIComponent(contract.id)}`;
  const titleId = `contract-${contract.id}`;
  const superUser = contract.myRole === 'SUPER_USER';
  const overage = Math.max(contract.consumedPoints - contract.committedPoints, 0);
  return (
    <li className="card flex-contract" aria-labelledby={titleId}>
      <div className="flex-contract__header">
        <div>
          <h2 className="flex-contract__number" id={titleId}>
            {contract.number}
          </h2>
          <p className="page__meta">
            <ContractStatusBadge status={contract.status} />
            <span>{termText(contract)}</span>
            <span>
              Your role: <strong>{roleLabel(contract.myRole)}</strong>
            </span>
          </p>
        </div>
        <div className="page__actions">
          <DrawDownButton contract={contract} />
          <Link to={`${base}/deployments`} className="button button--secondary">
            Deployments
          </Link>
          {superUser ? (
            <Link to={`${base}/report`} className="button button--secondary">
              Report and roles
            </Link>
          ) : null}
        </div>
      </div>

      <dl className="flex-figures">
        <div className="flex-figures__item">
          <dt>Committed</dt>
          <dd>{formatNumber(contract.committedPoints)}</dd>
        </div>
        <div className="flex-figures__item">
          <dt>Consumed</dt>
          <dd>{formatNumber(contract.consumedPoints)}</dd>
        </div>
        <div className="flex-figures__item">
          <dt>Remaining</dt>
          <dd className={contract.remainingPoints < 0 ? 'flex-figures__over' : undefined}>{formatNumber(contract.remainingPoints)}</dd>
        </div>
        <div className="flex-figures__item">
          <dt>Drawable now</dt>
          <dd>
            {formatNumber(contract.drawablePoints)}
            {contract.ceilingPoints > contract.committedPoints ? <span className="flex-figures__note">incl. the overage allowance</span> : null}
          </dd>
        </div>
      </dl>
      <p className="small muted flex-contract__policy">
        Overage: {overageText(contract.overagePolicy, contract.overagePercent, contract.committedPoints)}
        {overage > 0 ? ` · ${formatPoints(overage)} in overage so far` : ''} · {contract.catalog.length} products in the catalog
      </p>

      {superUser ? (
        <BurnDownChart contract={contract} consumption={contract.consumption} />
      ) : (
        <PointsBar contract={contract} />
      )}
      {contract.status !== 'ACTIVE' ? (
        <Alert tone="info" live={false}>
          <p>
            {contract.status === 'NOT_STARTED'
              ? 'Draw-downs open on the first day of the term.'
              : 'The term has ended: no more draw-downs. Deployments and reports stay available.'}
          </p>
        </Alert>
      ) : null}
    </li>
  );
}
