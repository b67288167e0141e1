"""Issue 19: what a newcomer tripped over first (each test failed before its fix)."""

from __future__ import annotations

from typing import Any

import jwt

from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import ALICE, VICTOR, account_id, enter, get_a_key, license_of, sign_in, start
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


ACTIVATE_WITH_TOKEN = """
mutation Activate($input: ActivateInput!) {
  activate(input: $input) {
    __typename
    ... on ActivateSuccess { activationToken activation { hostId } }
    ... on UserError { code message field }
  }
}"""
DEACTIVATE_WITH_TOKEN = """
mutation Deactivate($input: DeactivateInput!) {
  deactivate(input: $input) {
    __typename ... on DeactivateSuccess { hostId } ... on UserError { code message field }
  }
}"""
DEACTIVATE_HOST = """
mutation DeactivateHost($input: LicenseDeactivateHostInput!) {
  licenseDeactivateHost(input: $input) {
    __typename
    ... on LicenseDeactivateHostSuccess { hostId license { id activations { hostId } } }
    ... on UserError { code message field }
  }
}"""


async def test_deactivation_needs_proof_of_the_activation_or_a_session_that_may_manage(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: two hosts activated by the installed product (signed out), each handed its token once
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me))
    key, license_id = ready["keys"][0]["activationKey"], ready["licenses"][0]["id"]

    async def activate_(host: str) -> dict[str, Any]:
        answer: dict[str, Any] = (
            await other_client(ACTIVATE_WITH_TOKEN, {"input": {"activationKey": key, "hostId": host}})
        )["activate"]
        return answer

    async def deactivate_(host: str, token: str) -> dict[str, Any]:
        variables = {"input": {"activationKey": key, "hostId": host, "activationToken": token}}
        answer: dict[str, Any] = (await other_client(DEACTIVATE_WITH_TOKEN, variables))["deactivate"]
        return answer

    first = await activate_("pc-1")
    again = await activate_("pc-1")
    second = await activate_("pc-2")
    assert first["activationToken"] and second["activationToken"]
    # a host already activated gets no token: whoever knows the key and host ID cannot fetch one
    assert again["__typename"] == "ActivateSuccess" and again["activationToken"] is None

    # when / then: the key and host ID alone, or another host's token, free nothing
    for token in ("", "guess", second["activationToken"]):
        refused = await deactivate_("pc-1", token)
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ActivationRefused",
            "INVALID_TOKEN",
            "activationToken",
        )
    assert [a["hostId"] for a in (await license_of(client, license_id))["activations"]] == ["pc-1", "pc-2"]
    assert (await deactivate_("pc-1", first["activationToken"]))["__typename"] == "DeactivateSuccess"

    # when / then: from the portal, a viewer who sees the license is told his role cannot do it
    await sign_in(other_client, VICTOR)
    viewer = (await other_client(DEACTIVATE_HOST, {"input": {"licenseId": license_id, "hostId": "pc-2"}}))[
        "licenseDeactivateHost"
    ]
    assert (viewer["__typename"], viewer["field"]) == ("NotAllowed", "licenseId")
    assert viewer["message"].startswith("Your role (Viewer) cannot")
    assert [a["hostId"] for a in (await license_of(client, license_id))["activations"]] == ["pc-2"]

    # and an admin frees the seat from the portal (the host in any case), audited with who did it
    done = (await client(DEACTIVATE_HOST, {"input": {"licenseId": license_id, "hostId": "PC-2"}}))[
        "licenseDeactivateHost"
    ]
    assert done["__typename"] == "LicenseDeactivateHostSuccess", done
    assert done["hostId"] == "pc-2" and done["license"]["activations"] == []
    history = (
        await client(
            "query($id: ID!) { license(id: $id) { history { action actor { email } } } }", {"id": license_id}
        )
    )["license"]["history"]
    actors = sorted(
        (e["actor"] or {}).get("email", "") for e in history if e["action"] == "license.deactivate"
    )
    assert actors == ["", ALICE]  # the product's (no user) and Alice's


async def test_a_viewer_is_told_his_role_cannot_change_what_he_sees(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    from tests.api.test_rehost_activation import rehost_start as rehost

    # given: Alice's draft and key on Acme, where Victor is a viewer
    alice = await sign_in(client)
    acme = account_id(alice)
    draft = await start(client, acme)
    ready = await get_a_key(client, portal, acme, sku="MGW-10", host_id="host-a")
    viewer = await sign_in(other_client, VICTOR)
    assert account_id(viewer) == acme

    # when
    started = (await other_client(START_ONLY, {"input": {"accountId": acme}}))["keyRequestStart"]
    entered = await enter(other_client, draft["id"], ["M123-456-7897"])
    rehosted = await rehost(other_client, ready["keys"][0]["id"])

    # then: each names his role; an unknown draft keeps the unknown-id answer
    for answer, field in ((started, "accountId"), (entered, "keyRequestId"), (rehosted, "licenseKeyId")):
        assert (answer["__typename"], answer["code"], answer["field"]) == ("NotAllowed", "NOT_ALLOWED", field)
        assert answer["message"] == "Your role (Viewer) cannot request keys."
    unknown = await enter(
        other_client, "S2V5UmVxdWVzdDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA", ["x"]
    )
    assert unknown["__typename"] == "NotFound"


START_ONLY = """
mutation Start($input: KeyRequestStartInput!) {
  keyRequestStart(input: $input) { __typename ... on UserError { code message field } }
}"""


async def test_a_license_a_partner_got_for_a_customer_is_owned_by_the_customer_account(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    import csv
    import io

    from tests.api.test_delegations import CAROL, answer, delegated

    # given: Initech's Carol gets a key for Acme under a MANAGE delegation
    acme, delegation_id = await delegated(portal, client, other_client)
    ready = await get_a_key(other_client, portal, acme)
    license_id = ready["licenses"][0]["id"]
    assert (await answer(client, "delegationRevoke", delegation_id))[
        "__typename"
    ] == "DelegationRevokeSuccess"

    # when
    shown = (await client(PROVENANCE, {"id": license_id}))["license"]
    export = await client.http.get("/api/licenses/export.csv", params={"accountId": acme})
    plain_id = str(from_global_id(license_id, "License"))
    row = next(r for r in csv.DictReader(io.StringIO(export.text)) if r["License ID"] == plain_id)

    # then: no partner user owns it (he has no access after the revocation); he is who requested it
    assert shown["owner"] is None
    assert shown["account"]["name"] == "Acme Corp"
    assert shown["requestedBy"]["email"] == CAROL
    assert shown["requestedThrough"]["name"] == "Initech Partners"
    assert row["Owner"] == "Acme Corp"
    assert row["Requested by"] == f"{CAROL} (Initech Partners)"


PROVENANCE = """
query P($id: ID!) {
  license(id: $id) {
    owner { email } account { name } requestedBy { email } requestedThrough { name }
  }
}"""


async def test_a_renewal_supersedes_the_earlier_key_and_must_cover_the_licenses_seats(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    from backend.db.models import SerialKind
    from tests.api.flows import confirm, new_serials, wait_ready
    from tests.api.test_renewals import select

    # given: a 15-seat license with its key, a renewal for 15 seats and one for 25
    me = await sign_in(client)
    acme = account_id(me)
    numbers = await new_serials(portal, "EPS-14", quantity=15)
    request = await start(client, acme)
    await enter(client, request["id"], numbers)
    from tests.api.flows import set_registration

    await set_registration(client, request["id"])
    await confirm(client, request["id"], "first-key")
    first = await wait_ready(client, request["id"])
    license_id, old_key = first["licenses"][0]["id"], first["keys"][0]
    fits = (await new_serials(portal, "EPS-14", quantity=15, kind=SerialKind.RENEWAL))[0]
    too_big = (await new_serials(portal, "EPS-14", quantity=25, kind=SerialKind.RENEWAL))[0]

    # when: the 25-seat renewal is chosen for it
    renewal = await start(client, acme)
    await enter(client, renewal["id"], [too_big])
    refused = await select(client, renewal["id"], [(too_big, license_id)])

    # then: refused, saying what the renewal covers
    assert refused["__typename"] == "InvalidInput"
    [problem] = refused["fieldErrors"]
    assert (problem["field"], problem["code"]) == ("renewals.0.licenseId", "QUANTITY_MISMATCH")
    assert "25 seats" in problem["message"] and "15 seats" in problem["message"]

    # when: the 15-seat renewal is confirmed
    matching = await start(client, acme)
    await enter(client, matching["id"], [fits])
    assert (await select(client, matching["id"], [(fits, license_id)]))["__typename"] == (
        "KeyRequestSelectRenewalsSuccess"
    )
    assert (await confirm(client, matching["id"], "renewal-key"))["__typename"] == "KeyRequestConfirmSuccess"
    new_key = (await wait_ready(client, matching["id"]))["keys"][0]

    # then: the earlier key is superseded, not active beside the new one; hosts using it keep working
    statuses = {k["id"]: k["status"] for k in (await license_of(client, license_id))["keys"]}
    assert statuses == {old_key["id"]: "SUPERSEDED", new_key["id"]: "ACTIVE"}
    assert (await activate(other_client, old_key["activationKey"], "pc-1"))["__typename"] == "ActivateSuccess"


async def test_a_licenses_history_reads_as_sentences_about_that_license_only(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    from tests.api.flows import confirm, new_serials, set_registration, wait_ready

    # given: one request where a mistyped serial was rejected before the right one went in
    me = await sign_in(client)
    [number] = await new_serials(portal, "EPS-14")
    request = await start(client, account_id(me))
    assert (await enter(client, request["id"], [number, "M123-456-7890"]))["__typename"] == (
        "SerialNumbersRejected"
    )
    await enter(client, request["id"], [number])
    await set_registration(client, request["id"])
    await confirm(client, request["id"], "history-1")
    ready = await wait_ready(client, request["id"])
    license_id = ready["licenses"][0]["id"]
    await activate(other_client, ready["keys"][0]["activationKey"], "pc-1")

    # when
    history = (
        await client(
            "query($id: ID!) { license(id: $id) { history { action summary } } }", {"id": license_id}
        )
    )["license"]["history"]

    # then: what changed this license, newest first, each a sentence (no draft steps of the request)
    assert [e["summary"] for e in history] == [
        "Host pc-1 activated",
        "Keys signed and mailed (1 key)",
        "Keys requested (Get a Key)",
    ]
    assert not any(e["action"].startswith("key_request.serials") for e in history)


async def test_a_shared_license_shows_the_owning_accounts_custom_fields(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    from backend.db.models import SharePermission
    from tests.api.flows import BOB
    from tests.api.licenses_world import create_field, make_license, plain, share, user_id

    # given: Acme has a custom field; a license without a value for it is shared with Bob to view
    acme = account_id(await sign_in(client))
    mine = await make_license(portal, plain(acme, "Account"), owner_id=await user_id(portal, ALICE))
    await create_field(client, acme, "Department", "TEXT")
    await share(portal, mine.license_id, BOB, SharePermission.VIEW)
    await sign_in(other_client, BOB)

    # when
    seen = (
        await other_client(
            "query($id: ID!) { license(id: $id) { access customFields { name type } customValues { value } } }",
            {"id": mine.global_id},
        )
    )["license"]

    # then: the owner's fields, to read (his access says whether he may edit them)
    assert seen["customFields"] == [{"name": "Department", "type": "TEXT"}]
    assert seen["customValues"] == [] and seen["access"] == "VIEW"


async def test_sending_keys_again_answers_what_happens_to_the_mail(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: a ready request on a portal without a mail server (mails are held for the Messages page)
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me))

    # when
    resent = (
        await client(
            """mutation R($input: KeyRequestResendKeysInput!) {
              keyRequestResendKeys(input: $input) {
                __typename
                ... on KeyRequestResendKeysSuccess { delivery { recipient status } }
                ... on UserError { code message }
              }
            }""",
            {"input": {"keyRequestId": ready["id"], "email": "ops@acme.example"}},
        )
    )["keyRequestResendKeys"]

    # then: the answer is the mail just made, with its status
    assert resent["__typename"] == "KeyRequestResendKeysSuccess", resent
    assert resent["delivery"] == {"recipient": "ops@acme.example", "status": "HELD"}


async def test_the_product_filter_offers_the_accounts_products_and_ignores_case(
    client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    eps = (await get_a_key(client, portal, acme, sku="EPS-14"))["licenses"][0]["id"]
    await get_a_key(client, portal, acme, sku="DLP-16")

    products = (
        await client(
            "query($id: ID!) { node(id: $id) { ... on Account { licenseProducts { sku } } } }", {"id": acme}
        )
    )["node"]["licenseProducts"]
    found = (
        await client(
            "query($id: ID!, $f: LicenseFilter) { licenses(accountId: $id, filter: $f) { edges { node { id } } } }",
            {"id": acme, "f": {"productSku": " eps-14 "}},
        )
    )["licenses"]["edges"]

    assert sorted(p["sku"] for p in products) == ["DLP-16", "EPS-14"]
    assert [e["node"]["id"] for e in found] == [eps]
