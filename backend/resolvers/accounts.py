"""Sign-in, sign-up, e-mail verification and `me`."""

from __future__ import annotations

from typing import cast

import strawberry
from starlette.responses import Response

from backend.auth import tokens
from backend.auth.tokens import CSRF_COOKIE, SESSION_COOKIE
from backend.context import Info
from backend.domain.accounts import users as accounts
from backend.domain.errors import UserError
from backend.schema.accounts import (
    LoginInput,
    LoginResult,
    LoginSuccess,
    LogoutSuccess,
    SecondFactorRequired,
    SignUpInput,
    SignUpResult,
    SignUpSuccess,
    UserType,
    VerifyEmailInput,
    VerifyEmailResult,
    VerifyEmailSuccess,
)
from backend.schema.common import error_member


def _secure(info: Info) -> bool:
    return (
        info.context.request.url.hostname not in ("127.0.0.1", "localhost", "::1")
        or info.context.portal.settings.production
    )


def user_agent(info: Info) -> str | None:
    """The browser's User-Agent, kept with a new session so the sessions list tells devices apart."""
    return info.context.request.headers.get("user-agent")


def set_session_cookies(info: Info, token: str) -> None:
    response = info.context.response
    assert isinstance(response, Response)
    settings = info.context.portal.settings
    tokens.set_session_cookies(
        response, settings.secret_key, token, settings.session_ttl_days * 86400, _secure(info)
    )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user, or null.")
    def me(self, info: Info) -> UserType | None:
        user = info.context.user
        return UserType.from_model(user) if user else None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Sign in: sets the HttpOnly session cookie and the readable portal_csrf cookie."
    )
    async def login(self, info: Info, input: LoginInput) -> LoginResult:
        try:
            portal = info.context.portal
            done = await accounts.login(
                portal.db,
                portal.bus,
                portal.settings,
                input.email,
                input.password,
                info.context.ip,
                user_agent(info),
            )
        except UserError as exc:
            return cast(LoginResult, error_member(exc))
        if isinstance(done, accounts.SecondFactorNeeded):
            return SecondFactorRequired(
                challenge=done.challenge,
                message="Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
            )
        set_session_cookies(info, done.session_token)
        return LoginSuccess(user=UserType.from_model(done.user))

    @strawberry.mutation
    async def logout(self, info: Info) -> LogoutSuccess:
        if info.context.session_token:
            await accounts.logout(info.context.portal.db, info.context.session_token)
        response = info.context.response
        assert isinstance(response, Response)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return LogoutSuccess(ok=True)

    @strawberry.mutation(description="Create a user and a CUSTOMER account; a verification link is mailed.")
    async def sign_up(self, info: Info, input: SignUpInput) -> SignUpResult:
        try:
            portal = info.context.portal
            email = await accounts.sign_up(
                portal.db,
                portal.bus,
                portal.settings,
                accounts.SignUp(input.email, input.password, input.name, input.company),
                info.context.ip,
            )
        except UserError as exc:
            return cast(SignUpResult, error_member(exc))
        return SignUpSuccess(
            email=email, message=f"Check your inbox: we sent a link to {email} to confirm the address."
        )

    @strawberry.mutation
    async def verify_email(self, info: Info, input: VerifyEmailInput) -> VerifyEmailResult:
        try:
            user = await accounts.verify_email(info.context.portal.db, input.token)
        except UserError as exc:
            return cast(VerifyEmailResult, error_member(exc))
        return VerifyEmailSuccess(user=UserType.from_model(user))
