"""The raw floor under `activate`: backend/domain/activations.py's own statements and one Ed25519
signature, without HTTP, GraphQL or the ORM.

On PostgreSQL the statements are compiled once by SQLAlchemy to the SQL text the server receives and
then run straight through asyncpg (a pool of plain driver connections, one transaction per
activation): nothing but the driver between the bench and the database. On SQLite they run as
SQLAlchemy Core on a pooled connection (the driver there is a thread-bound sqlite3 behind
aiosqlite, which SQLAlchemy adds little to)."""

from __future__ import annotations

import enum
import json
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement

from backend.db.engine import Database
from backend.db.models import AuditEvent, KeyStatus, LicenseState, Locking, utcnow
from backend.domain import activations, audit
from backend.domain.pipeline import claims
from backend.portal import KeyStore
from bench.client import BenchError
from bench.runner import Flow, Sample

IP = "127.0.0.1"
AUDIT_INSERT = insert(cast(Table, AuditEvent.__table__))
AUDIT_COLUMNS = list(audit.values("x", account_id=None))


def _driver_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return json.dumps(value)
    return value


class _Compiled:
    """One statement as asyncpg receives it: its SQL text and the order of its parameters."""

    def __init__(self, statement: ClauseElement, column_keys: list[str] | None = None) -> None:
        compiled = statement.compile(dialect=asyncpg_dialect(), column_keys=column_keys)
        self.sql = str(compiled)
        self.names = list(compiled.positiontup or [])

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [_driver_value(params[name]) for name in self.names]


class ActivationFloor:
    def __init__(self, db: Database, secret_key: str, issuer: str, limit: tuple[int, int]) -> None:
        self.db = db
        self.keys = KeyStore(db, secret_key)
        self.portal_like: Any = SimpleNamespace(settings=SimpleNamespace(issuer=issuer))
        self.limit = limit
        self.pool: asyncpg.Pool | None = None
        self.statements = {
            "find": _Compiled(activations.FIND_KEY),
            "upsert_counted": _Compiled(activations.UPSERTS[("postgresql", True)]),
            "upsert": _Compiled(activations.UPSERTS[("postgresql", False)]),
            "audit": _Compiled(AUDIT_INSERT, AUDIT_COLUMNS),
        }

    @property
    def driver(self) -> str:
        return "sqlalchemy-core" if self.db.is_sqlite else "asyncpg"

    async def open(self) -> None:
        if not self.db.is_sqlite:
            url = make_url(self.db.url).set(drivername="postgresql").render_as_string(hide_password=False)
            self.pool = await asyncpg.create_pool(url, min_size=4, max_size=40)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    def flow(self) -> Flow:
        async def run(item: str) -> Sample:
            key, host = item.split("|", 1)
            began = time.perf_counter()
            await self.activate(key, host)
            done = time.perf_counter()
            return Sample(done_at=done, steps={"activate": done - began})

        return run

    async def activate(self, activation_key: str, host: str) -> str:
        signer = await self.keys.signer()
        now = utcnow()
        since = now - timedelta(seconds=self.limit[1])
        find = {"activation_key": activation_key, "bucket": f"activation:ip:{IP}", "since": since}
        if self.pool is not None:
            async with self.pool.acquire() as conn, conn.transaction():
                return await self._activate(self._on_asyncpg(conn), signer, find, host, now)
        async with self.db.engine.begin() as sa_conn:

            async def run(name: str, statement: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
                return (await sa_conn.execute(statement, params)).mappings().first()

            return await self._activate(run, signer, find, host, now)

    def _on_asyncpg(self, conn: asyncpg.Connection) -> Any:
        async def run(name: str, _statement: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
            compiled = self.statements[name]
            return await conn.fetchrow(compiled.sql, *compiled.args(params))  # type: ignore[no-any-return]

        return run

    async def _activate(self, run: Any, signer: Any, find: dict[str, Any], host: str, now: Any) -> str:
        """The branches of activations.activate(), statement for statement."""
        row = await run("find", activations.FIND_KEY, find)
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
        upsert = activations.UPSERTS[("sqlite" if self.db.is_sqlite else "postgresql", counted)]
        seen = await run("upsert_counted" if counted else "upsert", upsert, params)
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
        await run("audit", AUDIT_INSERT, event)
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
