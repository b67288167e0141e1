import { graphql } from '../../gql';

export const UpgradeProductFieldsFragment = graphql(`
  fragment UpgradeProductFields on Product {
    id
    sku
    name
    version
    licenseModel
    locking
  }
`);

export const UpgradeNotificationFieldsFragment = graphql(`
  fragment UpgradeNotificationFields on UpgradeNotification {
    notificationId
    expiresAt
    fromProduct {
      ...UpgradeProductFields
    }
    toProduct {
      ...UpgradeProductFields
    }
    lines {
      eligibleQuantity
      upgradedQuantity
      remainingQuantity
      license {
        ...LicenseSummaryFields
      }
    }
  }
`);

export const UpgradeRequestFieldsFragment = graphql(`
  fragment UpgradeRequestFields on KeyRequest {
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
    notification {
      ...UpgradeNotificationFields
    }
    upgradeOptions {
      eligibleQuantity
      remainingQuantity
      fromProduct {
        ...UpgradeProductFields
      }
      toProduct {
        ...UpgradeProductFields
      }
      license {
        ...LicenseSummaryFields
      }
    }
    upgradeLicense {
      ...LicenseSummaryFields
      registration {
        ...RegistrationFields
      }
    }
    upgradeQuantity
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
    keys {
      ...KeyCardFields
    }
  }
`);

export const UpgradeRequestQuery = graphql(`
  query UpgradeRequest($id: ID!) {
    keyRequest(id: $id) {
      ...UpgradeRequestFields
    }
  }
`);

/** Frames and the confirm answer carry what confirming and signing change (as in Get a Key). */
export const UpgradeRequestUpdatedSubscription = graphql(`
  subscription UpgradeRequestUpdated($id: ID!) {
    keyRequestUpdated(id: $id) {
      ...KeyRequestProgressFields
    }
  }
`);

export const UpgradeNotificationsQuery = graphql(`
  query UpgradeNotifications($accountId: ID!) {
    upgradeNotifications(accountId: $accountId) {
      ...UpgradeNotificationFields
    }
  }
`);

export const UpgradeRequestStartMutation = graphql(`
  mutation UpgradeRequestStart($input: UpgradeRequestStartInput!) {
    upgradeRequestStart(input: $input) {
      __typename
      ... on UpgradeRequestStartSuccess {
        keyRequest {
          id
          kind
          status
          step
        }
      }
      ...UserErrorFields
      ...RateLimitedFields
    }
  }
`);

export const UpgradeRequestSelectProductMutation = graphql(`
  mutation UpgradeRequestSelectProduct($input: UpgradeRequestSelectProductInput!) {
    upgradeRequestSelectProduct(input: $input) {
      __typename
      ... on UpgradeRequestSelectProductSuccess {
        keyRequest {
          ...UpgradeRequestFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const UpgradeRequestSetQuantityMutation = graphql(`
  mutation UpgradeRequestSetQuantity($input: UpgradeRequestSetQuantityInput!) {
    upgradeRequestSetQuantity(input: $input) {
      __typename
      ... on UpgradeRequestSetQuantitySuccess {
        keyRequest {
          ...UpgradeRequestFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const UpgradeRequestSetRegistrationMutation = graphql(`
  mutation UpgradeRequestSetRegistration($input: UpgradeRequestSetRegistrationInput!) {
    upgradeRequestSetRegistration(input: $input) {
      __typename
      ... on UpgradeRequestSetRegistrationSuccess {
        keyRequest {
          ...UpgradeRequestFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const UpgradeRequestConfirmMutation = graphql(`
  mutation UpgradeRequestConfirm($input: UpgradeRequestConfirmInput!) {
    upgradeRequestConfirm(input: $input) {
      __typename
      ... on UpgradeRequestConfirmSuccess {
        keyRequest {
          ...KeyRequestProgressFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);
