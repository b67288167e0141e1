"""Find anything: the header search box's hits. A hit shows what it points at as its own type
(license, key request, account), so the client opens it where it always does."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain import search
from backend.domain.key_requests import pipeline
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.key_requests import KeyRequestType
from backend.schema.licenses import LicenseType

strawberry.enum(
    search.HitKind,
    name="SearchHitKind",
    description="LICENSE: by product, custom values…; SERIAL / ACTIVATION_KEY: a license by its serial "
    "number or key; KEY_REQUEST: a request holding the serial; ACCOUNT: an account you can act for.",
)


@strawberry.type(name="SearchHit")
class SearchHitType:
    kind: search.HitKind
    title: str
    detail: str
    hit: strawberry.Private[search.Hit]

    @strawberry.field
    async def license(self, info: Info) -> LicenseType | None:
        if self.hit.license_id is None:
            return None
        return LicenseType.from_model(await info.context.loaders.license.load(self.hit.license_id))

    @strawberry.field
    async def key_request(self, info: Info) -> KeyRequestType | None:
        if self.hit.key_request_id is None:
            return None
        portal = info.context.portal
        row = await pipeline.view(portal.db, info.context.actor, self.hit.key_request_id)
        return None if row is None else KeyRequestType.from_model(row, portal.settings.draft_ttl_days)

    @strawberry.field
    async def account(self, info: Info) -> AccountRef | None:
        if self.hit.account_id is None:
            return None
        return AccountRow.from_model(await info.context.loaders.account.load(self.hit.account_id))


def hit_type(hit: search.Hit) -> SearchHitType:
    return SearchHitType(kind=hit.kind, title=hit.title, detail=hit.detail, hit=hit)
