import { graphql } from '../../gql';

export const FlexContractFieldsFragment = graphql(`
  fragment FlexContractFields on FlexContract {
    id
    number
    startsOn
    endsOn
    status
    myRole
    committedPoints
    consumedPoints
    remainingPoints
    drawablePoints
    ceilingPoints
    overagePolicy
    overagePercent
  }
`);

export const FlexCatalogFieldsFragment = graphql(`
  fragment FlexCatalogFields on FlexCatalogItem {
    pointsPerUnit
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

/** The contracts page: every contract you hold a role on, with its monthly consumption for the burn-down (super users). */
export const FlexContractsQuery = graphql(`
  query FlexContracts($accountId: ID!) {
    flexContracts(accountId: $accountId) {
      ...FlexContractFields
      catalog {
        ...FlexCatalogFields
      }
      consumption(groupBy: MONTH) {
        month
        points
        drawnUnits
        returnedUnits
        overagePoints
      }
    }
  }
`);

/** Whether the main navigation shows Enterprise Flexible. */
export const FlexContractIdsQuery = graphql(`
  query FlexContractIds($accountId: ID!) {
    flexContracts(accountId: $accountId) {
      id
    }
  }
`);

/** One contract, for its deployments and report pages. */
export const FlexContractQuery = graphql(`
  query FlexContract($id: ID!) {
    node(id: $id) {
      __typename
      ... on FlexContract {
        ...FlexContractFields
        catalog {
          ...FlexCatalogFields
        }
      }
    }
  }
`);

export const FlexDeploymentFieldsFragment = graphql(`
  fragment FlexDeploymentFields on FlexDeployment {
    id
    quantity
    points
    overagePoints
    drawnAt
    returnedAt
    returnableUntil
    product {
      id
      sku
      name
      version
    }
    drawnBy {
      id
      name
      email
    }
    actingAccount {
      id
      name
    }
    license {
      id
      status
      hostId
    }
  }
`);

export const FlexDeploymentsQuery = graphql(`
  query FlexDeployments($id: ID!, $first: Int!, $after: String, $filter: FlexDeploymentFilter) {
    node(id: $id) {
      __typename
      ... on FlexContract {
        id
        deployments(first: $first, after: $after, filter: $filter) {
          totalCount
          pageInfo {
            ...PageInfoFields
          }
          nodes {
            ...FlexDeploymentFields
          }
        }
      }
    }
  }
`);

export const FlexReturnMutation = graphql(`
  mutation FlexReturn($input: FlexReturnInput!) {
    flexReturn(input: $input) {
      __typename
      ... on FlexReturnSuccess {
        deployment {
          ...FlexDeploymentFields
        }
        contract {
          ...FlexContractFields
        }
      }
      ... on FlexReturnWindowClosed {
        closedAt
      }
      ...UserErrorFields
    }
  }
`);

export const FlexRoleHolderFieldsFragment = graphql(`
  fragment FlexRoleHolderFields on FlexRoleHolder {
    role
    byAccountRole
    user {
      id
      name
      email
    }
  }
`);

/** The super users' report: consumption by product and by month, and who holds a role. */
export const FlexReportQuery = graphql(`
  query FlexReport($id: ID!) {
    node(id: $id) {
      __typename
      ... on FlexContract {
        ...FlexContractFields
        byProduct: consumption(groupBy: PRODUCT) {
          drawnUnits
          returnedUnits
          points
          overagePoints
          product {
            id
            sku
            name
            version
          }
        }
        byMonth: consumption(groupBy: MONTH) {
          month
          drawnUnits
          returnedUnits
          points
          overagePoints
        }
        roles {
          ...FlexRoleHolderFields
        }
      }
    }
  }
`);

export const FlexRoleSetMutation = graphql(`
  mutation FlexRoleSet($input: FlexRoleSetInput!) {
    flexRoleSet(input: $input) {
      __typename
      ... on FlexRoleSetSuccess {
        contract {
          id
          roles {
            ...FlexRoleHolderFields
          }
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const FlexDrawDownStartMutation = graphql(`
  mutation FlexDrawDownStart($input: FlexDrawDownStartInput!) {
    flexDrawDownStart(input: $input) {
      __typename
      ... on FlexDrawDownStartSuccess {
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

export const FlexCartLineFieldsFragment = graphql(`
  fragment FlexCartLineFields on FlexCartLine {
    quantity
    pointsPerUnit
    points
    product {
      id
      sku
      name
      version
      locking
    }
  }
`);

/** A draw-down: the shared key request fields and its contract, catalog and cart. */
export const FlexDrawDownFieldsFragment = graphql(`
  fragment FlexDrawDownFields on KeyRequest {
    ...KeyRequestFields
    flexCostPoints
    flexItems {
      ...FlexCartLineFields
    }
    flexContract {
      ...FlexContractFields
      catalog {
        ...FlexCatalogFields
      }
    }
  }
`);

export const FlexDrawDownQuery = graphql(`
  query FlexDrawDown($id: ID!) {
    keyRequest(id: $id) {
      ...FlexDrawDownFields
    }
  }
`);

export const FlexDrawDownSetItemsMutation = graphql(`
  mutation FlexDrawDownSetItems($input: FlexDrawDownSetItemsInput!) {
    flexDrawDownSetItems(input: $input) {
      __typename
      ... on FlexDrawDownSetItemsSuccess {
        costPoints
        remainingPoints
        keyRequest {
          id
          status
          step
          updatedAt
          expiresAt
          requiresHostId
          flexCostPoints
          flexItems {
            ...FlexCartLineFields
          }
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);
