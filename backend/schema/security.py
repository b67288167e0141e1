"""Your account: password reset and change, profile, sessions, two-factor sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.domain.accounts import security
from backend.schema.accounts import LoginSuccess, UserType
from backend.schema.common import (
    InvalidInput,
    InvalidToken,
    Node,
    NotFound,
    RateLimited,
    TwoFactorRefused,
    to_global_id,
)


@strawberry.type(name="UserSession", description="A browser signed in as you.")
class UserSessionType(Node):
    created_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool = strawberry.field(description="The session this request came with.")

    @classmethod
    def from_domain(cls, row: security.SessionRow) -> UserSessionType:
        return cls(
            id=to_global_id("UserSession", row.id),
            created_at=row.created_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.current,
        )


@strawberry.type(description="Two-factor sign-in with an authenticator app. The secret is never shown again.")
class TwoFactorStatus:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


@strawberry.type(description="The signed-in user's open sessions, newest first, and second factor.")
class AccountSecurity:
    sessions: list[UserSessionType]
    two_factor: TwoFactorStatus

    @classmethod
    def from_domain(cls, overview: security.Overview) -> AccountSecurity:
        state = overview.two_factor
        return cls(
            sessions=[UserSessionType.from_domain(row) for row in overview.sessions],
            two_factor=TwoFactorStatus(
                enabled=state.enabled,
                enabled_at=state.enabled_at,
                recovery_codes_left=state.recovery_codes_left,
            ),
        )


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str
    password: str


@strawberry.input
class LoginSecondFactorInput:
    challenge: str
    code: str = strawberry.field(description="6 digits from the authenticator app, or a recovery code.")


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class UpdateProfileInput:
    name: str


@strawberry.input
class SignOutSessionInput:
    session_id: strawberry.ID


@strawberry.input
class PasswordConfirmationInput:
    password: str = strawberry.field(description="The current password, asked again before a change.")


@strawberry.input
class TwoFactorSetupConfirmInput:
    code: str


@strawberry.type
class RequestPasswordResetSuccess:
    email: str
    message: str


@strawberry.type
class ResetPasswordSuccess:
    email: str


@strawberry.type
class ChangePasswordSuccess:
    sessions_ended: int


@strawberry.type
class UpdateProfileSuccess:
    user: UserType


@strawberry.type
class SignOutSessionSuccess:
    ok: bool


@strawberry.type
class SignOutEverywhereSuccess:
    sessions_ended: int


@strawberry.type(description="Shown once: add the secret to the app (scan the QR code), then confirm a code.")
class TwoFactorSetupStartSuccess:
    secret: str
    otpauth_uri: str
    qr_code_svg: str


@strawberry.type(description="Two-factor sign-in is on. The recovery codes are shown this once.")
class TwoFactorSetupConfirmSuccess:
    recovery_codes: list[str]


@strawberry.type
class TwoFactorDisableSuccess:
    ok: bool


@strawberry.type(description="New recovery codes, shown this once; the earlier ones no longer work.")
class TwoFactorRecoveryCodesSuccess:
    recovery_codes: list[str]


RequestPasswordResetResult = Annotated[
    RequestPasswordResetSuccess | InvalidInput | RateLimited, strawberry.union("RequestPasswordResetResult")
]
ResetPasswordResult = Annotated[
    ResetPasswordSuccess | InvalidToken | InvalidInput, strawberry.union("ResetPasswordResult")
]
LoginSecondFactorResult = Annotated[
    LoginSuccess | InvalidInput | RateLimited, strawberry.union("LoginSecondFactorResult")
]
ChangePasswordResult = Annotated[
    ChangePasswordSuccess | InvalidInput | RateLimited, strawberry.union("ChangePasswordResult")
]
UpdateProfileResult = Annotated[UpdateProfileSuccess | InvalidInput, strawberry.union("UpdateProfileResult")]
SignOutSessionResult = Annotated[SignOutSessionSuccess | NotFound, strawberry.union("SignOutSessionResult")]
TwoFactorSetupStartResult = Annotated[
    TwoFactorSetupStartSuccess | InvalidInput | RateLimited | TwoFactorRefused,
    strawberry.union("TwoFactorSetupStartResult"),
]
TwoFactorSetupConfirmResult = Annotated[
    TwoFactorSetupConfirmSuccess | InvalidInput | RateLimited | TwoFactorRefused,
    strawberry.union("TwoFactorSetupConfirmResult"),
]
TwoFactorDisableResult = Annotated[
    TwoFactorDisableSuccess | InvalidInput | RateLimited | TwoFactorRefused,
    strawberry.union("TwoFactorDisableResult"),
]
TwoFactorRecoveryCodesResult = Annotated[
    TwoFactorRecoveryCodesSuccess | InvalidInput | RateLimited | TwoFactorRefused,
    strawberry.union("TwoFactorRecoveryCodesResult"),
]
