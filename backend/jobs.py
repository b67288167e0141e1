"""Durable job queue and worker.

Jobs live in the `jobs` table. A worker claims one with a single UPDATE … WHERE id = (SELECT …
FOR UPDATE SKIP LOCKED) that also sets a lease; a job whose worker died is claimed again when the
lease runs out, so handlers must be idempotent (fulfillment checks what it already signed and a
unique constraint backs it). A job is handed to this process's own worker right after its commit
(claimed by id, no NOTIFY, no search); without a local worker the event bus wakes the other
instances'. Every worker also polls once a second for leases, retries and jobs whose process died
before running them. A standalone worker (`portal worker`) writes a heartbeat row every few seconds;
an in-process worker's liveness is read from memory by its own web process (`Worker.alive`), so
the embedded mode writes nothing while idle. /readyz wants one or the other.

A job carries the id of the request that enqueued it, so the job's log lines join the request's.
On shutdown a worker claims nothing more and lets the jobs it is running finish (up to a grace
period; a job cut short is claimed again when its lease runs out)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, insert, or_, select, update

from backend.db.driver import DriverTransaction, Prepared
from backend.db.engine import Database
from backend.db.models import Job, JobStatus, WorkerHeartbeat, utcnow
from backend.events import EventBus
from backend.observability import context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    request_id: str | None = None


Handler = Callable[[dict[str, Any]], Awaitable[None]]
FailureHandler = Callable[[dict[str, Any], str], Awaitable[None]]
ClaimHandler = Callable[[DriverTransaction, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    run: Handler
    on_final_failure: FailureHandler | None = None
    # Runs in the claim's own transaction (e.g. to show that the work has started), so that state
    # costs no transaction of its own; it commits with the claim or not at all.
    on_claim: ClaimHandler | None = None


ENQUEUE = Prepared(
    insert(cast(Table, Job.__table__)).returning(Job.id),
    ["kind", "payload", "status", "attempts", "max_attempts", "run_after", "created_at", "request_id"],
)


async def enqueue(
    tx: DriverTransaction,
    bus: EventBus,
    kind: str,
    payload: dict[str, Any],
    *,
    max_attempts: int = 5,
    run_after: datetime | None = None,
) -> int:
    """A job in the caller's transaction; once that commits, a worker is woken for it."""
    now = utcnow()
    row = await tx.one(
        ENQUEUE,
        {
            "kind": kind,
            "payload": payload,
            "status": JobStatus.QUEUED,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_after": run_after or now,
            "created_at": now,
            "request_id": context.request_id.get(),
        },
    )
    assert row is not None
    job_id = int(row["id"])

    async def wake() -> None:
        await bus.wake_workers(job_id)

    tx.after_commit(wake)
    return job_id


_jobs = cast(Table, Job.__table__)
_READY = or_(
    and_(_jobs.c.status == JobStatus.QUEUED, _jobs.c.run_after <= bindparam("now")),
    and_(_jobs.c.status == JobStatus.RUNNING, _jobs.c.locked_until < bindparam("now")),
)
_ANY_READY = Prepared(select(_jobs.c.id).where(_READY).limit(1))


def _claim(which: ColumnElement[bool]) -> Prepared:
    return Prepared(
        update(_jobs)
        .where(which)
        .values(
            status=JobStatus.RUNNING, attempts=_jobs.c.attempts + 1, locked_until=bindparam("lease_until")
        )
        .returning(
            _jobs.c.id,
            _jobs.c.kind,
            _jobs.c.payload,
            _jobs.c.attempts,
            _jobs.c.max_attempts,
            _jobs.c.request_id,
        )
    )


CLAIM_NEXT = _claim(
    _jobs.c.id
    == select(_jobs.c.id)
    .where(_READY)
    .order_by(_jobs.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM_BY_ID = _claim(and_(_jobs.c.id == bindparam("job_id"), _READY))


async def claim(tx: DriverTransaction, lease_seconds: int, job_id: int | None = None) -> ClaimedJob | None:
    """The next ready job, or job `job_id` if it is still ready (another worker may have it)."""
    now = utcnow()
    params: dict[str, Any] = {"now": now, "lease_until": now + timedelta(seconds=lease_seconds)}
    if job_id is None:
        row = await tx.one(CLAIM_NEXT, params)
    else:
        row = await tx.one(_CLAIM_BY_ID, params | {"job_id": job_id})
    return None if row is None else ClaimedJob(**row)


@dataclass
class _Running:
    id: int
    finished: bool = False


_running: ContextVar[_Running | None] = ContextVar("running_job", default=None)


_DONE = Prepared(
    update(_jobs)
    .where(_jobs.c.id == bindparam("job_id"))
    .values(status=JobStatus.DONE, finished_at=bindparam("now"), locked_until=None)
)


async def finish(tx: DriverTransaction) -> None:
    """Mark the job being run DONE in the handler's own (last) transaction, so the job's effect and
    its completion commit together; the worker then skips its separate completion transaction."""
    running = _running.get()
    if running is None:  # called outside a worker (tests and the CLI run handlers directly)
        return
    await tx.one(_DONE, {"job_id": running.id, "now": utcnow()})
    running.finished = True


_RENEW = Prepared(
    update(_jobs)
    .where(_jobs.c.id == bindparam("job_id"), _jobs.c.status == JobStatus.RUNNING)
    .values(locked_until=bindparam("lease_until"))
)


async def renew_lease(tx: DriverTransaction, lease_seconds: int) -> None:
    """Keep the running job's lease for another `lease_seconds`: a long job (a bulk export) calls
    it as it makes progress, so no other worker takes the job over while it is alive."""
    running = _running.get()
    if running is None:  # called outside a worker (tests run handlers directly)
        return
    await tx.one(_RENEW, {"job_id": running.id, "lease_until": utcnow() + timedelta(seconds=lease_seconds)})


_FAILED = Prepared(
    update(_jobs)
    .where(_jobs.c.id == bindparam("job_id"))
    .values(
        status=bindparam("new_status", type_=_jobs.c.status.type),
        last_error=bindparam("error"),
        run_after=bindparam("retry_at"),
        locked_until=None,
        finished_at=bindparam("failed_at"),
    )
)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempts))


_beats = cast(Table, WorkerHeartbeat.__table__)
_BEAT = Prepared(
    update(_beats)
    .where(_beats.c.worker_id == bindparam("beating"))
    .values(seen_at=bindparam("now"))
    .returning(_beats.c.worker_id)
)
_FIRST_BEAT = Prepared(insert(_beats), ["worker_id", "started_at", "seen_at"])
_LAST_BEAT = Prepared(delete(_beats).where(_beats.c.worker_id == bindparam("beating")))
# A worker killed without its last beat leaves a row; rows this old are nobody's.
_FORGET = Prepared(delete(_beats).where(_beats.c.seen_at < bindparam("before")))
HEARTBEAT_SECONDS = 5.0


class Worker:
    """Runs jobs with `concurrency` loops in this process."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        kinds: Mapping[str, JobKind],
        *,
        concurrency: int,
        lease_seconds: int,
        grace_seconds: float = 25.0,
    ) -> None:
        self.db = db
        self.grace_seconds = grace_seconds
        self.worker_id = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.kinds = kinds
        self.lease_seconds = lease_seconds
        self.concurrency = concurrency
        # One permit per wake-up, so a wake that arrives while every loop is busy is kept; jobs
        # committed in this process wait in `_handed` to be claimed by id.
        self._wakes = asyncio.Semaphore(0)
        self._handed: deque[int] = deque()
        self._tasks: list[asyncio.Task[None]] = []
        self._heartbeat: asyncio.Task[None] | None = None
        self._last_turn = time.monotonic()
        self._running_jobs = 0
        self._stopping = False
        bus.on_job(self._wake)

    def _wake(self, job_id: int | None) -> None:
        if job_id is not None:
            self._handed.append(job_id)
        self._wakes.release()

    def start(self, *, heartbeat: bool = False) -> None:
        """Run the loops; with `heartbeat`, also say so in worker_heartbeats (standalone workers)."""
        self._tasks = [asyncio.create_task(self._loop(), name=f"worker-{i}") for i in range(self.concurrency)]
        if heartbeat:
            self._heartbeat = asyncio.create_task(self._beat(), name="worker-heartbeat")

    def alive(self, within: float = 30.0) -> bool:
        """Loops running, and one of them turned lately or is running a job (not wedged)."""
        if self._stopping or not self._tasks or all(task.done() for task in self._tasks):
            return False
        return self._running_jobs > 0 or time.monotonic() - self._last_turn < within

    async def stop(self) -> None:
        """Claim nothing more, let running jobs finish (at most grace_seconds), then stop."""
        self._stopping = True
        for _ in self._tasks:
            self._wakes.release()  # idle loops see _stopping at once
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=self.grace_seconds)
            if pending:
                log.warning(
                    "worker stopping: %d job(s) still running after %ss, cut short",
                    len(pending),
                    self.grace_seconds,
                )
            for task in pending:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            with contextlib.suppress(Exception):
                await self.db.driver.run(lambda tx: tx.one(_LAST_BEAT, {"beating": self.worker_id}))

    async def beat(self) -> None:
        """Say this worker is alive (one UPDATE; the first beat inserts its row)."""
        now = utcnow()

        async def write(tx: DriverTransaction) -> None:
            if await tx.one(_BEAT, {"beating": self.worker_id, "now": now}) is None:
                await tx.one(_FORGET, {"before": now - timedelta(days=1)})
                await tx.one(_FIRST_BEAT, {"worker_id": self.worker_id, "started_at": now, "seen_at": now})

        await self.db.driver.run(write)

    async def _beat(self) -> None:
        while True:
            try:
                await self.beat()
            except Exception as exc:  # the database away: keep trying, /readyz says so meanwhile
                log.warning("worker heartbeat failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _loop(self) -> None:
        while not self._stopping:
            self._last_turn = time.monotonic()
            woken = True
            try:
                await asyncio.wait_for(self._wakes.acquire(), timeout=1.0)
            except TimeoutError:
                woken = False
            try:
                if self._stopping:
                    break
                if woken and self._handed:
                    await self.run_once(self._handed.popleft())
                else:  # the once-a-second poll, or another instance's wake: run what is ready
                    while not self._stopping and await self.run_once():
                        pass
            except Exception:
                log.exception("worker loop error")

    async def run_once(self, job_id: int | None = None) -> bool:
        """Claim and run one job (the next ready one, or `job_id`); False when there was none."""
        db = self.db
        if job_id is None:
            # Look first with a plain read: an idle poll must not take SQLite's write lock every second.
            ready = await db.driver.run(lambda tx: tx.one(_ANY_READY, {"now": utcnow()}), transaction=False)
            if ready is None:
                return False

        async def take(tx: DriverTransaction) -> tuple[ClaimedJob, JobKind | None] | None:
            job = await claim(tx, self.lease_seconds, job_id)
            if job is None:
                return None
            kind = self.kinds.get(job.kind)
            if kind is not None and kind.on_claim is not None:
                await kind.on_claim(tx, job.payload)
            return job, kind

        taken = await db.driver.run(take)
        if taken is None:
            return False
        job, kind = taken
        # The job's log lines carry the enqueuing request's id; no user acts in a job.
        ids = (
            context.request_id.set(job.request_id),
            context.user_id.set(None),
            context.account_id.set(None),
        )
        self._running_jobs += 1
        try:
            return await self._run(job, kind)
        finally:
            self._running_jobs -= 1
            context.request_id.reset(ids[0])
            context.user_id.reset(ids[1])
            context.account_id.reset(ids[2])

    async def _run(self, job: ClaimedJob, kind: JobKind | None) -> bool:
        db = self.db
        log.info("job %s (%s) started, attempt %s", job.id, job.kind, job.attempts)
        running = _Running(job.id)
        token = _running.set(running)
        try:
            if kind is None:
                raise RuntimeError(f"no handler for job kind {job.kind!r}")
            await kind.run(job.payload)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            final = job.attempts >= job.max_attempts
            log.warning("job %s (%s) failed, attempt %s: %s", job.id, job.kind, job.attempts, error)
            failed = {
                "job_id": job.id,
                "new_status": JobStatus.FAILED if final else JobStatus.QUEUED,
                "error": error[:2000],
                "retry_at": utcnow() + _backoff(job.attempts),
                "failed_at": utcnow() if final else None,
            }
            await db.driver.run(lambda tx: tx.one(_FAILED, failed))
            if final and kind is not None and kind.on_final_failure is not None:
                await kind.on_final_failure(job.payload, error)
            return True
        finally:
            _running.reset(token)
        if not running.finished:
            done = {"job_id": job.id, "now": utcnow()}
            await db.driver.run(lambda tx: tx.one(_DONE, done))
        log.info("job %s (%s) done", job.id, job.kind)
        return True

    async def drain(self) -> int:
        """Run every ready job now (tests and the CLI); returns how many ran."""
        count = 0
        while await self.run_once():
            count += 1
        return count
