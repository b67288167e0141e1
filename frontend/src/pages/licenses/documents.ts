import { graphql } from '../../gql';

export const AccountLicensesQuery = graphql(`
  query AccountLicenses($accountId: ID!) {
    accountLicenses(accountId: $accountId, first: 50) {
      id
      quantity
      maintenanceUntil
      status
      hostId
      createdAt
      product {
        id
        name
        version
        locking
      }
    }
  }
`);

export const LicenseDetailQuery = graphql(`
  query LicenseDetail($id: ID!) {
    license(id: $id) {
      ...LicenseSummaryFields
      createdAt
      rehostsUsed
      rehostLimit
      nextRehostAllowedAt
      account {
        id
        name
        number
      }
      registration {
        ...RegistrationFields
      }
      keys {
        id
        activationKey
        licenseFile
        hostId
        status
        issuedAt
      }
      serials {
        number
        kind
        status
        quantity
        maintenanceMonths
      }
      activations {
        hostId
        firstSeenAt
        lastSeenAt
      }
    }
  }
`);

export const DeactivateMutation = graphql(`
  mutation Deactivate($input: DeactivateInput!) {
    deactivate(input: $input) {
      __typename
      ... on DeactivateSuccess {
        hostId
      }
      ... on UserError {
        code
        message
        field
      }
      ... on RateLimited {
        retryAfterSeconds
      }
      ... on InvalidInput {
        fieldErrors {
          field
          code
          message
        }
      }
    }
  }
`);
