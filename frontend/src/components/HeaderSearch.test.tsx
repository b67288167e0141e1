import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../test/mockClient';
import { renderPage } from '../test/renderPage';
import { useSession } from '../session';
import { HeaderSearch } from './HeaderSearch';

const hit = (kind: string, title: string, detail: string, extra: Record<string, unknown> = {}) => ({
  __typename: 'SearchHit',
  kind,
  title,
  detail,
  license: null,
  keyRequest: null,
  account: null,
  ...extra,
});

const HITS = [
  hit('LICENSE', 'Endpoint Protection 14.0', '10 seats · Active', { license: { __typename: 'License', id: 'lic-2' } }),
  hit('SERIAL', 'M123-456-7890', 'Endpoint Protection 14.0', { license: { __typename: 'License', id: 'lic-1' } }),
  hit('KEY_REQUEST', 'Version upgrade', 'Ready · M123-456-7890', {
    keyRequest: { __typename: 'KeyRequest', id: 'kr-up', kind: 'UPGRADE', status: 'READY' },
  }),
  hit('KEY_REQUEST', 'Voucher conversion', 'Ready', { keyRequest: { __typename: 'KeyRequest', id: 'kr-v', kind: 'VOUCHER', status: 'READY' } }),
  hit('ACCOUNT', 'Globex', 'Customer account C-2002', {
    account: { __typename: 'Account', id: 'acc-g', name: 'Globex', number: 'C-2002', kind: 'CUSTOMER', viewerRole: 'MEMBER' },
  }),
];

function CurrentAccount() {
  const { membership } = useSession();
  return <p data-testid="current-account">{membership?.account.name}</p>;
}

function renderSearch() {
  const searches: MockCall[] = [];
  const utils = renderPage({
    path: '/',
    routes: (
      <Route
        path="/"
        element={
          <>
            <HeaderSearch />
            <CurrentAccount />
          </>
        }
      />
    ),
    query: (call) => {
      if (call.operationName !== 'HeaderSearch') return undefined;
      searches.push(call);
      return { __typename: 'Query', search: HITS };
    },
  });
  return { ...utils, searches };
}

const box = () => screen.getByRole('combobox', { name: 'Search the portal' });

describe('<HeaderSearch>', () => {
  it('searches from two characters and groups the results', async () => {
    const user = userEvent.setup();
    const { searches } = renderSearch();
    await user.type(box(), 'M');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(searches).toHaveLength(0);
    expect(box()).toHaveAttribute('aria-expanded', 'false');
    await user.type(box(), '123');
    const list = await screen.findByRole('listbox', { name: 'Search results' });
    expect(searches.at(-1)?.variables).toEqual({ query: 'M123', first: 5 });
    expect(box()).toHaveAttribute('aria-expanded', 'true');
    const groups = within(list).getAllByRole('group');
    expect(groups.map((g) => g.getAttribute('aria-labelledby') && document.getElementById(g.getAttribute('aria-labelledby')!)?.textContent)).toEqual([
      'Serial numbers',
      'Licenses',
      'Key requests',
      'Accounts',
    ]);
    expect(within(groups[0]!).getByRole('option')).toHaveTextContent('M123-456-7890');
  });

  it('moves through the results with the arrow keys and opens a license with Enter', async () => {
    const user = userEvent.setup();
    renderSearch();
    await user.type(box(), 'M123');
    const options = await screen.findAllByRole('option');
    expect(options[0]).toHaveAttribute('aria-selected', 'true');
    expect(box()).toHaveAttribute('aria-activedescendant', options[0]!.id);
    await user.keyboard('{ArrowDown}');
    expect(box()).toHaveAttribute('aria-activedescendant', options[1]!.id);
    await user.keyboard('{ArrowUp}{ArrowUp}');
    // Up from the first wraps to the last.
    expect(box()).toHaveAttribute('aria-activedescendant', options[options.length - 1]!.id);
    await user.keyboard('{ArrowDown}{Enter}');
    expect(await screen.findByTestId('location')).toHaveTextContent('/licenses/lic-1');
  });

  it('opens the first result of a term typed and entered at once (a serial number)', async () => {
    const user = userEvent.setup();
    renderSearch();
    await user.type(box(), 'M123-456-7890{Enter}');
    expect(await screen.findByTestId('location')).toHaveTextContent('/licenses/lic-1');
  });

  it.each([
    [1, '/licenses/lic-2'],
    [2, '/version-upgrade/kr-up'],
    [3, '/vouchers'],
  ])('opens result %i at %s', async (downs, path) => {
    const user = userEvent.setup();
    renderSearch();
    await user.type(box(), 'M123');
    await screen.findAllByRole('option');
    await user.keyboard(`${'{ArrowDown}'.repeat(downs)}{Enter}`);
    expect(await screen.findByTestId('location')).toHaveTextContent(path);
  });

  it('acts for an account it finds and opens its licenses', async () => {
    const user = userEvent.setup();
    renderSearch();
    expect(await screen.findByTestId('current-account')).toHaveTextContent('Acme Corp');
    await user.type(box(), 'Glob');
    await user.click(await screen.findByRole('option', { name: /Globex/ }));
    expect(await screen.findByTestId('location')).toHaveTextContent('/licenses');
    // The customer account is now the current one (remembered for the next visit).
    expect(Object.values({ ...localStorage })).toContain('acc-g');
  });

  it('Escape closes the results, then clears the box; "/" and Ctrl+K focus it', async () => {
    const user = userEvent.setup();
    renderSearch();
    await user.type(box(), 'M123');
    await screen.findByRole('listbox', { name: 'Search results' });
    await user.keyboard('{Escape}');
    expect(box()).toHaveAttribute('aria-expanded', 'false');
    expect(box()).toHaveValue('M123');
    await user.keyboard('{Escape}');
    expect(box()).toHaveValue('');
    box().blur();
    expect(box()).not.toHaveFocus();
    await user.keyboard('/');
    expect(box()).toHaveFocus();
    expect(box()).toHaveValue('');
    box().blur();
    await user.keyboard('{Control>}k{/Control}');
    expect(box()).toHaveFocus();
  });
});
