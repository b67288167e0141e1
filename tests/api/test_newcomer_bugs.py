"""Issue 19: what a newcomer tripped over first (each test failed before its fix)."""

from __future__ import annotations

import jwt

from backend.portal import Portal
from tests.api.flows import account_id, enter, get_a_key, license_of, sign_in, start
from tests.api.test_rehost_activation import activate, rehost_set_host, rehost_start
from tests.support import GraphQLClient


async def test_host_ids_differing_only_in_case_are_the_same_host(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: a host-locked key issued for a MAC address typed in upper case
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="MGW-10", host_id=" 00:1A:2B:3C:4D:5E ")
    key = ready["keys"][0]

    # when: the same host is typed in lower case for a re-host, and the product activates with it
    kr = (await rehost_start(client, key["id"]))["keyRequest"]["id"]
    same = await rehost_set_host(client, kr, "00:1a:2b:3c:4d:5e")
    activated = await activate(other_client, key["activationKey"], "00:1a:2B:3c:4D:5e")

    # then: one host, in one normal form everywhere (key, license, activation, license file)
    assert (same["__typename"], same["code"], same["field"]) == ("RehostRefused", "SAME_HOST", "hostId")
    assert activated["__typename"] == "ActivateSuccess", activated
    assert key["hostId"] == "00:1a:2b:3c:4d:5e"
    assert jwt.decode(key["licenseFile"], options={"verify_signature": False})["host"] == "00:1a:2b:3c:4d:5e"
    assert jwt.decode(activated["licenseFile"], options={"verify_signature": False})["host"] == (
        "00:1a:2b:3c:4d:5e"
    )
    detail = await license_of(client, ready["licenses"][0]["id"])
    assert detail["hostId"] == "00:1a:2b:3c:4d:5e"
    assert [a["hostId"] for a in detail["activations"]] == ["00:1a:2b:3c:4d:5e"]


async def test_a_wrong_serial_is_refused_for_its_real_problem(client: GraphQLClient, portal: Portal) -> None:
    # given
    me = await sign_in(client)
    request = await start(client, account_id(me))

    # when: an unknown prefix, a typo in the check digit, and a well-formed number never issued
    refused = await enter(client, request["id"], ["X1234567890", "M123-456-7890", "M123-456-7897"])

    # then: each names what is wrong with it, not its shape
    assert refused["__typename"] == "SerialNumbersRejected"
    problems = {p["serialNumber"]: (p["code"], p["message"]) for p in refused["problems"]}
    assert problems["X1234567890"][0] == "UNKNOWN_PREFIX"
    assert "start with M" in problems["X1234567890"][1]
    assert "one letter followed by ten digits" not in problems["X1234567890"][1]
    assert problems["M123-456-7890"][0] == "CHECK_DIGIT"
    assert problems["M123-456-7897"][0] == "UNKNOWN"
