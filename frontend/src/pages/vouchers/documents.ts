import { graphql } from '../../gql';

export const VoucherBatchFieldsFragment = graphql(`
  fragment VoucherBatchFields on VoucherBatch {
    id
    quantity
    count
    converted
    available
    maintenanceMonths
    expiresOn
    expiringSoon
    createdAt
    product {
      id
      sku
      name
      version
    }
  }
`);

/** A conversion as the history lists it (without its lines: a conversion may have 10,000). */
export const VoucherConversionFieldsFragment = graphql(`
  fragment VoucherConversionFields on VoucherConversion {
    id
    createdAt
    total
    convertedCount
    targetEmail
    targetAccount {
      id
      name
      number
    }
    requestedBy {
      id
      name
      email
    }
    keyRequest {
      id
      status
    }
  }
`);

/** The Voucher Center: the account's batches, newest first, and its latest conversions. */
export const VoucherCenterQuery = graphql(`
  query VoucherCenter($accountId: ID!) {
    voucherBatches(accountId: $accountId) {
      ...VoucherBatchFields
    }
    voucherConversions(accountId: $accountId, first: 20) {
      ...VoucherConversionFields
    }
  }
`);

/** One page of a batch's vouchers. */
export const BatchVouchersQuery = graphql(`
  query BatchVouchers($batchId: ID!, $first: Int!, $after: String, $filter: VoucherFilter) {
    vouchers(batchId: $batchId, first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        ...PageInfoFields
      }
      nodes {
        id
        lastFour
        state
        convertedAt
        license {
          id
        }
      }
    }
  }
`);

export const VoucherConversionLineFieldsFragment = graphql(`
  fragment VoucherConversionLineFields on VoucherConversionLine {
    line
    lastFour
    result
    message
    convertedAt
    retryAfter
    license {
      id
      product {
        id
        name
        version
      }
    }
  }
`);

/** What the live keys panel follows: the progress, and the keys themselves when there are few enough to show. */
export const VoucherKeyProgressFieldsFragment = graphql(`
  fragment VoucherKeyProgressFields on KeyRequest {
    id
    status
    updatedAt
    failureReason
    readyAt
    keysReady
    keysTotal
  }
`);

export const VoucherConvertMutation = graphql(`
  mutation VoucherConvert($input: VoucherConvertInput!) {
    voucherConvert(input: $input) {
      __typename
      ... on VoucherConvertSuccess {
        replayed
        conversion {
          ...VoucherConversionFields
          lines {
            ...VoucherConversionLineFields
          }
        }
        keyRequest {
          ...VoucherKeyProgressFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

/** A past conversion's lines, for its results. */
export const VoucherConversionQuery = graphql(`
  query VoucherConversion($id: ID!) {
    node(id: $id) {
      __typename
      ... on VoucherConversion {
        ...VoucherConversionFields
        lines {
          ...VoucherConversionLineFields
        }
      }
    }
  }
`);

/** The conversion's key request, read when live updates fail; its keys only when `withKeys` (a few dozen at most are shown). */
export const VoucherKeysQuery = graphql(`
  query VoucherKeys($id: ID!, $withKeys: Boolean!) {
    keyRequest(id: $id) {
      ...VoucherKeyProgressFields
      registration {
        technicalContact {
          email
        }
      }
      keys @include(if: $withKeys) {
        ...LicenseKeyFields
      }
    }
  }
`);

/** The request as it stands, then a frame after every chunk of keys signed. */
export const VoucherKeysUpdatedSubscription = graphql(`
  subscription VoucherKeysUpdated($id: ID!, $withKeys: Boolean!) {
    keyRequestUpdated(id: $id) {
      ...VoucherKeyProgressFields
      registration {
        technicalContact {
          email
        }
      }
      keys @include(if: $withKeys) {
        ...LicenseKeyFields
      }
    }
  }
`);
