"""Find anything: the header's search box."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain import search
from backend.schema.search import SearchHitType, hit_type


@strawberry.type
class Query:
    @strawberry.field(
        description="Licenses (by product, serial number, activation key, custom values), key requests "
        "holding a serial, and accounts you can act for, matching the term; at most `first` (≤ 20) of "
        "each kind. Nothing for fewer than two characters."
    )
    async def search(self, info: Info, query: str, first: int = 8) -> list[SearchHitType]:
        ctx = info.context
        return [hit_type(hit) for hit in await search.find(ctx.portal.db, ctx.actor, query, first)]
