import { graphql } from '../../gql';

export const DelegationFieldsFragment = graphql(`
  fragment DelegationFields on Delegation {
    id
    status
    scope
    endsOn
    createdAt
    respondedAt
    revokedAt
    customerAccount {
      id
      name
      number
    }
    partnerAccount {
      id
      name
      number
    }
  }
`);

/** Customer accounts the user's partner accounts manage, one keyset page with summaries. */
export const ManagedAccountsQuery = graphql(`
  query ManagedAccounts($first: Int!, $after: String, $filter: ManagedAccountFilter) {
    managedAccounts(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      edges {
        cursor
        scope
        delegation {
          id
          endsOn
          partnerAccount {
            id
          }
        }
        node {
          id
          name
          number
          kind
          summary {
            totalLicenses
            nextMaintenanceEnd
            openKeyRequests
            byStatus {
              status
              count
            }
          }
        }
      }
    }
  }
`);

/** The first licenses of one managed account, read when its row is expanded. */
export const ManagedAccountLicensesQuery = graphql(`
  query ManagedAccountLicenses($accountId: ID!) {
    licenses(accountId: $accountId, first: 10, orderBy: { field: MAINTENANCE_UNTIL, direction: ASC }) {
      totalCount
      edges {
        node {
          id
          quantity
          maintenanceUntil
          status
          product {
            id
            sku
            name
            version
          }
        }
      }
    }
  }
`);

/** Names for the account switcher's typeahead. */
export const ManagedAccountSearchQuery = graphql(`
  query ManagedAccountSearch($name: String) {
    managedAccounts(first: 20, filter: { name: $name }) {
      totalCount
      edges {
        scope
        delegation {
          id
          partnerAccount {
            id
          }
        }
        node {
          id
          name
          number
          kind
        }
      }
    }
  }
`);

/** The delegations of one account (either side), read through node so it works for any account of the user. */
export const AccountDelegationsQuery = graphql(`
  query AccountDelegations($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        name
        viewerRole
        delegations {
          ...DelegationFields
        }
      }
    }
  }
`);

export const HeldSerialsQuery = graphql(`
  query HeldSerials($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        name
        heldSerials(first: 100) {
          number
          kind
          status
          quantity
          maintenanceMonths
          product {
            id
            sku
            name
            version
          }
        }
      }
    }
  }
`);

export const DelegationInviteMutation = graphql(`
  mutation DelegationInvite($input: DelegationInviteInput!) {
    delegationInvite(input: $input) {
      __typename
      ... on DelegationInviteSuccess {
        delegation {
          ...DelegationFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const DelegationAcceptMutation = graphql(`
  mutation DelegationAccept($input: DelegationIdInput!) {
    delegationAccept(input: $input) {
      __typename
      ... on DelegationAcceptSuccess {
        delegation {
          ...DelegationFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const DelegationDeclineMutation = graphql(`
  mutation DelegationDecline($input: DelegationIdInput!) {
    delegationDecline(input: $input) {
      __typename
      ... on DelegationDeclineSuccess {
        delegation {
          ...DelegationFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const DelegationRevokeMutation = graphql(`
  mutation DelegationRevoke($input: DelegationIdInput!) {
    delegationRevoke(input: $input) {
      __typename
      ... on DelegationRevokeSuccess {
        delegation {
          ...DelegationFields
        }
      }
      ...UserErrorFields
    }
  }
`);
