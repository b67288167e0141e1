"""Enterprise Flexible draw-downs: 32 clients on one contract (one hot row) against 32 clients on
32 contracts, in-process through the same domain steps the API runs (start, cart, registration,
confirm, fulfilment), measured beside Get a Key's domain flow in the same run."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from backend.db.models import FlexOverage, FlexRole, Membership, Role, utcnow
from backend.domain.access import Actor
from backend.domain.flex import contracts, drawdown
from backend.domain.key_requests import doors
from backend.jobs import Worker
from backend.portal import Portal
from bench import documents
from bench.runner import Flow, Sample
from bench.world import BenchUser

SKU = "EPS-15"
POINTS = 10**9  # never the limit: the bench measures the path, not the refusal
IP = "127.0.0.1"


async def _contract(portal: Portal, account_id: uuid.UUID, label: str) -> uuid.UUID:
    today = utcnow().date()
    contract = await contracts.create(
        portal.db,
        None,
        contracts.NewContract(
            account_id,
            f"EF-BENCH-{label}-{uuid.uuid4().hex[:6].upper()}",
            today - timedelta(days=1),
            today + timedelta(days=1000),
            POINTS,
            FlexOverage.HARD,
        ),
    )
    product_id = await contracts.product_id_by_sku(portal.db, SKU)
    await contracts.set_catalog_price(portal.db, None, contract.id, product_id, 1)
    return contract.id


async def spread(portal: Portal, users: list[BenchUser]) -> list[uuid.UUID]:
    """One contract per user, on the user's own account (the user is its super user)."""
    return [await _contract(portal, user.account_id, "SPREAD") for user in users]


async def hot(portal: Portal, users: list[BenchUser]) -> list[uuid.UUID]:
    """One contract on the first user's account; every other user a member with a contract role."""
    owner = users[0]
    contract_id = await _contract(portal, owner.account_id, "HOT")
    async with portal.db.write() as session:
        for user in users[1:]:
            session.add(Membership(user_id=user.user_id, account_id=owner.account_id, role=Role.MEMBER))
    for user in users[1:]:
        await contracts.grant_role(portal.db, contract_id, user.user_id, FlexRole.CONTRACT_USER)
    return [contract_id] * len(users)


def flow(
    portal: Portal, worker: Worker, user: BenchUser, contract_id: uuid.UUID, product_id: uuid.UUID
) -> Flow:
    actor = Actor(user.user_id, IP)
    settings = portal.settings

    async def run(_token: str) -> Sample:
        began = time.perf_counter()
        request = await drawdown.start(portal.db, actor, contract_id)
        await drawdown.set_items(portal.db, portal.bus, settings, actor, request.id, [(product_id, 1)])
        await doors.set_registration(
            portal.db, portal.bus, settings, actor, request.id, documents.REGISTRATION, None
        )
        confirm_at = time.perf_counter()
        await doors.confirm(portal.db, portal.bus, settings, actor, request.id, uuid.uuid4().hex)
        await worker.run_once()
        done = time.perf_counter()
        return Sample(done_at=done, steps={"whole_flow": done - began, "confirm_to_ready": done - confirm_at})

    return run


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        "Enterprise Flexible draw-downs, 32 in-process clients (domain steps + fulfilment)",
        "| database | Get a Key keys/s | spread (32 contracts) /s | hot (1 contract) /s | hot/spread | spread/Get a Key |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        flex = result.get("flex")
        if not flex:
            continue
        lines.append(
            f"| {result['database']} | {flex['getakey']['keys_per_s']:.1f} | {flex['spread']['keys_per_s']:.1f} "
            f"| {flex['hot']['keys_per_s']:.1f} | {flex['ratios']['hot_over_spread']:.2f} "
            f"| {flex['ratios']['spread_over_getakey']:.2f} |"
        )
    return "\n".join(lines)
