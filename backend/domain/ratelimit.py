"""Sliding-window limits on failed attempts at guessable secrets, kept in the database so every
instance behind a load balancer sees the same count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import RateLimitHit, utcnow


async def retry_after(session: AsyncSession, buckets: Iterable[str], limit: tuple[int, int]) -> int:
    """Seconds until a new attempt is allowed in every bucket; 0 when none is over its limit."""
    max_hits, window = limit
    since = utcnow() - timedelta(seconds=window)
    rows = await session.execute(  # every bucket in one statement
        select(RateLimitHit.bucket, func.count(), func.min(RateLimitHit.at))
        .where(RateLimitHit.bucket.in_(list(buckets)), RateLimitHit.at > since)
        .group_by(RateLimitHit.bucket)
    )
    wait = 0
    for _bucket, count, oldest_counted in rows:
        if count >= max_hits and oldest_counted is not None:
            # Conservative: wait until the oldest hit in the window leaves it.
            seconds = int((oldest_counted + timedelta(seconds=window) - utcnow()).total_seconds()) + 1
            wait = max(wait, seconds)
    return wait


def hit(session: AsyncSession, buckets: Iterable[str], times: int = 1) -> None:
    now = utcnow()
    for bucket in buckets:
        session.add_all(RateLimitHit(bucket=bucket, at=now) for _ in range(times))
