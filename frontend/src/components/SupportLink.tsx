import { useLocation } from 'react-router-dom';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { PRODUCT_NAME } from './usePageTitle';

/** How to reach support: a public query (the sign-in page shows the link too). */
export const SupportContactQuery = graphql(`
  query SupportContact {
    supportContact {
      email
    }
  }
`);

/** Page names by the start of their path, most specific first, for the support mail's subject. */
const PAGE_NAMES: readonly [string, string][] = [
  ['/get-a-key', 'Get a Key'],
  ['/version-upgrade', 'Version Upgrade'],
  ['/licenses/shared', 'Licenses shared with me'],
  ['/licenses', 'Licenses'],
  ['/rehost', 'Re-host'],
  ['/vouchers', 'Voucher Center'],
  ['/flex', 'Enterprise Flexible'],
  ['/partner', 'Customers'],
  ['/account/members', 'Members'],
  ['/account/partners', 'Partners'],
  ['/account/custom-fields', 'Custom fields'],
  ['/account', 'Your account'],
  ['/messages', 'Messages'],
  ['/notifications', 'Notifications'],
  ['/help', 'Help'],
  ['/login', 'Sign in'],
  ['/signup', 'Sign up'],
  ['/verify-email', 'E-mail verification'],
  ['/forgot-password', 'Password reset'],
  ['/reset-password', 'Password reset'],
];

/** "Get a Key" for /get-a-key/…, "Home" for /. */
export function pageName(pathname: string): string {
  if (pathname === '/' || pathname === '') return 'Home';
  return PAGE_NAMES.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`))?.[1] ?? 'Portal';
}

/** mailto: the support desk, with a subject naming the page the user was on. */
export function supportMailto(email: string, pathname: string): string {
  const subject = `${PRODUCT_NAME}: help with ${pageName(pathname)} (${pathname})`;
  return `mailto:${email}?subject=${encodeURIComponent(subject)}`;
}

/** "Contact support": a mail to the support desk's address (supportContact), shown once the address is known. */
export function ContactSupportLink({ className }: { className?: string }) {
  const { pathname } = useLocation();
  const [result] = useQuery({ query: SupportContactQuery });
  const email = result.data?.supportContact.email;
  if (!email) return null;
  return (
    <a className={className} href={supportMailto(email, pathname)}>
      Contact support
    </a>
  );
}
