import type { KeyRequestFieldsFragment } from '../gql/graphql';

export const product = {
  __typename: 'Product' as const,
  id: 'prod-1',
  sku: 'STUDIO-9',
  name: 'Studio',
  version: '9.2',
  licenseModel: 'PERPETUAL' as const,
  locking: 'NONE' as const,
};

export function serial(number: string, overrides: Partial<KeyRequestFieldsFragment['serials'][number]> = {}) {
  return {
    __typename: 'Serial' as const,
    number,
    kind: 'NEW' as const,
    status: 'UNREGISTERED' as const,
    quantity: 5,
    maintenanceMonths: 12,
    product,
    ...overrides,
  };
}

export function keyRequest(overrides: Partial<KeyRequestFieldsFragment> = {}): KeyRequestFieldsFragment {
  return {
    __typename: 'KeyRequest',
    id: 'kr-1',
    kind: 'NEW',
    status: 'DRAFT',
    step: 'SERIALS',
    requiresHostId: false,
    hostId: null,
    failureReason: null,
    createdAt: '2025-03-01T10:00:00Z',
    updatedAt: '2025-03-01T10:00:00Z',
    expiresAt: '2025-03-31T10:00:00Z',
    submittedAt: null,
    readyAt: null,
    serials: [],
    registration: null,
    suggestedRegistration: null,
    renewalCandidates: [],
    renewals: [],
    keys: [],
    ...overrides,
  };
}
