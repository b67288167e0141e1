"""The points budget: what each signed-in user may spend on GraphQL requests per clock hour, as
GitHub's API counts it (a request costs one point per started hundred nodes it may fetch, at
least one). One row per user and hour, raised by one conditional upsert, so every instance behind
a load balancer draws on the same budget and concurrent requests never overspend it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.db.driver import DriverTransaction, Prepared
from backend.db.engine import Database
from backend.db.models import RateBudget, utcnow

WINDOW = timedelta(hours=1)
NODES_PER_POINT = 100

_budgets = cast(Table, RateBudget.__table__)


def cost_of(nodes: int) -> int:
    """Points for a request that may fetch `nodes` nodes: one per started hundred, at least one."""
    return max(1, -(-nodes // NODES_PER_POINT))


@dataclass(frozen=True)
class Budget:
    limit: int
    cost: int
    used: int  # in this window, this request included when it was allowed
    reset_at: datetime
    allowed: bool

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def retry_after(self, now: datetime) -> int:
        return max(1, int((self.reset_at - now).total_seconds()) + 1)


def window_of(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


@cache
def _charge(dialect: str) -> Prepared:
    """Add `cost` to the user's window unless that passes `limit`; the new total, or no row."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_budgets).values(
        user_id=bindparam("user_id"), window_start=bindparam("window_start"), used=bindparam("cost")
    )
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[_budgets.c.user_id, _budgets.c.window_start],
            set_={"used": _budgets.c.used + statement.excluded.used},
            where=_budgets.c.used + statement.excluded.used <= bindparam("limit"),
        ).returning(_budgets.c.used)
    )


_USED = Prepared(
    select(_budgets.c.used).where(
        _budgets.c.user_id == bindparam("user_id"), _budgets.c.window_start == bindparam("window_start")
    )
)
_FORGET = Prepared(
    delete(_budgets).where(
        _budgets.c.user_id == bindparam("user_id"), _budgets.c.window_start < bindparam("window_start")
    )
)


async def charge(db: Database, user_id: uuid.UUID, cost: int, limit: int) -> Budget:
    """Spend `cost` points of the user's hour if they are left (allowed), else spend nothing."""
    now = utcnow()
    window = window_of(now)
    params: dict[str, Any] = {"user_id": user_id, "window_start": window, "cost": cost, "limit": limit}

    async def work(tx: DriverTransaction) -> Budget:
        row = await tx.one(_charge(tx.dialect), params) if cost <= limit else None
        if row is not None:
            used = int(row["used"])
            if used == cost:  # the hour's first request: the user's earlier hours are done with
                await tx.many(_FORGET, [params])
            return Budget(limit, cost, used, window + WINDOW, allowed=True)
        spent = await tx.one(_USED, params)
        return Budget(limit, cost, 0 if spent is None else int(spent["used"]), window + WINDOW, allowed=False)

    # One statement in autocommit on the common path: no BEGIN/COMMIT round trips per request.
    return await db.driver.run(work, transaction=False)


async def peek(db: Database, user_id: uuid.UUID, limit: int) -> Budget:
    """The user's budget now, spending nothing."""
    now = utcnow()
    window = window_of(now)

    async def work(tx: DriverTransaction) -> Budget:
        spent = await tx.one(_USED, {"user_id": user_id, "window_start": window})
        return Budget(limit, 0, 0 if spent is None else int(spent["used"]), window + WINDOW, allowed=True)

    return await db.driver.run(work, transaction=False)
