"""Sliding-window limits on failed attempts at guessable secrets, kept in the database so every
instance behind a load balancer sees the same count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select

from backend.db.driver import DriverTransaction, Prepared, ids_match
from backend.db.models import RateLimitHit, utcnow


@cache
def _hits(dialect: str) -> Prepared:
    """Every bucket's hits in the window, in one statement (parameters `buckets`, `since`)."""
    return Prepared(
        select(
            func.count().label("hits"),
            func.min(RateLimitHit.at).label("oldest"),
            func.max(RateLimitHit.at).label("newest"),
        )
        .where(ids_match(RateLimitHit.bucket, dialect, "buckets"), RateLimitHit.at > bindparam("since"))
        .group_by(RateLimitHit.bucket)
    )


async def retry_after(tx: DriverTransaction, buckets: Iterable[str], limit: tuple[int, int]) -> int:
    """Seconds until a new attempt is allowed in every bucket; 0 when none is over its limit."""
    rows = await tx.all(_hits(tx.dialect), _params(buckets, limit))
    return _wait([(row["hits"], row["oldest"]) for row in rows], limit)


MAX_DELAY = 900  # seconds: the longest a back-off ever asks to wait


async def backoff(tx: DriverTransaction, limits: Iterable[tuple[str, tuple[int, int]]]) -> int:
    """Growing delays instead of a lock: past a bucket's free failures in its window, the next
    attempt waits 2, 4, 8 … seconds (at most MAX_DELAY) after the bucket's latest failure. The
    seconds to wait now (0: go ahead). `limits`: (bucket, (free failures, window seconds))."""
    wait = 0
    now = utcnow()
    for bucket, (free, window) in limits:
        rows = await tx.all(_hits(tx.dialect), _params([bucket], (free, window)))
        for row in rows:
            over = row["hits"] - free
            if over < 0 or row["newest"] is None:
                continue
            delay = min(MAX_DELAY, 2 ** min(over + 1, 20))
            wait = max(wait, int((row["newest"] + timedelta(seconds=delay) - now).total_seconds()) + 1)
    return max(0, wait)


async def allowance(tx: DriverTransaction, buckets: Iterable[str], limit: tuple[int, int]) -> tuple[int, int]:
    """For a step that counts many attempts at once: how many more failures every bucket allows
    now, and the seconds to wait once they are spent (until the oldest counted hit leaves the
    window; a whole window when there is none yet)."""
    rows = await tx.all(_hits(tx.dialect), _params(buckets, limit))
    max_hits, window = limit
    used = max((row["hits"] for row in rows), default=0)
    oldest = min((row["oldest"] for row in rows if row["oldest"] is not None), default=None)
    wait = (
        window if oldest is None else int((oldest + timedelta(seconds=window) - utcnow()).total_seconds()) + 1
    )
    return max(0, max_hits - used), max(1, wait)


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


_HIT = Prepared(insert(cast(Table, RateLimitHit.__table__)), ["bucket", "at"])


async def hit(tx: DriverTransaction, buckets: Iterable[str], times: int = 1) -> None:
    """Count `times` failed attempts in each bucket."""
    now = utcnow()
    await tx.many(_HIT, [{"bucket": bucket, "at": now} for bucket in buckets for _ in range(times)])
