import { Outlet } from 'react-router-dom';
import { Logo } from './Logo';
import { ContactSupportLink } from './SupportLink';
import { PRODUCT_NAME } from './usePageTitle';

/** Sign-in, sign-up and e-mail verification: a centred card under the product name. */
export function PublicLayout() {
  return (
    <div className="public-shell">
      <main className="public-main" id="main">
        <div className="public-brand">
          <Logo size={36} />
          <span className="public-brand__name">{PRODUCT_NAME}</span>
        </div>
        <div className="card public-card">
          <Outlet />
        </div>
        <p className="public-footnote">Turn the serial numbers on your license certificate into signed license keys.</p>
        <p className="public-footnote public-footnote--support">
          <ContactSupportLink />
        </p>
      </main>
    </div>
  );
}
