import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { LocationProbe, renderPage } from '../test/renderPage';
import { useSwitchAccount } from './CustomerSwitcher';

function Switch() {
  const switchAccount = useSwitchAccount();
  return (
    <>
      <button type="button" onClick={() => switchAccount('acc-1')}>
        Switch
      </button>
      <LocationProbe />
    </>
  );
}

describe('useSwitchAccount', () => {
  it.each(['/vouchers', '/notifications', '/help', '/licenses'])('keeps %s open when the account changes', async (path) => {
    const user = userEvent.setup();
    renderPage({ path, routes: <Route path={path} element={<Switch />} /> });
    await user.click(await screen.findByRole('button', { name: 'Switch' }));
    expect(screen.getByTestId('location')).toHaveTextContent(path);
  });

  it('leaves a page of the previous account (a key request) for Home', async () => {
    const user = userEvent.setup();
    renderPage({ path: '/get-a-key/kr-1', routes: <Route path="/get-a-key/:id" element={<Switch />} /> });
    await user.click(await screen.findByRole('button', { name: 'Switch' }));
    expect(await screen.findByTestId('location')).toHaveTextContent(/^\/$/);
  });
});
