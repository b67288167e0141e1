import type {
  CustomFieldFieldsFragment,
  KeyRequestFieldsFragment,
  LicenseRowFieldsFragment,
  LicenseSummaryFieldsFragment,
  RegistrationFieldsFragment,
  RehostRequestFieldsFragment,
  UpgradeNotificationFieldsFragment,
  UpgradeRequestFieldsFragment,
} from '../gql/graphql';

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
    requestedBy: { __typename: 'User', id: 'u1' },
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
    suggestedRegistrationSource: null,
    renewalCandidates: [],
    renewals: [],
    keys: [],
    ...overrides,
  };
}

export const registration: RegistrationFieldsFragment = {
  __typename: 'SupportRegistration',
  company: 'Acme GmbH',
  address: { __typename: 'Address', line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postalCode: '10115', country: 'DE' },
  technicalContact: { __typename: 'Contact', name: 'Tina Tech', email: 'tina@acme.example', phone: null },
  primaryContact: { __typename: 'Contact', name: 'Paul Prime', email: 'paul@acme.example', phone: null },
};

export function license(overrides: Partial<LicenseSummaryFieldsFragment> = {}): LicenseSummaryFieldsFragment {
  return {
    __typename: 'License',
    id: 'lic-1',
    quantity: 25,
    maintenanceUntil: '2027-03-01',
    status: 'ACTIVE',
    hostId: null,
    product: { ...product, name: 'Endpoint Protection', version: '14.3', sku: 'EPS-14' },
    serials: [],
    keys: [],
    ...overrides,
  };
}

const upgradeProducts = {
  from: { ...product, id: 'p-14', sku: 'EPS-14', name: 'Endpoint Protection', version: '14.3' },
  to: { ...product, id: 'p-15', sku: 'EPS-15', name: 'Endpoint Protection', version: '15.0' },
};

export function upgradeNotification(
  overrides: Partial<UpgradeNotificationFieldsFragment> = {},
): UpgradeNotificationFieldsFragment {
  return {
    __typename: 'UpgradeNotification',
    notificationId: 'VU-7K2M9QX4TD',
    expiresAt: '2027-01-31T12:00:00Z',
    fromProduct: upgradeProducts.from,
    toProduct: upgradeProducts.to,
    lines: [
      {
        __typename: 'UpgradeLine',
        eligibleQuantity: 25,
        upgradedQuantity: 5,
        remainingQuantity: 20,
        license: license(),
      },
    ],
    ...overrides,
  };
}

export function upgradeOption(overrides: Partial<UpgradeRequestFieldsFragment['upgradeOptions'][number]> = {}) {
  return {
    __typename: 'UpgradeOption' as const,
    eligibleQuantity: 25,
    remainingQuantity: 20,
    fromProduct: upgradeProducts.from,
    toProduct: upgradeProducts.to,
    license: license(),
    ...overrides,
  };
}

export function upgradeRequest(overrides: Partial<UpgradeRequestFieldsFragment> = {}): UpgradeRequestFieldsFragment {
  return {
    __typename: 'KeyRequest',
    id: 'kr-up',
    kind: 'UPGRADE',
    status: 'DRAFT',
    requestedBy: { __typename: 'User', id: 'u1' },
    step: 'UPGRADE_PRODUCT',
    hostId: null,
    failureReason: null,
    createdAt: '2025-03-01T10:00:00Z',
    updatedAt: '2025-03-01T10:00:00Z',
    expiresAt: '2025-03-08T10:00:00Z',
    submittedAt: null,
    readyAt: null,
    notification: upgradeNotification(),
    upgradeOptions: [upgradeOption()],
    upgradeLicense: null,
    upgradeQuantity: null,
    registration: null,
    suggestedRegistration: null,
    suggestedRegistrationSource: null,
    keys: [],
    ...overrides,
  };
}

export function rehostRequest(overrides: Partial<RehostRequestFieldsFragment> = {}): RehostRequestFieldsFragment {
  return {
    __typename: 'KeyRequest',
    id: 'kr-rh',
    kind: 'REHOST',
    status: 'DRAFT',
    requestedBy: { __typename: 'User', id: 'u1' },
    step: 'HOST',
    hostId: null,
    failureReason: null,
    createdAt: '2025-03-01T10:00:00Z',
    updatedAt: '2025-03-01T10:00:00Z',
    expiresAt: '2025-03-08T10:00:00Z',
    submittedAt: null,
    readyAt: null,
    sourceKey: {
      __typename: 'LicenseKey',
      id: 'key-1',
      activationKey: 'K7Q2-9XLM-4RT8',
      hostId: '00:11:22:33:44:55',
      status: 'ACTIVE',
      issuedAt: '2025-01-01T10:00:00Z',
      license: {
        __typename: 'License',
        id: 'lic-mgw',
        quantity: 5,
        maintenanceUntil: '2026-01-01',
        status: 'ACTIVE',
        hostId: '00:11:22:33:44:55',
        rehostsUsed: 1,
        rehostLimit: 4,
        nextRehostAllowedAt: null,
        product: { __typename: 'Product', id: 'p-mgw', sku: 'MGW-10', name: 'Messaging Gateway', version: '10.8', locking: 'HOST' },
      },
    },
    registration: null,
    keys: [],
    ...overrides,
  };
}

export function customField(overrides: Partial<CustomFieldFieldsFragment> = {}): CustomFieldFieldsFragment {
  return {
    __typename: 'CustomField',
    id: 'cf-cost',
    name: 'Cost center',
    type: 'NUMBER',
    options: [],
    required: false,
    position: 1,
    ...overrides,
  };
}

export function licenseRow(overrides: Partial<LicenseRowFieldsFragment> = {}): LicenseRowFieldsFragment {
  return {
    __typename: 'License',
    id: 'lic-1',
    quantity: 25,
    maintenanceUntil: '2027-03-01',
    status: 'ACTIVE',
    hostId: null,
    createdAt: '2025-01-01T10:00:00Z',
    access: 'ADMIN',
    product: { __typename: 'Product', id: 'p-eps', sku: 'EPS-14', name: 'Endpoint Protection', version: '14.3' },
    owner: { __typename: 'User', id: 'u1', name: 'Dana', email: 'dana@example.com' },
    customValues: [],
    serials: [],
    keys: [],
    ...overrides,
  };
}

/** A LicenseConnection answer with `rows`, one page of a larger list. */
export function licenseConnection<T extends LicenseRowFieldsFragment>(
  rows: readonly T[],
  { totalCount = rows.length, hasNextPage = false, hasPreviousPage = false } = {},
) {
  return {
    __typename: 'LicenseConnection' as const,
    totalCount,
    pageInfo: {
      __typename: 'PageInfo' as const,
      hasNextPage,
      hasPreviousPage,
      startCursor: rows.length ? `cursor-${rows[0]!.id}` : null,
      endCursor: rows.length ? `cursor-${rows[rows.length - 1]!.id}` : null,
    },
    edges: rows.map((node) => ({ __typename: 'LicenseEdge' as const, cursor: `cursor-${node.id}`, node })),
  };
}

/** The CustomFieldSettings answer for the test account (see renderPage's ACCOUNT). */
export function customFieldSettings(fields: readonly CustomFieldFieldsFragment[], viewerRole: 'ADMIN' | 'MEMBER' | 'VIEWER' = 'ADMIN') {
  return {
    __typename: 'Query',
    node: { __typename: 'Account', id: 'acc-1', name: 'Acme Corp', viewerRole, customFields: fields },
  };
}
