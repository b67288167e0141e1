"""Start, run, cancel and expire bulk exports, and sign their download links.

One export runs per user: the row's `running_user_id` (unique) holds the user's id while the
export is CREATED or RUNNING, so of two starts at once exactly one inserts. The run is a job
(`bulk_export`) that pages the query through the GraphQL schema as the starting user — within the
API token's scopes captured at start — and streams JSONL into a file under the data directory;
each page's progress write also sees a cancel. Seven days after it completes a second job deletes
the file and marks the export EXPIRED; the link says the same expiry under an HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from graphql import GraphQLSchema
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.config import Settings
from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import BulkExport, BulkExportStatus, utcnow
from backend.domain import audit
from backend.domain.access import Actor
from backend.domain.bulk_exports.query import CURSOR, ID_ALIAS, PAGE_ALIAS, PARENT, Nested, Plan, plan
from backend.domain.errors import NotFoundError, RefusedError
from backend.events import EventBus
from backend.jobs import enqueue, renew_lease

log = logging.getLogger(__name__)
JOB = "bulk_export"
EXPIRE_JOB = "bulk_export_expire"
LINK_DAYS = 7
DOWNLOAD_PATH = "/api/bulk-exports"
ACTIVE = (BulkExportStatus.CREATED, BulkExportStatus.RUNNING)
MAX_PAGE = 100


class PageRunner(Protocol):
    """Runs one page of a bulk query through the GraphQL schema as the user, within the scopes;
    given by the layer that owns the schema (resolvers/bulk_exports.py)."""

    @property
    def schema(self) -> GraphQLSchema: ...

    async def __call__(
        self, user_id: uuid.UUID, scopes: frozenset[str] | None, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """The result's data; PageFailed with the first error's message."""


class PageFailed(Exception):
    pass


class BulkExportRunningError(RefusedError):
    """A second export while one runs: the message and `running_id` name the running one."""

    def __init__(self, running_id: uuid.UUID) -> None:
        super().__init__(
            "BULK_EXPORT_RUNNING",
            "One bulk export runs at a time: wait for the running one or cancel it.",
            "query",
        )
        self.running_id = running_id


class BulkExportNotCancelableError(RefusedError):
    def __init__(self, status: BulkExportStatus) -> None:
        super().__init__("NOT_CANCELABLE", f"The export is {status.value.lower()} already.", "id")


def topic(export_id: uuid.UUID) -> str:
    return f"bulkExport:{export_id}"


def file_path(settings: Settings, export_id: uuid.UUID) -> Path:
    return settings.data_dir / "bulk_exports" / f"{export_id}.jsonl"


# ---- start, read, cancel


async def start(db: Database, bus: EventBus, schema: GraphQLSchema, actor: Actor, text: str) -> BulkExport:
    """Check the query (InvalidInputError naming `query`), then the export row and its job in one
    transaction; BulkExportRunningError when the user has one running."""
    plan(schema, text)
    scopes = sorted(actor.scopes) if actor.scopes is not None else None
    row = BulkExport(
        id=uuid.uuid4(),
        user_id=actor.user_id,
        running_user_id=actor.user_id,
        query=text,
        scopes=scopes,
        status=BulkExportStatus.CREATED,
        object_count=0,
        created_at=utcnow(),
    )
    try:
        async with db.write() as session:
            session.add(row)
            await session.flush()
            tx = as_driver_transaction(session)
            await audit.record(tx, "bulk_export.started", actor=actor, target=("BulkExport", row.id))
            await enqueue(tx, bus, JOB, {"export_id": str(row.id)}, max_attempts=3)
    except IntegrityError:
        async with db.read() as session:
            running = await session.scalar(
                select(BulkExport.id).where(BulkExport.running_user_id == actor.user_id)
            )
        if running is None:  # it finished in between: the user may simply try again
            raise
        raise BulkExportRunningError(running) from None
    return row


async def get(db: Database, actor: Actor, export_id: uuid.UUID | None, field: str = "id") -> BulkExport:
    """The user's own export; another user's answers as unknown."""
    if export_id is not None:
        async with db.read() as session:
            row = await session.get(BulkExport, export_id)
        if row is not None and row.user_id == actor.user_id:
            return row
    raise NotFoundError(field, "bulk export")


@dataclass
class ExportPage:
    rows: list[BulkExport]
    has_next: bool


def _cursor(row: BulkExport) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def cursor_of(row: BulkExport) -> str:
    return _cursor(row)


async def listing(db: Database, actor: Actor, first: int, after: str | None) -> ExportPage:
    """The user's exports, newest first."""
    first = max(0, min(first, MAX_PAGE))
    query = select(BulkExport).where(BulkExport.user_id == actor.user_id)
    if after:
        try:
            created, last = base64.urlsafe_b64decode(after.encode()).decode().split("|")
            at, last_id = datetime.fromisoformat(created), uuid.UUID(last)
        except ValueError:
            raise NotFoundError("after", "cursor") from None
        query = query.where(
            (BulkExport.created_at < at) | ((BulkExport.created_at == at) & (BulkExport.id < last_id))
        )
    query = query.order_by(BulkExport.created_at.desc(), BulkExport.id.desc()).limit(first + 1)
    async with db.read() as session:
        rows = list(await session.scalars(query))
    return ExportPage(rows[:first], len(rows) > first)


async def cancel(db: Database, bus: EventBus, actor: Actor, export_id: uuid.UUID | None) -> BulkExport:
    row = await get(db, actor, export_id)
    async with db.write() as session:
        done = await session.execute(
            update(BulkExport)
            .where(BulkExport.id == row.id, BulkExport.status.in_(ACTIVE))
            .values(status=BulkExportStatus.CANCELED, running_user_id=None, completed_at=utcnow())
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise BulkExportNotCancelableError(row.status)
        tx = as_driver_transaction(session)
        await audit.record(tx, "bulk_export.canceled", actor=actor, target=("BulkExport", row.id))
        _publish_after_commit(tx, bus, row.id)
    return await get(db, actor, row.id)


def _publish_after_commit(tx: Any, bus: EventBus, export_id: uuid.UUID) -> None:
    async def publish() -> None:
        await bus.publish(topic(export_id))

    tx.after_commit(publish)


# ---- the run


def _line(node: dict[str, Any], parent: str | None) -> bytes:
    node.pop(ID_ALIAS, None)
    if parent is not None:
        node["__parentId"] = parent
    return json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _nodes(connection: Mapping[str, Any], uses_edges: bool) -> list[dict[str, Any]]:
    if uses_edges:
        return [edge["node"] for edge in connection.get("edges") or () if edge and edge.get("node")]
    return [node for node in connection.get("nodes") or () if node]


def _take(node: dict[str, Any], keys: list[str]) -> dict[str, Any] | None:
    """The nested connection at `keys`, removed from the node (its nodes get lines of their own)."""
    holder: Any = node
    for key in keys[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(holder, dict):
        return None
    found = holder.pop(keys[-1], None)
    return found if isinstance(found, dict) else None


class _Canceled(Exception):
    pass


async def _progress(db: Database, export_id: uuid.UUID, count: int, lease_seconds: int) -> None:
    """The count so far, and the job's lease renewed (an export outlasts a lease); _Canceled once
    the export is no longer RUNNING (canceled meanwhile)."""
    async with db.write() as session:
        done = await session.execute(
            update(BulkExport)
            .where(BulkExport.id == export_id, BulkExport.status == BulkExportStatus.RUNNING)
            .values(object_count=count)
        )
        await renew_lease(as_driver_transaction(session), lease_seconds)
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise _Canceled()


async def run(
    db: Database,
    bus: EventBus,
    settings: Settings,
    runner_of: Callable[[], PageRunner | None],
    payload: dict[str, Any],
) -> None:
    """The job: every page of the query into the export's file, then COMPLETED with the count."""
    export_id = uuid.UUID(payload["export_id"])
    async with db.write() as session:
        started = await session.execute(
            update(BulkExport)
            .where(BulkExport.id == export_id, BulkExport.status.in_(ACTIVE))
            .values(status=BulkExportStatus.RUNNING, object_count=0)
        )
        row = await session.get(BulkExport, export_id)
    if started.rowcount == 0 or row is None:  # type: ignore[attr-defined]
        return  # canceled before it ran
    await bus.publish(topic(export_id))
    scopes = frozenset(row.scopes) if row.scopes is not None else None
    runner = runner_of()
    if runner is None:
        raise RuntimeError("this process has no GraphQL schema to run bulk exports with")
    the_plan = plan(runner.schema, row.query)
    path = file_path(settings, export_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A file of its own per run: a run taken over (its worker seemed dead) never shares bytes with
    # the run that took over; the rename is atomic.
    partial = path.with_suffix(f".{uuid.uuid4().hex[:8]}.part")
    try:
        with partial.open("wb") as out:
            count = await _write(
                db, bus, the_plan, runner, row.user_id, scopes, export_id, out, settings.job_lease_seconds
            )
        os.replace(partial, path)
    except _Canceled:
        partial.unlink(missing_ok=True)
        return
    except PageFailed as failed:
        partial.unlink(missing_ok=True)
        await _end(db, bus, export_id, BulkExportStatus.FAILED, error=str(failed))
        return
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    expires = utcnow() + timedelta(days=LINK_DAYS)
    async with db.write() as session:
        done = await session.execute(
            update(BulkExport)
            .where(BulkExport.id == export_id, BulkExport.status == BulkExportStatus.RUNNING)
            .values(
                status=BulkExportStatus.COMPLETED,
                running_user_id=None,
                object_count=count,
                file_size=path.stat().st_size,
                completed_at=utcnow(),
                expires_at=expires,
            )
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            status = await session.scalar(select(BulkExport.status).where(BulkExport.id == export_id))
            if status == BulkExportStatus.CANCELED:  # canceled at the last moment
                path.unlink(missing_ok=True)
            return
        tx = as_driver_transaction(session)
        await enqueue(tx, bus, EXPIRE_JOB, {"export_id": str(export_id)}, run_after=expires)
        _publish_after_commit(tx, bus, export_id)


async def _write(
    db: Database,
    bus: EventBus,
    the_plan: Plan,
    runner: PageRunner,
    user_id: uuid.UUID,
    scopes: frozenset[str] | None,
    export_id: uuid.UUID,
    out: Any,
    lease_seconds: int,
) -> int:
    count = 0
    cursor: str | None = None
    pages = 0
    while True:
        data = await runner(user_id, scopes, the_plan.page_query, {CURSOR: cursor})
        connection = data.get(the_plan.root_key)
        if not isinstance(connection, dict):
            raise PageFailed(f"'{the_plan.root_key}' answered nothing: the account is unknown or not yours.")
        chunk: list[bytes] = []
        for node in _nodes(connection, the_plan.uses_edges):
            parent_id = node.get(ID_ALIAS)
            nested_found = [(n, _take(node, n.keys)) for n in the_plan.nested]
            chunk.append(_line(node, None))
            count += 1
            for nested, found in nested_found:
                if found is None:
                    continue
                count += await _children(runner, user_id, scopes, nested, found, parent_id, chunk)
        out.write(b"".join(chunk))
        pages += 1
        await _progress(db, export_id, count, lease_seconds)
        if pages % 10 == 0:
            await bus.publish(topic(export_id))
        info = connection.get(PAGE_ALIAS) or {}
        if not info.get("hasNextPage") or not info.get("endCursor"):
            return count
        cursor = info["endCursor"]


async def _children(
    runner: PageRunner,
    user_id: uuid.UUID,
    scopes: frozenset[str] | None,
    nested: Nested,
    connection: dict[str, Any],
    parent_id: str | None,
    chunk: list[bytes],
) -> int:
    """A nested connection's nodes as lines linked to the parent; further pages through node(id:)."""
    written = 0
    while True:
        uses_edges = "edges" in connection
        for child in _nodes(connection, uses_edges):
            chunk.append(_line(child, parent_id))
            written += 1
        info = connection.get(PAGE_ALIAS) or {}
        if not info.get("hasNextPage") or parent_id is None:
            return written
        data = await runner(
            user_id, scopes, nested.follow_up, {PARENT: parent_id, CURSOR: info.get("endCursor")}
        )
        holder: Any = data.get("node")
        for key in nested.keys:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(holder, dict):
            return written
        connection = holder


async def _end(
    db: Database, bus: EventBus, export_id: uuid.UUID, status: BulkExportStatus, error: str | None = None
) -> None:
    async with db.write() as session:
        await session.execute(
            update(BulkExport)
            .where(BulkExport.id == export_id, BulkExport.status.in_(ACTIVE))
            .values(status=status, running_user_id=None, error_message=error, completed_at=utcnow())
        )
        _publish_after_commit(as_driver_transaction(session), bus, export_id)


async def run_failed(db: Database, bus: EventBus, payload: dict[str, Any], error: str) -> None:
    """The job gave up (its last attempt raised): FAILED, so the user may start another."""
    log.warning("bulk export %s failed: %s", payload.get("export_id"), error)
    await _end(
        db, bus, uuid.UUID(payload["export_id"]), BulkExportStatus.FAILED, "The export failed; try again."
    )


async def expire(db: Database, bus: EventBus, settings: Settings, payload: dict[str, Any]) -> None:
    """Seven days on: the file is deleted and the export says EXPIRED."""
    export_id = uuid.UUID(payload["export_id"])
    file_path(settings, export_id).unlink(missing_ok=True)
    async with db.write() as session:
        await session.execute(
            update(BulkExport)
            .where(BulkExport.id == export_id, BulkExport.status == BulkExportStatus.COMPLETED)
            .values(status=BulkExportStatus.EXPIRED)
        )
        _publish_after_commit(as_driver_transaction(session), bus, export_id)


# ---- the download link


def _key(secret_key: str) -> bytes:
    # A key of its own, so no other HMAC the portal makes (CSRF, FileConnect links) passes as this.
    return hmac.new(secret_key.encode(), b"bulk-export-download-link", hashlib.sha256).digest()


def _signature(secret_key: str, export_id: uuid.UUID, user_id: uuid.UUID, expires: int) -> str:
    message = f"{export_id.hex}|{user_id.hex}|{expires}".encode()
    return hmac.new(_key(secret_key), message, hashlib.sha256).hexdigest()


def download_url(settings: Settings, row: BulkExport) -> str | None:
    """The signed link of a completed export, valid until it expires (seven days)."""
    if row.status != BulkExportStatus.COMPLETED or row.expires_at is None:
        return None
    expires = int(row.expires_at.timestamp())
    query = urlencode({"e": str(expires), "s": _signature(settings.secret_key, row.id, row.user_id, expires)})
    return f"{DOWNLOAD_PATH}/{row.id}.jsonl?{query}"


async def verified_file(
    db: Database, settings: Settings, export_text: str, params: Mapping[str, str], now: datetime | None = None
) -> tuple[BulkExport, Path] | None:
    """The export and its file when the link is right, unexpired and the file is there; None for
    anything else (tampered, expired, unknown — answered alike)."""
    try:
        export_id = uuid.UUID(export_text)
    except ValueError:
        return None
    expires_text, signature = params.get("e", ""), params.get("s", "")
    if not expires_text.isdigit() or len(expires_text) > 12:
        return None
    async with db.read() as session:
        row = await session.get(BulkExport, export_id)
    if row is None or row.status != BulkExportStatus.COMPLETED:
        return None
    expected = _signature(settings.secret_key, row.id, row.user_id, int(expires_text))
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    if int(expires_text) < (now or utcnow()).timestamp():
        return None
    path = file_path(settings, row.id)
    return (row, path) if path.exists() else None
