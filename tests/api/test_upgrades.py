"""Version Upgrade: notifications, the wizard, partial and full upgrades, every error code."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import select, update

from backend.db.models import License, UpgradeNotification, utcnow
from backend.domain import demo
from backend.domain.key_requests.upgrades import new_code, notify
from backend.portal import Portal
from tests.api.flows import (
    BOB,
    FIELD_ERRORS,
    REGISTRATION,
    account_id,
    get_a_key,
    license_of,
    mutate,
    sign_in,
    wait_ready,
    with_key_request,
)
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, eventually

PORTAL = str(Path(sys.executable).with_name("portal"))


async def upgrade_start(client: GraphQLClient, acc: str, code: str) -> dict[str, Any]:
    return await mutate(
        client,
        "upgradeRequestStart",
        "UpgradeRequestStartInput",
        {"accountId": acc, "notificationId": code},
        with_key_request("UpgradeRequestStartSuccess") + " ... on RateLimited { retryAfterSeconds }",
    )


async def select_product(client: GraphQLClient, kr: str, license_id: str) -> dict[str, Any]:
    return await mutate(
        client,
        "upgradeRequestSelectProduct",
        "UpgradeRequestSelectProductInput",
        {"keyRequestId": kr, "licenseId": license_id},
        with_key_request("UpgradeRequestSelectProductSuccess"),
    )


async def set_quantity(client: GraphQLClient, kr: str, quantity: int) -> dict[str, Any]:
    return await mutate(
        client,
        "upgradeRequestSetQuantity",
        "UpgradeRequestSetQuantityInput",
        {"keyRequestId": kr, "quantity": quantity},
        with_key_request("UpgradeRequestSetQuantitySuccess") + FIELD_ERRORS,
    )


async def set_registration(client: GraphQLClient, kr: str) -> dict[str, Any]:
    return await mutate(
        client,
        "upgradeRequestSetRegistration",
        "UpgradeRequestSetRegistrationInput",
        {"keyRequestId": kr, "registration": REGISTRATION},
        with_key_request("UpgradeRequestSetRegistrationSuccess") + FIELD_ERRORS,
    )


async def upgrade_confirm(client: GraphQLClient, kr: str, key: str = "upgrade-confirm-1") -> dict[str, Any]:
    return await mutate(
        client,
        "upgradeRequestConfirm",
        "UpgradeRequestConfirmInput",
        {"keyRequestId": kr, "idempotencyKey": key},
        with_key_request("UpgradeRequestConfirmSuccess") + FIELD_ERRORS,
    )


async def licensed_and_notified(
    client: GraphQLClient, portal: Portal, seats_sku: str = "EPS-14"
) -> tuple[str, str, str]:
    """Alice holds an EPS-14 license (10 seats) and a notification for EPS-14 → EPS-15."""
    me = await sign_in(client)
    acc = account_id(me)
    license_id = (await get_a_key(client, portal, acc, sku=seats_sku))["licenses"][0]["id"]
    notified = await notify(portal.db, portal.bus, portal.settings, "EPS-14", "EPS-15", 30)
    return acc, license_id, notified[0].notification.code


async def test_partial_upgrade_splits_the_license(client: GraphQLClient, portal: Portal) -> None:
    # given
    acc, license_id, code = await licensed_and_notified(client, portal)

    # when: the seven steps with 4 of 10 seats
    started = await upgrade_start(client, acc, code.lower().replace("-", " "))
    kr = started["keyRequest"]["id"]
    options = started["keyRequest"]["upgradeOptions"]
    picked = await select_product(client, kr, license_id)
    quantity = await set_quantity(client, kr, 4)
    registered = await set_registration(client, kr)
    confirmed = await upgrade_confirm(client, kr)
    ready = await wait_ready(client, kr)

    # then
    assert (
        started["__typename"] == "UpgradeRequestStartSuccess"
        and started["keyRequest"]["step"] == "UPGRADE_PRODUCT"
    )
    assert options == [
        {
            "license": {"id": license_id},
            "fromProduct": {"sku": "EPS-14"},
            "toProduct": {"sku": "EPS-15"},
            "eligibleQuantity": 10,
            "remainingQuantity": 10,
        }
    ]
    assert picked["keyRequest"]["step"] == "UPGRADE_QUANTITY"
    assert quantity["keyRequest"]["step"] == "REGISTRATION" and quantity["keyRequest"]["upgradeQuantity"] == 4
    assert registered["keyRequest"]["step"] == "CONFIRM"
    assert confirmed["__typename"] == "UpgradeRequestConfirmSuccess"
    new, rest = ready["licenses"]
    assert (new["product"]["sku"], new["quantity"]) == ("EPS-15", 4)
    assert (rest["id"], rest["quantity"], rest["status"]) == (license_id, 6, "ACTIVE")
    assert new["maintenanceUntil"] == rest["maintenanceUntil"]
    claims = [jwt.decode(k["licenseFile"], options={"verify_signature": False}) for k in ready["keys"]]
    assert [(c["product"], c["version"], c["quantity"]) for c in claims] == [
        ("EPS-15", "15.0", 4),
        ("EPS-14", "14.3", 6),
    ]
    old = await license_of(client, license_id)
    assert [k["status"] for k in old["keys"]] == ["REVOKED", "ACTIVE"]

    # and the rest can be upgraded later, but not more
    again = await upgrade_start(client, acc, code)
    kr2 = again["keyRequest"]["id"]
    assert again["keyRequest"]["upgradeOptions"][0]["remainingQuantity"] == 6
    await select_product(client, kr2, license_id)
    too_many = await set_quantity(client, kr2, 7)
    assert (too_many["__typename"], too_many["code"], too_many["field"]) == (
        "UpgradeRefused",
        "QUANTITY_EXCEEDED",
        "quantity",
    )
    await set_quantity(client, kr2, 6)
    await set_registration(client, kr2)
    assert (await upgrade_confirm(client, kr2, "upgrade-confirm-2"))[
        "__typename"
    ] == "UpgradeRequestConfirmSuccess"
    await wait_ready(client, kr2)
    assert (await license_of(client, license_id))["status"] == "SUPERSEDED"
    third = await upgrade_start(client, acc, code)
    done = await select_product(client, third["keyRequest"]["id"], license_id)
    assert (done["__typename"], done["code"]) == ("UpgradeRefused", "ALREADY_UPGRADED")


async def test_unknown_foreign_and_expired_notifications(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acc, _license_id, code = await licensed_and_notified(client, portal)
    bob = await sign_in(other_client, BOB)
    unknown = await upgrade_start(client, acc, new_code())
    malformed = await upgrade_start(client, acc, "VU-nonsense")
    foreign = await upgrade_start(other_client, account_id(bob), code)
    for answer in (unknown, malformed, foreign):
        assert (answer["__typename"], answer["code"], answer["field"]) == (
            "UpgradeRefused",
            "NOTIFICATION_UNKNOWN",
            "notificationId",
        )
    async with portal.db.write() as session:
        await session.execute(update(UpgradeNotification).values(expires_at=utcnow() - timedelta(days=1)))
    expired = await upgrade_start(client, acc, code)
    assert (expired["__typename"], expired["code"]) == ("UpgradeRefused", "NOTIFICATION_EXPIRED")


async def test_guessing_notification_ids_is_rate_limited(client: GraphQLClient, portal: Portal) -> None:
    acc, _license_id, code = await licensed_and_notified(client, portal)
    for _ in range(10):
        assert (await upgrade_start(client, acc, new_code()))["code"] == "NOTIFICATION_UNKNOWN"
    limited = await upgrade_start(client, acc, code)
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0


async def test_lapsed_maintenance_blocks_the_upgrade(client: GraphQLClient, portal: Portal) -> None:
    acc, license_id, code = await licensed_and_notified(client, portal)
    started = await upgrade_start(client, acc, code)
    async with portal.db.write() as session:
        await session.execute(update(License).values(maintenance_until=date.today() - timedelta(days=1)))
    lapsed = await select_product(client, started["keyRequest"]["id"], license_id)
    assert (lapsed["code"], lapsed["field"]) == ("MAINTENANCE_LAPSED", "licenseId")


async def test_confirm_checks_again_and_nothing_changes_on_refusal(
    client: GraphQLClient, portal: Portal
) -> None:
    acc, license_id, code = await licensed_and_notified(client, portal)
    kr = (await upgrade_start(client, acc, code))["keyRequest"]["id"]
    await select_product(client, kr, license_id)
    await set_quantity(client, kr, 10)
    await set_registration(client, kr)
    async with portal.db.write() as session:
        await session.execute(update(License).values(maintenance_until=date.today() - timedelta(days=1)))
    refused = await upgrade_confirm(client, kr)
    assert refused["code"] == "MAINTENANCE_LAPSED"
    detail = await license_of(client, license_id)
    assert detail["quantity"] == 10 and [k["status"] for k in detail["keys"]] == ["ACTIVE"]


async def test_only_operators_may_notify(client: GraphQLClient, portal: Portal) -> None:
    create = """mutation($i: UpgradeNotificationsCreateInput!) { upgradeNotificationsCreate(input: $i) {
        __typename ... on UpgradeNotificationsCreateSuccess { notifications { notificationId lines { eligibleQuantity } } }
        ... on UserError { code field } } }"""
    me = await sign_in(client)
    await get_a_key(client, portal, account_id(me))
    refused = (await client(create, {"i": {"fromSku": "EPS-14", "toSku": "EPS-15"}}))[
        "upgradeNotificationsCreate"
    ]
    assert refused["__typename"] == "NotFound"
    await client("mutation { logout { ok } }")
    await sign_in(client, "ops@vendor.example")
    created = (await client(create, {"i": {"fromSku": "EPS-14", "toSku": "EPS-15"}}))[
        "upgradeNotificationsCreate"
    ]
    assert created["__typename"] == "UpgradeNotificationsCreateSuccess"
    assert created["notifications"][0]["lines"] == [{"eligibleQuantity": 10}]
    unknown = (await client(create, {"i": {"fromSku": "NOPE", "toSku": "EPS-15"}}))[
        "upgradeNotificationsCreate"
    ]
    assert (unknown["__typename"], unknown["field"]) == ("InvalidInput", "fromSku")


async def test_notification_mail_reaches_a_real_smtp_server_and_the_cli_prints_json(
    database_url: str, tmp_path: Path, smtp: tuple[Any, str]
) -> None:
    mailbox, smtp_url = smtp
    async with running_app(make_settings(database_url, tmp_path, smtp_url=smtp_url)) as (app, portal):
        await demo.seed(portal.db)
        async with client_for(app) as http:
            client = GraphQLClient(http)
            me = await sign_in(client)
            await get_a_key(client, portal, account_id(me))
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_SECRET_KEY": "test-secret-key-0123456789",
            "PORTAL_SMTP_URL": smtp_url,
        }
        # In a thread: the app in this event loop must keep running while the CLI writes.
        done = await asyncio.to_thread(
            subprocess.run,
            [PORTAL, "upgrades", "notify", "--from", "EPS-14", "--to", "EPS-15", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
        notifications = json.loads(out)["notifications"]
        assert [n["account"] for n in notifications] == ["Acme Corp"]
        code = notifications[0]["notificationId"]
        async with portal.db.read() as session:
            assert await session.scalar(select(UpgradeNotification.code)) == code
        # the CLI queued the mail; this instance's worker delivers it
        await portal.bus.wake_workers()

        async def received() -> set[str]:
            recipients = set()
            for envelope in mailbox.messages:
                body = message_from_bytes(envelope.content, policy=default).get_body().get_content()  # type: ignore[union-attr]
                if code in body:
                    recipients.update(envelope.rcpt_tos)
            # the license owner and the technical contact
            return recipients if {"alice@acme.example", "tess@acme.example"} <= recipients else set()

        assert await eventually(received)


async def test_every_upgrade_step_is_audited(client: GraphQLClient, portal: Portal) -> None:
    from backend.db.models import AuditEvent

    acc, license_id, code = await licensed_and_notified(client, portal)
    kr = (await upgrade_start(client, acc, code))["keyRequest"]["id"]
    await select_product(client, kr, license_id)
    await set_quantity(client, kr, 2)
    await set_registration(client, kr)
    await upgrade_confirm(client, kr)
    await wait_ready(client, kr)
    async with portal.db.read() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    steps = [a for a in actions if a.startswith("upgrade")]
    assert steps == [
        "upgrade.notify",
        "upgrade_request.start",
        "upgrade_request.select_product",
        "upgrade_request.set_quantity",
        "upgrade_request.set_registration",
        "upgrade_request.confirm",
    ]
