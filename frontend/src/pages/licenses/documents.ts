import { graphql } from '../../gql';

export const LicenseDetailQuery = graphql(`
  query LicenseDetail($id: ID!) {
    license(id: $id) {
      ...LicenseSummaryFields
      createdAt
      rehostsUsed
      rehostLimit
      nextRehostAllowedAt
      access
      ...LicenseSharingFields
      customFields {
        ...CustomFieldFields
      }
      requestedBy {
        id
        name
        email
      }
      requestedThrough {
        id
        name
      }
      customValues {
        value
        field {
          ...CustomFieldFields
        }
      }
      history {
        at
        action
        summary
        actor {
          id
          name
          email
        }
      }
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

export const DeactivateHostMutation = graphql(`
  mutation DeactivateHost($input: LicenseDeactivateHostInput!) {
    licenseDeactivateHost(input: $input) {
      __typename
      ... on LicenseDeactivateHostSuccess {
        hostId
        license {
          id
          activations {
            hostId
            firstSeenAt
            lastSeenAt
          }
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const CustomFieldFieldsFragment = graphql(`
  fragment CustomFieldFields on CustomField {
    id
    name
    type
    options
    required
    position
  }
`);

/**
 * A row of a license list. Its keys (without license files) are read with the
 * page and its serials in one batch for the page (backend LicenseLoaders):
 * the serial number and activation key columns add no request per row.
 */
export const LicenseRowFieldsFragment = graphql(`
  fragment LicenseRowFields on License {
    id
    quantity
    maintenanceUntil
    status
    hostId
    createdAt
    access
    product {
      id
      sku
      name
      version
    }
    owner {
      id
      name
      email
    }
    customValues {
      value
      field {
        id
      }
    }
    serials {
      number
    }
    keys {
      id
      activationKey
      status
      issuedAt
    }
  }
`);

export const LicensesQuery = graphql(`
  query Licenses($accountId: ID!, $first: Int, $after: String, $filter: LicenseFilter, $orderBy: LicenseOrder) {
    licenses(accountId: $accountId, first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      edges {
        cursor
        node {
          ...LicenseRowFields
        }
      }
    }
  }
`);

export const SharedWithMeQuery = graphql(`
  query SharedWithMe($first: Int, $after: String, $filter: LicenseFilter) {
    sharedWithMe(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      edges {
        cursor
        node {
          ...LicenseRowFields
          account {
            id
            name
          }
        }
      }
    }
  }
`);

export const LicenseRegistrationQuery = graphql(`
  query LicenseRegistration($id: ID!) {
    license(id: $id) {
      id
      registration {
        ...RegistrationFields
      }
    }
  }
`);

export const LicensesSetCustomValuesMutation = graphql(`
  mutation LicensesSetCustomValues($input: LicensesSetCustomValuesInput!) {
    licensesSetCustomValues(input: $input) {
      __typename
      ... on LicensesSetCustomValuesSuccess {
        licenses {
          id
          customValues {
            value
            field {
              ...CustomFieldFields
            }
          }
        }
      }
      ... on CustomValueRejected {
        customField {
          id
          name
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const LicensesSetRegistrationMutation = graphql(`
  mutation LicensesSetRegistration($input: LicensesSetRegistrationInput!) {
    licensesSetRegistration(input: $input) {
      __typename
      ... on LicensesSetRegistrationSuccess {
        licenses {
          id
          registration {
            ...RegistrationFields
          }
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const LicenseSharingFieldsFragment = graphql(`
  fragment LicenseSharingFields on License {
    id
    owner {
      id
      name
      email
    }
    shares {
      id
      email
      permission
      createdAt
      user {
        id
        name
      }
    }
  }
`);

export const LicenseShareMutation = graphql(`
  mutation LicenseShare($input: LicenseShareInput!) {
    licenseShare(input: $input) {
      __typename
      ... on LicenseShareSuccess {
        license {
          ...LicenseSharingFields
        }
      }
      ...UserErrorFields
      ...RateLimitedFields
      ...InvalidInputFields
    }
  }
`);

export const LicenseUnshareMutation = graphql(`
  mutation LicenseUnshare($input: LicenseUnshareInput!) {
    licenseUnshare(input: $input) {
      __typename
      ... on LicenseUnshareSuccess {
        license {
          ...LicenseSharingFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const LicenseTransferOwnershipMutation = graphql(`
  mutation LicenseTransferOwnership($input: LicenseTransferOwnershipInput!) {
    licenseTransferOwnership(input: $input) {
      __typename
      ... on LicenseTransferOwnershipSuccess {
        license {
          ...LicenseSharingFields
          access
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

/** The products the account holds licenses of: the license list's product picker. */
export const LicenseProductsQuery = graphql(`
  query LicenseProducts($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        licenseProducts {
          id
          sku
          name
          version
        }
      }
    }
  }
`);
