import type {
  FlexCatalogFieldsFragment,
  FlexContractFieldsFragment,
  FlexDeploymentFieldsFragment,
  FlexDrawDownFieldsFragment,
} from '../../gql/graphql';
import { keyRequest } from '../../test/fixtures';

/** Test data for the Enterprise Flexible pages. */
export function flexContract(overrides: Partial<FlexContractFieldsFragment> = {}): FlexContractFieldsFragment {
  return {
    __typename: 'FlexContract',
    id: 'fc-1',
    number: 'EF-ACME-2026',
    startsOn: '2025-12-03',
    endsOn: '2028-12-02',
    status: 'ACTIVE',
    myRole: 'SUPER_USER',
    committedPoints: 20000,
    consumedPoints: 5000,
    remainingPoints: 15000,
    drawablePoints: 17000,
    ceilingPoints: 22000,
    overagePolicy: 'SOFT',
    overagePercent: 10,
    ...overrides,
  };
}

export function catalogItem(id: string, name: string, pointsPerUnit: number, sku = id.toUpperCase()): FlexCatalogFieldsFragment {
  return {
    __typename: 'FlexCatalogItem',
    pointsPerUnit,
    product: { __typename: 'Product', id, sku, name, version: '1.0', licenseModel: 'PERPETUAL', locking: 'NONE' },
  };
}

export const CATALOG = [
  catalogItem('p-eps', 'Endpoint Protection', 12, 'EPS-15'),
  catalogItem('p-dlp', 'Data Loss Prevention', 20, 'DLP-16'),
  catalogItem('p-mgw', 'Messaging Gateway', 150, 'MGW-10'),
];

export function drawDown(overrides: Partial<FlexDrawDownFieldsFragment> = {}): FlexDrawDownFieldsFragment {
  return {
    ...keyRequest({ id: 'kr-flex', step: 'FLEX_ITEMS' }),
    kind: 'FLEX',
    flexCostPoints: 0,
    flexItems: [],
    flexContract: { ...flexContract(), catalog: CATALOG },
    ...overrides,
  } as FlexDrawDownFieldsFragment;
}

export function deployment(id: string, overrides: Partial<FlexDeploymentFieldsFragment> = {}): FlexDeploymentFieldsFragment {
  return {
    __typename: 'FlexDeployment',
    id,
    quantity: 10,
    points: 120,
    overagePoints: 0,
    drawnAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    returnedAt: null,
    returnableUntil: new Date(Date.now() + 28 * 86_400_000).toISOString(),
    product: { __typename: 'Product', id: 'p-eps', sku: 'EPS-15', name: 'Endpoint Protection', version: '15.0' },
    drawnBy: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' },
    actingAccount: null,
    license: { __typename: 'License', id: `lic-${id}`, status: 'ACTIVE', hostId: null },
    ...overrides,
  };
}

/** recharts' ResponsiveContainer needs a ResizeObserver, which jsdom lacks. */
export class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
