import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { LicensesPage } from '../pages/licenses/LicensesPage';
import { customFieldSettings, licenseConnection } from '../test/fixtures';
import type { MockCall } from '../test/mockClient';
import { partnerMeData, renderPage } from '../test/renderPage';
import { AppLayout } from './AppLayout';

const customer = (id: string, name: string, number: string) => ({ __typename: 'Account' as const, id, name, number, kind: 'CUSTOMER' as const });
const ACME = customer('acc-acme', 'Acme Corp', 'C-1001');
const GLOBEX = customer('acc-globex', 'Globex', 'C-1002');

function searchAnswer(name: unknown) {
  const all = [
    { account: ACME, scope: 'MANAGE' },
    { account: GLOBEX, scope: 'VIEW' },
  ].filter((e) => !name || e.account.name.toLowerCase().includes(String(name).toLowerCase()));
  return {
    __typename: 'Query',
    managedAccounts: {
      __typename: 'ManagedAccountConnection',
      totalCount: all.length,
      edges: all.map((e) => ({
        __typename: 'ManagedAccountEdge',
        scope: e.scope,
        delegation: { __typename: 'Delegation', id: `del-${e.account.id}`, partnerAccount: { __typename: 'Account', id: 'acc-p' } },
        node: e.account,
      })),
    },
  };
}

function renderPortal(lookup?: (call: MockCall) => unknown) {
  const licenseCalls: MockCall[] = [];
  const searchCalls: MockCall[] = [];
  const utils = renderPage({
    path: '/licenses',
    me: partnerMeData('ADMIN'),
    routes: (
      <Route element={<AppLayout />}>
        <Route path="/licenses" element={<LicensesPage />} />
      </Route>
    ),
    query: (call) => {
      if (call.operationName === 'Licenses') {
        licenseCalls.push(call);
        return { __typename: 'Query', licenses: licenseConnection([]) };
      }
      if (call.operationName === 'CustomFieldSettings') {
        // The server's effective role: MEMBER through a MANAGE delegation, VIEWER through VIEW.
        const id = call.variables['accountId'];
        return customFieldSettings([], id === 'acc-globex' ? 'VIEWER' : id === 'acc-acme' ? 'MEMBER' : 'ADMIN');
      }
      if (call.operationName === 'ManagedAccountSearch') {
        searchCalls.push(call);
        return searchAnswer(call.variables['name']);
      }
      if (call.operationName === 'ManagedAccountLookup') return lookup?.(call);
      return undefined;
    },
  });
  return { ...utils, licenseCalls, searchCalls, lastAccount: () => licenseCalls[licenseCalls.length - 1]?.variables['accountId'] };
}

describe('<CustomerSwitcher>', { timeout: 15000 }, () => {
  it('lists managed accounts, searches them by name and switches the account every page uses', async () => {
    const user = userEvent.setup();
    const { lastAccount, searchCalls } = renderPortal();
    await screen.findByRole('heading', { name: 'Licenses' });
    expect(lastAccount()).toBe('acc-p');

    await user.click(screen.getByRole('button', { name: 'Act for a customer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Act for a customer' });
    expect(await within(dialog).findByRole('option', { name: /Acme Corp/ })).toBeInTheDocument();
    expect(within(dialog).getByRole('option', { name: /Globex/ })).toBeInTheDocument();

    const combobox = within(dialog).getByRole('combobox', { name: 'Customer name' });
    expect(combobox).toHaveFocus();
    await user.type(combobox, 'acme');
    await waitFor(() => expect(searchCalls[searchCalls.length - 1]?.variables).toEqual({ name: 'acme' }));
    await waitFor(() => expect(within(dialog).queryByRole('option', { name: /Globex/ })).not.toBeInTheDocument());
    expect(within(dialog).getByRole('option', { name: /Acme Corp/ })).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Enter}');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByTestId('acting-for')).toHaveTextContent('Acting for: Acme Corp');
    await waitFor(() => expect(lastAccount()).toBe('acc-acme'));
    expect(Object.values({ ...localStorage })).toContain('acc-acme');
    // A MANAGE delegation: the partner admin works as a member, so the Customers link stays and Partners is not offered.
    expect(screen.getByRole('link', { name: 'Customers' })).toHaveAttribute('href', '/partner');
    expect(screen.queryByRole('link', { name: 'Partners' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Set field…' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Back to Initech Partners' }));
    await waitFor(() => expect(lastAccount()).toBe('acc-p'));
    expect(screen.queryByTestId('acting-for')).not.toBeInTheDocument();
  });

  it('picks with the mouse, and a VIEW delegation only reads', async () => {
    const user = userEvent.setup();
    const { lastAccount } = renderPortal();
    await user.click(await screen.findByRole('button', { name: 'Act for a customer' }));
    await user.click(await screen.findByRole('option', { name: /Globex/ }));
    await waitFor(() => expect(lastAccount()).toBe('acc-globex'));
    expect(screen.getByTestId('acting-for')).toHaveTextContent('Acting for: Globex');
    expect(screen.queryByRole('button', { name: 'Set field…' })).not.toBeInTheDocument();
  });

  it('finds the remembered customer account again after a reload', async () => {
    localStorage.setItem('portal.selectedAccount.u2', 'acc-acme');
    const { lastAccount } = renderPortal((call) => ({
      __typename: 'Query',
      node: { ...customer(String(call.variables['id']), 'Acme Corp', 'C-1001'), viewerRole: 'MEMBER' },
    }));
    expect(await screen.findByTestId('acting-for')).toHaveTextContent('Acting for: Acme Corp');
    await waitFor(() => expect(lastAccount()).toBe('acc-acme'));
  });

  it('falls back to the own account when the remembered customer is no longer managed', async () => {
    localStorage.setItem('portal.selectedAccount.u2', 'acc-gone');
    const { lastAccount } = renderPortal(() => ({ __typename: 'Query', node: null }));
    await screen.findByRole('heading', { name: 'Licenses' });
    await waitFor(() => expect(lastAccount()).toBe('acc-p'));
    expect(screen.queryByTestId('acting-for')).not.toBeInTheDocument();
  });
});
