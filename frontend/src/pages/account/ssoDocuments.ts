import { graphql } from '../../gql';

export const SsoConnectionFieldsFragment = graphql(`
  fragment SsoConnectionFields on SsoConnection {
    id
    issuerUrl
    clientId
    clientSecretSet
    domains
    joinRole
    requireSso
    redirectUri
    testUrl
    updatedAt
    breakGlassUser {
      id
      name
      email
    }
  }
`);

/** The account's connection and its admins (the break-glass choices). */
export const SsoSettingsQuery = graphql(`
  query SsoSettings($accountId: ID!) {
    ssoConnection(accountId: $accountId) {
      ...SsoConnectionFields
    }
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        name
        viewerRole
        members {
          role
          user {
            id
            name
            email
          }
        }
      }
    }
  }
`);

export const SsoConnectionSaveMutation = graphql(`
  mutation SsoConnectionSave($input: SsoConnectionSaveInput!) {
    ssoConnectionSave(input: $input) {
      __typename
      ... on SsoConnectionSaveSuccess {
        connection {
          ...SsoConnectionFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const SsoConnectionDeleteMutation = graphql(`
  mutation SsoConnectionDelete($input: SsoConnectionDeleteInput!) {
    ssoConnectionDelete(input: $input) {
      __typename
      ... on SsoConnectionDeleteSuccess {
        accountId
      }
      ...UserErrorFields
    }
  }
`);
