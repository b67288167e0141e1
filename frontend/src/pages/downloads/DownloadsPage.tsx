import { useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useClient, useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FilterField } from '../../components/FilterField';
import { SelectField } from '../../components/SelectField';
import { LoadingPanel } from '../../components/Spinner';
import { usePageTitle } from '../../components/usePageTitle';
import { formatNumber } from '../../lib/flex';
import { formatDate } from '../../lib/format';
import { formatPlatform, listPlatforms, receivedAt } from '../../lib/downloads';
import { DownloadProductsQuery, DownloadsQuery, type DownloadProduct, type DownloadRelease, type DownloadsVariables } from './documents';
import { ReleaseList } from './ReleaseList';
import { SerialLookup } from './SerialLookup';

/** The serial-number field (SerialLookup's input): the empty state's button takes the user there. */
const SERIAL_FIELD = 'download-serial';

/** Releases per page (the API takes at most 100). */
const PAGE_SIZE = 50;

/**
 * /downloads — FileConnect: the software the user's licenses entitle them to.
 * Products → versions (newest first) → platforms → files, each with its size, SHA-256,
 * the command that checks it and a signed link; locked versions say why and how to renew.
 * A serial number from a certificate lists its product's releases too.
 */
export function DownloadsPage() {
  usePageTitle('Downloads');
  const [params, setParams] = useSearchParams();
  const [products, reload] = useQuery({ query: DownloadProductsQuery, requestPolicy: 'cache-and-network' });
  const list = products.data?.downloadProducts ?? [];
  const requested = params.get('product');
  const selected = list.find((entry) => entry.product.sku === requested) ?? list[0] ?? null;
  const platform = params.get('platform') ?? '';
  const search = params.get('q') ?? '';

  const change = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };

  return (
    <div className="page downloads-page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Downloads</h1>
          <p className="page__lead">
            The software your licenses entitle you to, in every account you act for: installers and updates with their release notes
            and checksums.
          </p>
        </div>
      </div>

      {products.error && !products.data ? (
        <ErrorNotice error={products.error} title="Your downloads could not be loaded" onRetry={() => reload({ requestPolicy: 'network-only' })} />
      ) : !products.data ? (
        <LoadingPanel label="Loading your products…" />
      ) : list.length === 0 ? (
        <div className="empty-state card">
          <p className="empty-state__title">No software to download yet</p>
          <p className="muted">
            Downloads are listed for the products you hold a license for. Turn the serial numbers on your license certificate into
            licenses with Get a Key, or look a serial number up below to see its product’s releases.
          </p>
          <p className="downloads-empty__actions">
            <Link to="/get-a-key" className="button button--primary">
              Get a Key
            </Link>
            <button type="button" className="button button--secondary" onClick={() => document.getElementById(SERIAL_FIELD)?.focus()}>
              Look up a serial number
            </button>
          </p>
        </div>
      ) : (
        <>
          <section className="section" aria-labelledby="download-products-heading">
            <h2 className="section__title" id="download-products-heading">
              Your products
            </h2>
            <ProductChoice products={list} selected={selected} params={params} />
          </section>

          {selected ? (
            <section className="section" aria-labelledby="download-releases-heading">
              <h2 className="section__title" id="download-releases-heading">
                {selected.product.name} {selected.product.version} releases
              </h2>
              <div className="filters downloads-filters card card--padded" role="search" aria-label="Filter the releases">
                <SelectField
                  id="download-platform"
                  label="Platform"
                  value={selected.platforms.includes(platform) ? platform : ''}
                  onValueChange={(value) => change({ platform: value })}
                >
                  <option value="">All platforms</option>
                  {selected.platforms.map((name) => (
                    <option key={name} value={name}>
                      {formatPlatform(name)}
                    </option>
                  ))}
                </SelectField>
                <FilterField
                  id="download-search"
                  label="Search versions and notes"
                  type="search"
                  value={search}
                  onCommit={(value) => change({ q: value.trim() })}
                  placeholder="e.g. 15.0 or a fix"
                />
              </div>
              <ReleasePages
                key={`${selected.product.sku}|${platform}|${search}`}
                variables={{
                  filter: {
                    productSku: selected.product.sku,
                    platform: selected.platforms.includes(platform) ? platform : null,
                    search: search || null,
                  },
                  first: PAGE_SIZE,
                }}
                filtered={Boolean(platform || search)}
              />
            </section>
          ) : null}
        </>
      )}

      <section className="section" aria-labelledby="serial-lookup-heading">
        <SerialLookup headingId="serial-lookup-heading" />
      </section>
    </div>
  );
}

/** One card per entitled product; the chosen one's releases are listed below. Links, so a product can be bookmarked. */
function ProductChoice({ products, selected, params }: { products: readonly DownloadProduct[]; selected: DownloadProduct | null; params: URLSearchParams }) {
  const today = todayIso();
  return (
    <ul className="download-products">
      {products.map((entry) => {
        const current = entry.product.sku === selected?.product.sku;
        const next = new URLSearchParams(params);
        next.set('product', entry.product.sku);
        next.delete('platform');
        next.delete('q');
        return (
          <li key={entry.product.id}>
            <Link
              to={`?${next.toString()}`}
              replace
              className={`download-product${current ? ' download-product--current' : ''}`}
              aria-current={current ? 'true' : undefined}
            >
              <span className="download-product__name">
                {entry.product.name} <span className="muted">{entry.product.version}</span>
              </span>
              <span className="download-product__facts small">
                <span className="mono">{entry.product.sku}</span>
                {entry.latestVersion ? <> · latest {entry.latestVersion}</> : null}
                {' · '}
                {entry.releaseCount === 1 ? '1 release' : `${formatNumber(entry.releaseCount)} releases`}
              </span>
              {entry.platforms.length ? <span className="download-product__facts small muted">{listPlatforms(entry.platforms.map(formatPlatform))}</span> : null}
              <span className="download-product__facts small muted">
                {maintenanceText(entry.maintenanceEndsOn, today)}
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** Today's date in the browser, "2026-12-03". */
function todayIso(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** The product card's maintenance line: until when, or since when it has ended (later versions are then locked). */
function maintenanceText(endsOn: string | null, today: string): string {
  if (!endsOn) return 'Through an upgrade notification';
  return endsOn < today ? `Maintenance ended ${formatDate(endsOn)}` : `Maintenance until ${formatDate(endsOn)}`;
}

/** The first page of releases and, one by one, the older ones ("Show older releases"). */
function ReleasePages({ variables, filtered }: { variables: DownloadsVariables; filtered: boolean }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <>
      {cursors.map((after, index) => (
        <ReleasePage
          key={after ?? 'first'}
          variables={{ ...variables, after }}
          first={index === 0}
          filtered={filtered}
          onMore={index === cursors.length - 1 ? (cursor) => setCursors((current) => [...current, cursor]) : null}
        />
      ))}
    </>
  );
}

interface ReleasePageProps {
  variables: DownloadsVariables;
  first: boolean;
  filtered: boolean;
  /** Set on the last page shown: loads the page after `cursor`. */
  onMore: ((cursor: string) => void) | null;
}

function ReleasePage({ variables, first, filtered, onMore }: ReleasePageProps) {
  const client = useClient();
  const [result, reexecute] = useQuery({ query: DownloadsQuery, variables, requestPolicy: 'cache-and-network' });
  const data = result.data?.downloads;

  // Fresh links: the same page again from the server (the query's answer on the page follows).
  const refresh = useCallback(async (): Promise<readonly DownloadRelease[] | null> => {
    const fresh = await client.query(DownloadsQuery, variables, { requestPolicy: 'network-only' }).toPromise();
    return fresh.data?.downloads.nodes ?? null;
  }, [client, variables]);

  if (result.error && !result.data) {
    return <ErrorNotice error={result.error} title="The releases could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />;
  }
  if (!data || !result.data) return <LoadingPanel label={first ? 'Loading the releases…' : 'Loading older releases…'} />;
  if (first && data.nodes.length === 0) {
    return (
      <p className="empty-note">
        {filtered
          ? 'No release matches these filters. Choose All platforms or clear the search.'
          : 'Nothing has been published for this product yet. New versions appear here as soon as the vendor publishes them.'}
      </p>
    );
  }
  return (
    <>
      {first ? (
        <p className="muted small downloads-count" aria-live="polite">
          {data.totalCount === 1 ? '1 release' : `${formatNumber(data.totalCount)} releases`} (a release is one version for one platform)
        </p>
      ) : null}
      <ReleaseList releases={data.nodes} receivedAt={receivedAt(result.data)} refresh={refresh} />
      {onMore && data.pageInfo.hasNextPage && data.pageInfo.endCursor ? (
        <p className="downloads-more">
          <button type="button" className="button button--secondary" onClick={() => onMore(data.pageInfo.endCursor!)}>
            Show older releases
          </button>
        </p>
      ) : null}
    </>
  );
}
