"""License shares and ownership: who may share, what a share grants, and its history."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from backend.db.models import License, LicenseShare, SharePermission, User
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id
from tests.api.flows import ALICE, BOB, VICTOR, account_id, sign_in
from tests.api.test_members import (
    ERRORS,
    FIELD_ERRORS,
    NEWCOMER,
    NEWCOMER_STORED,
    audit_events,
    codes,
    invite,
    mails_to,
    make_license,
    run,
    set_role,
    sign_in_as_newcomer,
    sign_up_and_verify,
    user_id,
)
from tests.support import GraphQLClient

CAROL = "carol@initech.example"

SHARE = """
mutation Share($input: LicenseShareInput!) {
  licenseShare(input: $input) {
    __typename
    ... on LicenseShareSuccess { license { id shares { email permission user { email } createdAt } } }
    ... on RateLimited { retryAfterSeconds }
    %s
    %s
  }
}""" % (ERRORS, FIELD_ERRORS)
UNSHARE = (
    """
mutation Unshare($input: LicenseUnshareInput!) {
  licenseUnshare(input: $input) {
    __typename
    ... on LicenseUnshareSuccess { license { id shares { email } } }
    %s
  }
}"""
    % ERRORS
)
TRANSFER = """
mutation Transfer($input: LicenseTransferOwnershipInput!) {
  licenseTransferOwnership(input: $input) {
    __typename
    ... on LicenseTransferOwnershipSuccess { license { id owner { email } } }
    %s
    %s
  }
}""" % (ERRORS, FIELD_ERRORS)
LICENSE = """
query License($id: ID!) {
  license(id: $id) {
    id access owner { email }
    shares { email permission user { email } }
    account { id members { user { email } } invitations { email } }
  }
}"""
SHARED_WITH_ME = "query { sharedWithMe { totalCount edges { node { id access } } } }"


async def share(
    client: GraphQLClient, license_id: str, email: str, permission: str = "VIEW"
) -> dict[str, Any]:
    return await run(client, SHARE, "licenseShare", licenseId=license_id, email=email, permission=permission)


async def unshare(client: GraphQLClient, license_id: str, email: str) -> dict[str, Any]:
    return await run(client, UNSHARE, "licenseUnshare", licenseId=license_id, email=email)


async def transfer(client: GraphQLClient, license_id: str, email: str) -> dict[str, Any]:
    return await run(client, TRANSFER, "licenseTransferOwnership", licenseId=license_id, email=email)


async def license_as(client: GraphQLClient, license_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await client(LICENSE, {"id": license_id}))["license"]
    return found


async def history(portal: Portal, license_id: str) -> list[tuple[str, dict[str, Any]]]:
    events = await audit_events(portal, "license", from_global_id(license_id, "License"))
    return [(e.action, e.data) for e in events]


async def owner_of(portal: Portal, license_id: str) -> str | None:
    async with portal.db.read() as session:
        return await session.scalar(
            select(User.email)
            .join(License, License.owner_user_id == User.id)
            .where(License.id == from_global_id(license_id, "License"))
        )


# ---------------------------------------------------------------- sharing


async def test_sharing_with_a_member_of_the_account_is_refused(client: GraphQLClient, portal: Portal) -> None:
    await sign_in(client)
    license_id = await make_license(portal)
    refused = await share(client, license_id, VICTOR, "MANAGE")
    assert refused["__typename"] == "InvalidInput" and codes(refused) == [("email", "ALREADY_MEMBER")]
    assert (await share(client, license_id, "nope", "VIEW"))["fieldErrors"] == [
        {"field": "email", "code": "INVALID_EMAIL"}
    ]
    async with portal.db.read() as session:
        assert (await session.scalars(select(LicenseShare))).all() == []


async def test_a_license_shared_with_an_existing_user_is_theirs_to_see_at_once(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    await sign_in(client)
    license_id = await make_license(portal)
    await sign_in(other_client, BOB)
    assert await license_as(other_client, license_id) is None
    # when
    shared = await share(client, license_id, "Bob@Globex.example", "VIEW")
    # then
    assert shared["__typename"] == "LicenseShareSuccess"
    assert [(s["email"], s["permission"], s["user"]) for s in shared["license"]["shares"]] == [
        (BOB, "VIEW", {"email": BOB})
    ]
    seen = await license_as(other_client, license_id)
    assert seen is not None and seen["access"] == "VIEW"
    # the recipient sees neither the shares nor the account's people
    assert seen["shares"] == [] and seen["account"]["members"] == [] and seen["account"]["invitations"] == []
    shared_with_bob = (await other_client(SHARED_WITH_ME))["sharedWithMe"]
    assert [e["node"]["id"] for e in shared_with_bob["edges"]] == [license_id]
    (notice,) = await mails_to(portal, BOB)
    assert notice.subject == "Alice Admin shared a license with you on the Licensing Portal"
    assert "Endpoint Protection 14.3" in notice.body and "you may view it." in notice.body
    assert await history(portal, license_id) == [
        ("license.share", {"email": BOB, "permission": "VIEW", "previous": None})
    ]


async def test_a_license_shared_with_an_unknown_address_appears_after_sign_up(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    await sign_in(client)
    license_id = await make_license(portal)
    # when
    shared = await share(client, license_id, NEWCOMER, "MANAGE")
    # then: waiting for that address, with an invitation to sign up
    assert [(s["email"], s["user"]) for s in shared["license"]["shares"]] == [(NEWCOMER_STORED, None)]
    (invitation,) = await mails_to(portal, NEWCOMER_STORED)
    assert "/signup?email=newcomer%40example.com" in invitation.body
    # when: they sign up and verify
    await sign_up_and_verify(other_client, portal, NEWCOMER, "Newco")
    await sign_in_as_newcomer(other_client)
    # then
    seen = await license_as(other_client, license_id)
    assert seen is not None and seen["access"] == "MANAGE"
    mine = await license_as(client, license_id)
    assert mine is not None and mine["shares"] == [
        {"email": NEWCOMER_STORED, "permission": "MANAGE", "user": {"email": NEWCOMER_STORED}}
    ]
    assert [action for action, _ in await history(portal, license_id)] == [
        "license.share",
        "license.share_accept",
    ]


async def test_sharing_again_changes_the_permission(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    await sign_in(client)
    license_id = await make_license(portal)
    await share(client, license_id, BOB, "VIEW")
    changed = await share(client, license_id, BOB, "MANAGE")
    same = await share(client, license_id, BOB, "MANAGE")
    assert changed["license"]["shares"] == same["license"]["shares"]
    assert [(s["email"], s["permission"]) for s in same["license"]["shares"]] == [(BOB, "MANAGE")]
    await sign_in(other_client, BOB)
    seen = await license_as(other_client, license_id)
    assert seen is not None and seen["access"] == "MANAGE"
    assert len(await mails_to(portal, BOB)) == 2  # shared, then changed; the repeat sends nothing
    assert [data["previous"] for _, data in await history(portal, license_id)] == [None, "VIEW", "MANAGE"]


async def test_unsharing_takes_access_away_on_the_very_next_request(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    await sign_in(client)
    license_id = await make_license(portal)
    await share(client, license_id, BOB, "MANAGE")
    await sign_in(other_client, BOB)
    assert await license_as(other_client, license_id) is not None
    # when
    removed = await unshare(client, license_id, " BOB@globex.example")
    # then
    assert removed["__typename"] == "LicenseUnshareSuccess" and removed["license"]["shares"] == []
    assert await license_as(other_client, license_id) is None
    assert (await other_client(SHARED_WITH_ME))["sharedWithMe"]["totalCount"] == 0
    again = await unshare(client, license_id, BOB)
    assert again["__typename"] == "NotFound" and again["field"] == "email"
    assert [action for action, _ in await history(portal, license_id)] == ["license.share", "license.unshare"]


async def test_a_share_never_lets_its_holder_share_on_unshare_or_transfer(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Bob holds a MANAGE share, Carol a VIEW share
    await sign_in(client)
    license_id = await make_license(portal)
    await share(client, license_id, BOB, "MANAGE")
    await share(client, license_id, CAROL, "VIEW")
    unknown_license = str(to_global_id("License", uuid.uuid4()))
    for holder in (BOB, CAROL):
        await sign_in(other_client, holder)
        # when
        answers = [
            await share(other_client, license_id, "someone@example.com", "VIEW"),
            await unshare(other_client, license_id, CAROL),
            await transfer(other_client, license_id, ALICE),
        ]
        unknown = [
            await share(other_client, unknown_license, "someone@example.com", "VIEW"),
            await unshare(other_client, unknown_license, CAROL),
            await transfer(other_client, unknown_license, ALICE),
        ]
        # then: the same answer as a license that does not exist
        assert answers == unknown
        assert [(a["__typename"], a["field"]) for a in answers] == [("NotFound", "licenseId")] * 3
    async with portal.db.read() as session:
        shares = (await session.execute(select(LicenseShare.email, LicenseShare.permission))).all()
    assert sorted(shares) == [(BOB, SharePermission.MANAGE), (CAROL, SharePermission.VIEW)]
    assert await owner_of(portal, license_id) == ALICE


async def test_the_owner_may_share_while_a_member_and_other_members_may_not(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Victor (a MEMBER) owns a license; Bob is another MEMBER of Acme
    acc = account_id(await sign_in(client))
    victor = await user_id(portal, VICTOR)
    await set_role(client, acc, victor, "MEMBER")
    await invite(client, acc, BOB, "MEMBER")
    license_id = await make_license(portal, VICTOR)
    # when
    await sign_in(other_client, BOB)
    by_other_member = await share(other_client, license_id, CAROL, "VIEW")
    seen_by_other_member = await license_as(other_client, license_id)
    await sign_in(other_client, VICTOR)
    by_owner = await share(other_client, license_id, CAROL, "VIEW")
    # then
    assert by_other_member["__typename"] == "NotFound"
    assert seen_by_other_member is not None and seen_by_other_member["shares"] == []
    assert seen_by_other_member["access"] == "MANAGE"
    assert by_owner["__typename"] == "LicenseShareSuccess"
    assert [s["email"] for s in by_owner["license"]["shares"]] == [CAROL]
    # when: the owner is made a VIEWER, ownership no longer lets them share
    await set_role(client, acc, victor, "VIEWER")
    demoted = await share(other_client, license_id, "another@example.com", "VIEW")
    assert demoted["__typename"] == "NotFound"
    seen = await license_as(other_client, license_id)
    assert seen is not None and seen["access"] == "VIEW" and seen["shares"] == []


async def test_shares_to_outside_addresses_count_toward_the_invitation_limit(
    client: GraphQLClient, portal: Portal
) -> None:
    acc = account_id(await sign_in(client))
    license_id = await make_license(portal)
    for n in range(50):
        await invite(client, acc, f"person{n}@example.com")
    limited = await share(client, license_id, "outsider@example.com", "VIEW")
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0
    mine = await license_as(client, license_id)
    assert mine is not None and mine["shares"] == []


# ---------------------------------------------------------------- ownership


async def test_ownership_passes_only_to_a_member_or_admin_of_the_account(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Alice owns a license; Victor is a VIEWER of Acme, Bob an outsider with a share
    acc = account_id(await sign_in(client))
    license_id = await make_license(portal)
    await share(client, license_id, BOB, "MANAGE")
    # when / then: neither a viewer nor an outsider nor a bad address can own it
    for email, code in ((VICTOR, "NOT_A_MEMBER"), (BOB, "NOT_A_MEMBER"), ("nobody", "INVALID_EMAIL")):
        refused = await transfer(client, license_id, email)
        assert refused["__typename"] == "InvalidInput" and codes(refused) == [("email", code)]
    assert await owner_of(portal, license_id) == ALICE
    # when: Victor becomes a MEMBER
    await set_role(client, acc, await user_id(portal, VICTOR), "MEMBER")
    moved = await transfer(client, license_id, VICTOR)
    # then
    assert moved["__typename"] == "LicenseTransferOwnershipSuccess"
    assert moved["license"]["owner"] == {"email": VICTOR}
    assert await owner_of(portal, license_id) == VICTOR
    (notice,) = await mails_to(portal, VICTOR)
    assert notice.subject == "You now own a license on the Licensing Portal"
    await sign_in(other_client, VICTOR)
    as_owner = await license_as(other_client, license_id)
    assert as_owner is not None and as_owner["access"] == "OWNER"
    assert [s["email"] for s in as_owner["shares"]] == [BOB]
    # and the new owner may pass it on, after which they can no longer share it
    back = await transfer(other_client, license_id, ALICE)
    assert back["__typename"] == "LicenseTransferOwnershipSuccess"
    assert (await share(other_client, license_id, CAROL, "VIEW"))["__typename"] == "NotFound"
    assert [(action, data.get("email")) for action, data in await history(portal, license_id)] == [
        ("license.share", BOB),
        ("license.transfer_ownership", VICTOR),
        ("license.transfer_ownership", ALICE),
    ]


async def test_an_admin_who_does_not_own_the_license_may_share_and_transfer_it(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Victor (MEMBER) owns the license, Alice is the account's admin
    acc = account_id(await sign_in(client))
    await set_role(client, acc, await user_id(portal, VICTOR), "MEMBER")
    license_id = await make_license(portal, VICTOR)
    # when
    shared = await share(client, license_id, CAROL, "VIEW")
    moved = await transfer(client, license_id, ALICE)
    # then
    assert shared["__typename"] == "LicenseShareSuccess"
    assert moved["__typename"] == "LicenseTransferOwnershipSuccess" and moved["license"]["owner"] == {
        "email": ALICE
    }
    # and a license of another account answers like an unknown one
    await sign_in(other_client, BOB)
    foreign = await share(other_client, license_id, "x@example.com", "VIEW")
    unknown = await share(other_client, str(to_global_id("License", uuid.uuid4())), "x@example.com", "VIEW")
    assert foreign == unknown and foreign["__typename"] == "NotFound"
