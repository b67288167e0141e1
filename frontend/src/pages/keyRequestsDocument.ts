import { graphql } from '../gql';

/** The recent key requests of an account (newest first). */
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
        }
      }
    }
  }
`);
