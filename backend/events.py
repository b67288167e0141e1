"""Event bus: publish after commit, subscribe by topic.

In-process queues for SQLite (one process); PostgreSQL LISTEN/NOTIFY between instances, with the
payload carrying ids only (listeners read rows). Channels: `portal_events` for topics,
`portal_jobs` to wake workers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

log = logging.getLogger(__name__)
EVENTS_CHANNEL = "portal_events"
JOBS_CHANNEL = "portal_jobs"


class EventBus:
    """In-process bus; the base of the PostgreSQL one."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._job_listeners: list[Callable[[int | None], None]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, topic: str, message: str = "") -> None:
        self._deliver(topic, message)

    async def wake_workers(self, job_id: int | None = None) -> None:
        """A job was committed: hand it to this process's worker (by id)."""
        self._wake(job_id)

    def on_job(self, callback: Callable[[int | None], None]) -> None:
        self._job_listeners.append(callback)

    def _wake(self, job_id: int | None) -> None:
        for callback in self._job_listeners:
            callback(job_id)

    def _deliver(self, topic: str, message: str) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                del self._subscribers[topic]


class PostgresEventBus(EventBus):
    """Fan-out through LISTEN/NOTIFY so every instance's subscribers and workers hear every event."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self._dsn = dsn
        self._listen_conn: Any = None
        self._notify_conn: Any = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self._relisten: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._listen()
        self._notify_conn = await self._connect()

    async def _connect(self) -> Any:
        import asyncpg

        return await asyncpg.connect(self._dsn)

    async def _listen(self) -> None:
        conn = await self._connect()
        await conn.add_listener(EVENTS_CHANNEL, self._on_event)
        await conn.add_listener(JOBS_CHANNEL, self._on_job)
        conn.add_termination_listener(self._on_listen_lost)
        self._listen_conn = conn

    def _on_listen_lost(self, _conn: Any) -> None:
        """The database went away under the LISTEN connection (a restart, a failover): listen
        again once it is back, without anyone having to restart the portal."""
        if not self._stopping and (self._relisten is None or self._relisten.done()):
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                await self._listen()
            except Exception as exc:
                log.warning("event bus: LISTEN not back yet (%s: %s)", type(exc).__name__, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            log.info("event bus: listening again")
            self._wake(None)  # what was committed meanwhile: workers look now, not at their next poll
            return

    async def stop(self) -> None:
        self._stopping = True
        if self._relisten is not None:
            self._relisten.cancel()
        for conn in (self._listen_conn, self._notify_conn):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    def _on_event(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            self._deliver(data["t"], data.get("m", ""))
        except (ValueError, KeyError):
            log.warning("ignoring malformed event payload")

    def _on_job(self, _conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        self._wake(None)

    async def _notify(self, channel: str, payload: str) -> None:
        async with self._lock:
            if self._notify_conn.is_closed():  # lost with the database: connect again
                self._notify_conn = await self._connect()
            try:
                await self._notify_conn.execute("SELECT pg_notify($1, $2)", channel, payload)
            except Exception as exc:
                if not self._notify_conn.is_closed():
                    raise
                log.warning("event bus: NOTIFY connection lost (%s); connecting again", exc)
                self._notify_conn = await self._connect()
                await self._notify_conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def publish(self, topic: str, message: str = "") -> None:
        await self._notify(EVENTS_CHANNEL, json.dumps({"t": topic, "m": message}))

    async def wake_workers(self, job_id: int | None = None) -> None:
        """This process's worker runs the job if there is one (the others' polls catch it should
        this process die first); else every instance's workers are woken."""
        if self._job_listeners and job_id is not None:
            self._wake(job_id)
        else:
            await self._notify(JOBS_CHANNEL, "")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
