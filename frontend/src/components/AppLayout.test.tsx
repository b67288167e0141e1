import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { PortalProvider } from '../session';
import { makeMockClient } from '../test/mockClient';
import { AppLayout } from './AppLayout';

const account = (id: string, name: string, kind: string) => ({ __typename: 'Account', id, name, number: `N-${id}`, kind });

function me(memberships: { role: string; account: ReturnType<typeof account> }[] | null) {
  return {
    __typename: 'Query',
    me: memberships && {
      __typename: 'User',
      id: 'u1',
      email: 'dana@example.com',
      name: 'Dana',
      emailVerified: true,
      memberships: memberships.map((m) => ({ __typename: 'Membership', ...m })),
    },
  };
}

const SUPPORT = { __typename: 'Query', supportContact: { __typename: 'SupportContact', email: 'support@vendor.example' } };

function renderPortal(data: ReturnType<typeof me>, path = '/') {
  const client = makeMockClient({
    query: (call) => (call.operationName === 'Me' ? data : call.operationName === 'SupportContact' ? SUPPORT : undefined),
  });
  return render(
    <MemoryRouter initialEntries={[path]}>
      <PortalProvider clientFactory={() => ({ client, dispose: () => undefined })}>
        <Routes>
          <Route path="/login" element={<h1>Sign in page</h1>} />
          <Route element={<AppLayout />}>
            <Route index element={<p>Home content</p>} />
          </Route>
        </Routes>
      </PortalProvider>
    </MemoryRouter>,
  );
}

describe('<AppLayout>', () => {
  it('shows the product, navigation, email and an account switcher that remembers the choice', async () => {
    const user = userEvent.setup();
    renderPortal(
      me([
        { role: 'ADMIN', account: account('a1', 'Acme Corp', 'CUSTOMER') },
        { role: 'VIEWER', account: account('a2', 'Initech', 'PARTNER') },
      ]),
    );
    expect(await screen.findByText('Home content')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Licensing Portal' })).toBeInTheDocument();
    for (const name of ['Home', 'Get a Key', 'Version Upgrade', 'Licenses', 'Members', 'Custom fields', 'Messages']) {
      expect(screen.getByRole('link', { name })).toBeInTheDocument();
    }
    expect(screen.getByRole('link', { name: 'Members' })).toHaveAttribute('href', '/account/members');
    expect(screen.getByRole('link', { name: 'Custom fields' })).toHaveAttribute('href', '/account/custom-fields');
    expect(screen.getByText('dana@example.com')).toBeInTheDocument();
    // The user menu: the address leads to the user's own account pages.
    expect(screen.getByRole('link', { name: 'dana@example.com' })).toHaveAttribute('href', '/account/profile');
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();

    const switcher = screen.getByLabelText('Account');
    expect(screen.getByRole('option', { name: 'Acme Corp (Customer)' })).toBeInTheDocument();
    expect(switcher).toHaveValue('a1');
    await user.selectOptions(switcher, 'a2');
    expect(switcher).toHaveValue('a2');
    expect(Object.values({ ...localStorage })).toContain('a2');
  });

  it('shows the account without a switcher for a single membership', async () => {
    renderPortal(me([{ role: 'MEMBER', account: account('a1', 'Acme Corp', 'CUSTOMER') }]));
    expect(await screen.findByText('Home content')).toBeInTheDocument();
    expect(screen.queryByLabelText('Account')).not.toBeInTheDocument();
    expect(screen.getByText('Acme Corp')).toBeInTheDocument();
    // Custom fields are settings for administrators.
    expect(screen.getByRole('link', { name: 'Members' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Custom fields' })).not.toBeInTheDocument();
  });

  it('links to the Voucher Center only while an OEM account is chosen', async () => {
    const user = userEvent.setup();
    renderPortal(
      me([
        { role: 'ADMIN', account: account('a1', 'Acme Corp', 'CUSTOMER') },
        { role: 'MEMBER', account: account('a3', 'Otto OEM', 'OEM') },
      ]),
    );
    expect(await screen.findByText('Home content')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Voucher Center' })).not.toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Account'), 'a3');
    expect(await screen.findByRole('link', { name: 'Voucher Center' })).toHaveAttribute('href', '/vouchers');
  });

  it('has one search box, help, the notification bell and a contact-support link', async () => {
    renderPortal(me([{ role: 'MEMBER', account: account('a1', 'Acme Corp', 'CUSTOMER') }]));
    expect(await screen.findByText('Home content')).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Main' })).toContainElement(screen.getByRole('link', { name: 'Version Upgrade' }));
    expect(screen.getByRole('link', { name: 'Version Upgrade' })).toHaveAttribute('href', '/version-upgrade');
    expect(screen.getByRole('search')).toContainElement(screen.getByRole('combobox', { name: 'Search the portal' }));
    expect(screen.getByRole('button', { name: 'Notifications' })).toHaveAttribute('aria-expanded', 'false');
    const helpLinks = screen.getAllByRole('link', { name: 'Help' });
    expect(helpLinks.length).toBe(2); // header and footer
    for (const link of helpLinks) expect(link).toHaveAttribute('href', '/help');
    const contact = await screen.findByRole('link', { name: 'Contact support' });
    expect(contact.getAttribute('href')).toBe(`mailto:support@vendor.example?subject=${encodeURIComponent('Licensing Portal: help with Home (/)')}`);
  });

  it('offers Version Upgrade only to those who may request keys', async () => {
    renderPortal(me([{ role: 'VIEWER', account: account('a1', 'Acme Corp', 'CUSTOMER') }]));
    expect(await screen.findByText('Home content')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Get a Key' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Version Upgrade' })).not.toBeInTheDocument();
  });

  it('sends signed-out visitors to the sign-in page', async () => {
    renderPortal(me(null));
    expect(await screen.findByRole('heading', { name: 'Sign in page' })).toBeInTheDocument();
  });
});
