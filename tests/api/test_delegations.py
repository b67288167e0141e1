"""Delegation lifecycle: invite, accept, decline, revoke, end date; acting for a customer."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from backend.db.models import Account, AuditEvent, Delegation, EmailMessage, utcnow
from backend.domain.key_requests.pipeline import topic
from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import BOB, FIELD_ERRORS, VICTOR, account_id, get_a_key, mutate, sign_in
from tests.support import GraphQLClient

CAROL = "carol@initech.example"
DELEGATION = (
    "... on %s { delegation { id status scope endsOn customerAccount { name } partnerAccount { name } } }"
)
DELEGATIONS = (
    "query D($id: ID!) { node(id: $id) { ... on Account { delegations { id status scope endsOn } } } }"
)
KEY_REQUEST_START = """
mutation S($input: KeyRequestStartInput!) {
  keyRequestStart(input: $input) {
    __typename
    ... on KeyRequestStartSuccess { keyRequest { id } }
    ... on UserError { code field }
  }
}"""
LICENSES = "query L($id: ID!) { accountLicenses(accountId: $id) { id product { sku } } }"


async def partner_number(portal: Portal) -> str:
    async with portal.db.read() as session:
        number = await session.scalar(select(Account.number).where(Account.name == "Initech Partners"))
    assert number is not None
    return number


async def invite(client: GraphQLClient, acc: str, **fields: Any) -> dict[str, Any]:
    return await mutate(
        client,
        "delegationInvite",
        "DelegationInviteInput",
        {"accountId": acc, **fields},
        DELEGATION % "DelegationInviteSuccess" + FIELD_ERRORS,
    )


async def answer(client: GraphQLClient, name: str, delegation_id: str) -> dict[str, Any]:
    success = name[0].upper() + name[1:] + "Success"
    return await mutate(
        client, name, "DelegationIdInput", {"delegationId": delegation_id}, DELEGATION % success
    )


async def delegated(
    portal: Portal, client: GraphQLClient, partner: GraphQLClient, scope: str = "MANAGE"
) -> tuple[str, str]:
    """ACME (alice) delegates to Initech (carol accepts); returns (acme account id, delegation id)."""
    acme = account_id(await sign_in(client))
    await sign_in(partner, CAROL)
    invited = await invite(client, acme, scope=scope, partnerAccountNumber=await partner_number(portal))
    assert invited["__typename"] == "DelegationInviteSuccess", invited
    assert invited["delegation"]["status"] == "PENDING"
    accepted = await answer(partner, "delegationAccept", invited["delegation"]["id"])
    assert accepted["__typename"] == "DelegationAcceptSuccess", accepted
    assert accepted["delegation"]["status"] == "ACTIVE"
    return acme, str(invited["delegation"]["id"])


async def test_manage_delegation_lets_the_partner_get_a_key_until_revoked(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    partner = other_client
    acme, delegation_id = await delegated(portal, client, partner)
    partner_me = await sign_in(partner, CAROL)

    # Both sides list the delegation.
    for who, acc in ((client, acme), (partner, account_id(partner_me, "PARTNER"))):
        listed = (await who(DELEGATIONS, {"id": acc}))["node"]["delegations"]
        assert [(d["id"], d["status"], d["scope"]) for d in listed] == [(delegation_id, "ACTIVE", "MANAGE")]

    # Acting for ACME: the whole Get a Key flow on ACME's account.
    ready = await get_a_key(partner, portal, acme)
    assert ready["status"] == "READY" and ready["keys"]
    # The customer sees the key in its own portal at once.
    licenses = (await client(LICENSES, {"id": acme}))["accountLicenses"]
    assert ready["licenses"][0]["id"] in [lic["id"] for lic in licenses]
    async with portal.db.read() as session:
        event = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "key_request.confirm")
            .order_by(AuditEvent.id.desc())
        )
    # The audit trail names the partner user, the partner account and the customer account.
    assert event is not None
    assert event.account_id == from_global_id(acme, "Account")
    assert event.actor_account_id == from_global_id(account_id(partner_me, "PARTNER"), "Account")
    assert event.actor_user_id == from_global_id(partner_me["id"], "User")

    # A draft the partner is watching: revocation wakes its subscribers so they re-check access.
    draft = (await partner(KEY_REQUEST_START, {"input": {"accountId": acme}}))["keyRequestStart"]
    draft_id = from_global_id(draft["keyRequest"]["id"], "KeyRequest")
    assert draft_id is not None
    async with portal.bus.subscribe(topic(draft_id)) as queue:
        revoked = await answer(client, "delegationRevoke", delegation_id)
        assert revoked["__typename"] == "DelegationRevokeSuccess", revoked
        assert revoked["delegation"]["status"] == "REVOKED"
        await asyncio.wait_for(queue.get(), 5)

    # The very next request is refused exactly like an unknown account.
    refused = (await partner(KEY_REQUEST_START, {"input": {"accountId": acme}}))["keyRequestStart"]
    assert refused == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "accountId"}
    assert (await partner(LICENSES, {"id": acme}))["accountLicenses"] == []
    kr = "query K($id: ID!) { keyRequest(id: $id) { id } }"
    assert (await partner(kr, {"id": draft["keyRequest"]["id"]}))["keyRequest"] is None
    again = await answer(client, "delegationRevoke", delegation_id)
    assert again["__typename"] == "DelegationRefused" and again["code"] == "NOT_OPEN"


async def test_view_scope_reads_but_cannot_act(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acme = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acme)
    await delegated(portal, client, other_client, scope="VIEW")
    seen = (await other_client(LICENSES, {"id": acme}))["accountLicenses"]
    assert ready["licenses"][0]["id"] in [lic["id"] for lic in seen]
    refused = (await other_client(KEY_REQUEST_START, {"input": {"accountId": acme}}))["keyRequestStart"]
    assert refused["__typename"] == "NotAllowed"  # he sees the account: his role is named


async def test_invite_by_partner_user_email_then_decline(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acme = account_id(await sign_in(client))
    ends = (date.today() + timedelta(days=30)).isoformat()
    invited = await invite(client, acme, scope="VIEW", partnerUserEmail=CAROL.upper(), endsOn=ends)
    assert invited["__typename"] == "DelegationInviteSuccess", invited
    assert invited["delegation"]["partnerAccount"]["name"] == "Initech Partners"
    assert invited["delegation"]["endsOn"] == ends
    # A second open invitation to the same partner is refused.
    twice = await invite(client, acme, scope="MANAGE", partnerAccountNumber=await partner_number(portal))
    assert twice["fieldErrors"][0]["code"] == "ALREADY_DELEGATED"
    async with portal.db.read() as session:
        mails = list(await session.scalars(select(EmailMessage.to_address)))
    assert CAROL in mails

    await sign_in(other_client, CAROL)
    declined = await answer(other_client, "delegationDecline", invited["delegation"]["id"])
    assert declined["delegation"]["status"] == "DECLINED"
    late = await answer(other_client, "delegationAccept", invited["delegation"]["id"])
    assert late["__typename"] == "DelegationRefused" and late["code"] == "NOT_PENDING"
    # Declined: nothing granted, and a new invitation is possible.
    assert (await other_client(LICENSES, {"id": acme}))["accountLicenses"] == []
    anew = await invite(client, acme, scope="VIEW", partnerUserEmail=CAROL)
    assert anew["__typename"] == "DelegationInviteSuccess"


async def test_end_date_ends_the_delegation_by_itself(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acme, delegation_id = await delegated(portal, client, other_client)
    assert (await other_client(KEY_REQUEST_START, {"input": {"accountId": acme}}))["keyRequestStart"][
        "__typename"
    ] == "KeyRequestStartSuccess"
    async with portal.db.write() as session:
        await session.execute(
            update(Delegation)
            .where(Delegation.id == from_global_id(delegation_id, "Delegation"))
            .values(ends_at=utcnow() - timedelta(seconds=1))
        )
    refused = (await other_client(KEY_REQUEST_START, {"input": {"accountId": acme}}))["keyRequestStart"]
    assert refused["__typename"] == "NotFound"
    listed = (await client(DELEGATIONS, {"id": acme}))["node"]["delegations"]
    assert listed[0]["status"] == "EXPIRED"
    revoke = await answer(client, "delegationRevoke", delegation_id)
    assert revoke["__typename"] == "DelegationRefused"


async def test_who_may_do_what(portal: Portal, client: GraphQLClient, other_client: GraphQLClient) -> None:
    number = await partner_number(portal)
    acme = account_id(await sign_in(client))
    # Bad input changes nothing and names the field.
    unknown = await invite(client, acme, scope="VIEW", partnerAccountNumber="P999999")
    assert unknown["fieldErrors"][0] == {
        "field": "partnerAccountNumber",
        "code": "UNKNOWN_PARTNER",
        "message": "No partner account has this number.",
    }
    customer_email = await invite(client, acme, scope="VIEW", partnerUserEmail=BOB)
    assert customer_email["fieldErrors"][0]["code"] == "UNKNOWN_PARTNER"
    neither = await invite(client, acme, scope="VIEW")
    assert neither["fieldErrors"][0]["field"] == "partnerAccountNumber"
    past = await invite(client, acme, scope="VIEW", partnerAccountNumber=number, endsOn="2020-01-01")
    assert past["fieldErrors"][0] == {
        "field": "endsOn",
        "code": "IN_PAST",
        "message": "The end date must be today or later.",
    }
    async with portal.db.read() as session:
        assert await session.scalar(select(Delegation.id)) is None

    # A VIEWER of the account, another customer's admin and a partner user cannot invite for ACME.
    for email in (VICTOR, BOB, "carol@initech.example"):
        await sign_in(other_client, email)
        refused = await invite(other_client, acme, scope="VIEW", partnerAccountNumber=number)
        assert refused == {
            "__typename": "NotFound",
            "code": "NOT_FOUND",
            "message": "No such account, or you do not have access to it.",
            "field": "accountId",
        }

    invited = await invite(client, acme, scope="MANAGE", partnerAccountNumber=number)
    delegation_id = invited["delegation"]["id"]
    # The customer cannot accept its own invitation; another customer cannot see or revoke it.
    assert (await answer(client, "delegationAccept", delegation_id))["__typename"] == "NotFound"
    await sign_in(other_client, BOB)
    assert (await answer(other_client, "delegationRevoke", delegation_id))["__typename"] == "NotFound"
    bob_account = account_id(await sign_in(other_client, BOB))
    assert (await other_client(DELEGATIONS, {"id": acme}))["node"] is None
    assert (await other_client(DELEGATIONS, {"id": bob_account}))["node"]["delegations"] == []
    # The partner side may revoke too, even while pending.
    await sign_in(other_client, CAROL)
    withdrawn = await answer(other_client, "delegationRevoke", delegation_id)
    assert withdrawn["delegation"]["status"] == "REVOKED"
