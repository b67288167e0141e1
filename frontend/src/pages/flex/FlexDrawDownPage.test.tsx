import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { FlexDrawDownFieldsFragment } from '../../gql/graphql';
import { registration } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { CATALOG, drawDown } from './flexFixtures';
import { FlexDrawDownPage } from './FlexDrawDownPage';

function renderWizard(request: FlexDrawDownFieldsFragment, mutation: (call: MockCall) => unknown = () => null) {
  return renderPage({
    path: `/flex/draw-downs/${request.id}`,
    routes: <Route path="/flex/draw-downs/:id" element={<FlexDrawDownPage />} />,
    query: (call) => (call.operationName === 'FlexDrawDown' ? { __typename: 'Query', keyRequest: request } : undefined),
    mutation,
  });
}

const line = (index: number, quantity: number) => ({
  __typename: 'FlexCartLine' as const,
  quantity,
  pointsPerUnit: CATALOG[index]!.pointsPerUnit,
  points: quantity * CATALOG[index]!.pointsPerUnit,
  product: { ...CATALOG[index]!.product },
});

describe('<FlexDrawDownPage>', () => {
  it('searches the catalog, totals the cart live and refuses a cart over the drawable points', async () => {
    const user = userEvent.setup();
    const { calls } = renderWizard(drawDown());
    const search = await screen.findByLabelText('Search the catalog');
    await user.type(search, 'dlp');
    const catalog = screen.getByRole('list', { name: 'Catalog products' });
    expect(within(catalog).getAllByRole('listitem')).toHaveLength(1);
    await user.click(within(catalog).getByRole('button', { name: /Add Data Loss Prevention/ }));
    await user.clear(search);
    await user.click(screen.getByRole('button', { name: /Add Endpoint Protection/ }));
    await user.click(screen.getByRole('button', { name: /Add one more Endpoint Protection/ }));
    expect(screen.getByTestId('cart-total')).toHaveTextContent('44 points'); // 20 + 2 × 12

    const units = screen.getByLabelText('Units of Data Loss Prevention');
    await user.clear(units);
    await user.type(units, '900'); // 18,000 + 24 > 17,000 drawable
    expect(screen.getByTestId('cart-total')).toHaveTextContent('18,024 points');
    expect(screen.getByRole('alert')).toHaveTextContent('only 17,000 points can be drawn from EF-ACME-2026');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls).toHaveLength(0);
  });

  it('saves the cart and shows the server’s field errors next to the line they name', async () => {
    const user = userEvent.setup();
    const request = drawDown({ flexItems: [line(0, 10), line(1, 5)], flexCostPoints: 220 });
    const { calls } = renderWizard(request, (call) =>
      call.operationName === 'FlexDrawDownSetItems'
        ? {
            flexDrawDownSetItems: {
              __typename: 'InvalidInput',
              code: 'INVALID_INPUT',
              message: 'Check the cart.',
              field: null,
              fieldErrors: [{ __typename: 'FieldError', field: 'items[1].quantity', code: 'RANGE', message: 'From 1 to 100,000 units.' }],
            },
          }
        : null,
    );
    expect(await screen.findByTestId('cart-total')).toHaveTextContent('220 points');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(calls[0]).toMatchObject({
      operationName: 'FlexDrawDownSetItems',
      variables: { input: { keyRequestId: 'kr-flex', items: [{ productId: 'p-eps', quantity: 10 }, { productId: 'p-dlp', quantity: 5 }] } },
    });
    const units = screen.getByLabelText('Units of Data Loss Prevention');
    expect(units).toHaveAttribute('aria-invalid', 'true');
    expect(units).toHaveAccessibleDescription('From 1 to 100,000 units.');
  });

  it('reuses the Get a Key registration form, with the cart as its summary', async () => {
    renderWizard(drawDown({ step: 'REGISTRATION', flexItems: [line(0, 10)], flexCostPoints: 120 }));
    expect(await screen.findByRole('heading', { name: 'Products' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Change products' })).toBeInTheDocument();
    expect(screen.getByLabelText('Company')).toBeInTheDocument();
    expect(screen.getByLabelText('Technical contact email')).toBeInTheDocument();
    expect(screen.getByText('Support Registration', { selector: '[aria-current=step] *' })).toBeInTheDocument();
  });

  it('confirms through the shared step and shows exhausted points next to the cart', async () => {
    const user = userEvent.setup();
    const request = drawDown({ step: 'CONFIRM', flexItems: [line(2, 100)], flexCostPoints: 15000, registration });
    const { calls } = renderWizard(request, (call) =>
      call.operationName === 'KeyRequestConfirm'
        ? {
            keyRequestConfirm: {
              __typename: 'FlexPointsExhausted',
              code: 'FLEX_POINTS_EXHAUSTED',
              message: 'This draw-down costs 15000 points but only 900 remain on the contract.',
              field: 'keyRequestId',
              remainingPoints: 900,
            },
          }
        : null,
    );
    const cart = await screen.findByRole('region', { name: /Products to draw down/ });
    expect(within(cart).getByText('15,000 points')).toBeInTheDocument();
    expect(screen.getAllByText('Acme GmbH').length).toBeGreaterThan(0);
    await user.click(screen.getByRole('button', { name: 'Confirm and draw down' }));
    expect(calls[0]?.operationName).toBe('KeyRequestConfirm');
    expect(await within(cart).findByRole('alert')).toHaveTextContent('only 900 remain');
  });

  it('shows the keys of a ready draw-down', async () => {
    const ready = drawDown({
      status: 'READY',
      step: 'KEYS',
      registration,
      readyAt: '2026-12-03T10:00:00Z',
      keys: [
        {
          __typename: 'LicenseKey',
          id: 'k1',
          activationKey: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012',
          licenseFile: 'eyJ...',
          hostId: null,
          kid: 'kid-1',
          status: 'ACTIVE',
          issuedAt: '2026-12-03T10:00:00Z',
          license: {
            __typename: 'License',
            id: 'lic-1',
            quantity: 10,
            maintenanceUntil: '2028-12-02',
            status: 'ACTIVE',
            hostId: null,
            product: { __typename: 'Product', id: 'p-eps', sku: 'EPS-15', name: 'Endpoint Protection', version: '15.0' },
            serials: [],
          },
        },
      ],
    });
    renderWizard(ready);
    expect(await screen.findByText('Your keys are ready')).toBeInTheDocument();
    expect(screen.getByText('ABCDE-FGHJK-MNPQR-STVWX-YZ012')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'See the deployments' })).toHaveAttribute('href', '/flex/contracts/fc-1/deployments');
  });
});
