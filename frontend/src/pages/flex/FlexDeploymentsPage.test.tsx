import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import type { MockCall } from '../../test/mockClient';
import { renderPage } from '../../test/renderPage';
import { FlexDeploymentsPage } from './FlexDeploymentsPage';
import { CATALOG, deployment, flexContract } from './flexFixtures';

const page = (nodes: unknown[], hasNextPage: boolean, endCursor: string | null, totalCount: number) => ({
  __typename: 'Query',
  node: {
    __typename: 'FlexContract',
    id: 'fc-1',
    deployments: {
      __typename: 'FlexDeploymentConnection',
      totalCount,
      pageInfo: { __typename: 'PageInfo', hasNextPage, hasPreviousPage: false, startCursor: null, endCursor },
      nodes,
    },
  },
});

function renderDeployments(mutation: (call: MockCall) => unknown = () => null, role: 'SUPER_USER' | 'CONTRACT_USER' = 'SUPER_USER') {
  const queries: MockCall[] = [];
  const utils = renderPage({
    path: '/flex/contracts/fc-1/deployments',
    routes: <Route path="/flex/contracts/:id/deployments" element={<FlexDeploymentsPage />} />,
    query: (call) => {
      if (call.operationName === 'FlexContract') return { __typename: 'Query', node: { ...flexContract({ myRole: role }), catalog: CATALOG } };
      if (call.operationName !== 'FlexDeployments') return undefined;
      queries.push(call);
      if (call.variables.after === 'c1') return page([deployment('d3', { quantity: 3 })], false, 'c2', 3);
      const filter = call.variables.filter as { returned: boolean | null };
      if (filter.returned === true) return page([deployment('d9', { returnedAt: '2026-11-20T10:00:00Z' })], false, null, 1);
      return page(
        [
          deployment('d1'),
          deployment('d2', {
            product: { __typename: 'Product', id: 'p-dlp', sku: 'DLP-16', name: 'Data Loss Prevention', version: '16.0' },
            returnableUntil: '2020-01-01T00:00:00Z',
            overagePoints: 40,
          }),
        ],
        true,
        'c1',
        3,
      );
    },
    mutation,
  });
  return { ...utils, queries };
}

describe('<FlexDeploymentsPage>', () => {
  it('lists deployments with their license, a Return only within the window, and loads the next page', async () => {
    const user = userEvent.setup();
    const { queries } = renderDeployments();
    const table = await screen.findByRole('table', { name: /Deployments of EF-ACME-2026/ });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getAllByRole('link', { name: /^License/ })[0]).toHaveAttribute('href', '/licenses/lic-d1');
    expect(within(table).getAllByRole('button', { name: /^Return/ })).toHaveLength(1);
    expect(within(table).getByText('40 overage')).toBeInTheDocument();
    expect(screen.getByTestId('deployments-count')).toHaveTextContent('Showing 2 of 3 deployments');

    await user.click(screen.getByRole('button', { name: 'Load more deployments' }));
    expect(await within(table).findAllByRole('row')).toHaveLength(4);
    expect(screen.queryByRole('button', { name: 'Load more deployments' })).not.toBeInTheDocument();
    expect(queries.at(-1)?.variables).toMatchObject({ after: 'c1', first: 25 });
  });

  it('filters by product and returned', async () => {
    const user = userEvent.setup();
    const { queries } = renderDeployments();
    await screen.findByRole('table', { name: /Deployments of/ });
    await user.selectOptions(screen.getByLabelText('Product'), 'p-dlp');
    await user.selectOptions(screen.getByLabelText('Returned or kept'), 'returned');
    expect(queries.at(-1)?.variables).toMatchObject({ filter: { productId: 'p-dlp', returned: true, drawnBy: null } });
    expect(await screen.findByText('Returned')).toBeInTheDocument();
  });

  it('asks before returning, then calls flexReturn', async () => {
    const user = userEvent.setup();
    const { calls } = renderDeployments((call) =>
      call.operationName === 'FlexReturn'
        ? {
            flexReturn: {
              __typename: 'FlexReturnSuccess',
              deployment: deployment('d1', { returnedAt: new Date().toISOString() }),
              contract: flexContract({ consumedPoints: 4880 }),
            },
          }
        : null,
    );
    await user.click(await screen.findByRole('button', { name: /^Return Endpoint Protection/ }));
    const dialog = screen.getByRole('dialog', { name: 'Return Endpoint Protection 15.0?' });
    expect(dialog).toHaveAccessibleDescription(/keys are revoked at once, and 120 points are credited back to EF-ACME-2026/);
    await user.click(within(dialog).getByRole('button', { name: 'Return and revoke keys' }));
    expect(calls[0]).toMatchObject({ operationName: 'FlexReturn', variables: { input: { licenseId: 'lic-d1' } } });
    expect(await screen.findByText(/120 points credited back/)).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows the window-closed refusal in the dialog', async () => {
    const user = userEvent.setup();
    renderDeployments(() => ({
      flexReturn: {
        __typename: 'FlexReturnWindowClosed',
        code: 'FLEX_RETURN_WINDOW_CLOSED',
        message: 'The return window for this license closed on 2026-11-30.',
        field: 'licenseId',
        closedAt: '2026-11-30T00:00:00Z',
      },
    }));
    await user.click(await screen.findByRole('button', { name: /^Return Endpoint Protection/ }));
    await user.click(screen.getByRole('button', { name: 'Return and revoke keys' }));
    expect(await within(screen.getByRole('dialog')).findByRole('alert')).toHaveTextContent('closed on 2026-11-30');
  });
});
