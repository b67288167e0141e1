"""Sliding-window limits on failed attempts at guessable secrets, kept in the database so every
instance behind a load balancer sees the same count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared, as_driver_transaction, ids_match
from backend.db.models import RateLimitHit, utcnow


@cache
def _hits(dialect: str) -> Prepared:
    """Every bucket's hits in the window, in one statement (parameters `buckets`, `since`)."""
    return Prepared(
        select(func.count().label("hits"), func.min(RateLimitHit.at).label("oldest"))
        .where(ids_match(RateLimitHit.bucket, dialect, "buckets"), RateLimitHit.at > bindparam("since"))
        .group_by(RateLimitHit.bucket)
    )


async def retry_after(session: AsyncSession, buckets: Iterable[str], limit: tuple[int, int]) -> int:
    """Seconds until a new attempt is allowed in every bucket; 0 when none is over its limit."""
    return await retry_after_in(
        as_driver_transaction(session), session.get_bind().dialect.name, buckets, limit
    )


async def retry_after_in(
    tx: DriverTransaction, dialect: str, buckets: Iterable[str], limit: tuple[int, int]
) -> int:
    """retry_after() on the driver."""
    rows = await tx.all(_hits(dialect), _params(buckets, limit))
    return _wait([(row["hits"], row["oldest"]) for row in rows], limit)


def _params(buckets: Iterable[str], limit: tuple[int, int]) -> dict[str, Any]:
    return {"buckets": list(buckets), "since": utcnow() - timedelta(seconds=limit[1])}


def _wait(rows: list[tuple[Any, ...]], limit: tuple[int, int]) -> int:
    max_hits, window = limit
    wait = 0
    for count, oldest_counted in rows:
        if count >= max_hits and oldest_counted is not None:
            # Conservative: wait until the oldest hit in the window leaves it.
            seconds = int((oldest_counted + timedelta(seconds=window) - utcnow()).total_seconds()) + 1
            wait = max(wait, seconds)
    return wait


def hit(session: AsyncSession, buckets: Iterable[str], times: int = 1) -> None:
    now = utcnow()
    for bucket in buckets:
        session.add_all(RateLimitHit(bucket=bucket, at=now) for _ in range(times))
