import { graphql } from '../../gql';

export const KeyDeliveryFieldsFragment = graphql(`
  fragment KeyDeliveryFields on KeyDelivery {
    recipient
    status
    error
    createdAt
    sentAt
  }
`);

/** The mails of a key request's keys; re-read while any is still queued (mail status changes are not pushed). */
export const KeyRequestDeliveriesQuery = graphql(`
  query KeyRequestDeliveries($id: ID!) {
    keyRequest(id: $id) {
      id
      deliveries {
        ...KeyDeliveryFields
      }
    }
  }
`);

export const KeyRequestResendKeysMutation = graphql(`
  mutation KeyRequestResendKeys($input: KeyRequestResendKeysInput!) {
    keyRequestResendKeys(input: $input) {
      __typename
      ... on KeyRequestResendKeysSuccess {
        keyRequest {
          id
          deliveries {
            ...KeyDeliveryFields
          }
        }
        delivery {
          ...KeyDeliveryFields
        }
      }
      ...UserErrorFields
      ...RateLimitedFields
      ...InvalidInputFields
    }
  }
`);
