"""API tokens (shown once at creation, then by their prefix) and the caller's points budget."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.budget import Budget
from backend.domain.tokens import api_tokens
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.common import InvalidInput, NotFound, to_global_id

SCOPE_DESCRIPTIONS = {
    "licenses:read": "Read licenses, their keys, custom values and support registrations.",
    "reports:read": "Run the reports and download them as CSV.",
    "key_requests:write": "Get keys: start, fill in and confirm key, upgrade and re-host requests.",
    "partners:read": "Read the customer accounts your partner accounts manage.",
    "downloads:read": "List and download the software you are entitled to (FileConnect).",
}
assert set(SCOPE_DESCRIPTIONS) == set(api_tokens.SCOPES)


@strawberry.type(name="ApiTokenScope", description="A scope a token can be given.")
class ApiTokenScopeType:
    name: str
    description: str


@strawberry.type(
    name="ApiToken",
    description="A personal access token: it acts as its owner, narrowed to its scopes. The secret "
    "is shown once, at creation; lists show its first characters (prefix).",
)
class ApiTokenType:
    id: strawberry.ID
    name: str
    scopes: list[str]
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    last_used_ip: str | None = strawberry.field(description="The client address of the last use.")
    expired: bool
    owner_name: str
    owner_email: str
    mine: bool = strawberry.field(description="Made by you (else: by someone on an account you administer).")
    row: strawberry.Private[models.ApiToken]

    @strawberry.field(description="The account the token was made for (its admins oversee it), if any.")
    async def account(self, info: Info) -> AccountRef | None:
        if self.row.account_id is None:
            return None
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.account_id))

    @classmethod
    def from_listed(cls, listed: api_tokens.Listed) -> ApiTokenType:
        token = listed.token
        return cls(
            id=to_global_id("ApiToken", token.id),
            name=token.name,
            scopes=list(token.scopes),
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            last_used_ip=token.last_used_ip,
            expired=token.expires_at <= models.utcnow(),
            owner_name=listed.owner_name,
            owner_email=listed.owner_email,
            mine=listed.mine,
            row=token,
        )


@strawberry.input(name="ApiTokenCreateInput")
class ApiTokenCreateInput:
    name: str
    scopes: list[str] = strawberry.field(description="From apiTokenScopes, e.g. licenses:read.")
    expires_at: datetime = strawberry.field(description="At most a year from now.")
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="An account you belong to: its admins then see and may revoke the token."
    )


@strawberry.type(name="ApiTokenCreateSuccess")
class ApiTokenCreateSuccess:
    api_token: ApiTokenType
    token: str = strawberry.field(description="The whole token (lp_…): shown this once, never again.")


ApiTokenCreateResult = Annotated[
    ApiTokenCreateSuccess | InvalidInput, strawberry.union("ApiTokenCreateResult")
]


@strawberry.input(name="ApiTokenRevokeInput")
class ApiTokenRevokeInput:
    token_id: strawberry.ID


@strawberry.type(name="ApiTokenRevokeSuccess")
class ApiTokenRevokeSuccess:
    api_token: ApiTokenType


ApiTokenRevokeResult = Annotated[ApiTokenRevokeSuccess | NotFound, strawberry.union("ApiTokenRevokeResult")]


@strawberry.type(
    name="RateLimit",
    description="Your points budget for this clock hour: each request costs one point per started "
    "hundred nodes it may fetch (page sizes multiplied down each path), at least one.",
)
class RateLimitType:
    limit: int = strawberry.field(description="Points per hour.")
    cost: int = strawberry.field(description="What this request cost.")
    remaining: int
    used: int
    reset_at: datetime = strawberry.field(description="When the budget is full again.")

    @classmethod
    def from_budget(cls, found: Budget) -> RateLimitType:
        return cls(
            limit=found.limit,
            cost=found.cost,
            remaining=found.remaining,
            used=found.used,
            reset_at=found.reset_at,
        )
