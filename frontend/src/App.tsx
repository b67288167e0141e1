import { lazy, Suspense, type ReactNode } from 'react';
import { Route, Routes } from 'react-router-dom';
import { LoadingPanel } from './components/Spinner';
import { CustomFieldsPage } from './pages/account/CustomFieldsPage';
import { ForgotPasswordPage } from './pages/account/ForgotPasswordPage';
import { ProfilePage } from './pages/account/ProfilePage';
import { ResetPasswordPage } from './pages/account/ResetPasswordPage';
import { SecurityPage } from './pages/account/SecurityPage';
import { TokensPage } from './pages/account/TokensPage';
import { MembersPage } from './pages/account/MembersPage';
import { SsoPage } from './pages/account/SsoPage';
import { AppLayout } from './components/AppLayout';
import { PublicLayout } from './components/PublicLayout';
import { GetAKeyStartPage } from './pages/GetAKeyStartPage';
import { HelpPage } from './pages/HelpPage';
import { HomePage } from './pages/HomePage';
import { LicenseDetailPage } from './pages/licenses/LicenseDetailPage';
import { LicensesPage } from './pages/licenses/LicensesPage';
import { SharedLicensesPage } from './pages/licenses/SharedLicensesPage';
import { LoginPage } from './pages/LoginPage';
import { MessagesPage } from './pages/MessagesPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { AccountPartnersPage } from './pages/partner/AccountPartnersPage';
import { HeldSerialsPage } from './pages/partner/HeldSerialsPage';
import { PartnerCustomersPage } from './pages/partner/PartnerCustomersPage';
import { PartnerDelegationsPage } from './pages/partner/PartnerDelegationsPage';
import { RehostWizardPage } from './pages/rehost/RehostWizardPage';
import { SignUpPage } from './pages/SignUpPage';
import { UpgradeWizardPage } from './pages/upgrade/UpgradeWizardPage';
import { VersionUpgradeStartPage } from './pages/upgrade/VersionUpgradeStartPage';
import { VerifyEmailPage } from './pages/VerifyEmailPage';
import { WizardPage } from './pages/wizard/WizardPage';

// Enterprise Flexible and its charts load when first opened.
const FlexContractsPage = lazy(() => import('./pages/flex/FlexContractsPage').then((m) => ({ default: m.FlexContractsPage })));
const FlexDeploymentsPage = lazy(() => import('./pages/flex/FlexDeploymentsPage').then((m) => ({ default: m.FlexDeploymentsPage })));
const FlexDrawDownPage = lazy(() => import('./pages/flex/FlexDrawDownPage').then((m) => ({ default: m.FlexDrawDownPage })));
const FlexReportPage = lazy(() => import('./pages/flex/FlexReportPage').then((m) => ({ default: m.FlexReportPage })));
// So does the Voucher Center (OEM accounts only).
const VoucherCenterPage = lazy(() => import('./pages/vouchers/VoucherCenterPage').then((m) => ({ default: m.VoucherCenterPage })));
// Reports draw charts too (recharts): loaded when opened.
const ReportsPage = lazy(() => import('./pages/reports/ReportsPage').then((m) => ({ default: m.ReportsPage })));
// And Downloads, with its Markdown renderer for release notes.
const DownloadsPage = lazy(() => import('./pages/downloads/DownloadsPage').then((m) => ({ default: m.DownloadsPage })));

function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingPanel label="Loading…" />}>{children}</Suspense>;
}

export function App() {
  return (
    <Routes>
      <Route element={<PublicLayout />}>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/signup" element={<SignUpPage />} />
        <Route path="/verify-email" element={<VerifyEmailPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
      </Route>
      <Route element={<AppLayout />}>
        <Route index element={<HomePage />} />
        <Route path="/get-a-key" element={<GetAKeyStartPage />} />
        <Route path="/get-a-key/:id" element={<WizardPage />} />
        <Route path="/version-upgrade" element={<VersionUpgradeStartPage />} />
        <Route path="/version-upgrade/:id" element={<UpgradeWizardPage />} />
        <Route path="/licenses" element={<LicensesPage />} />
        <Route path="/licenses/shared" element={<SharedLicensesPage />} />
        <Route path="/licenses/:id" element={<LicenseDetailPage />} />
        <Route path="/rehost/:id" element={<RehostWizardPage />} />
        <Route path="/account/profile" element={<ProfilePage />} />
        <Route path="/account/security" element={<SecurityPage />} />
        <Route path="/account/tokens" element={<TokensPage />} />
        <Route path="/account/members" element={<MembersPage />} />
        <Route path="/account/custom-fields" element={<CustomFieldsPage />} />
        <Route path="/account/sso" element={<SsoPage />} />
        <Route path="/account/partners" element={<AccountPartnersPage />} />
        <Route path="/partner" element={<PartnerCustomersPage />} />
        <Route path="/partner/delegations" element={<PartnerDelegationsPage />} />
        <Route path="/partner/held-serials" element={<HeldSerialsPage />} />
        <Route path="/flex" element={<Later><FlexContractsPage /></Later>} />
        <Route path="/flex/contracts/:id/deployments" element={<Later><FlexDeploymentsPage /></Later>} />
        <Route path="/flex/contracts/:id/report" element={<Later><FlexReportPage /></Later>} />
        <Route path="/flex/draw-downs/:id" element={<Later><FlexDrawDownPage /></Later>} />
        <Route path="/vouchers" element={<Later><VoucherCenterPage /></Later>} />
        <Route path="/reports" element={<Later><ReportsPage /></Later>} />
        <Route path="/downloads" element={<Later><DownloadsPage /></Later>} />
        <Route path="/messages" element={<MessagesPage />} />
        <Route path="/notifications" element={<NotificationsPage />} />
        <Route path="/help" element={<HelpPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
