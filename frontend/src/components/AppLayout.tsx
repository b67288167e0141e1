import { useEffect, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { humanize } from '../lib/format';
import { FlexNavLink } from '../pages/flex/FlexShared';
import { useSession } from '../session';
import { canRequestKeys, isPartnerUser } from '../lib/accounts';
import { Alert } from './Alert';
import { CustomerSwitcher, useSwitchAccount } from './CustomerSwitcher';
import { ErrorNotice } from './ErrorNotice';
import { HeaderSearch } from './HeaderSearch';
import { Logo } from './Logo';
import { NotificationBell } from './NotificationBell';
import { ContactSupportLink } from './SupportLink';
import { LoadingPanel } from './Spinner';
import { PRODUCT_NAME } from './usePageTitle';

const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      __typename
      ... on LogoutSuccess {
        ok
      }
    }
  }
`);

/** Signed-in pages: the header with navigation, account switcher and sign-out. Signed-out visitors go to /login. */
export function AppLayout() {
  const session = useSession();
  const location = useLocation();

  if (session.loading) {
    return (
      <div className="page-shell">
        <LoadingPanel label="Loading your account…" />
      </div>
    );
  }
  if (session.error) {
    return (
      <div className="page-shell">
        <main className="main main--narrow">
          <ErrorNotice error={session.error} title="The portal is not available" onRetry={session.retry} />
        </main>
      </div>
    );
  }
  if (!session.user) {
    return <Navigate to="/login" replace state={{ from: location }} />;
  }

  return (
    <div className="page-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main className="main" id="main" tabIndex={-1}>
        {/* Shared licenses entitle downloads too, so Downloads works without an account of one's own. */}
        {session.user.memberships.length === 0 && !location.pathname.startsWith('/licenses') && location.pathname !== '/downloads' ? (
          <Alert tone="warning" title="No account yet">
            <p>
              Your user is not a member of any customer account, so there is nothing to manage yet. Ask an administrator
              of your company's account to invite {session.user.email}.
            </p>
            <p>
              <Link to="/licenses/shared">See licenses shared with you</Link>
            </p>
          </Alert>
        ) : (
          <Outlet />
        )}
      </main>
      <footer className="footer">
        <div className="footer__inner">
          <span>
            © {new Date().getFullYear()} {PRODUCT_NAME}
          </span>
          <span>Keys are signed by the vendor and e-mailed to your technical contact.</span>
          <nav className="footer__links" aria-label="Help">
            <Link to="/help">Help</Link>
            <ContactSupportLink />
          </nav>
        </div>
      </footer>
    </div>
  );
}

function Header() {
  const { user, membership, ownMembership, actingFor, resetSession } = useSession();
  const switchAccount = useSwitchAccount();
  const navigate = useNavigate();
  const [, logout] = useMutation(LogoutMutation);
  const [signingOut, setSigningOut] = useState(false);
  // On narrow screens the main links sit behind "Menu"; following one closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);
  if (!user) return null;
  const partnerUser = isPartnerUser(user.memberships);

  const signOut = async () => {
    setSigningOut(true);
    await logout({});
    setSigningOut(false);
    navigate('/login', { replace: true });
    resetSession();
  };

  return (
    <header className="topbar">
      <div className="topbar__inner">
        <Link to="/" className="brand">
          <Logo />
          <span className="brand__name">{PRODUCT_NAME}</span>
        </Link>
        <button
          type="button"
          className="mainnav-toggle button button--ghost button--small"
          aria-expanded={menuOpen}
          aria-controls="main-navigation"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <svg className="mainnav-toggle__icon" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true" focusable="false">
            <path d="M4 7h16M4 12h16M4 17h16" />
          </svg>
          <span className="mainnav-toggle__text">Menu</span>
        </button>
        <nav id="main-navigation" className={`mainnav${menuOpen ? ' mainnav--open' : ''}`} aria-label="Main">
          <NavLink to="/" end className="mainnav__link">
            Home
          </NavLink>
          <NavLink to="/get-a-key" className="mainnav__link">
            Get a Key
          </NavLink>
          {membership && canRequestKeys(membership.role) ? (
            <NavLink to="/version-upgrade" className="mainnav__link">
              <span className="upgrade-nav__long">Version Upgrade</span>
              <span className="upgrade-nav__short" aria-hidden="true">
                Upgrade
              </span>
            </NavLink>
          ) : null}
          <NavLink to="/licenses" className="mainnav__link">
            Licenses
          </NavLink>
          <NavLink to="/downloads" className="mainnav__link">
            Downloads
          </NavLink>
          <FlexNavLink />
          {membership?.account.kind === 'OEM' ? (
            <NavLink to="/vouchers" className="mainnav__link">
              <span className="voucher-nav__long">Voucher Center</span>
              <span className="voucher-nav__short" aria-hidden="true">
                Vouchers
              </span>
            </NavLink>
          ) : null}
          {partnerUser ? (
            <NavLink to="/partner" className="mainnav__link">
              Customers
            </NavLink>
          ) : null}
          {membership ? (
            <NavLink to="/reports" className="mainnav__link">
              Reports
            </NavLink>
          ) : null}
          {membership ? (
            <NavLink to="/account/members" className="mainnav__link">
              Members
            </NavLink>
          ) : null}
          {membership && !actingFor && membership.account.kind !== 'PARTNER' ? (
            <NavLink to="/account/partners" className="mainnav__link">
              Partners
            </NavLink>
          ) : null}
          {membership?.role === 'ADMIN' ? (
            <NavLink to="/account/custom-fields" className="mainnav__link">
              Custom fields
            </NavLink>
          ) : null}
          {membership?.role === 'ADMIN' && !actingFor && membership.account.kind !== 'PARTNER' ? (
            <NavLink to="/account/sso" className="mainnav__link" title="Single sign-on">
              SSO
            </NavLink>
          ) : null}
          <NavLink to="/messages" className="mainnav__link">
            Messages
          </NavLink>
        </nav>
        <div className="topbar__end">
          <div className="topbar__tools">
            <HeaderSearch />
            <Link to="/help" className="topbar__help" aria-label="Help" title="Help: questions and answers, contact support">
              <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
                <circle cx="12" cy="12" r="9" />
                <path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5v.7M12 17h.01" />
              </svg>
            </Link>
            <NotificationBell />
          </div>
          <div className="topbar__user">
            {user.memberships.length > 1 ? (
              <div className="account-switcher">
                <label htmlFor="account-switcher" className="account-switcher__label">
                  Account
                </label>
                <select
                  id="account-switcher"
                  className="select select--compact"
                  value={ownMembership?.account.id ?? ''}
                  onChange={(event) => switchAccount(event.target.value)}
                >
                  {user.memberships.map((m) => (
                    <option key={m.account.id} value={m.account.id}>
                      {m.account.name} ({humanize(m.account.kind)})
                    </option>
                  ))}
                </select>
              </div>
            ) : ownMembership && !actingFor ? (
              <span className="account-name">
                {ownMembership.account.name}
                <span className="account-name__kind">{humanize(ownMembership.account.kind)}</span>
              </span>
            ) : null}
            {partnerUser ? <CustomerSwitcher /> : null}
            <Link to="/account/profile" className="user-email" title={`${user.name}: your profile, password, two-factor sign-in and sessions`}>
              {user.email}
            </Link>
            <button type="button" className="button button--ghost button--small" onClick={signOut} disabled={signingOut}>
              Sign out
            </button>
          </div>
        </div>
      </div>
    </header>
  );
}
