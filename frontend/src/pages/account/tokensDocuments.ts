import { graphql } from '../../gql';

/** API tokens: yours and those made for accounts you administer; the scopes to choose from. */
export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens {
      id
      name
      scopes
      prefix
      createdAt
      expiresAt
      lastUsedAt
      lastUsedIp
      expired
      mine
      ownerName
      ownerEmail
      account {
        id
        name
      }
    }
    apiTokenScopes {
      name
      description
    }
  }
`);

export const ApiTokenCreateMutation = graphql(`
  mutation ApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreateSuccess {
        token
        apiToken {
          id
          name
          prefix
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const ApiTokenRevokeMutation = graphql(`
  mutation ApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokeSuccess {
        apiToken {
          id
        }
      }
      ...UserErrorFields
    }
  }
`);
