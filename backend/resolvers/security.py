"""Your account: password reset and change, profile, sessions, two-factor sign-in."""

from __future__ import annotations

from typing import cast

import strawberry
from starlette.responses import Response

from backend.auth.tokens import CSRF_COOKIE, SESSION_COOKIE
from backend.context import Info
from backend.domain.accounts import security
from backend.domain.accounts.users import LoggedIn
from backend.resolvers.accounts import set_session_cookies, user_agent
from backend.resolvers.steps import run_step
from backend.schema.accounts import LoginSuccess, UserType
from backend.schema.common import from_global_id
from backend.schema.security import (
    AccountSecurity,
    ChangePasswordInput,
    ChangePasswordResult,
    ChangePasswordSuccess,
    LoginSecondFactorInput,
    LoginSecondFactorResult,
    PasswordConfirmationInput,
    RequestPasswordResetInput,
    RequestPasswordResetResult,
    RequestPasswordResetSuccess,
    ResetPasswordInput,
    ResetPasswordResult,
    ResetPasswordSuccess,
    SignOutEverywhereSuccess,
    SignOutSessionInput,
    SignOutSessionResult,
    SignOutSessionSuccess,
    TwoFactorDisableResult,
    TwoFactorDisableSuccess,
    TwoFactorRecoveryCodesResult,
    TwoFactorRecoveryCodesSuccess,
    TwoFactorSetupConfirmInput,
    TwoFactorSetupConfirmResult,
    TwoFactorSetupConfirmSuccess,
    TwoFactorSetupStartResult,
    TwoFactorSetupStartSuccess,
    UpdateProfileInput,
    UpdateProfileResult,
    UpdateProfileSuccess,
)


@strawberry.type
class Query:
    @strawberry.field(description="Your open sessions and two-factor sign-in (signed in only).")
    async def account_security(self, info: Info) -> AccountSecurity:
        ctx = info.context
        overview = await security.overview(ctx.portal.db, ctx.actor.user_id, ctx.session_token)
        return AccountSecurity.from_domain(overview)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Mail a password reset link (one hour, single use). The same answer for every address."
    )
    async def request_password_reset(
        self, info: Info, input: RequestPasswordResetInput
    ) -> RequestPasswordResetResult:
        portal = info.context.portal
        return cast(
            RequestPasswordResetResult,
            await run_step(
                security.request_password_reset(
                    portal.db, portal.bus, portal.settings, input.email, info.context.ip
                ),
                lambda email: RequestPasswordResetSuccess(
                    email=email,
                    message=f"If {email} has an account, a link to choose a new password is on its way. "
                    "It works once, for one hour.",
                ),
            ),
        )

    @strawberry.mutation(description="A new password with the mailed link; every session ends.")
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordResult:
        portal = info.context.portal
        return cast(
            ResetPasswordResult,
            await run_step(
                security.reset_password(
                    portal.db, portal.bus, portal.settings, input.token, input.password, info.context.ip
                ),
                lambda user: ResetPasswordSuccess(email=user.email),
            ),
        )

    @strawberry.mutation(
        description="The second step of signing in (after SecondFactorRequired): sets the session cookies."
    )
    async def login_second_factor(self, info: Info, input: LoginSecondFactorInput) -> LoginSecondFactorResult:
        portal = info.context.portal

        def answer(done: LoggedIn) -> LoginSuccess:
            set_session_cookies(info, done.session_token)
            return LoginSuccess(user=UserType.from_model(done.user))

        return cast(
            LoginSuccess,
            await run_step(
                security.complete_login(
                    portal.db, portal.settings, input.challenge, input.code, info.context.ip, user_agent(info)
                ),
                answer,
            ),
        )

    @strawberry.mutation(description="A new password, given the current one; your other sessions end.")
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordResult:
        ctx = info.context
        portal = ctx.portal
        return cast(
            ChangePasswordResult,
            await run_step(
                security.change_password(
                    portal.db,
                    portal.bus,
                    portal.settings,
                    ctx.actor,
                    ctx.session_token,
                    input.current_password,
                    input.new_password,
                ),
                lambda ended: ChangePasswordSuccess(sessions_ended=ended),
            ),
        )

    @strawberry.mutation(description="Your name as others see it (the e-mail address stays).")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfileResult:
        ctx = info.context
        return cast(
            UpdateProfileResult,
            await run_step(
                security.update_profile(ctx.portal.db, ctx.actor, input.name),
                lambda user: UpdateProfileSuccess(user=UserType.from_model(user)),
            ),
        )

    @strawberry.mutation(description="End one of your sessions (ending the current one signs you out).")
    async def sign_out_session(self, info: Info, input: SignOutSessionInput) -> SignOutSessionResult:
        ctx = info.context
        session_id = from_global_id(input.session_id, "UserSession")

        def answer(was_current: bool) -> SignOutSessionSuccess:
            if was_current:
                _clear_cookies(info)
            return SignOutSessionSuccess(ok=True)

        return cast(
            SignOutSessionSuccess,
            await run_step(
                security.sign_out_session(ctx.portal.db, ctx.actor, session_id, ctx.session_token), answer
            ),
        )

    @strawberry.mutation(description="End every session of yours but this one.")
    async def sign_out_everywhere(self, info: Info) -> SignOutEverywhereSuccess:
        ctx = info.context
        ended = await security.sign_out_everywhere(ctx.portal.db, ctx.actor, ctx.session_token)
        return SignOutEverywhereSuccess(sessions_ended=ended)

    @strawberry.mutation(description="Begin adding an authenticator app: its secret, shown this once.")
    async def two_factor_setup_start(
        self, info: Info, input: PasswordConfirmationInput
    ) -> TwoFactorSetupStartResult:
        ctx = info.context
        return cast(
            TwoFactorSetupStartResult,
            await run_step(
                security.start_totp_setup(ctx.portal.db, ctx.portal.settings, ctx.actor, input.password),
                lambda setup: TwoFactorSetupStartSuccess(
                    secret=setup.secret, otpauth_uri=setup.uri, qr_code_svg=setup.qr_svg
                ),
            ),
        )

    @strawberry.mutation(description="Turn two-factor sign-in on with a first code from the app.")
    async def two_factor_setup_confirm(
        self, info: Info, input: TwoFactorSetupConfirmInput
    ) -> TwoFactorSetupConfirmResult:
        ctx = info.context
        portal = ctx.portal
        return cast(
            TwoFactorSetupConfirmResult,
            await run_step(
                security.confirm_totp_setup(portal.db, portal.bus, portal.settings, ctx.actor, input.code),
                lambda codes: TwoFactorSetupConfirmSuccess(recovery_codes=codes),
            ),
        )

    @strawberry.mutation(description="Turn two-factor sign-in off (asks for the password again).")
    async def two_factor_disable(
        self, info: Info, input: PasswordConfirmationInput
    ) -> TwoFactorDisableResult:
        ctx = info.context
        portal = ctx.portal
        return cast(
            TwoFactorDisableResult,
            await run_step(
                security.disable_totp(portal.db, portal.bus, portal.settings, ctx.actor, input.password),
                lambda _: TwoFactorDisableSuccess(ok=True),
            ),
        )

    @strawberry.mutation(description="New recovery codes; the earlier ones stop working.")
    async def two_factor_recovery_codes_regenerate(
        self, info: Info, input: PasswordConfirmationInput
    ) -> TwoFactorRecoveryCodesResult:
        ctx = info.context
        return cast(
            TwoFactorRecoveryCodesResult,
            await run_step(
                security.regenerate_recovery_codes(
                    ctx.portal.db, ctx.portal.settings, ctx.actor, input.password
                ),
                lambda codes: TwoFactorRecoveryCodesSuccess(recovery_codes=codes),
            ),
        )


def _clear_cookies(info: Info) -> None:
    response = info.context.response
    assert isinstance(response, Response)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
