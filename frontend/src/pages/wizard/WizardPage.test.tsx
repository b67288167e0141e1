import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { KeyRequestFieldsFragment } from '../../gql/graphql';
import { keyRequest, license, serial } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { WizardPage } from './WizardPage';

const eps = { __typename: 'Product' as const, id: 'p-eps', name: 'Endpoint Protection', version: '14.3' };
const target = license({ id: 'lic-a' });

function renderWizard(
  request: KeyRequestFieldsFragment,
  search = '',
  mutation: (call: MockCall) => unknown = () => null,
  role: 'ADMIN' | 'MEMBER' | 'VIEWER' = 'ADMIN',
) {
  return renderPage({
    role,
    path: `/get-a-key/${request.id}${search}`,
    routes: <Route path="/get-a-key/:id" element={<WizardPage />} />,
    query: (call) => {
      if (call.operationName === 'KeyRequest') return { __typename: 'Query', keyRequest: request };
      if (call.operationName === 'RenewalLicense') return { __typename: 'Query', license: target };
      return undefined;
    },
    mutation,
  });
}

describe('<WizardPage> with renewal serials', () => {
  it('names the license being renewed while the serial is entered', async () => {
    renderWizard(keyRequest(), '?renew=lic-a');
    expect(await screen.findByText('Renewing a license')).toBeInTheDocument();
    expect(await screen.findByText('Endpoint Protection 14.3')).toBeInTheDocument();
    expect(screen.getByLabelText('Serial numbers')).toBeInTheDocument();
  });

  it('shows renewal targets as step 4 and skips the registration for renewal-only requests', async () => {
    const user = userEvent.setup();
    const request = keyRequest({
      step: 'RENEWAL_TARGETS',
      serials: [serial('R111', { kind: 'RENEWAL' })],
      renewalCandidates: [{ __typename: 'RenewalCandidate', serialNumber: 'R111', product: eps, licenses: [target] }],
    });
    const saved = {
      ...request,
      step: 'CONFIRM' as const,
      updatedAt: '2025-03-01T10:05:00Z',
      renewals: [{ __typename: 'Renewal' as const, serialNumber: 'R111', newMaintenanceUntil: '2028-03-01', license: target }],
    };
    renderWizard(request, '?renew=lic-a', () => ({
      keyRequestSelectRenewals: { __typename: 'KeyRequestSelectRenewalsSuccess', keyRequest: saved },
    }));

    const nav = await screen.findByRole('navigation', { name: 'Get a Key progress' });
    expect(within(nav).getByText('Input Product & Support Registration Information').closest('li')).toHaveAttribute(
      'aria-current',
      'step',
    );
    expect(screen.getByRole('heading', { name: 'Licenses to renew' })).toBeInTheDocument();
    expect(screen.getByRole('radio')).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Use these licenses' }));

    expect(await screen.findByRole('button', { name: 'Confirm and get keys' })).toBeEnabled();
    expect(within(nav).getByText('Confirm Information').closest('li')).toHaveAttribute('aria-current', 'step');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: 'Use these licenses' })).toBeInTheDocument();
  });

  it('sends requests of another kind to their own wizard', async () => {
    renderWizard({ ...keyRequest(), kind: 'UPGRADE' });
    expect(await screen.findByTestId('location')).toHaveTextContent('/version-upgrade/kr-1');
  });

  it("opens an admin's draft read-only for a viewer, with the reason instead of live buttons", async () => {
    renderWizard(keyRequest(), '', () => null, 'VIEWER');
    expect(await screen.findByText('Your role (Viewer) cannot request keys')).toBeInTheDocument();
    expect(screen.getByText(/only a member or an administrator of Acme Corp can change or confirm it/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Serial numbers')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Continue|Add/ })).not.toBeInTheDocument();
  });
});

describe('<WizardPage> discarding the draft', () => {
  const discarded = (call: MockCall) =>
    call.operationName === 'KeyRequestDiscard'
      ? { keyRequestDiscard: { __typename: 'KeyRequestDiscardSuccess', keyRequestId: 'kr-1' } }
      : null;

  it("lets the draft's creator discard it after confirming, then goes home", async () => {
    const user = userEvent.setup();
    const { calls } = renderWizard(keyRequest(), '', discarded, 'MEMBER');
    await user.click(await screen.findByRole('button', { name: /^Discard/ }));
    const dialog = screen.getByRole('dialog', { name: 'Discard this draft?' });
    expect(within(dialog).getByRole('button', { name: 'Keep the draft' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Discard draft' }));
    expect(calls.find((c) => c.operationName === 'KeyRequestDiscard')?.variables).toEqual({ input: { keyRequestId: 'kr-1' } });
    expect(await screen.findByTestId('location')).toHaveTextContent(/^\/$/);
  });

  it('shows the refusal in the dialog and stays', async () => {
    const user = userEvent.setup();
    renderWizard(keyRequest(), '', () => ({
      keyRequestDiscard: { __typename: 'NotAllowed', code: 'NOT_ALLOWED', message: 'Only its creator or an admin may discard this draft.', field: null },
    }));
    await user.click(await screen.findByRole('button', { name: /^Discard/ }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Discard draft' }));
    expect(await within(screen.getByRole('dialog')).findByRole('alert')).toHaveTextContent('Only its creator or an admin may discard this draft.');
    expect(screen.queryByTestId('location')).not.toBeInTheDocument();
  });

  it("does not offer it to a member on someone else's draft", async () => {
    const erik = { __typename: 'User' as const, id: 'u9' };
    renderWizard(keyRequest({ requestedBy: erik }), '', () => null, 'MEMBER');
    expect(await screen.findByLabelText('Serial numbers')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Discard/ })).not.toBeInTheDocument();
  });

  it("offers it to an admin on someone else's draft", async () => {
    renderWizard(keyRequest({ id: 'kr-2', requestedBy: { __typename: 'User', id: 'u9' } }));
    expect(await screen.findByRole('button', { name: /^Discard/ })).toBeInTheDocument();
  });

  it('offers nothing on a request that left the draft state', async () => {
    renderWizard(keyRequest({ status: 'READY', step: 'KEYS' }));
    expect(await screen.findByText('Your keys are ready')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Discard/ })).not.toBeInTheDocument();
  });
});

