"""Races on a real PostgreSQL server: a serial is registered once, a key is signed once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.db.models import Job, JobStatus, License, LicenseKey, SerialStatus
from backend.domain.key_requests import FULFIL
from backend.portal import Portal
from tests.api.flows import (
    account_id,
    confirm,
    enter,
    new_serials,
    serial_status,
    set_registration,
    sign_in,
    start,
    wait_ready,
)
from tests.conftest import client_for
from tests.support import GraphQLClient

pytestmark = pytest.mark.pg


async def test_thirty_confirms_racing_for_one_serial_make_exactly_one_license(
    pg_app: tuple[Any, Portal],
) -> None:
    # given: thirty drafts, each holding the same serial, ready to confirm
    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        serial = (await new_serials(portal))[0]
        drafts = []
        for _ in range(30):
            draft = await start(client, account_id(me))
            await enter(client, draft["id"], [serial])
            await set_registration(client, draft["id"])
            drafts.append(draft["id"])

        # when: all confirm at once
        results = await asyncio.gather(
            *(confirm(client, kr, f"race-key-{i:04d}") for i, kr in enumerate(drafts))
        )

        # then
        winners = [r for r in results if r["__typename"] == "KeyRequestConfirmSuccess"]
        losers = [r for r in results if r["__typename"] == "SerialNumbersRejected"]
        assert len(winners) == 1 and len(losers) == 29
        assert {p["code"] for r in losers for p in r["problems"]} == {"ALREADY_REGISTERED"}
        await wait_ready(client, winners[0]["keyRequest"]["id"])
        async with portal.db.read() as session:
            assert await session.scalar(select(func.count()).select_from(License)) == 1
            assert await session.scalar(select(func.count()).select_from(LicenseKey)) == 1
        assert await serial_status(portal, serial) == SerialStatus.REGISTERED


async def test_concurrent_retries_of_one_confirm_return_one_result(pg_app: tuple[Any, Portal]) -> None:
    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        draft = await start(client, account_id(me))
        await enter(client, draft["id"], await new_serials(portal))
        await set_registration(client, draft["id"])
        results = await asyncio.gather(*(confirm(client, draft["id"], "double-click-key") for _ in range(10)))
        assert {r["__typename"] for r in results} == {"KeyRequestConfirmSuccess"}
        await wait_ready(client, draft["id"])
        async with portal.db.read() as session:
            assert await session.scalar(select(func.count()).select_from(License)) == 1


async def test_a_fulfillment_job_run_again_after_a_lost_lease_never_signs_twice(
    pg_app: tuple[Any, Portal],
) -> None:
    # given: a key request fulfilled once
    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        draft = await start(client, account_id(me))
        await enter(client, draft["id"], await new_serials(portal, count=3))
        await set_registration(client, draft["id"])
        await confirm(client, draft["id"])
        await wait_ready(client, draft["id"])

        # when: the job comes back as if its worker had died, and two workers pick it up at once
        async with portal.db.write() as session:
            await session.execute(
                update(Job).where(Job.kind == FULFIL).values(status=JobStatus.QUEUED, attempts=0)
            )
        assert portal.worker is not None
        await asyncio.gather(portal.worker.run_once(), portal.worker.run_once())

        # then
        async with portal.db.read() as session:
            assert await session.scalar(select(func.count()).select_from(LicenseKey)) == 3
            assert await session.scalar(select(Job.status).where(Job.kind == FULFIL)) == JobStatus.DONE
