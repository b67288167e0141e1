"""Single sign-on: signInMethod for the sign-in page; ssoConnection, ssoConnectionSave and
ssoConnectionDelete for an account's admins."""

from __future__ import annotations

import strawberry

from backend.auth.oidc import OidcClient
from backend.context import Info
from backend.domain.accounts import sso, sso_policy
from backend.domain.errors import NotFoundError
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id
from backend.schema.sso import (
    SignInMethod,
    SignInMethodKind,
    SsoConnectionDeleteInput,
    SsoConnectionDeleteResult,
    SsoConnectionDeleteSuccess,
    SsoConnectionSaveInput,
    SsoConnectionSaveResult,
    SsoConnectionSaveSuccess,
    SsoConnectionType,
)

MAX_EMAIL = 254


@strawberry.type
class Query:
    @strawberry.field(
        description="PASSWORD or SSO for an e-mail address, by its domain alone (no sign of whether "
        "the address has a user)."
    )
    async def sign_in_method(self, info: Info, email: str) -> SignInMethod:
        async with info.context.portal.db.read() as session:
            found = await sso_policy.sign_in_method(session, email[:MAX_EMAIL])
        if found.sso:
            return SignInMethod(method=SignInMethodKind.SSO, start_url=found.start_url)
        return SignInMethod(method=SignInMethodKind.PASSWORD, start_url=None)

    @strawberry.field(
        description="The account's single sign-on connection, for its admins; null when it has none, "
        "and for anyone else, as for an unknown account."
    )
    async def sso_connection(self, info: Info, account_id: strawberry.ID) -> SsoConnectionType | None:
        ctx = info.context
        try:
            view = await sso.read_connection(ctx.portal.db, ctx.actor, from_global_id(account_id, "Account"))
        except NotFoundError:
            return None
        return (
            None if view is None else SsoConnectionType.from_view(view, sso.redirect_uri(ctx.portal.settings))
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Connect or change the account's OpenID Connect provider (account admins): the "
        "issuer's discovery document is fetched and checked, each domain must be free and have an "
        "admin with a confirmed address there. A bad input changes nothing."
    )
    async def sso_connection_save(self, info: Info, input: SsoConnectionSaveInput) -> SsoConnectionSaveResult:
        ctx = info.context
        settings = ctx.portal.settings
        break_glass = None
        if input.break_glass_user_id:
            break_glass = from_global_id(input.break_glass_user_id, "User")
        data = sso.ConnectionInput(
            account_id=from_global_id(input.account_id, "Account"),
            issuer_url=input.issuer_url,
            client_id=input.client_id,
            client_secret=input.client_secret,
            domains=input.domains,
            join_role=input.join_role,
            require_sso=input.require_sso,
            break_glass_user_id=break_glass,
            break_glass_given=bool(input.break_glass_user_id),
        )
        step = sso.save_connection(
            ctx.portal.db, OidcClient(production=settings.production), settings, ctx.actor, data
        )
        redirect = sso.redirect_uri(settings)
        return await run_step(  # type: ignore[no-any-return]
            step,
            lambda view: SsoConnectionSaveSuccess(connection=SsoConnectionType.from_view(view, redirect)),
        )

    @strawberry.mutation(description="Remove the account's single sign-on connection (account admins).")
    async def sso_connection_delete(
        self, info: Info, input: SsoConnectionDeleteInput
    ) -> SsoConnectionDeleteResult:
        ctx = info.context
        step = sso.delete_connection(ctx.portal.db, ctx.actor, from_global_id(input.account_id, "Account"))
        return await run_step(  # type: ignore[no-any-return]
            step, lambda _account: SsoConnectionDeleteSuccess(account_id=input.account_id)
        )
