"""Product activation and the Version Upgrade wizard, over HTTP against `portal serve`.

* activations: signed-out clients call `activate(input: {activationKey, hostId})`, each call a new
  host on one of many licenses (a seat is taken), or the same host again (the idempotent path).
  The raw floor runs the same statements as backend/domain/activations.py on a pooled connection
  (rate-limit count, key+license+product SELECT … FOR UPDATE, activation lookup, seat count,
  insert, audit insert, commit) plus one Ed25519 signature, without HTTP or GraphQL.
* upgrades: signed-in clients run upgradeRequestStart → SelectProduct → SetQuantity (1 seat) →
  SetRegistration → subscribe → Confirm → the READY frame, each on a notification of its own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from backend.db.engine import Database
from backend.db.models import (
    Activation,
    AuditEvent,
    KeyStatus,
    License,
    LicenseKey,
    LicenseModel,
    LicenseState,
    Locking,
    Product,
    RateLimitHit,
    utcnow,
)
from backend.domain import key_requests
from backend.domain.access import Actor
from backend.domain.catalog import issue_serials
from backend.domain.upgrades import notify
from backend.jobs import Worker
from backend.portal import KeyStore, Portal
from bench import documents
from bench.client import BenchError, PortalClient
from bench.runner import Flow, Sample
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
    worker = Worker(portal, 1)
    for number in serials:
        request = await key_requests.start(portal, actor, user.account_id)
        await key_requests.enter_serials(portal, actor, request.id, [number])
        await key_requests.set_registration(portal, actor, request.id, documents.REGISTRATION, None)
        await key_requests.confirm(portal, actor, request.id, uuid.uuid4().hex)
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
    return {n.account.id: n.notification.code for n in await notify(portal, PRODUCT, "EPS-15", 90)}


# ---------------------------------------------------------------- activations over HTTP


def activation_flow(http: httpx.AsyncClient) -> Flow:
    async def run(item: str) -> Sample:
        key, host = item.split("|", 1)
        began = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": ACTIVATE, "variables": {"input": {"activationKey": key, "hostId": host}}},
        )
        done = time.perf_counter()
        if response.status_code != 200:
            raise BenchError(f"HTTP {response.status_code}: {response.text[:500]}")
        body = response.json()
        if body.get("errors") or body["data"]["activate"]["__typename"] != "ActivateSuccess":
            raise BenchError(f"activate failed: {body}")
        return Sample(done_at=done, steps={"activate": done - began})

    return run


def anonymous_clients(base_url: str, count: int) -> list[httpx.AsyncClient]:
    return [
        httpx.AsyncClient(
            base_url=base_url, timeout=60.0, trust_env=False, limits=httpx.Limits(keepalive_expiry=3.0)
        )
        for _ in range(count)
    ]


# ---------------------------------------------------------------- activations, raw floor


class ActivationFloor:
    """The statements of domain/activations.activate() as SQLAlchemy Core, one signature each."""

    def __init__(self, db: Database, secret_key: str, issuer: str, limit: tuple[int, int]) -> None:
        self.db = db
        self.keys = KeyStore(db, secret_key)
        self.issuer = issuer
        self.limit = limit

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
        bucket = f"activation:ip:{IP}"
        since = utcnow() - timedelta(seconds=self.limit[1])
        lk, lic, prod = LicenseKey.__table__, License.__table__, Product.__table__
        async with self.db.engine.begin() as conn:
            count, _ = (
                await conn.execute(
                    select(func.count(), func.min(RateLimitHit.at)).where(
                        RateLimitHit.bucket == bucket, RateLimitHit.at > since
                    )
                )
            ).one()
            if count >= self.limit[0]:
                raise BenchError("rate-limited")
            row = (
                await conn.execute(
                    select(
                        lk.c.id.label("key_id"),
                        lk.c.status,
                        lk.c.host_id,
                        lic.c.id.label("license_id"),
                        lic.c.state,
                        lic.c.quantity,
                        lic.c.account_id,
                        lic.c.maintenance_until,
                        prod.c.sku,
                        prod.c.version,
                        prod.c.locking,
                        prod.c.license_model,
                    )
                    .join(lic, lic.c.id == lk.c.license_id)
                    .join(prod, prod.c.id == lic.c.product_id)
                    .where(lk.c.activation_key == activation_key)
                    .with_for_update(of=lic)
                )
            ).first()
            if row is None or row.status != KeyStatus.ACTIVE or row.state != LicenseState.CURRENT:
                raise BenchError("invalid key")
            existing = await conn.scalar(
                select(Activation.id).where(
                    Activation.license_key_id == row.key_id, Activation.host_id == host
                )
            )
            now = utcnow()
            if existing is not None:
                await conn.execute(
                    update(Activation).where(Activation.id == existing).values(last_seen_at=now)
                )
            else:
                if row.locking == Locking.NONE:
                    used = await conn.scalar(
                        select(func.count()).where(Activation.license_id == row.license_id)
                    )
                    if (used or 0) >= row.quantity:
                        raise BenchError("seats exhausted")
                await conn.execute(
                    insert(Activation).values(
                        id=uuid.uuid4(),
                        license_id=row.license_id,
                        license_key_id=row.key_id,
                        host_id=host,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
            await conn.execute(
                insert(AuditEvent).values(
                    at=now,
                    action="license.activate",
                    actor_user_id=None,
                    actor_account_id=None,
                    account_id=row.account_id,
                    target_type="License",
                    target_id=str(row.license_id),
                    ip=None,
                    data={"host": host, "key": str(row.key_id), "ip": IP, "again": existing is not None},
                )
            )
            claims: dict[str, Any] = {
                "iss": self.issuer,
                "sub": str(row.license_id),
                "jti": str(row.key_id),
                "iat": int(datetime.now(UTC).timestamp()),
                "product": row.sku,
                "version": row.version,
                "quantity": row.quantity,
                "maintenance_until": row.maintenance_until.isoformat(),
                "host": host,
            }
            if row.license_model == LicenseModel.SUBSCRIPTION:
                end = datetime.combine(row.maintenance_until + timedelta(days=1), datetime.min.time(), UTC)
                claims["exp"] = int(end.timestamp())
            return signer.sign(claims)


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
