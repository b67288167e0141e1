"""The points budget: what each signed-in user may spend on GraphQL requests per clock hour, as
GitHub's API counts it (a request costs one point per started hundred nodes it may fetch, at
least one). One row per user and hour, raised by a conditional upsert, so every instance behind
a load balancer draws on the same budget; each process writes a user's points in batches of a few
(charge())."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.db.driver import DriverTransaction, Prepared
from backend.db.engine import Database
from backend.db.models import RateBudget, utcnow

WINDOW = timedelta(hours=1)
NODES_PER_POINT = 100
# Points a process may gather for a user before it writes them (see charge()): 2 % of the
# default budget, one write per hundred small requests.
WRITE_EVERY = 100

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


@dataclass
class _Tab:
    """One user's hour as this process knows it: the database's total when last written (this
    process's points included then) and the points spent here since."""

    window: datetime
    written: int
    pending: int = 0


# Per process and database: what each user spent here that the database has not heard of yet.
_tabs: WeakKeyDictionary[Database, dict[uuid.UUID, _Tab]] = WeakKeyDictionary()


async def charge(db: Database, user_id: uuid.UUID, cost: int, limit: int) -> Budget:
    """Spend `cost` points of the user's hour if they are left (allowed), else spend nothing.

    The database hears of a user's points at their first request of the hour here, whenever
    WRITE_EVERY of them have gathered, and whenever this request might pass the limit — then the
    answer is exact. In between, one instance admits at most WRITE_EVERY points the others have
    not seen (and a crash forgets at most that many): the price of not writing on every request
    (decision record 0021 has the figures)."""
    now = utcnow()
    window = window_of(now)
    tabs = _tabs.setdefault(db, {})
    tab = tabs.get(user_id)
    if (
        tab is not None
        and tab.window == window
        and tab.pending + cost < WRITE_EVERY
        and tab.written + tab.pending + cost <= limit
    ):
        tab.pending += cost
        return Budget(limit, cost, tab.written + tab.pending, window + WINDOW, allowed=True)
    if tab is None or tab.window != window:
        tab = tabs[user_id] = _Tab(window, written=0)
    # What this process owes the database: written now, whether or not this request fits.
    owed, tab.pending = tab.pending, 0
    params: dict[str, Any] = {"user_id": user_id, "window_start": window, "limit": limit}

    async def work(tx: DriverTransaction) -> tuple[int, bool]:
        if cost <= limit:
            row = await tx.one(_charge(tx.dialect), {**params, "cost": owed + cost})
            if row is not None:
                if int(row["used"]) == owed + cost:  # the hour's first: earlier hours are done with
                    await tx.many(_FORGET, [params])
                return int(row["used"]), True
        if owed:  # refused: what was spent here still counts
            row = await tx.one(_charge(tx.dialect), {**params, "cost": owed, "limit": 2**31 - 1})
            assert row is not None
            return int(row["used"]), False
        spent = await tx.one(_USED, params)
        return (0 if spent is None else int(spent["used"])), False

    # One statement in autocommit on the common path: no BEGIN/COMMIT round trips.
    used, allowed = await db.driver.run(work, transaction=False)
    tab.written = max(tab.written, used)
    return Budget(limit, cost, tab.written + tab.pending, window + WINDOW, allowed=allowed)


async def peek(db: Database, user_id: uuid.UUID, limit: int) -> Budget:
    """The user's budget now, spending nothing."""
    now = utcnow()
    window = window_of(now)

    async def work(tx: DriverTransaction) -> Budget:
        spent = await tx.one(_USED, {"user_id": user_id, "window_start": window})
        return Budget(limit, 0, 0 if spent is None else int(spent["used"]), window + WINDOW, allowed=True)

    return await db.driver.run(work, transaction=False)
