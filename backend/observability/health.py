"""/healthz: the process answers (nothing else: a load balancer must not restart every process
because the database is away). /readyz: this process can serve — the database answers, its schema
is at the migrations' head, and a worker is alive to run the jobs requests enqueue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from alembic.script import ScriptDirectory
from sqlalchemy import Table, func, select, text

from backend.db.engine import Database
from backend.db.migrate import alembic_config
from backend.db.models import WorkerHeartbeat, utcnow
from backend.jobs import Worker
from backend.observability.metrics import HEARTBEAT_FRESH

CHECK_TIMEOUT_SECONDS = 3.0
_beats = cast(Table, WorkerHeartbeat.__table__)


@cache
def _script(url: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(url))


def migrations_head(url: str) -> str | None:
    """The newest revision this code ships (it cannot change while the process runs)."""
    return _script(url).get_current_head()


def migrations_check(url: str, current: str | None) -> dict[str, Any]:
    """At the head: ready. Behind it (a revision this code knows, short of its head): not ready —
    run `portal migrate`. Ahead (a revision this code does not know): a rolling deploy migrated
    for the next release; migrations add before they remove, so this process keeps serving
    rather than take every old process out of rotation at once."""
    head = migrations_head(url)
    if current == head:
        return {"ok": True, "current": current, "head": head}
    known = True
    try:
        known = current is not None and _script(url).get_revision(current) is not None
    except Exception:  # alembic: "Can't locate revision"
        known = False
    if current is not None and not known:
        return {"ok": True, "current": current, "head": head, "ahead": True}
    return {"ok": False, "current": current, "head": head}


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, dict[str, Any]]


async def _database(db: Database, wanted_workers: int) -> dict[str, dict[str, Any]]:
    async with db.read() as session:
        await session.execute(text("SELECT 1"))
        checks: dict[str, dict[str, Any]] = {"database": {"ok": True}}
        current = await session.scalar(text("SELECT version_num FROM alembic_version"))
        checks["migrations"] = migrations_check(db.url, current)
        fresh = 0
        if wanted_workers:
            fresh = (
                await session.scalar(
                    select(func.count())
                    .select_from(_beats)
                    .where(_beats.c.seen_at >= utcnow() - HEARTBEAT_FRESH)
                )
                or 0
            )
        checks["workers"] = {"standalone": fresh}
    return checks


async def readiness(db: Database, worker: Worker | None, wanted_workers: int) -> Readiness:
    try:
        checks = await asyncio.wait_for(_database(db, wanted_workers), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # unreachable, timed out, or not migrated at all
        error = f"{type(exc).__name__}: {exc}"[:300]
        return Readiness(False, {"database": {"ok": False, "error": error}})
    workers = checks["workers"]
    in_process = worker is not None and worker.alive()
    workers["inProcess"] = in_process
    alive = workers["standalone"] + (1 if in_process else 0)
    workers["ok"] = alive >= wanted_workers
    workers["wanted"] = wanted_workers
    return Readiness(all(check["ok"] for check in checks.values()), checks)
