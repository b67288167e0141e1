import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { Alert } from '../components/Alert';
import { useQuery } from 'urql';
import { DownloadIcon, KeyIcon, LayersIcon, LicensesIcon, UpgradeIcon, VoucherIcon } from '../components/Icons';
import { ErrorNotice } from '../components/ErrorNotice';
import { LoadingPanel } from '../components/Spinner';
import { usePageTitle } from '../components/usePageTitle';
import { asAccount, canRequestKeys } from '../lib/accounts';
import { humanize } from '../lib/format';
import { useSession } from '../session';
import { AccountKeyRequestsQuery } from './keyRequestsDocument';
import { KeyRequestTable } from './KeyRequestTable';
import { PartnerCustomersPage } from './partner/PartnerCustomersPage';
import { discardedNotice } from './wizard/WizardFrame';

interface Feature {
  title: string;
  description: string;
  icon: ReactNode;
}

interface LiveFeature extends Feature {
  to: string;
  cta: string;
  /** Only members and admins may use it (a viewer sees it, with the reason it is not for him). */
  requestsKeys?: boolean;
  /** Only accounts of this kind have it (the Voucher Center: OEM accounts). */
  accountKind?: string;
}

const LIVE: readonly LiveFeature[] = [
  {
    title: 'Get a Key',
    description: 'Turn the serial numbers on your license certificate into signed license keys, or renew a license.',
    icon: <KeyIcon />,
    to: '/get-a-key',
    cta: 'Start',
    requestsKeys: true,
  },
  {
    title: 'Version Upgrade',
    description: 'Move licenses under maintenance to a newer product version with your upgrade notification ID.',
    icon: <UpgradeIcon />,
    to: '/version-upgrade',
    cta: 'Start',
    requestsKeys: true,
  },
  {
    title: 'Manage My Licenses',
    description: 'Find, filter and export every license; set custom fields, share licenses and download their files.',
    icon: <LicensesIcon />,
    to: '/licenses',
    cta: 'Open',
  },
  {
    title: 'Enterprise Flexible',
    description: 'Draw licenses down from your enterprise contract’s points as you deploy, and follow what is consumed.',
    icon: <LayersIcon />,
    to: '/flex',
    cta: 'Open',
  },
  {
    title: 'Voucher Center',
    description: 'Convert your vouchers into licenses for the machines you ship or your customers, one code or thousands at once.',
    icon: <VoucherIcon />,
    to: '/vouchers',
    cta: 'Open',
    accountKind: 'OEM',
  },
  {
    title: 'Downloads',
    description: 'Download the installers and updates your licenses entitle you to, with release notes and checksums.',
    icon: <DownloadIcon />,
    to: '/downloads',
    cta: 'Open',
  },
];

export function HomePage() {
  usePageTitle('Home');
  const { user, membership, actingFor } = useSession();
  const notice = discardedNotice(useLocation().state);
  const accountId = membership?.account.id ?? '';
  const partnerHome = membership?.account.kind === 'PARTNER' && !actingFor;
  const [result, reexecute] = useQuery({
    query: AccountKeyRequestsQuery,
    variables: { accountId },
    pause: !accountId || partnerHome,
    requestPolicy: 'cache-and-network',
  });
  if (!user || !membership) return null;
  if (partnerHome) return <PartnerCustomersPage />;

  const account = membership.account;
  const mayRequestKeys = canRequestKeys(membership.role);
  // Get a Key drafts nobody has added a serial number to yet are noise: leave them out.
  const rows = (asAccount(result.data?.node)?.keyRequests ?? []).filter(
    (row) => row.kind !== 'NEW' || row.status !== 'DRAFT' || row.serials.length > 0,
  );

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Welcome, {user.name || user.email}</h1>
          <p className="page__meta">
            <span>
              {account.name} · {humanize(account.kind)} account {account.number}
            </span>
            <span>
              Your role: {humanize(membership.role)}
              {actingFor ? ` (through ${actingFor.scope === 'MANAGE' ? 'a Manage' : 'a View'} delegation)` : ''}
            </span>
          </p>
        </div>
      </div>

      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}

      <section aria-labelledby="functions-heading" className="section">
        <h2 className="section__title" id="functions-heading">
          What would you like to do?
        </h2>
        <ul className="feature-grid">
          {LIVE.filter((feature) => !feature.accountKind || feature.accountKind === membership.account.kind).map((feature) =>
            feature.requestsKeys && !mayRequestKeys ? (
              <li key={feature.title}>
                <div className="feature-card feature-card--disabled" aria-disabled="true">
                  <span className="feature-card__icon" aria-hidden="true">
                    {feature.icon}
                  </span>
                  <span className="feature-card__title">{feature.title}</span>
                  <span className="feature-card__text">{feature.description}</span>
                  <span className="muted small">Your role ({humanize(membership.role)}) cannot request keys.</span>
                </div>
              </li>
            ) : (
            <li key={feature.title}>
              <Link to={feature.to} className="feature-card feature-card--live">
                <span className="feature-card__icon" aria-hidden="true">
                  {feature.icon}
                </span>
                <span className="feature-card__title">{feature.title}</span>
                <span className="feature-card__text">{feature.description}</span>
                <span className="feature-card__cta" aria-hidden="true">
                  {feature.cta} →
                </span>
              </Link>
            </li>
            ),
          )}
        </ul>
      </section>

      <section aria-labelledby="requests-heading" className="section">
        <div className="section__header">
          <h2 className="section__title" id="requests-heading">
            Your key requests
          </h2>
          {result.fetching && result.data ? <span className="muted small">Refreshing…</span> : null}
        </div>
        {result.error && !result.data ? (
          <ErrorNotice error={result.error} title="Your key requests could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : !result.data ? (
          <LoadingPanel label="Loading key requests…" />
        ) : rows.length === 0 ? (
          <div className="empty-state card">
            <p className="empty-state__title">No key requests yet</p>
            <p className="muted">
              When you request keys for {account.name}, they appear here. Drafts are saved, so you can resume them on any device.
            </p>
            <Link to="/get-a-key" className="button button--primary">
              Get a Key
            </Link>
          </div>
        ) : (
          <div className="card card--flush">
            <KeyRequestTable rows={rows} caption={`Key requests of ${account.name}`} mayChange={mayRequestKeys} />
          </div>
        )}
      </section>
    </div>
  );
}
