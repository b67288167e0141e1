import { graphql } from '../../gql';
import type {
  DownloadProductsQuery as DownloadProductsResult,
  DownloadReleaseFieldsFragment as DownloadReleaseFields,
  DownloadsQueryVariables,
  SerialDownloadsQuery as SerialDownloadsResult,
} from '../../gql/graphql';

/** A release (one product version on one platform) as the Downloads page shows it, its files' signed links included. */
export const DownloadReleaseFieldsFragment = graphql(`
  fragment DownloadReleaseFields on Release {
    id
    version
    platform
    releasedOn
    notes
    lockedReason
    downloadCount
    product {
      id
      sku
      name
      version
    }
    files {
      id
      name
      size
      sha256
      contentType
      downloadUrl
    }
  }
`);

/** The products the user may see releases of: the page's first choice. */
export const DownloadProductsQuery = graphql(`
  query DownloadProducts {
    downloadProducts {
      latestVersion
      releaseCount
      platforms
      maintenanceEndsOn
      product {
        id
        sku
        name
        version
      }
    }
  }
`);

/** One page of a product's releases, newest first. Run again (network-only) for fresh links. */
export const DownloadsQuery = graphql(`
  query Downloads($filter: DownloadsFilter, $first: Int!, $after: String) {
    downloads(filter: $filter, first: $first, after: $after) {
      nodes {
        ...DownloadReleaseFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`);

/** The releases a serial number entitles (the way customers found their software before accounts). */
export const SerialDownloadsQuery = graphql(`
  query SerialDownloads($serialNumber: String!) {
    serialDownloads(serialNumber: $serialNumber) {
      serialNumber
      product {
        id
        sku
        name
        version
      }
      releases {
        ...DownloadReleaseFields
      }
      errors {
        __typename
        ...UserErrorFields
        ...RateLimitedFields
      }
    }
  }
`);

export type DownloadRelease = DownloadReleaseFields;
export type DownloadFile = DownloadRelease['files'][number];
export type DownloadProduct = DownloadProductsResult['downloadProducts'][number];
export type DownloadsVariables = DownloadsQueryVariables;
export type SerialDownloadsData = SerialDownloadsResult;
export type SerialLookupError = SerialDownloadsResult['serialDownloads']['errors'][number];
