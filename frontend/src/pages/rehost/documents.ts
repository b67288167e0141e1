import { graphql } from '../../gql';

export const RehostRequestFieldsFragment = graphql(`
  fragment RehostRequestFields on KeyRequest {
    id
    kind
    status
    step
    requestedBy {
      id
    }
    hostId
    failureReason
    createdAt
    updatedAt
    expiresAt
    submittedAt
    readyAt
    sourceKey {
      id
      activationKey
      hostId
      status
      issuedAt
      license {
        id
        quantity
        maintenanceUntil
        status
        hostId
        rehostsUsed
        rehostLimit
        nextRehostAllowedAt
        product {
          id
          sku
          name
          version
          locking
        }
      }
    }
    registration {
      ...RegistrationFields
    }
    keys {
      ...KeyCardFields
    }
  }
`);

export const RehostRequestQuery = graphql(`
  query RehostRequest($id: ID!) {
    keyRequest(id: $id) {
      ...RehostRequestFields
    }
  }
`);

export const RehostRequestUpdatedSubscription = graphql(`
  subscription RehostRequestUpdated($id: ID!) {
    keyRequestUpdated(id: $id) {
      ...RehostRequestFields
    }
  }
`);

export const RehostRequestStartMutation = graphql(`
  mutation RehostRequestStart($input: RehostRequestStartInput!) {
    rehostRequestStart(input: $input) {
      __typename
      ... on RehostRequestStartSuccess {
        keyRequest {
          id
          kind
          status
          step
        }
      }
      ...UserErrorFields
      ... on RehostRefused {
        nextAllowedAt
      }
    }
  }
`);

export const RehostRequestSetHostMutation = graphql(`
  mutation RehostRequestSetHost($input: RehostRequestSetHostInput!) {
    rehostRequestSetHost(input: $input) {
      __typename
      ... on RehostRequestSetHostSuccess {
        keyRequest {
          ...RehostRequestFields
        }
      }
      ...UserErrorFields
      ... on RehostRefused {
        nextAllowedAt
      }
      ...InvalidInputFields
    }
  }
`);

export const RehostRequestConfirmMutation = graphql(`
  mutation RehostRequestConfirm($input: RehostRequestConfirmInput!) {
    rehostRequestConfirm(input: $input) {
      __typename
      ... on RehostRequestConfirmSuccess {
        keyRequest {
          ...RehostRequestFields
        }
      }
      ...UserErrorFields
      ... on RehostRefused {
        nextAllowedAt
      }
      ...InvalidInputFields
    }
  }
`);
