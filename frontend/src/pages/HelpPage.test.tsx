import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { Provider } from 'urql';
import { PublicLayout } from '../components/PublicLayout';
import { describe, expect, it } from 'vitest';
import { pageName, supportMailto } from '../components/SupportLink';
import { makeMockClient } from '../test/mockClient';
import { renderPage } from '../test/renderPage';
import { HelpPage } from './HelpPage';

const support = { __typename: 'Query', supportContact: { __typename: 'SupportContact', email: 'support@vendor.example' } };

describe('<HelpPage>', () => {
  it('answers the questions customers ask, by topic, and links to support', async () => {
    renderPage({
      path: '/help',
      routes: <Route path="/help" element={<HelpPage />} />,
      query: (call) => (call.operationName === 'SupportContact' ? support : undefined),
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Help' })).toBeInTheDocument();
    const toc = screen.getByRole('navigation', { name: 'Help topics' });
    expect(within(toc).getAllByRole('link').map((a) => a.textContent)).toEqual([
      'Getting a key',
      'Version upgrades',
      'Re-hosting and activation',
      'Vouchers',
      'Partners',
    ]);
    for (const question of [
      'Where do I find my serial number?',
      'Where do I find the host ID?',
      'Where do I find my notification ID?',
      'How do I move a license to another machine?',
      'How does activation work?',
      'How do I turn voucher codes into licenses?',
    ]) {
      expect(screen.getByRole('heading', { level: 3, name: question })).toBeInTheDocument();
    }
    // Examples from the fields' own help texts; every anchor once.
    expect(screen.getByText('M123-456-7890')).toBeInTheDocument();
    const ids = [...document.querySelectorAll('[id]')].map((element) => element.id);
    expect(new Set(ids).size).toBe(ids.length);
    const contact = await screen.findByRole('link', { name: 'Contact support' });
    expect(contact).toHaveAttribute('href', `mailto:support@vendor.example?subject=${encodeURIComponent('Licensing Portal: help with Help (/help)')}`);
  });
});

describe('Contact support', () => {
  it('is on the sign-in page too', async () => {
    const client = makeMockClient({ query: (call) => (call.operationName === 'SupportContact' ? support : undefined) });
    render(
      <Provider value={client}>
        <MemoryRouter initialEntries={['/login']}>
          <Routes>
            <Route element={<PublicLayout />}>
              <Route path="/login" element={<h1>Sign in</h1>} />
            </Route>
          </Routes>
        </MemoryRouter>
      </Provider>,
    );
    expect(await screen.findByRole('link', { name: 'Contact support' })).toHaveAttribute(
      'href',
      `mailto:support@vendor.example?subject=${encodeURIComponent('Licensing Portal: help with Sign in (/login)')}`,
    );
  });

  it('names the page in the subject', () => {
    expect(pageName('/get-a-key/abc')).toBe('Get a Key');
    expect(pageName('/licenses/shared')).toBe('Licenses shared with me');
    expect(pageName('/licenses/xyz')).toBe('Licenses');
    expect(pageName('/')).toBe('Home');
    expect(pageName('/login')).toBe('Sign in');
    expect(decodeURIComponent(supportMailto('s@x.example', '/version-upgrade'))).toBe(
      'mailto:s@x.example?subject=Licensing Portal: help with Version Upgrade (/version-upgrade)',
    );
  });
});
