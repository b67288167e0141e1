import { graphql } from '../gql';

/** The recent key requests of an account (newest first), with what they are for and who started them. */
export const AccountKeyRequestsQuery = graphql(`
  query AccountKeyRequests($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        keyRequests(first: 20) {
          id
          kind
          status
          step
          createdAt
          updatedAt
          expiresAt
          serials {
            number
          }
          products {
            id
            name
            version
          }
          requestedBy {
            id
            name
            email
          }
          actingAccount {
            id
            name
          }
        }
      }
    }
  }
`);

/** Discards a draft of any kind (its creator, or an admin of its account). */
export const KeyRequestDiscardMutation = graphql(`
  mutation KeyRequestDiscard($input: KeyRequestDiscardInput!) {
    keyRequestDiscard(input: $input) {
      __typename
      ... on KeyRequestDiscardSuccess {
        keyRequestId
      }
      ...UserErrorFields
    }
  }
`);
