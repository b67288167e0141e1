import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import { usePageTitle } from '../../components/usePageTitle';
import type { FlexDeploymentFieldsFragment, FlexDeploymentFilter } from '../../gql/graphql';
import { formatNumber, formatPoints, isReturnable } from '../../lib/flex';
import { formatDate, formatDateTime } from '../../lib/format';
import { useSession } from '../../session';
import { userErrorText } from '../wizard/messages';
import { FlexDeploymentsQuery, FlexReturnMutation } from './documents';
import { FlexContractHeader, useFlexContract, type FlexContractData } from './FlexShared';

type Deployment = FlexDeploymentFieldsFragment;

const PAGE_SIZE = 25;

/** /flex/contracts/:id/deployments — the contract catalog: every license drawn (yours, for contract users). */
export function FlexDeploymentsPage() {
  usePageTitle('Deployments');
  const { id = '' } = useParams();
  const { result, contract, reload } = useFlexContract(id);
  if (result.error && !result.data) return <ErrorNotice error={result.error} title="The contract could not be loaded" onRetry={reload} />;
  if (!result.data) return <LoadingPanel label="Loading the contract…" />;
  if (!contract) return <ContractMissing />;
  return (
    <div className="page">
      <FlexContractHeader contract={contract} title="Deployments" />
      <Deployments key={contract.id} contract={contract} onContractChanged={reload} />
    </div>
  );
}

export function ContractMissing() {
  return (
    <div className="page">
      <h1 className="page__title">Enterprise Flexible</h1>
      <Alert tone="warning" title="Contract not found">
        <p>This contract does not exist, or you hold no role on it.</p>
        <p>
          <Link to="/flex">Back to your contracts</Link>
        </p>
      </Alert>
    </div>
  );
}

const features = tableFeatures({});
const column = createColumnHelper<typeof features, Deployment>();

function Deployments({ contract, onContractChanged }: { contract: FlexContractData; onContractChanged: () => void }) {
  const { user } = useSession();
  const [product, setProduct] = useState('');
  const [kept, setKept] = useState('');
  const [mine, setMine] = useState('');
  const filter = useMemo<FlexDeploymentFilter>(
    () => ({
      productId: product || null,
      returned: kept === '' ? null : kept === 'returned',
      drawnBy: mine === 'me' ? (user?.id ?? null) : null,
    }),
    [product, kept, mine, user],
  );
  const [result, reexecute] = useQuery({
    query: FlexDeploymentsQuery,
    variables: { id: contract.id, first: PAGE_SIZE, after: null, filter },
    requestPolicy: 'cache-and-network',
  });
  const [more, setMore] = useState<{ rows: Deployment[]; endCursor: string | null; hasNext: boolean } | null>(null);
  const [requested, setRequested] = useState<string | null>(null);
  const loadingMore = requested !== null;
  const [moreError, setMoreError] = useState<string | null>(null);
  const [returning, setReturning] = useState<Deployment | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const first = result.data?.node?.__typename === 'FlexContract' ? result.data.node.deployments : null;

  // A new first page (filters changed, or a return) starts the list again.
  useEffect(() => {
    setMore(null);
    setRequested(null);
  }, [first]);

  const rows = useMemo(() => [...(first?.nodes ?? []), ...(more?.rows ?? [])], [first, more]);
  const hasNext = more ? more.hasNext : (first?.pageInfo.hasNextPage ?? false);
  const endCursor = more ? more.endCursor : (first?.pageInfo.endCursor ?? null);
  const canReturn = contract.myRole === 'SUPER_USER' || contract.myRole === 'CONTRACT_USER';

  // "Load more" asks for the page after the last cursor; its answer is added to the rows shown.
  const [moreResult] = useQuery({
    query: FlexDeploymentsQuery,
    variables: { id: contract.id, first: PAGE_SIZE, after: requested, filter },
    pause: requested === null,
    requestPolicy: 'network-only',
  });
  useEffect(() => {
    if (requested === null || moreResult.fetching) return;
    if (moreResult.operation?.variables.after !== requested) return;
    const page = moreResult.data?.node?.__typename === 'FlexContract' ? moreResult.data.node.deployments : null;
    setRequested(null);
    if (moreResult.error || !page) {
      setMoreError(moreResult.error ? describeError(moreResult.error) : 'The next deployments could not be loaded.');
      return;
    }
    setMore((current) => ({
      rows: [...(current?.rows ?? []), ...page.nodes],
      endCursor: page.pageInfo.endCursor ?? null,
      hasNext: page.pageInfo.hasNextPage,
    }));
  }, [moreResult, requested]);

  const loadMore = () => {
    if (!endCursor) return;
    setMoreError(null);
    setRequested(endCursor);
  };

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((row) => row.product.name, {
          id: 'product',
          header: 'Product',
          cell: ({ row }) => (
            <span>
              {row.original.product.name} <span className="muted">{row.original.product.version}</span>
              <span className="block small muted mono">{row.original.product.sku}</span>
            </span>
          ),
        }),
        column.accessor('quantity', { header: 'Units', cell: (info) => formatNumber(info.getValue()) }),
        column.accessor('points', {
          header: 'Points',
          cell: ({ row }) => (
            <span>
              {formatNumber(row.original.points)}
              {row.original.overagePoints > 0 ? (
                <span className="block small flex-overage">{formatNumber(row.original.overagePoints)} overage</span>
              ) : null}
            </span>
          ),
        }),
        column.accessor('drawnAt', { header: 'Drawn', cell: (info) => formatDateTime(info.getValue()) }),
        column.accessor((row) => row.drawnBy.name || row.drawnBy.email, {
          id: 'drawnBy',
          header: 'Drawn by',
          cell: ({ row }) => (
            <span>
              {row.original.drawnBy.name || row.original.drawnBy.email}
              {row.original.drawnBy.name ? <span className="block small muted">{row.original.drawnBy.email}</span> : null}
              {row.original.actingAccount ? <span className="block small muted">for partner {row.original.actingAccount.name}</span> : null}
            </span>
          ),
        }),
        column.accessor('returnedAt', {
          header: 'Status',
          cell: ({ row }) =>
            row.original.returnedAt ? (
              <span>
                <StatusBadge status="REVOKED" label="Returned" />
                <span className="block small muted">{formatDate(row.original.returnedAt.slice(0, 10))}</span>
              </span>
            ) : (
              <span>
                <StatusBadge status="ACTIVE" label="Kept" />
                {isReturnable(row.original) ? (
                  <span className="block small muted">Returnable until {formatDate(row.original.returnableUntil.slice(0, 10))}</span>
                ) : null}
              </span>
            ),
        }),
        column.display({
          id: 'actions',
          header: () => <span className="visually-hidden">Actions</span>,
          cell: ({ row }) => (
            <span className="row-actions">
              <Link to={`/licenses/${encodeURIComponent(row.original.license.id)}`} className="button button--secondary button--small">
                License <span className="visually-hidden">of {row.original.product.name} drawn {formatDateTime(row.original.drawnAt)}</span>
              </Link>
              {canReturn && isReturnable(row.original) ? (
                <button type="button" className="button button--ghost button--small" onClick={() => setReturning(row.original)}>
                  Return <span className="visually-hidden">{row.original.product.name} drawn {formatDateTime(row.original.drawnAt)}</span>
                </button>
              ) : null}
            </span>
          ),
        }),
      ]),
    [canReturn],
  );

  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.id });
  const products = contract.myRole ? productOptions(contract) : [];

  return (
    <section aria-labelledby="deployments-heading">
      <h2 className="visually-hidden" id="deployments-heading">
        Deployments
      </h2>
      <form className="filters card" role="search" aria-label="Filter deployments" onSubmit={(event) => event.preventDefault()}>
        <div className="filters__row flex-filters">
          <SelectField id="filter-product" label="Product" value={product} onValueChange={setProduct}>
            <option value="">All products</option>
            {products.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </SelectField>
          <SelectField id="filter-kept" label="Returned or kept" value={kept} onValueChange={setKept}>
            <option value="">Kept and returned</option>
            <option value="kept">Kept only</option>
            <option value="returned">Returned only</option>
          </SelectField>
          {contract.myRole === 'SUPER_USER' || contract.myRole === 'VIEWER' ? (
            <SelectField id="filter-mine" label="Drawn by" value={mine} onValueChange={setMine}>
              <option value="">Anyone</option>
              <option value="me">Me</option>
            </SelectField>
          ) : null}
        </div>
      </form>
      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}
      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The deployments could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !first ? (
        <LoadingPanel label="Loading deployments…" />
      ) : (
        <>
          <p className="muted small" aria-live="polite" data-testid="deployments-count">
            {rows.length === 0
              ? 'No deployments match.'
              : `Showing ${formatNumber(rows.length)} of ${formatNumber(first.totalCount)} deployments${contract.myRole === 'CONTRACT_USER' ? ' (yours and those shared with you)' : ''}.`}
          </p>
          {rows.length === 0 ? (
            <div className="empty-state card">
              <p className="empty-state__title">No deployments</p>
              <p className="muted">
                {product || kept || mine ? 'Nothing drawn matches these filters.' : 'Nothing has been drawn from this contract yet.'}
              </p>
            </div>
          ) : (
            <div className="table-wrap card card--flush">
              <table className="table table--stack flex-deployments">
                <caption className="visually-hidden">Deployments of {contract.number}, newest first</caption>
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
                    <tr key={row.id}>
                      {row.getAllCells().map((cell) => (
                        <td
                          key={cell.id}
                          data-label={cell.column.id === 'actions' ? undefined : headerText(cell.column.id)}
                          className={cell.column.id === 'actions' ? 'table__actions' : undefined}
                        >
                          <table.FlexRender cell={cell} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {moreError ? (
            <Alert tone="error">
              <p>{moreError}</p>
            </Alert>
          ) : null}
          {hasNext ? (
            <div className="flex-more">
              <SubmitButton type="button" variant="secondary" busy={loadingMore} onClick={loadMore}>
                Load more deployments
              </SubmitButton>
            </div>
          ) : null}
        </>
      )}
      {returning ? (
        <ReturnDialog
          deployment={returning}
          contract={contract}
          onClose={() => setReturning(null)}
          onReturned={(text) => {
            setReturning(null);
            setNotice(text);
            reexecute({ requestPolicy: 'network-only' });
            onContractChanged();
          }}
        />
      ) : null}
    </section>
  );
}

const HEADERS: Record<string, string> = {
  product: 'Product',
  quantity: 'Units',
  points: 'Points',
  drawnAt: 'Drawn',
  drawnBy: 'Drawn by',
  returnedAt: 'Status',
};

function headerText(id: string): string | undefined {
  return HEADERS[id];
}

function productOptions(contract: FlexContractData & { catalog?: readonly { product: { id: string; name: string; version: string } }[] }) {
  return (contract.catalog ?? []).map((item) => ({ id: item.product.id, label: `${item.product.name} ${item.product.version}` }));
}

function ReturnDialog({
  deployment,
  contract,
  onClose,
  onReturned,
}: {
  deployment: Deployment;
  contract: FlexContractData;
  onClose: () => void;
  onReturned: (text: string) => void;
}) {
  const [{ fetching }, giveBack] = useMutation(FlexReturnMutation);
  const [error, setError] = useState<string | null>(null);
  const name = `${deployment.product.name} ${deployment.product.version}`;

  const onConfirm = async () => {
    setError(null);
    const result = await giveBack({ input: { licenseId: deployment.license.id } });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.flexReturn;
    if (!outcome) return;
    if (outcome.__typename === 'FlexReturnSuccess') {
      onReturned(
        `${formatNumber(deployment.quantity)} units of ${name} were returned: ${formatPoints(outcome.deployment.points)} credited back to ${contract.number}.`,
      );
      return;
    }
    setError(userErrorText(outcome));
  };

  return (
    <Dialog
      title={`Return ${name}?`}
      onClose={onClose}
      description={`Its ${formatNumber(deployment.quantity)} units stop working: the license's keys are revoked at once, and ${formatPoints(
        deployment.points,
      )} are credited back to ${contract.number}. This cannot be undone.`}
    >
      <dl className="summary">
        <div className="summary__row">
          <dt>Drawn</dt>
          <dd>
            {formatDateTime(deployment.drawnAt)} by {deployment.drawnBy.name || deployment.drawnBy.email}
          </dd>
        </div>
        <div className="summary__row">
          <dt>Returnable until</dt>
          <dd>{formatDateTime(deployment.returnableUntil)}</dd>
        </div>
      </dl>
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={onClose}>
          Keep it
        </button>
        <SubmitButton type="button" variant="danger" busy={fetching} onClick={onConfirm}>
          Return and revoke keys
        </SubmitButton>
      </div>
    </Dialog>
  );
}
