import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';

// Written against the FileConnect contract until its schema is exported: plain strings (codegen
// does not read them, so its run on the current schema keeps passing) and the answers' types by hand.

const RELEASE_FIELDS = `
  fragment DownloadReleaseFields on Release {
    __typename
    id
    version
    platform
    releasedOn
    notes
    lockedReason
    product {
      __typename
      id
      sku
      name
      version
    }
    files {
      __typename
      id
      name
      size
      sha256
      contentType
      downloadUrl
    }
  }
`;

interface ProductRef {
  __typename: 'Product';
  id: string;
  sku: string;
  name: string;
  version: string;
}

export interface DownloadFile {
  __typename: 'ReleaseFile';
  id: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  downloadUrl: string | null;
}

export interface DownloadRelease {
  __typename: 'Release';
  id: string;
  version: string;
  platform: string;
  releasedOn: string;
  notes: string;
  lockedReason: string | null;
  product: ProductRef;
  files: DownloadFile[];
}

export interface DownloadProduct {
  __typename: 'DownloadProduct';
  latestVersion: string | null;
  releaseCount: number;
  platforms: string[];
  maintenanceEndsOn: string | null;
  product: ProductRef;
}

export interface SerialLookupError {
  __typename: string;
  code: string;
  message: string;
  field: string | null;
  retryAfterSeconds?: number;
}

/** The products the user may see releases of: the page's first choice. */
export const DownloadProductsQuery: TypedDocumentNode<{ __typename: 'Query'; downloadProducts: DownloadProduct[] }, Record<string, never>> = parse(`
  query DownloadProducts {
    downloadProducts {
      __typename
      latestVersion
      releaseCount
      platforms
      maintenanceEndsOn
      product {
        __typename
        id
        sku
        name
        version
      }
    }
  }
`);

export interface DownloadsVariables {
  filter?: { productSku?: string | null; platform?: string | null; search?: string | null } | null;
  first?: number | null;
  after?: string | null;
}

export interface DownloadsData {
  __typename: 'Query';
  downloads: {
    __typename: 'ReleaseConnection';
    nodes: DownloadRelease[];
    pageInfo: { __typename: 'PageInfo'; hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  };
}

/** One page of a product's releases, newest first. Run again (network-only) for fresh links. */
export const DownloadsQuery: TypedDocumentNode<DownloadsData, DownloadsVariables> = parse(`
  query Downloads($filter: DownloadsFilter, $first: Int, $after: String) {
    downloads(filter: $filter, first: $first, after: $after) {
      __typename
      nodes {
        ...DownloadReleaseFields
      }
      pageInfo {
        __typename
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${RELEASE_FIELDS}
`);

export interface SerialDownloadsData {
  __typename: 'Query';
  serialDownloads: {
    __typename: 'SerialDownloadsResult';
    serialNumber: string;
    product: ProductRef | null;
    releases: DownloadRelease[];
    errors: SerialLookupError[];
  };
}

/** The releases a serial number entitles (the way customers found their software before accounts). */
export const SerialDownloadsQuery: TypedDocumentNode<SerialDownloadsData, { serialNumber: string }> = parse(`
  query SerialDownloads($serialNumber: String!) {
    serialDownloads(serialNumber: $serialNumber) {
      __typename
      serialNumber
      product {
        __typename
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
        code
        message
        field
        ... on RateLimited {
          retryAfterSeconds
        }
      }
    }
  }
  ${RELEASE_FIELDS}
`);
