"""Reports: `report(accountId)`, the one way in (its fields are the aggregates, backend.schema.reports)."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.errors import NotFoundError
from backend.domain.reports import scope
from backend.schema.common import from_global_id
from backend.schema.reports import ReportType
from backend.scopes import REPORTS, needs_scope


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[needs_scope(REPORTS)],
        description="Reports over one account you may see, or — without accountId — over every customer account "
        "your partner accounts manage. Null for an account you cannot see.",
    )
    async def report(self, info: Info, account_id: strawberry.ID | None = None) -> ReportType | None:
        ctx = info.context
        chosen = account_id is not None
        try:
            decided = await scope.decide(
                ctx.portal.db,
                ctx.actor,
                from_global_id(account_id, "Account") if account_id is not None else None,
                chosen=chosen,
            )
        except NotFoundError:
            return None
        return ReportType(scope=decided)
