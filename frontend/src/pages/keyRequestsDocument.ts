import { graphql } from '../gql';

/** The key requests of every account the user belongs to (newest first per account). */
export const AccountKeyRequestsQuery = graphql(`
  query AccountKeyRequests {
    me {
      id
      memberships {
        account {
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
  }
`);
