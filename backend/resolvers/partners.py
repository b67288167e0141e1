"""Partners: the customer accounts they manage."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.partners import managed as domain
from backend.schema.partners import ManagedAccountConnection, ManagedAccountFilter


@strawberry.type
class Query:
    @strawberry.field(
        description="Customer accounts your partner accounts hold an active delegation on, by name "
        "(first ≤ 100), with summaries and licenses — in the same number of statements for 1 or 100."
    )
    async def managed_accounts(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: ManagedAccountFilter | None = None,
    ) -> ManagedAccountConnection:
        user_id = info.context.actor.user_id
        async with info.context.loaders.session() as session:
            page = await domain.managed_accounts(
                session, user_id, first, after, filter.to_domain() if filter else domain.ManagedFilter()
            )
        return ManagedAccountConnection.from_page(page)
