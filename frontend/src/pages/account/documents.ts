import { graphql } from '../../gql';

export const MemberFieldsFragment = graphql(`
  fragment AccountMembersFields on Account {
    id
    name
    viewerRole
    members {
      role
      joinedAt
      isYou
      user {
        id
        name
        email
      }
    }
    invitations {
      id
      email
      role
      createdAt
      expiresAt
    }
  }
`);

/** Members and pending invitations of the current account (one of the user's own, or a customer a partner manages). */
export const AccountMembersQuery = graphql(`
  query AccountMembers($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        ...AccountMembersFields
      }
    }
  }
`);

export const AccountMemberInviteMutation = graphql(`
  mutation AccountMemberInvite($input: AccountMemberInviteInput!) {
    accountMemberInvite(input: $input) {
      __typename
      ... on AccountMemberInviteSuccess {
        account {
          ...AccountMembersFields
        }
        invitation {
          id
          email
        }
        member {
          user {
            id
            email
          }
        }
      }
      ...UserErrorFields
      ...RateLimitedFields
      ...InvalidInputFields
    }
  }
`);

export const AccountMemberSetRoleMutation = graphql(`
  mutation AccountMemberSetRole($input: AccountMemberSetRoleInput!) {
    accountMemberSetRole(input: $input) {
      __typename
      ... on AccountMemberSetRoleSuccess {
        account {
          ...AccountMembersFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const AccountMemberRemoveMutation = graphql(`
  mutation AccountMemberRemove($input: AccountMemberRemoveInput!) {
    accountMemberRemove(input: $input) {
      __typename
      ... on AccountMemberRemoveSuccess {
        account {
          ...AccountMembersFields
        }
      }
      ...UserErrorFields
    }
  }
`);

export const AccountInvitationRevokeMutation = graphql(`
  mutation AccountInvitationRevoke($input: AccountInvitationRevokeInput!) {
    accountInvitationRevoke(input: $input) {
      __typename
      ... on AccountInvitationRevokeSuccess {
        account {
          ...AccountMembersFields
        }
      }
      ...UserErrorFields
    }
  }
`);

/** The custom fields of an account, with the user's effective role there. */
export const CustomFieldSettingsQuery = graphql(`
  query CustomFieldSettings($accountId: ID!) {
    node(id: $accountId) {
      __typename
      ... on Account {
        id
        name
        viewerRole
        customFields {
          ...CustomFieldFields
        }
      }
    }
  }
`);

export const CustomFieldCreateMutation = graphql(`
  mutation CustomFieldCreate($input: CustomFieldCreateInput!) {
    customFieldCreate(input: $input) {
      __typename
      ... on CustomFieldCreateSuccess {
        customField {
          ...CustomFieldFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const CustomFieldUpdateMutation = graphql(`
  mutation CustomFieldUpdate($input: CustomFieldUpdateInput!) {
    customFieldUpdate(input: $input) {
      __typename
      ... on CustomFieldUpdateSuccess {
        customField {
          ...CustomFieldFields
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const CustomFieldDeleteMutation = graphql(`
  mutation CustomFieldDelete($input: CustomFieldDeleteInput!) {
    customFieldDelete(input: $input) {
      __typename
      ... on CustomFieldDeleteSuccess {
        deletedId
      }
      ...UserErrorFields
    }
  }
`);
