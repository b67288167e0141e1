"""Pooled PostgreSQL connections: a broken one is replaced at checkout; reads run in autocommit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from backend.db.engine import Database

pytestmark = pytest.mark.pg


async def test_a_broken_pooled_connection_is_replaced_at_checkout(pg_url: str) -> None:
    db = Database(pg_url, pool_size=1)
    try:
        async with db.read() as session:
            conn = await session.connection()
            raw = await conn.get_raw_connection()
            first_pid = await session.scalar(text("SELECT pg_backend_pid()"))
            # The connection dies under the pool (as one left mid-operation by a cancelled request
            # would fail): the pool does not know yet.
            raw.driver_connection.terminate()
        async with db.write() as session:
            second_pid = await session.scalar(text("SELECT pg_backend_pid()"))
        assert second_pid != first_pid
    finally:
        await db.dispose()


async def test_reads_run_outside_a_transaction_and_writes_inside_one(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        async with db.read() as session:
            # Autocommit: each statement is a transaction of its own (no BEGIN/ROLLBACK round trips).
            first = await session.scalar(text("SELECT txid_current()"))
            assert await session.scalar(text("SELECT txid_current()")) != first
        async with db.write() as session:
            first = await session.scalar(text("SELECT txid_current()"))
            assert await session.scalar(text("SELECT txid_current()")) == first
    finally:
        await db.dispose()
