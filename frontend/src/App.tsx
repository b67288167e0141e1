import { Route, Routes } from 'react-router-dom';
import { CustomFieldsPage } from './pages/account/CustomFieldsPage';
import { ForgotPasswordPage } from './pages/account/ForgotPasswordPage';
import { ProfilePage } from './pages/account/ProfilePage';
import { ResetPasswordPage } from './pages/account/ResetPasswordPage';
import { SecurityPage } from './pages/account/SecurityPage';
import { MembersPage } from './pages/account/MembersPage';
import { AppLayout } from './components/AppLayout';
import { PublicLayout } from './components/PublicLayout';
import { FlexContractsPage } from './pages/flex/FlexContractsPage';
import { FlexDeploymentsPage } from './pages/flex/FlexDeploymentsPage';
import { FlexDrawDownPage } from './pages/flex/FlexDrawDownPage';
import { FlexReportPage } from './pages/flex/FlexReportPage';
import { GetAKeyStartPage } from './pages/GetAKeyStartPage';
import { HomePage } from './pages/HomePage';
import { LicenseDetailPage } from './pages/licenses/LicenseDetailPage';
import { LicensesPage } from './pages/licenses/LicensesPage';
import { SharedLicensesPage } from './pages/licenses/SharedLicensesPage';
import { LoginPage } from './pages/LoginPage';
import { MessagesPage } from './pages/MessagesPage';
import { NotFoundPage } from './pages/NotFoundPage';
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
        <Route path="/account/members" element={<MembersPage />} />
        <Route path="/account/custom-fields" element={<CustomFieldsPage />} />
        <Route path="/account/partners" element={<AccountPartnersPage />} />
        <Route path="/partner" element={<PartnerCustomersPage />} />
        <Route path="/partner/delegations" element={<PartnerDelegationsPage />} />
        <Route path="/partner/held-serials" element={<HeldSerialsPage />} />
        <Route path="/flex" element={<FlexContractsPage />} />
        <Route path="/flex/contracts/:id/deployments" element={<FlexDeploymentsPage />} />
        <Route path="/flex/contracts/:id/report" element={<FlexReportPage />} />
        <Route path="/flex/draw-downs/:id" element={<FlexDrawDownPage />} />
        <Route path="/messages" element={<MessagesPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
