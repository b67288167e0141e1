"""Races on a real PostgreSQL server: a serial is registered once, a key is signed once."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.db.driver import as_driver_transaction
from backend.db.models import Job, JobStatus, License, LicenseKey, SerialStatus
from backend.domain.key_requests.pipeline import FULFIL
from backend.jobs import JobKind, finish
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
from tests.support import GraphQLClient, eventually

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


async def test_twenty_upgrade_confirms_never_upgrade_more_seats_than_eligible(
    pg_app: tuple[Any, Portal],
) -> None:
    # given: a 10-seat license, a notification, and twenty drafts each asking for 3 seats
    from backend.domain.key_requests.upgrades import notify
    from tests.api.test_upgrades import select_product, set_quantity, upgrade_confirm, upgrade_start
    from tests.api.test_upgrades import set_registration as upgrade_registration

    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        acc = account_id(me)
        from tests.api.flows import get_a_key

        license_id = (await get_a_key(client, portal, acc))["licenses"][0]["id"]
        code = (await notify(portal.db, portal.bus, portal.settings, "EPS-14", "EPS-15"))[0].notification.code
        drafts = []
        for _ in range(20):
            kr = (await upgrade_start(client, acc, code))["keyRequest"]["id"]
            await select_product(client, kr, license_id)
            await set_quantity(client, kr, 3)
            await upgrade_registration(client, kr)
            drafts.append(kr)

        # when
        results = await asyncio.gather(
            *(upgrade_confirm(client, kr, f"upgrade-race-{i:03d}") for i, kr in enumerate(drafts))
        )

        # then: three confirms fit (9 of 10 seats); the rest are refused
        won = [r for r in results if r["__typename"] == "UpgradeRequestConfirmSuccess"]
        assert len(won) == 3
        assert {r["code"] for r in results if r["__typename"] != "UpgradeRequestConfirmSuccess"} == {
            "QUANTITY_EXCEEDED"
        }
        for r in won:
            await wait_ready(client, r["keyRequest"]["id"])
        async with portal.db.read() as session:
            from backend.db.models import Product, UpgradeLine

            line = await session.scalar(select(UpgradeLine))
            assert line is not None and line.upgraded_quantity == 9
            eps15 = await session.scalar(select(Product.id).where(Product.sku == "EPS-15"))
            seats = await session.scalar(
                select(func.sum(License.quantity)).where(License.product_id == eps15)
            )
            assert seats == 9


async def test_racing_activations_never_overdraw_seats(pg_app: tuple[Any, Portal]) -> None:
    from tests.api.test_rehost_activation import activate

    app, portal = pg_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        me = await sign_in(client)
        draft = await start(client, account_id(me))
        await enter(client, draft["id"], await new_serials(portal, quantity=5))
        await set_registration(client, draft["id"])
        await confirm(client, draft["id"])
        key = (await wait_ready(client, draft["id"]))["keys"][0]["activationKey"]
        results = await asyncio.gather(*(activate(client, key, f"host-{i:02d}") for i in range(25)))
        assert sum(r["__typename"] == "ActivateSuccess" for r in results) == 5
        assert {r["code"] for r in results if r["__typename"] != "ActivateSuccess"} == {"SEATS_EXHAUSTED"}


RUNS: list[str] = []


async def _record_run(payload: dict[str, Any]) -> None:
    RUNS.append(payload["name"])


async def test_a_job_is_claimed_once_by_id_and_one_nobody_was_told_about_is_polled(
    pg_app: tuple[Any, Portal],
) -> None:
    _app, portal = pg_app
    assert portal.worker is not None
    RUNS.clear()
    portal.job_kinds["test_record_run"] = JobKind(run=_record_run)
    # A job committed with no wake-up at all (as if its process died right after the commit) is
    # found by the workers' poll.
    async with portal.db.write() as session:
        session.add(Job(kind="test_record_run", payload={"name": "orphan"}))

    async def orphan_ran() -> bool:
        # Ran and recorded DONE: stopping the loops before that would leave it RUNNING (until its
        # lease ran out).
        async with portal.db.read() as session:
            status = await session.scalar(select(Job.status).where(Job.kind == "test_record_run"))
        return RUNS == ["orphan"] and status == JobStatus.DONE

    await eventually(orphan_ran, timeout=10)
    # Two claims of one job by its id, at once: it runs once. (The loops are stopped so their
    # poll cannot take it first.)
    await portal.worker.stop()
    async with portal.db.write() as session:
        job = Job(kind="test_record_run", payload={"name": "twice"})
        session.add(job)
    worker = portal.new_worker()
    ran = await asyncio.gather(worker.run_once(job.id), worker.run_once(job.id))
    assert sorted(ran) == [False, True]
    assert RUNS == ["orphan", "twice"]
    async with portal.db.read() as session:
        assert set(await session.scalars(select(Job.status).where(Job.kind == "test_record_run"))) == {
            JobStatus.DONE
        }


FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


async def _finish_then_fail(portal: Portal, payload: dict[str, Any]) -> None:
    async with portal.db.write() as session:
        session.add(Job(kind="test_record_run", payload={"name": "effect"}, run_after=FAR_FUTURE))
        await finish(as_driver_transaction(session))
        if payload["fail"]:
            raise RuntimeError("the handler's transaction fails after finishing the job")


async def test_a_job_finished_in_its_handlers_transaction_commits_or_rolls_back_with_it(
    pg_app: tuple[Any, Portal],
) -> None:
    _app, portal = pg_app
    assert portal.worker is not None
    await portal.worker.stop()
    portal.job_kinds["test_finish_then_fail"] = JobKind(run=functools.partial(_finish_then_fail, portal))
    worker = portal.new_worker()
    async with portal.db.write() as session:
        failing = Job(kind="test_finish_then_fail", payload={"fail": True})
        passing = Job(kind="test_finish_then_fail", payload={"fail": False})
        session.add_all([failing, passing])
    assert await worker.run_once(failing.id) and await worker.run_once(passing.id)
    async with portal.db.read() as session:
        statuses = dict(
            (
                await session.execute(select(Job.id, Job.status).where(Job.id.in_([failing.id, passing.id])))
            ).all()
        )
        effects = await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == "test_record_run", Job.run_after == FAR_FUTURE)
        )
    assert statuses == {failing.id: JobStatus.QUEUED, passing.id: JobStatus.DONE}  # the failure is retried
    assert effects == 1  # only the passing handler's effect committed
