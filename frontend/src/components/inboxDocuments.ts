import { graphql } from '../gql';

/** What the notification centre shows of one notification. */
export const InboxItemFieldsFragment = graphql(`
  fragment InboxItemFields on InboxItem {
    id
    kind
    title
    link
    code
    createdAt
    readAt
    account {
      id
      name
    }
  }
`);

/** Your notifications, newest first, a page at a time, with the unread count for the badge. */
export const InboxQuery = graphql(`
  query Inbox($first: Int!, $after: String, $unreadOnly: Boolean!) {
    inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
      nodes {
        ...InboxItemFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
      unreadCount
    }
  }
`);

export const InboxMarkReadMutation = graphql(`
  mutation InboxMarkRead($input: InboxMarkReadInput!) {
    inboxMarkRead(input: $input) {
      __typename
      ... on InboxMarkReadSuccess {
        marked
        unreadCount
        items {
          ...InboxItemFields
        }
      }
      ... on UserError {
        message
      }
    }
  }
`);

/** The unread count now and whenever it changes. */
export const InboxUpdatedSubscription = graphql(`
  subscription InboxUpdated {
    inboxUpdated
  }
`);
