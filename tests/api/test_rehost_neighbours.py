"""Re-host among neighbours: moving one license's key touches no other license, key or activation,
a re-host left as a draft or one that failed does not count against the 12-month limit. (Written from the
mutation run of rehost.py: its statements' conditions survived in a world of one license.)"""

from __future__ import annotations

from sqlalchemy import update

from backend.db.models import KeyRequest, KeyRequestStatus
from backend.portal import Portal
from tests.api.flows import account_id, get_a_key, license_of, sign_in, wait_ready
from tests.api.test_rehost_activation import activate, rehost_confirm, rehost_set_host, rehost_start
from tests.support import GraphQLClient


async def test_a_rehost_moves_only_its_own_license(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: two host-locked licenses, each activated on its host; the neighbour's re-host left as
    # a draft
    acc = account_id(await sign_in(client))
    moved = await get_a_key(client, portal, acc, sku="MGW-10", host_id="host-m")
    neighbour = await get_a_key(client, portal, acc, sku="MGW-10", host_id="host-n")
    for ready, host in ((moved, "host-m"), (neighbour, "host-n")):
        activated = await activate(other_client, ready["keys"][0]["activationKey"], host)
        assert activated["__typename"] == "ActivateSuccess", activated
    draft = await rehost_start(client, neighbour["keys"][0]["id"])
    assert draft["__typename"] == "RehostRequestStartSuccess", draft

    # when: the first moves to a host that sorts before its own and before the neighbour's
    started = await rehost_start(client, moved["keys"][0]["id"])
    kr = started["keyRequest"]["id"]
    set_host = await rehost_set_host(client, kr, "host-a")
    confirmed = await rehost_confirm(client, kr, "neighbours-1")
    done = await wait_ready(client, kr)

    # then
    assert (set_host["__typename"], confirmed["__typename"]) == (
        "RehostRequestSetHostSuccess",
        "RehostRequestConfirmSuccess",
    ), (set_host, confirmed)
    after = await license_of(client, moved["licenses"][0]["id"])
    assert after["hostId"] == "host-a" and after["rehostsUsed"] == 1
    assert {k["id"]: (k["hostId"], k["status"]) for k in after["keys"]} == {
        moved["keys"][0]["id"]: ("host-m", "REVOKED"),
        done["keys"][0]["id"]: ("host-a", "ACTIVE"),
    }
    assert after["activations"] == []  # the old key's host was let go
    untouched = await license_of(client, neighbour["licenses"][0]["id"])
    assert untouched["hostId"] == "host-n"
    assert untouched["rehostsUsed"] == 0  # its draft does not count
    assert [(k["hostId"], k["status"]) for k in untouched["keys"]] == [("host-n", "ACTIVE")]
    assert [a["hostId"] for a in untouched["activations"]] == ["host-n"]
    # and the neighbour's draft still goes through
    moved_too = await rehost_set_host(client, draft["keyRequest"]["id"], "host-m")
    assert moved_too["__typename"] == "RehostRequestSetHostSuccess", moved_too


async def test_a_failed_rehost_does_not_count(client: GraphQLClient, portal: Portal) -> None:
    """Only re-hosts that went through (SUBMITTED, FULFILLING, READY) count: one whose signing
    failed was confirmed too (it has a submitted_at) and must not use up the limit."""
    acc = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acc, sku="MGW-10", host_id="host-m")
    license_id = ready["licenses"][0]["id"]
    kr = (await rehost_start(client, ready["keys"][0]["id"]))["keyRequest"]["id"]
    await rehost_set_host(client, kr, "host-f")
    assert (await rehost_confirm(client, kr, "failed-1"))["__typename"] == "RehostRequestConfirmSuccess"
    await wait_ready(client, kr)
    assert (await license_of(client, license_id))["rehostsUsed"] == 1

    async with portal.db.write() as session:
        await session.execute(
            update(KeyRequest).where(KeyRequest.kind == "REHOST").values(status=KeyRequestStatus.FAILED)
        )

    assert (await license_of(client, license_id))["rehostsUsed"] == 0
