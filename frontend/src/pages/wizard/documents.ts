import { graphql } from '../../gql';

export const SerialFieldsFragment = graphql(`
  fragment SerialFields on Serial {
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
      licenseModel
      locking
    }
  }
`);

export const RegistrationFieldsFragment = graphql(`
  fragment RegistrationFields on SupportRegistration {
    company
    address {
      line1
      line2
      city
      postalCode
      country
    }
    technicalContact {
      name
      email
      phone
    }
    primaryContact {
      name
      email
      phone
    }
  }
`);

export const LicenseKeyFieldsFragment = graphql(`
  fragment LicenseKeyFields on LicenseKey {
    id
    activationKey
    licenseFile
    hostId
    kid
    status
    issuedAt
    license {
      id
      quantity
      maintenanceUntil
      status
      hostId
      product {
        id
        sku
        name
        version
      }
    }
  }
`);

/**
 * A license as pickers and summaries show it; its serial numbers and activation
 * keys (without the license files) tell licenses of one product apart.
 */
/**
 * A key as the "Receive Keys" step shows it: with its license's serial numbers,
 * so keys of one product can be told apart and each links to its license.
 */
export const KeyCardFieldsFragment = graphql(`
  fragment KeyCardFields on LicenseKey {
    ...LicenseKeyFields
    license {
      id
      serials {
        number
      }
    }
  }
`);

export const LicenseSummaryFieldsFragment = graphql(`
  fragment LicenseSummaryFields on License {
    id
    quantity
    maintenanceUntil
    status
    hostId
    product {
      id
      sku
      name
      version
      licenseModel
      locking
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

export const KeyRequestFieldsFragment = graphql(`
  fragment KeyRequestFields on KeyRequest {
    id
    kind
    status
    step
    requestedBy {
      id
    }
    requiresHostId
    hostId
    failureReason
    createdAt
    updatedAt
    expiresAt
    submittedAt
    readyAt
    serials {
      ...SerialFields
    }
    registration {
      ...RegistrationFields
    }
    suggestedRegistration {
      ...RegistrationFields
    }
    suggestedRegistrationSource {
      byYou
      enteredAt
      enteredBy {
        id
        name
      }
    }
    renewalCandidates {
      serialNumber
      product {
        id
        name
        version
      }
      licenses {
        ...LicenseSummaryFields
      }
    }
    renewals {
      serialNumber
      newMaintenanceUntil
      license {
        ...LicenseSummaryFields
      }
    }
    keys {
      ...KeyCardFields
    }
  }
`);

/**
 * What confirming and signing change, for the confirm answer and the live
 * frames: the page already holds the rest, and leaving it out spares the
 * server resolving the serials, registrations and renewals again for every
 * frame.
 */
export const KeyRequestProgressFieldsFragment = graphql(`
  fragment KeyRequestProgressFields on KeyRequest {
    id
    kind
    status
    step
    failureReason
    updatedAt
    expiresAt
    submittedAt
    readyAt
    keys {
      ...KeyCardFields
    }
  }
`);

/** What saving the registration changes. */
export const KeyRequestRegistrationSavedFieldsFragment = graphql(`
  fragment KeyRequestRegistrationSavedFields on KeyRequest {
    id
    status
    step
    hostId
    updatedAt
    expiresAt
    registration {
      ...RegistrationFields
    }
  }
`);

export const KeyRequestQuery = graphql(`
  query KeyRequest($id: ID!) {
    keyRequest(id: $id) {
      ...KeyRequestFields
    }
  }
`);

export const KeyRequestUpdatedSubscription = graphql(`
  subscription KeyRequestUpdated($id: ID!) {
    keyRequestUpdated(id: $id) {
      ...KeyRequestProgressFields
    }
  }
`);

export const KeyRequestStartMutation = graphql(`
  mutation KeyRequestStart($input: KeyRequestStartInput!) {
    keyRequestStart(input: $input) {
      __typename
      ... on KeyRequestStartSuccess {
        keyRequest {
          id
          status
          step
        }
      }
      ...UserErrorFields
    }
  }
`);

export const KeyRequestEnterSerialsMutation = graphql(`
  mutation KeyRequestEnterSerials($input: KeyRequestEnterSerialsInput!) {
    keyRequestEnterSerials(input: $input) {
      __typename
      ... on KeyRequestEnterSerialsSuccess {
        keyRequest {
          ...KeyRequestFields
        }
      }
      ...UserErrorFields
      ... on SerialNumbersRejected {
        problems {
          serialNumber
          code
          message
        }
      }
      ...InvalidInputFields
    }
  }
`);

export const KeyRequestRemoveSerialMutation = graphql(`
  mutation KeyRequestRemoveSerial($input: KeyRequestRemoveSerialInput!) {
    keyRequestRemoveSerial(input: $input) {
      __typename
      ... on KeyRequestRemoveSerialSuccess {
        keyRequest {
          ...KeyRequestFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const KeyRequestSetRegistrationMutation = graphql(`
  mutation KeyRequestSetRegistration($input: KeyRequestSetRegistrationInput!) {
    keyRequestSetRegistration(input: $input) {
      __typename
      ... on KeyRequestSetRegistrationSuccess {
        keyRequest {
          ...KeyRequestRegistrationSavedFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const KeyRequestConfirmMutation = graphql(`
  mutation KeyRequestConfirm($input: KeyRequestConfirmInput!) {
    keyRequestConfirm(input: $input) {
      __typename
      ... on KeyRequestConfirmSuccess {
        keyRequest {
          ...KeyRequestProgressFields
        }
      }
      ...UserErrorFields
      ... on SerialNumbersRejected {
        problems {
          serialNumber
          code
          message
        }
      }
      ...InvalidInputFields
    }
  }
`);

export const KeyRequestSelectRenewalsMutation = graphql(`
  mutation KeyRequestSelectRenewals($input: KeyRequestSelectRenewalsInput!) {
    keyRequestSelectRenewals(input: $input) {
      __typename
      ... on KeyRequestSelectRenewalsSuccess {
        keyRequest {
          ...KeyRequestFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

/** The license a "Renew" link points at, to name it while the user enters the renewal serial. */
export const RenewalLicenseQuery = graphql(`
  query RenewalLicense($id: ID!) {
    license(id: $id) {
      ...LicenseSummaryFields
    }
  }
`);
