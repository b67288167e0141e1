import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect } from 'react';
import { Route, useLocation, useNavigate } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { upgradeNotification } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage, type TestRole } from '../../test/renderPage';
import { VersionUpgradeStartPage } from './VersionUpgradeStartPage';

/** The start page as a wizard leaves for it after a discard (with navigation state). */
function DiscardedProbe() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    if (!location.state) navigate('/version-upgrade', { replace: true, state: { discarded: 'version upgrade' } });
  }, [location.state, navigate]);
  return location.state ? <VersionUpgradeStartPage /> : null;
}

const started = {
  upgradeRequestStart: {
    __typename: 'UpgradeRequestStartSuccess',
    keyRequest: { __typename: 'KeyRequest', id: 'kr-up', kind: 'UPGRADE', status: 'DRAFT', step: 'UPGRADE_PRODUCT' },
  },
};

function renderStart(
  mutation: (call: MockCall) => unknown,
  role: TestRole = 'ADMIN',
  notifications = [upgradeNotification()],
  path = '/version-upgrade',
) {
  return renderPage({
    path,
    routes: <Route path="/version-upgrade" element={<VersionUpgradeStartPage />} />,
    query: (call) =>
      call.operationName === 'UpgradeNotifications' ? { __typename: 'Query', upgradeNotifications: notifications } : undefined,
    mutation,
    role,
  });
}

describe('<VersionUpgradeStartPage>', () => {
  it('shows the eight steps with "Input Notification ID" current', async () => {
    renderStart(() => null);
    const nav = await screen.findByRole('navigation', { name: 'Version Upgrade progress' });
    const items = within(nav).getAllByRole('listitem');
    expect(items).toHaveLength(8);
    expect(items[2]).toHaveAttribute('aria-current', 'step');
    expect(items[2]).toHaveTextContent('Input Notification ID');
  });

  it('normalises the ID, starts the upgrade and opens the draft', async () => {
    const user = userEvent.setup();
    const { calls } = renderStart(() => started);
    await user.type(await screen.findByLabelText('Notification ID'), ' vu 7k2m 9qx4 td');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toEqual([
      { operationName: 'UpgradeRequestStart', variables: { input: { accountId: 'acc-1', notificationId: 'VU-7K2M9QX4TD' } } },
    ]);
    expect(await screen.findByTestId('location')).toHaveTextContent('/version-upgrade/kr-up');
  });

  it('fills the ID in from the link of an upgrade notification (?notification=)', async () => {
    const user = userEvent.setup();
    const { calls } = renderStart(() => started, 'ADMIN', [upgradeNotification()], '/version-upgrade?notification=vu-7k2m9qx4td');
    expect(await screen.findByLabelText('Notification ID')).toHaveValue('VU-7K2M9QX4TD');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toEqual([
      { operationName: 'UpgradeRequestStart', variables: { input: { accountId: 'acc-1', notificationId: 'VU-7K2M9QX4TD' } } },
    ]);
  });

  it('checks the shape first and shows refusals at the Notification ID field', async () => {
    const user = userEvent.setup();
    const { calls } = renderStart(() => ({
      upgradeRequestStart: {
        __typename: 'UpgradeRefused',
        code: 'NOTIFICATION_EXPIRED',
        message: 'This upgrade notification has expired.',
        field: 'notificationId',
      },
    }));
    const input = await screen.findByLabelText('Notification ID');
    await user.type(input, 'VU-123');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toHaveLength(0);
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(expect.stringContaining('VU- followed by 10 letters and digits, e.g.'));

    await user.clear(input);
    await user.type(input, 'VU-AAAAAAAAAA');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toHaveLength(1);
    expect(input).toHaveAccessibleDescription(expect.stringContaining('This upgrade notification has expired.'));
    expect(input).toHaveFocus();
  });

  it('lists open notifications for users who lost the ID; "Use this notification" starts with it', async () => {
    const user = userEvent.setup();
    const { calls } = renderStart(() => started);
    expect(await screen.findByRole('heading', { name: 'Lost your notification ID?' })).toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'Open upgrade notifications' });
    expect(list).toHaveTextContent('Endpoint Protection 14.3');
    expect(list).toHaveTextContent('Endpoint Protection 15.0');
    expect(list).toHaveTextContent('20 of 25 eligible seats left to upgrade');
    const use = within(list).getByRole('button', { name: 'Use this notification' });
    expect(use).toHaveAccessibleDescription('VU-7K2M9QX4TD');
    await user.click(use);
    expect(calls[0]?.variables).toEqual({ input: { accountId: 'acc-1', notificationId: 'VU-7K2M9QX4TD' } });
    expect(await screen.findByTestId('location')).toHaveTextContent('/version-upgrade/kr-up');
  });

  it('says so when there are no open notifications', async () => {
    renderStart(() => null, 'ADMIN', []);
    expect(await screen.findByText('There are no open upgrade notifications for this account.')).toBeInTheDocument();
  });

  it('explains to viewers that they cannot upgrade', async () => {
    renderStart(() => null, 'VIEWER');
    expect(await screen.findByText(/Your role on Acme Corp is Viewer/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Notification ID')).not.toBeInTheDocument();
  });

  it('answers "Where do I find my notification ID?" next to the field', async () => {
    const user = userEvent.setup();
    renderStart(() => null);
    await user.click(await screen.findByRole('button', { name: 'Where do I find my notification ID?' }));
    expect(screen.getByRole('region', { name: 'Where do I find my notification ID?' })).toHaveTextContent(/upgrade notification e-mail/);
  });

  it('says so when it was reached from a discarded draft', async () => {
    renderPage({
      path: '/version-upgrade',
      routes: <Route path="/version-upgrade" element={<DiscardedProbe />} />,
      query: (call) => (call.operationName === 'UpgradeNotifications' ? { __typename: 'Query', upgradeNotifications: [] } : undefined),
    });
    expect(await screen.findByText('Your draft version upgrade was discarded.')).toBeInTheDocument();
  });
});
