"""Durable job queue and worker.

Jobs live in the `jobs` table. A worker claims one with a single UPDATE … WHERE id = (SELECT …
FOR UPDATE SKIP LOCKED) that also sets a lease; a job whose worker died is claimed again when the
lease runs out, so handlers must be idempotent (fulfillment checks what it already signed and a
unique constraint backs it). Workers are woken through the event bus right after a commit and
poll once a second for leases and retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.engine import after_commit
from backend.db.models import Job, JobStatus, utcnow

if TYPE_CHECKING:
    from backend.portal import Portal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


Handler = Callable[["Portal", dict[str, Any]], Awaitable[None]]
FailureHandler = Callable[["Portal", dict[str, Any], str], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    run: Handler
    on_final_failure: FailureHandler | None = None


HANDLERS: dict[str, JobKind] = {}


def job_handler(kind: str, on_final_failure: FailureHandler | None = None) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = JobKind(func, on_final_failure)
        return func

    return register


def enqueue(
    session: AsyncSession,
    wake: Callable[[], Awaitable[None]],
    kind: str,
    payload: dict[str, Any],
    **options: Any,
) -> Job:
    job = Job(kind=kind, payload=payload, **options)
    session.add(job)
    after_commit(session, wake)
    return job


def _ready(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),
    )


async def any_ready(session: AsyncSession) -> bool:
    return await session.scalar(select(Job.id).where(_ready(utcnow())).limit(1)) is not None


async def claim(session: AsyncSession, lease_seconds: int) -> ClaimedJob | None:
    now = utcnow()
    ready = _ready(now)
    next_id = select(Job.id).where(ready).order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    row = (
        await session.execute(
            update(Job)
            .where(Job.id == next_id.scalar_subquery())
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                locked_until=now + timedelta(seconds=lease_seconds),
            )
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
        )
    ).first()
    return ClaimedJob(*row) if row else None


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempts))


class Worker:
    """Runs jobs with `concurrency` loops in this process."""

    def __init__(self, portal: Portal, concurrency: int) -> None:
        self.portal = portal
        self.concurrency = concurrency
        # One permit per "a job was enqueued": wakes one loop per job, and a wake that arrives
        # while the loops are busy is kept, not lost.
        self._wakes = asyncio.Semaphore(0)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        portal.bus.on_job(self._wakes.release)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(), name=f"worker-{i}") for i in range(self.concurrency)]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("worker loop error")
                ran = False
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakes.acquire(), timeout=1.0)

    async def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        db = self.portal.db
        # Look first with a plain read: an idle poll must not take SQLite's write lock every second.
        async with db.read() as session:
            if not await any_ready(session):
                return False
        async with db.write() as session:
            job = await claim(session, self.portal.settings.job_lease_seconds)
        if job is None:
            return False
        kind = HANDLERS.get(job.kind)
        try:
            if kind is None:
                raise RuntimeError(f"no handler for job kind {job.kind!r}")
            await kind.run(self.portal, job.payload)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            final = job.attempts >= job.max_attempts
            log.warning("job %s (%s) failed, attempt %s: %s", job.id, job.kind, job.attempts, error)
            async with db.write() as session:
                await session.execute(
                    update(Job)
                    .where(Job.id == job.id)
                    .values(
                        status=JobStatus.FAILED if final else JobStatus.QUEUED,
                        last_error=error[:2000],
                        run_after=utcnow() + _backoff(job.attempts),
                        locked_until=None,
                        finished_at=utcnow() if final else None,
                    )
                )
            if final and kind is not None and kind.on_final_failure is not None:
                await kind.on_final_failure(self.portal, job.payload, error)
            return True
        async with db.write() as session:
            await session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(status=JobStatus.DONE, finished_at=utcnow(), locked_until=None)
            )
        return True

    async def drain(self) -> int:
        """Run every ready job now (tests and the CLI); returns how many ran."""
        count = 0
        while await self.run_once():
            count += 1
        return count
