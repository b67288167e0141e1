"""API tokens (apiTokens, apiTokenCreate, apiTokenRevoke) and the points budget (rateLimit)."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain import budget
from backend.domain.tokens import api_tokens
from backend.resolvers.steps import run_step
from backend.schema.api_tokens import (
    SCOPE_DESCRIPTIONS,
    ApiTokenCreateInput,
    ApiTokenCreateResult,
    ApiTokenCreateSuccess,
    ApiTokenRevokeInput,
    ApiTokenRevokeResult,
    ApiTokenRevokeSuccess,
    ApiTokenScopeType,
    ApiTokenType,
    RateLimitType,
)
from backend.schema.common import from_global_id


@strawberry.type
class Query:
    @strawberry.field(
        description="Your tokens and those made for accounts you administer, newest first (revoked "
        "ones are gone)."
    )
    async def api_tokens(self, info: Info) -> list[ApiTokenType]:
        ctx = info.context
        return [ApiTokenType.from_listed(t) for t in await api_tokens.listing(ctx.portal.db, ctx.actor)]

    @strawberry.field(description="The scopes a token can be given.")
    def api_token_scopes(self) -> list[ApiTokenScopeType]:
        return [ApiTokenScopeType(name=s, description=SCOPE_DESCRIPTIONS[s]) for s in api_tokens.SCOPES]

    @strawberry.field(description="Your points budget this hour, after this request (null signed out).")
    async def rate_limit(self, info: Info) -> RateLimitType | None:
        ctx = info.context
        if ctx.user is None:
            return None
        found = ctx.budget
        if found is None:  # the budget is off: say what the hour holds, spending nothing
            found = await budget.peek(ctx.portal.db, ctx.user.id, ctx.portal.settings.points_per_hour)
        return RateLimitType.from_budget(found)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new API token; the answer holds the token itself, shown this once.")
    async def api_token_create(self, info: Info, input: ApiTokenCreateInput) -> ApiTokenCreateResult:
        ctx = info.context
        actor = ctx.actor
        new = api_tokens.NewToken(
            name=input.name,
            scopes=list(input.scopes),
            expires_at=input.expires_at,
            account_id=None if input.account_id is None else from_global_id(input.account_id, "Account"),
            account_given=input.account_id is not None,
        )

        def success(created: api_tokens.Created) -> ApiTokenCreateSuccess:
            user = ctx.user
            assert user is not None
            listed = api_tokens.Listed(created.token, user.name, user.email, mine=True)
            return ApiTokenCreateSuccess(api_token=ApiTokenType.from_listed(listed), token=created.secret)

        result: ApiTokenCreateResult = await run_step(api_tokens.create(ctx.portal.db, actor, new), success)
        return result

    @strawberry.mutation(
        description="Revoke a token of yours or of an account you administer; it stops at once."
    )
    async def api_token_revoke(self, info: Info, input: ApiTokenRevokeInput) -> ApiTokenRevokeResult:
        ctx = info.context
        step = api_tokens.revoke(ctx.portal.db, ctx.actor, from_global_id(input.token_id, "ApiToken"))

        def success(listed: api_tokens.Listed) -> ApiTokenRevokeSuccess:
            return ApiTokenRevokeSuccess(api_token=ApiTokenType.from_listed(listed))

        result: ApiTokenRevokeResult = await run_step(step, success)
        return result
