"""Pooled PostgreSQL connections: a broken one is replaced (ORM pool at checkout, driver pool on
first use); ORM reads run in autocommit."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import literal_column, select, text

from backend.db.driver import APPLICATION_NAME, DriverTransaction, Prepared
from backend.db.engine import Database
from backend.portal import Portal
from tests.api.flows import ACTIVATE, ALICE, account_id, get_a_key, sign_in
from tests.conftest import client_for
from tests.support import GraphQLClient

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


async def test_the_driver_pool_survives_its_connections_dying(pg_app: tuple[Any, Portal]) -> None:
    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        ready = await get_a_key(client, portal, account_id(me))
        key = ready["keys"][0]["activationKey"]

        async def activate(host: str) -> str:
            result = await client(ACTIVATE, {"input": {"activationKey": key, "hostId": host}})
            return str(result["activate"]["__typename"])

        assert await activate("host-a") == "ActivateSuccess"
        # Every connection of the driver pool dies, as on a database restart.
        async with portal.db.write() as session:
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            )
        assert killed
        # The next session lookup and activation are answered, on fresh connections.
        assert (await client("{ me { email } }"))["me"]["email"] == ALICE
        assert await activate("host-b") == "ActivateSuccess"


async def test_driver_work_runs_once_more_on_a_fresh_connection_after_a_lost_one(pg_url: str) -> None:
    db = Database(pg_url)
    one = Prepared(select(literal_column("1").label("x")))
    attempts: list[int] = []

    async def work(tx: DriverTransaction) -> int:
        attempts.append(1)
        if len(attempts) == 1:  # what a connection that died silently raises on its next use
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        row = await tx.one(one, {})
        assert row is not None
        return int(row["x"])

    async def always_lost(_tx: DriverTransaction) -> int:
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    try:
        assert await db.driver.run(work) == 1
        assert len(attempts) == 2
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):  # once more, not forever
            await db.driver.run(always_lost, transaction=False)
    finally:
        await db.dispose()
