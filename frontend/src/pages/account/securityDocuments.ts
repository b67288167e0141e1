import { graphql } from '../../gql';

/** Your open sessions and two-factor sign-in. */
export const AccountSecurityQuery = graphql(`
  query AccountSecurity {
    accountSecurity {
      sessions {
        id
        createdAt
        expiresAt
        ip
        userAgent
        current
      }
      twoFactor {
        enabled
        enabledAt
        recoveryCodesLeft
      }
    }
  }
`);

export const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) {
      __typename
      ... on RequestPasswordResetSuccess {
        email
        message
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const ResetPasswordMutation = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      __typename
      ... on ResetPasswordSuccess {
        email
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const LoginSecondFactorMutation = graphql(`
  mutation LoginSecondFactor($input: LoginSecondFactorInput!) {
    loginSecondFactor(input: $input) {
      __typename
      ... on LoginSuccess {
        user {
          id
          email
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ... on ChangePasswordSuccess {
        sessionsEnded
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const UpdateProfileMutation = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      __typename
      ... on UpdateProfileSuccess {
        user {
          id
          name
          email
        }
      }
      ...UserErrorFields
      ...InvalidInputFields
    }
  }
`);

export const SignOutSessionMutation = graphql(`
  mutation SignOutSession($input: SignOutSessionInput!) {
    signOutSession(input: $input) {
      __typename
      ...UserErrorFields
    }
  }
`);

export const SignOutEverywhereMutation = graphql(`
  mutation SignOutEverywhere {
    signOutEverywhere {
      sessionsEnded
    }
  }
`);

export const TwoFactorSetupStartMutation = graphql(`
  mutation TwoFactorSetupStart($input: PasswordConfirmationInput!) {
    twoFactorSetupStart(input: $input) {
      __typename
      ... on TwoFactorSetupStartSuccess {
        secret
        otpauthUri
        qrCodeSvg
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const TwoFactorSetupConfirmMutation = graphql(`
  mutation TwoFactorSetupConfirm($input: TwoFactorSetupConfirmInput!) {
    twoFactorSetupConfirm(input: $input) {
      __typename
      ... on TwoFactorSetupConfirmSuccess {
        recoveryCodes
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const TwoFactorDisableMutation = graphql(`
  mutation TwoFactorDisable($input: PasswordConfirmationInput!) {
    twoFactorDisable(input: $input) {
      __typename
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);

export const TwoFactorRecoveryCodesMutation = graphql(`
  mutation TwoFactorRecoveryCodes($input: PasswordConfirmationInput!) {
    twoFactorRecoveryCodesRegenerate(input: $input) {
      __typename
      ... on TwoFactorRecoveryCodesSuccess {
        recoveryCodes
      }
      ...UserErrorFields
      ...InvalidInputFields
      ...RateLimitedFields
    }
  }
`);
