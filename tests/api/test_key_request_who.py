"""Who did what on a key request (SQLite and PostgreSQL): the requester, the partner account a
partner acted from, the products a request is for at every stage, and discarding drafts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from backend.db.models import (
    Account,
    AuditEvent,
    Delegation,
    DelegationScope,
    DelegationStatus,
    KeyRequest,
    KeyRequestSerial,
    Membership,
    Role,
    User,
)
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id
from tests.api.flows import ALICE, BOB, account_id, enter, get_a_key, new_serials, sign_in, start
from tests.conftest import client_for
from tests.support import GraphQLClient

CAROL = "carol@initech.example"
WHO = """
query W($id: ID!) {
  keyRequest(id: $id) {
    kind status requestedBy { email } actingAccount { name kind } products { sku }
  }
}"""
DISCARD = """
mutation D($input: KeyRequestDiscardInput!) {
  keyRequestDiscard(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on KeyRequestDiscardSuccess { keyRequestId }
  }
}"""


async def who(client: GraphQLClient, request_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client(WHO, {"id": request_id}))["keyRequest"]
    return found


async def discard(client: GraphQLClient, request_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await client(DISCARD, {"input": {"keyRequestId": request_id}}))[
        "keyRequestDiscard"
    ]
    return answer


async def test_a_request_names_its_requester_and_products_from_draft_to_keys(
    client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    draft = await start(client, acme)
    empty = await who(client, draft["id"])
    assert (
        empty["requestedBy"]["email"] == ALICE and empty["products"] == [] and empty["actingAccount"] is None
    )
    numbers = await new_serials(portal, "DLP-16") + await new_serials(portal, "EPS-14")
    await enter(client, draft["id"], numbers)
    assert [p["sku"] for p in (await who(client, draft["id"]))["products"]] == ["DLP-16", "EPS-14"]
    ready = await get_a_key(client, portal, acme, sku="MGW-10", host_id="host-1")
    done = await who(client, ready["id"])
    assert done["status"] == "READY" and [p["sku"] for p in done["products"]] == ["MGW-10"]


async def test_a_partners_request_names_the_partner_account_it_acted_from(
    client: GraphQLClient, portal: Portal, portal_app: Any
) -> None:
    acme = account_id(await sign_in(client))
    async with portal.db.write() as session:
        partner = await session.scalar(select(Account.id).where(Account.name == "Initech Partners"))
        assert partner is not None
        session.add(
            Delegation(
                id=uuid.uuid4(),
                customer_account_id=from_global_id(acme, "Account"),
                partner_account_id=partner,
                scope=DelegationScope.MANAGE,
                status=DelegationStatus.ACTIVE,
            )
        )
    async with client_for(portal_app[0]) as http:
        carol = GraphQLClient(http)
        await sign_in(carol, CAROL)
        drafted = await start(carol, acme)
    seen = await who(client, drafted["id"])
    assert seen["requestedBy"]["email"] == CAROL
    assert seen["actingAccount"] == {"name": "Initech Partners", "kind": "PARTNER"}


async def test_drafts_are_discarded_by_their_creator_or_an_admin_and_nothing_else(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal, portal_app: Any
) -> None:
    acme = account_id(await sign_in(client))
    mine = await start(client, acme)
    await enter(client, mine["id"], await new_serials(portal))
    first = await discard(client, mine["id"])
    assert first["__typename"] == "KeyRequestDiscardSuccess", first
    assert (await who(client, mine["id"])) is None
    async with portal.db.read() as session:
        gone = await session.scalar(
            select(func.count()).select_from(KeyRequest).where(KeyRequest.account_id.is_not(None))
        )
        left = await session.scalar(select(func.count()).select_from(KeyRequestSerial))
        audited = await session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "key_request.discard")
        )
    assert gone == 0 and left == 0 and audited is not None

    # A viewer may not discard the admin's draft; an outsider gets the unknown-id answer.
    admins = await start(client, acme)
    async with client_for(portal_app[0]) as http:
        viewer = GraphQLClient(http)
        await sign_in(viewer, "victor@acme.example")
        refused = await discard(viewer, admins["id"])
    assert refused["__typename"] == "NotAllowed" and "Viewer" in refused["message"]
    await sign_in(other_client, BOB)
    assert (await discard(other_client, admins["id"]))["__typename"] == "NotFound"
    assert (await who(client, admins["id"]))["status"] == "DRAFT"
    # A member's draft: the account's admin may discard it.
    async with portal.db.write() as session:
        member = User(id=uuid.uuid4(), email="mia@acme.example", name="Mia Member", password_hash="x")
        session.add(member)
        await session.flush()
        session.add(
            Membership(user_id=member.id, account_id=from_global_id(acme, "Account"), role=Role.MEMBER)
        )
        session.add(
            KeyRequest(
                id=(members := uuid.uuid4()), account_id=from_global_id(acme, "Account"), user_id=member.id
            )
        )
    assert (await discard(client, to_global_id("KeyRequest", members)))[
        "__typename"
    ] == "KeyRequestDiscardSuccess"
    # A submitted request cannot be discarded.
    ready = await get_a_key(client, portal, acme)
    submitted = await discard(client, ready["id"])
    assert submitted["__typename"] == "KeyRequestNotEditable"


PREFILL = """
query P($id: ID!) {
  keyRequest(id: $id) {
    suggestedRegistration { company }
    suggestedRegistrationSource { byYou enteredAt enteredBy { email } }
  }
}"""


async def test_a_prefill_says_whose_details_it_shows(
    client: GraphQLClient, portal: Portal, portal_app: Any
) -> None:
    acme = account_id(await sign_in(client))
    fresh = await start(client, acme)
    nothing = (await client(PREFILL, {"id": fresh["id"]}))["keyRequest"]
    assert nothing == {"suggestedRegistration": None, "suggestedRegistrationSource": None}
    await discard(client, fresh["id"])
    await get_a_key(client, portal, acme)
    mine = await start(client, acme)
    own = (await client(PREFILL, {"id": mine["id"]}))["keyRequest"]
    assert own["suggestedRegistration"] is not None
    assert own["suggestedRegistrationSource"]["byYou"] is True
    assert own["suggestedRegistrationSource"]["enteredBy"]["email"] == ALICE

    async with portal.db.write() as session:
        member = User(id=uuid.uuid4(), email="mia@acme.example", name="Mia Member", password_hash="x")
        session.add(member)
        await session.flush()
        session.add(
            Membership(user_id=member.id, account_id=from_global_id(acme, "Account"), role=Role.MEMBER)
        )
        session.add(
            KeyRequest(
                id=(theirs := uuid.uuid4()), account_id=from_global_id(acme, "Account"), user_id=member.id
            )
        )
    # Mia's draft: the prefill is Alice's, and says so.
    async with client_for(portal_app[0]) as http:
        mia = GraphQLClient(http)
        async with portal.db.write() as session:
            found = await session.get(User, member.id)
            assert found is not None
            found.password_hash = (
                await session.scalar(select(User.password_hash).where(User.email == ALICE))
            ) or ""
            found.email_verified_at = found.created_at
        await sign_in(mia, "mia@acme.example")
        seen = (await mia(PREFILL, {"id": to_global_id("KeyRequest", theirs)}))["keyRequest"]
    source = seen["suggestedRegistrationSource"]
    assert source["byYou"] is False and source["enteredBy"]["email"] == ALICE and source["enteredAt"]
