"""Re-host (host-locked keys move, old key revoked, limit per 12 months) and activation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import select, update

from backend.db.models import KeyRequest, utcnow
from backend.portal import Portal
from tests.api.flows import (
    ACTIVATE,
    DEACTIVATE,
    FIELD_ERRORS,
    NEXT_ALLOWED,
    account_id,
    get_a_key,
    license_of,
    mutate,
    sign_in,
    wait_ready,
    with_key_request,
)
from tests.support import GraphQLClient


async def rehost_start(client: GraphQLClient, key_id: str) -> dict[str, Any]:
    return await mutate(
        client,
        "rehostRequestStart",
        "RehostRequestStartInput",
        {"licenseKeyId": key_id},
        with_key_request("RehostRequestStartSuccess") + NEXT_ALLOWED,
    )


async def rehost_set_host(client: GraphQLClient, kr: str, host: str) -> dict[str, Any]:
    return await mutate(
        client,
        "rehostRequestSetHost",
        "RehostRequestSetHostInput",
        {"keyRequestId": kr, "hostId": host},
        with_key_request("RehostRequestSetHostSuccess") + NEXT_ALLOWED + FIELD_ERRORS,
    )


async def rehost_confirm(client: GraphQLClient, kr: str, key: str) -> dict[str, Any]:
    return await mutate(
        client,
        "rehostRequestConfirm",
        "RehostRequestConfirmInput",
        {"keyRequestId": kr, "idempotencyKey": key},
        with_key_request("RehostRequestConfirmSuccess") + NEXT_ALLOWED + FIELD_ERRORS,
    )


async def activate(client: GraphQLClient, key: str, host: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client(ACTIVATE, {"input": {"activationKey": key, "hostId": host}}))[
        "activate"
    ]
    return result


async def deactivate(client: GraphQLClient, key: str, host: str, token: str) -> dict[str, Any]:
    variables = {"input": {"activationKey": key, "hostId": host, "activationToken": token}}
    result: dict[str, Any] = (await client(DEACTIVATE, variables))["deactivate"]
    return result


async def test_rehost_moves_the_key_and_revokes_the_old_one(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: a host-locked key on host-a
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="MGW-10", host_id="host-a")
    old_key = ready["keys"][0]

    # when
    started = await rehost_start(client, old_key["id"])
    kr = started["keyRequest"]["id"]
    same = await rehost_set_host(client, kr, "host-a")
    moved = await rehost_set_host(client, kr, "host-b")
    confirmed = await rehost_confirm(client, kr, "rehost-confirm-1")
    done = await wait_ready(client, kr)

    # then
    assert (
        started["keyRequest"]["step"] == "HOST" and started["keyRequest"]["sourceKey"]["hostId"] == "host-a"
    )
    assert (same["__typename"], same["code"]) == ("RehostRefused", "SAME_HOST")
    assert moved["keyRequest"]["step"] == "CONFIRM"
    assert confirmed["__typename"] == "RehostRequestConfirmSuccess"
    new_key = done["keys"][0]
    assert new_key["hostId"] == "host-b"
    assert jwt.decode(new_key["licenseFile"], options={"verify_signature": False})["host"] == "host-b"
    detail = await license_of(client, ready["licenses"][0]["id"])
    assert {k["id"]: k["status"] for k in detail["keys"]} == {
        old_key["id"]: "REVOKED",
        new_key["id"]: "ACTIVE",
    }
    assert detail["hostId"] == "host-b" and detail["rehostsUsed"] == 1
    # the revoked key no longer activates (one answer for revoked and unknown), the new one does on its host
    assert (await activate(other_client, old_key["activationKey"], "host-a"))["code"] == "INVALID_KEY"
    assert (await activate(other_client, new_key["activationKey"], "host-a"))["code"] == "HOST_MISMATCH"
    assert (await activate(other_client, new_key["activationKey"], "host-b"))[
        "__typename"
    ] == "ActivateSuccess"
    revoked_again = await rehost_start(client, old_key["id"])
    assert (revoked_again["__typename"], revoked_again["code"]) == ("RehostRefused", "KEY_REVOKED")


async def test_rehost_limit_says_when_the_next_one_is_allowed(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="MGW-10", host_id="host-0")
    key_id = ready["keys"][0]["id"]
    for n in range(1, 5):
        kr = (await rehost_start(client, key_id))["keyRequest"]["id"]
        await rehost_set_host(client, kr, f"host-{n}")
        await rehost_confirm(client, kr, f"rehost-confirm-{n}")
        key_id = (await wait_ready(client, kr))["keys"][0]["id"]
    async with portal.db.write() as session:  # spread them over the year
        await session.execute(
            update(KeyRequest)
            .where(KeyRequest.kind == "REHOST")
            .values(submitted_at=utcnow() - timedelta(days=100))
        )
    refused = await rehost_start(client, key_id)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "RehostRefused",
        "REHOST_LIMIT",
        "licenseKeyId",
    )
    assert refused["nextAllowedAt"][:10] == (utcnow() + timedelta(days=265)).date().isoformat()
    assert "The next re-host is possible on" in refused["message"]


async def test_rehost_needs_a_host_locked_product(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me))
    refused = await rehost_start(client, ready["keys"][0]["id"])
    assert (refused["__typename"], refused["code"]) == ("RehostRefused", "NOT_HOST_LOCKED")


async def test_activation_counts_seats_and_is_idempotent_per_host(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: a 2-seat license (not host-locked), activated from a signed-out client
    me = await sign_in(client)
    from tests.api.flows import new_serials

    numbers = await new_serials(portal, "EPS-14", quantity=2)
    from tests.api.flows import confirm, enter, set_registration, start

    request = await start(client, account_id(me))
    await enter(client, request["id"], numbers)
    await set_registration(client, request["id"])
    await confirm(client, request["id"])
    ready = await wait_ready(client, request["id"])
    key = ready["keys"][0]["activationKey"]
    await client("mutation { logout { ok } }")

    # when / then
    first = await activate(client, key.lower().replace("-", ""), "pc-1")
    assert first["__typename"] == "ActivateSuccess"
    assert jwt.decode(first["licenseFile"], options={"verify_signature": False})["host"] == "pc-1"
    again = await activate(client, key, "pc-1")
    assert again["__typename"] == "ActivateSuccess"
    assert again["activation"]["firstSeenAt"] == first["activation"]["firstSeenAt"]
    assert (await activate(client, key, "pc-2"))["__typename"] == "ActivateSuccess"
    full = await activate(client, key, "pc-3")
    assert (full["__typename"], full["code"], full["field"]) == (
        "ActivationRefused",
        "SEATS_EXHAUSTED",
        "hostId",
    )
    token = first["activationToken"]
    assert (await deactivate(client, key, "pc-1", token))["__typename"] == "DeactivateSuccess"
    assert (await activate(client, key, "pc-3"))["__typename"] == "ActivateSuccess"
    await sign_in(client)
    hosts = [a["hostId"] for a in (await license_of(client, ready["licenses"][0]["id"]))["activations"]]
    assert hosts == ["pc-2", "pc-3"]
    # every activation is audited, the repeated one marked as such (the refused one took nothing)
    history = (
        await client(
            "query($id: ID!) { license(id: $id) { history { action data } } }",
            {"id": ready["licenses"][0]["id"]},
        )
    )["license"]["history"]
    again = sorted(e["data"]["again"] for e in history if e["action"] == "license.activate")
    assert again == [False, False, False, True]


async def test_invalid_activation_keys_are_rate_limited(client: GraphQLClient, portal: Portal) -> None:
    from backend.keys import new_activation_key

    bad = await activate(client, "AAAAA-BBBBB", "pc-1")
    assert (bad["__typename"], bad["code"], bad["field"]) == (
        "ActivationRefused",
        "INVALID_KEY",
        "activationKey",
    )
    for _ in range(30):
        await activate(client, new_activation_key(), "pc-1")
    limited = await activate(client, new_activation_key(), "pc-1")
    assert limited["__typename"] == "RateLimited"


async def test_a_rate_limited_caller_is_refused_even_with_a_valid_key(
    client: GraphQLClient, portal: Portal
) -> None:
    from backend.keys import new_activation_key

    # given: a valid key, and a caller that has guessed wrong 30 times
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me))
    key, license_id = ready["keys"][0]["activationKey"], ready["licenses"][0]["id"]
    await client("mutation { logout { ok } }")
    for _ in range(30):
        assert (await activate(client, new_activation_key(), "pc-1"))["code"] == "INVALID_KEY"

    # when
    limited = await activate(client, key, "pc-1")

    # then: refused with a wait, and no seat was taken
    assert (limited["__typename"], limited["field"]) == ("RateLimited", "activationKey")
    await sign_in(client)
    assert (await license_of(client, license_id))["activations"] == []


async def test_other_accounts_keys_licenses_and_requests_answer_as_unknown(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    from tests.api.flows import BOB, LICENSE

    # given: Alice's host-locked key and her re-host draft
    alice = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(alice), sku="MGW-10", host_id="host-a")
    key_id, license_id = ready["keys"][0]["id"], ready["licenses"][0]["id"]
    kr = (await rehost_start(client, key_id))["keyRequest"]["id"]
    await sign_in(other_client, BOB)

    # when / then: Bob sees nothing and changes nothing
    assert (await other_client(LICENSE, {"id": license_id}))["license"] is None
    started = await rehost_start(other_client, key_id)
    assert (started["__typename"], started["code"], started["field"]) == (
        "NotFound",
        "NOT_FOUND",
        "licenseKeyId",
    )
    for answer in (
        await rehost_set_host(other_client, kr, "host-z"),
        await rehost_confirm(other_client, kr, "bob-confirm-1"),
    ):
        assert (answer["__typename"], answer["field"]) == ("NotFound", "keyRequestId")
    assert (await license_of(client, license_id))["hostId"] == "host-a"


async def test_a_revoked_key_still_frees_its_hosts_seat(client: GraphQLClient, portal: Portal) -> None:
    from backend.domain.key_requests.upgrades import notify
    from tests.api.test_upgrades import select_product, set_quantity, upgrade_confirm, upgrade_start
    from tests.api.test_upgrades import set_registration as upgrade_registration

    # given: a host activated with a key that a partial upgrade then revoked
    me = await sign_in(client)
    acc = account_id(me)
    ready = await get_a_key(client, portal, acc)
    old_key, license_id = ready["keys"][0]["activationKey"], ready["licenses"][0]["id"]
    activated = await activate(client, old_key, "pc-old")
    assert activated["__typename"] == "ActivateSuccess"
    code = (await notify(portal.db, portal.bus, portal.settings, "EPS-14", "EPS-15"))[0].notification.code
    kr = (await upgrade_start(client, acc, code))["keyRequest"]["id"]
    await select_product(client, kr, license_id)
    await set_quantity(client, kr, 2)
    await upgrade_registration(client, kr)
    await upgrade_confirm(client, kr)
    await wait_ready(client, kr)
    assert [a["hostId"] for a in (await license_of(client, license_id))["activations"]] == ["pc-old"]

    # when
    freed = await deactivate(client, old_key, "pc-old", activated["activationToken"])

    # then
    assert freed["__typename"] == "DeactivateSuccess"
    assert (await license_of(client, license_id))["activations"] == []
    assert (await activate(client, old_key, "pc-old"))["code"] == "INVALID_KEY"


async def _rehost(client: GraphQLClient, key_id: str, host: str, idempotency_key: str) -> str:
    """One whole re-host; the new key's id."""
    kr = (await rehost_start(client, key_id))["keyRequest"]["id"]
    await rehost_set_host(client, kr, host)
    await rehost_confirm(client, kr, idempotency_key)
    return str((await wait_ready(client, kr))["keys"][0]["id"])


async def _date_rehosts(portal: Portal, days_back: list[int]) -> None:
    """Date the confirmed re-hosts, oldest first, this many days back."""
    async with portal.db.write() as session:
        ids = list(
            await session.scalars(
                select(KeyRequest.id)
                .where(KeyRequest.kind == "REHOST", KeyRequest.submitted_at.is_not(None))
                .order_by(KeyRequest.submitted_at)
            )
        )
        assert len(ids) == len(days_back)
        for request_id, days in zip(ids, days_back, strict=True):
            await session.execute(
                update(KeyRequest)
                .where(KeyRequest.id == request_id)
                .values(submitted_at=utcnow() - timedelta(days=days))
            )


async def test_rehosts_older_than_twelve_months_do_not_count(client: GraphQLClient, portal: Portal) -> None:
    # given the limit (4) used up, the oldest re-host a year and a day ago
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="MGW-10", host_id="host-0")
    key_id = ready["keys"][0]["id"]
    for n in range(1, 5):
        key_id = await _rehost(client, key_id, f"host-{n}", f"rehost-window-{n}")
    await _date_rehosts(portal, [366, 300, 200, 100])
    # when / then: only three count, so a fifth is allowed
    allowed = await rehost_start(client, key_id)
    assert allowed["__typename"] == "RehostRequestStartSuccess"
    # and with all four inside the window, exactly the limit refuses the next one, until the
    # oldest of them leaves the window
    await _date_rehosts(portal, [364, 300, 200, 100])
    refused = await rehost_start(client, key_id)
    assert (refused["__typename"], refused["code"]) == ("RehostRefused", "REHOST_LIMIT")
    assert refused["nextAllowedAt"][:10] == (utcnow() + timedelta(days=1)).date().isoformat()


async def test_the_rehost_limit_is_checked_again_at_confirm(client: GraphQLClient, portal: Portal) -> None:
    # given three re-hosts in the window: one left
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="MGW-10", host_id="host-0")
    key_id = ready["keys"][0]["id"]
    for n in range(1, 4):
        key_id = await _rehost(client, key_id, f"host-{n}", f"rehost-recheck-{n}")
    # when two drafts are started while one is left, and both are confirmed
    first = (await rehost_start(client, key_id))["keyRequest"]["id"]
    second = (await rehost_start(client, key_id))["keyRequest"]["id"]
    await rehost_set_host(client, first, "host-a")
    await rehost_set_host(client, second, "host-b")
    done = await rehost_confirm(client, first, "rehost-recheck-a")
    late = await rehost_confirm(client, second, "rehost-recheck-b")
    # then the first goes through and the second is refused by the limit (not merely because
    # its key was revoked meanwhile: the limit is checked first)
    assert done["__typename"] == "RehostRequestConfirmSuccess"
    assert (late["__typename"], late["code"]) == ("RehostRefused", "REHOST_LIMIT")
