import type { DelegationFieldsFragment } from '../gql/graphql';

const acme = { __typename: 'Account' as const, id: 'acc-1', name: 'Acme Corp', number: 'C-1001' };
const initech = { __typename: 'Account' as const, id: 'acc-p', name: 'Initech Partners', number: 'P-2001' };

/** A delegation from Acme Corp (the test customer) to Initech Partners (the test partner). */
export function delegation(overrides: Partial<DelegationFieldsFragment> = {}): DelegationFieldsFragment {
  return {
    __typename: 'Delegation',
    id: 'del-1',
    status: 'ACTIVE',
    scope: 'MANAGE',
    endsOn: null,
    createdAt: '2025-03-01T10:00:00Z',
    respondedAt: null,
    revokedAt: null,
    customerAccount: acme,
    partnerAccount: initech,
    ...overrides,
  };
}

/** The AccountDelegations answer for one account. */
export function delegationsAnswer(account: { id: string; name: string }, viewerRole: string, delegations: DelegationFieldsFragment[]) {
  return { __typename: 'Query', node: { __typename: 'Account', id: account.id, name: account.name, viewerRole, delegations } };
}
