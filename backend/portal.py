"""The running portal: settings, database, event bus, signing keys and the in-process worker —
and the one table that maps each job kind to its handler."""

from __future__ import annotations

import functools
from collections.abc import Callable

from backend.config import Settings
from backend.db.engine import Database
from backend.domain import mail
from backend.domain.bulk_exports import exports as bulk_exports
from backend.domain.flex import reminders as flex_reminders
from backend.domain.key_requests import fulfilment, pipeline
from backend.domain.licenses import reminders
from backend.events import EventBus, PostgresEventBus, asyncpg_dsn
from backend.jobs import JobKind, Worker
from backend.key_store import KeyStore


def job_kinds(
    db: Database,
    bus: EventBus,
    settings: Settings,
    key_store: KeyStore,
    bulk_runner: Callable[[], bulk_exports.PageRunner | None] = lambda: None,
) -> dict[str, JobKind]:
    """Every job kind and what runs it, given the services its handler uses."""
    return {
        pipeline.FULFIL: JobKind(
            run=functools.partial(fulfilment.fulfil, db, bus, settings, key_store),
            on_final_failure=functools.partial(fulfilment.fulfil_failed, db, bus),
            on_claim=fulfilment.mark_fulfilling,
        ),
        mail.SEND_EMAIL: JobKind(
            run=functools.partial(mail.send, db, settings),
            on_final_failure=functools.partial(mail.give_up, db),
        ),
        reminders.JOB: JobKind(run=functools.partial(reminders.daily, db, bus, settings)),
        flex_reminders.JOB: JobKind(run=functools.partial(flex_reminders.daily, db, bus, settings)),
        bulk_exports.JOB: JobKind(
            run=functools.partial(bulk_exports.run, db, bus, settings, bulk_runner),
            on_final_failure=functools.partial(bulk_exports.run_failed, db, bus),
        ),
        bulk_exports.EXPIRE_JOB: JobKind(run=functools.partial(bulk_exports.expire, db, bus, settings)),
    }


class Portal:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        self.bus: EventBus = (
            EventBus() if self.db.is_sqlite else PostgresEventBus(asyncpg_dsn(settings.database_url))
        )
        self.keys = KeyStore(self.db, settings.secret_key)
        # Runs bulk export pages through the GraphQL schema: set by whoever builds the schema
        # (create_app, `portal worker`), as the schema sits above the portal.
        self.bulk_runner: bulk_exports.PageRunner | None = None
        self.job_kinds = job_kinds(self.db, self.bus, settings, self.keys, lambda: self.bulk_runner)
        self.worker: Worker | None = None

    async def start(self, *, run_worker: bool) -> None:
        await self.bus.start()
        await self.keys.ensure()
        if run_worker:
            await reminders.ensure_scheduled(self.db, self.bus)
            await reminders.ensure_scheduled(self.db, self.bus, flex_reminders.JOB)
            self.worker = self.new_worker(1 if self.db.is_sqlite else self.settings.worker_concurrency)
            self.worker.start()

    def new_worker(self, concurrency: int = 1) -> Worker:
        """A worker for this portal's jobs (the in-process one, `portal worker`, tests)."""
        return Worker(
            self.db,
            self.bus,
            self.job_kinds,
            concurrency=concurrency,
            lease_seconds=self.settings.job_lease_seconds,
            grace_seconds=self.settings.shutdown_grace_seconds,
        )

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        await self.bus.stop()
        await self.db.dispose()
