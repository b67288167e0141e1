"""Product activation and the Version Upgrade wizard, over HTTP against `portal serve`.

* activations: signed-out clients call `activate(input: {activationKey, hostId})`, each call a new
  host on one of many licenses (a seat is taken), or the same host again (the idempotent path).
  Its raw floor is bench/activation_floor.py.
* upgrades: signed-in clients run upgradeRequestStart → SelectProduct → SetQuantity (1 seat) →
  SetRegistration → subscribe → Confirm → the READY frame, each on a notification of its own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from typing import Any

from sqlalchemy import select

from backend.db.models import (
    KeyStatus,
    License,
    LicenseKey,
    Product,
)
from backend.domain.access import Actor
from backend.domain.catalog import issue_serials
from backend.domain.key_requests import doors
from backend.domain.key_requests import get_a_key as key_requests
from backend.domain.key_requests.upgrades import notify
from backend.portal import Portal
from bench import documents
from bench.client import BenchError, PortalClient
from bench.runner import Flow, Sample
from bench.wire import WireClient
from bench.world import PRODUCT, BenchUser

IP = "127.0.0.1"
READY_TIMEOUT = 60.0

ACTIVATE = """
mutation Activate($input: ActivateInput!) {
  activate(input: $input) {
    __typename
    ... on ActivateSuccess { licenseFile activation { hostId firstSeenAt lastSeenAt } }
    ... on UserError { code message field }
  }
}"""


def _wizard(name: str, input_type: str, success: str, extra: str = "") -> str:
    return f"""
mutation {name[0].upper()}{name[1:]}($input: {input_type}!) {{
  {name}(input: $input) {{
    __typename
    ... on {success} {{ keyRequest {{ id status step {extra} }} }}
    ... on UserError {{ code message field }}
  }}
}}"""


UPGRADE_START = _wizard(
    "upgradeRequestStart",
    "UpgradeRequestStartInput",
    "UpgradeRequestStartSuccess",
    "upgradeOptions { license { id } eligibleQuantity remainingQuantity }",
)
UPGRADE_SELECT = _wizard(
    "upgradeRequestSelectProduct", "UpgradeRequestSelectProductInput", "UpgradeRequestSelectProductSuccess"
)
UPGRADE_QUANTITY = _wizard(
    "upgradeRequestSetQuantity", "UpgradeRequestSetQuantityInput", "UpgradeRequestSetQuantitySuccess"
)
UPGRADE_REGISTRATION = _wizard(
    "upgradeRequestSetRegistration",
    "UpgradeRequestSetRegistrationInput",
    "UpgradeRequestSetRegistrationSuccess",
)
UPGRADE_CONFIRM = _wizard(
    "upgradeRequestConfirm", "UpgradeRequestConfirmInput", "UpgradeRequestConfirmSuccess"
)
KEY_REQUEST_STATUS = """
subscription KeyRequestUpdated($id: ID!) {
  keyRequestUpdated(id: $id) { id status failureReason }
}"""


# ---------------------------------------------------------------- seeding


async def licenses_with_keys(
    portal: Portal, user: BenchUser, count: int, seats: int
) -> list[tuple[str, str]]:
    """`count` licenses of `seats` seats on the user's account, through the domain Get a Key path:
    [(license id, activation key)]."""
    async with portal.db.write() as session:
        product = await session.scalar(select(Product).where(Product.sku == PRODUCT))
        assert product is not None, "the demo catalog is missing"
        serials = [
            s.number
            for s in await issue_serials(session, product, quantity=seats, count=count, order_ref="BENCH")
        ]
    actor = Actor(user.user_id, IP)
    worker = portal.new_worker()
    for number in serials:
        request = (await key_requests.start(portal.db, actor, user.account_id)).request
        await key_requests.enter_serials(portal.db, portal.bus, portal.settings, actor, request.id, [number])
        await doors.set_registration(
            portal.db, portal.bus, portal.settings, actor, request.id, documents.REGISTRATION, None
        )
        await doors.confirm(portal.db, portal.bus, portal.settings, actor, request.id, uuid.uuid4().hex)
        await worker.run_once()
    await worker.drain()
    async with portal.db.read() as session:
        rows = await session.execute(
            select(License.id, LicenseKey.activation_key)
            .join(LicenseKey, LicenseKey.license_id == License.id)
            .where(License.account_id == user.account_id, LicenseKey.status == KeyStatus.ACTIVE)
            .order_by(License.created_at)
        )
        found = [(str(license_id), key) for license_id, key in rows]
    if len(found) != count:
        raise BenchError(f"expected {count} licenses, found {len(found)}")
    return found


def new_host_pool(keys: list[str], size: int, tag: str) -> deque[str]:
    """`size` (key, new host) pairs, round-robin over the keys so concurrent clients mostly lock
    different licenses."""
    return deque(f"{keys[i % len(keys)]}|{tag}-{i // len(keys)}" for i in range(size))


def same_host_pool(pairs: list[str], size: int) -> deque[str]:
    return deque(pairs[i % len(pairs)] for i in range(size))


async def notifications(portal: Portal) -> dict[uuid.UUID, str]:
    """EPS-14 → EPS-15 notifications: account id → notification ID."""
    return {
        n.account.id: n.notification.code
        for n in await notify(portal.db, portal.bus, portal.settings, PRODUCT, "EPS-15", 90)
    }


# ---------------------------------------------------------------- activations over HTTP


def activation_flow(wire: WireClient) -> Flow:
    async def run(item: str) -> Sample:
        key, host = item.split("|", 1)
        began = time.perf_counter()
        body = await wire.graphql(ACTIVATE, {"input": {"activationKey": key, "hostId": host}})
        done = time.perf_counter()
        if body.get("errors") or body["data"]["activate"]["__typename"] != "ActivateSuccess":
            raise BenchError(f"activate failed: {body}")
        return Sample(done_at=done, steps={"activate": done - began})

    return run


def anonymous_clients(base_url: str, count: int) -> list[WireClient]:
    """Signed-out installed products: no cookies, no CSRF token."""
    return [WireClient(base_url) for _ in range(count)]


# ---------------------------------------------------------------- the upgrade wizard over HTTP


def _success(data: dict[str, Any], field: str, typename: str) -> dict[str, Any]:
    result: dict[str, Any] = data[field]
    if result.get("__typename") != typename:
        raise BenchError(f"expected {typename}, got {result}")
    return result


def upgrade_flow(client: PortalClient, code: str) -> Flow:
    async def run(_: str) -> Sample:
        assert client.socket is not None and client.account_id is not None
        steps: dict[str, float] = {}
        t = began = time.perf_counter()
        started = _success(
            await client.gql(
                UPGRADE_START, {"input": {"accountId": client.account_id, "notificationId": code}}
            ),
            "upgradeRequestStart",
            "UpgradeRequestStartSuccess",
        )
        request_id = started["keyRequest"]["id"]
        license_id = started["keyRequest"]["upgradeOptions"][0]["license"]["id"]
        steps["start"] = -t + (t := time.perf_counter())
        _success(
            await client.gql(
                UPGRADE_SELECT, {"input": {"keyRequestId": request_id, "licenseId": license_id}}
            ),
            "upgradeRequestSelectProduct",
            "UpgradeRequestSelectProductSuccess",
        )
        steps["select_product"] = -t + (t := time.perf_counter())
        _success(
            await client.gql(UPGRADE_QUANTITY, {"input": {"keyRequestId": request_id, "quantity": 1}}),
            "upgradeRequestSetQuantity",
            "UpgradeRequestSetQuantitySuccess",
        )
        steps["set_quantity"] = -t + (t := time.perf_counter())
        _success(
            await client.gql(
                UPGRADE_REGISTRATION,
                {"input": {"keyRequestId": request_id, "registration": documents.REGISTRATION}},
            ),
            "upgradeRequestSetRegistration",
            "UpgradeRequestSetRegistrationSuccess",
        )
        steps["set_registration"] = -t + (t := time.perf_counter())
        subscription = await client.socket.subscribe(KEY_REQUEST_STATUS, {"id": request_id})
        await subscription.next(READY_TIMEOUT)  # the current DRAFT
        steps["subscribe"] = -t + (t := time.perf_counter())
        confirm_sent = t
        confirming = asyncio.create_task(
            client.gql(
                UPGRADE_CONFIRM, {"input": {"keyRequestId": request_id, "idempotencyKey": uuid.uuid4().hex}}
            )
        )
        try:
            while True:
                message = await subscription.next(READY_TIMEOUT)
                update_ = message.payload["data"]["keyRequestUpdated"]
                if update_["status"] == "READY":
                    ready_at = message.at
                    break
                if update_["status"] in ("FAILED", "EXPIRED"):
                    raise BenchError(
                        f"upgrade request ended {update_['status']}: {update_.get('failureReason')}"
                    )
            _success(await confirming, "upgradeRequestConfirm", "UpgradeRequestConfirmSuccess")
        finally:
            if not confirming.done():
                confirming.cancel()
            client.socket.forget(subscription)
        steps["confirm_to_ready"] = ready_at - confirm_sent
        steps["whole_flow"] = ready_at - began
        return Sample(done_at=ready_at, steps=steps)

    return run
