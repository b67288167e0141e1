"""The raw floor under `activate`: backend/domain/activations.py's own activation
(`activate`: its statements and one Ed25519 signature), without HTTP or GraphQL.

It runs where the server runs it, on `Database.driver` (backend/db/driver.py): on PostgreSQL the
statements are compiled once to the SQL text the server receives and sent straight through asyncpg
(a pool of plain driver connections, one transaction per activation), nothing but the driver
between the bench and the database; on SQLite as SQLAlchemy Core on a pooled connection (the driver
there is a thread-bound sqlite3 behind aiosqlite, which SQLAlchemy adds little to)."""

from __future__ import annotations

import time

from backend.domain import activations
from backend.portal import Portal
from bench.client import BenchError
from bench.runner import Flow, Sample

IP = "127.0.0.1"


class ActivationFloor:
    """Runs `activations.activate` — the server's own activation in one driver transaction — on
    a Portal that is never started (no event bus, no worker)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    @property
    def driver(self) -> str:
        return "sqlalchemy-core" if self.portal.db.is_sqlite else "asyncpg"

    def flow(self) -> Flow:
        async def run(item: str) -> Sample:
            key, host = item.split("|", 1)
            began = time.perf_counter()
            await self.activate(key, host)
            done = time.perf_counter()
            return Sample(done_at=done, steps={"activate": done - began})

        return run

    async def activate(self, activation_key: str, host: str) -> str:
        portal = self.portal
        signer = await portal.keys.signer()
        outcome = await portal.db.driver.run(
            lambda tx: activations.activate(tx, portal.settings, signer, activation_key, host, IP)
        )
        if not isinstance(outcome, activations.Activated):
            raise BenchError("rate-limited" if outcome else "key not usable")
        return outcome.license_file
