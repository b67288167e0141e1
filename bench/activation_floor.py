"""The raw floor under `activate`: backend/domain/activations.py's own statements and one Ed25519
signature, without HTTP or GraphQL.

The statements run where the server runs them, on `Database.driver` (backend/db/driver.py): on
PostgreSQL compiled once to the SQL text the server receives and sent straight through asyncpg (a
pool of plain driver connections, one transaction per activation), nothing but the driver between
the bench and the database; on SQLite as SQLAlchemy Core on a pooled connection (the driver there
is a thread-bound sqlite3 behind aiosqlite, which SQLAlchemy adds little to)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from backend.db.driver import DriverTransaction
from backend.db.engine import Database
from backend.db.models import KeyStatus, LicenseState, Locking, utcnow
from backend.domain import activations, audit
from backend.domain.pipeline import claims
from backend.portal import KeyStore
from bench.client import BenchError
from bench.runner import Flow, Sample

IP = "127.0.0.1"


class ActivationFloor:
    def __init__(self, db: Database, secret_key: str, issuer: str, limit: tuple[int, int]) -> None:
        self.db = db
        self.keys = KeyStore(db, secret_key)
        self.portal_like: Any = SimpleNamespace(settings=SimpleNamespace(issuer=issuer))
        self.limit = limit

    @property
    def driver(self) -> str:
        return "sqlalchemy-core" if self.db.is_sqlite else "asyncpg"

    def flow(self) -> Flow:
        async def run(item: str) -> Sample:
            key, host = item.split("|", 1)
            began = time.perf_counter()
            await self.activate(key, host)
            done = time.perf_counter()
            return Sample(done_at=done, steps={"activate": done - began})

        return run

    async def activate(self, activation_key: str, host: str) -> str:
        """The branches of activations.activate(), statement for statement."""
        signer = await self.keys.signer()
        now = utcnow()
        since = now - timedelta(seconds=self.limit[1])

        async def attempt(tx: DriverTransaction) -> str:
            find = {"activation_key": activation_key, "bucket": f"activation:ip:{IP}", "since": since}
            row = await tx.one(activations.FIND_KEY, find)
            if row is None or row["failures"] >= self.limit[0]:
                raise BenchError("invalid key or rate-limited")
            if row["status"] != KeyStatus.ACTIVE:
                raise BenchError("key not active")
            if row["state"] != LicenseState.CURRENT:
                raise BenchError("license not current")
            params = {
                "id": uuid.uuid4(),
                "license_id": row["license_id"],
                "key_id": row["key_id"],
                "host": host,
                "now": now,
                "quantity": row["quantity"],
            }
            counted = row["locking"] == Locking.NONE
            seen = await tx.one(activations.UPSERTS[(self.db.dialect, counted)], params)
            if seen is None:
                raise BenchError("seats exhausted")
            event = audit.values(
                "license.activate",
                account_id=row["account_id"],
                target=("License", row["license_id"]),
                host=host,
                key=str(row["key_id"]),
                ip=IP,
                again=seen["first_seen_at"] != now,
            )
            await tx.one(activations.AUDIT_INSERT, event)
            return str(
                signer.sign(
                    claims(
                        self.portal_like,
                        license_id=row["license_id"],
                        key_id=row["key_id"],
                        sku=row["sku"],
                        version=row["version"],
                        license_model=row["license_model"],
                        quantity=row["quantity"],
                        maintenance_until=row["maintenance_until"],
                        host=host,
                    )
                )
            )

        return await self.db.driver.run(attempt)
