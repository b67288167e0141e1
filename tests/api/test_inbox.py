"""The notification centre: every event that mails someone also lands in the portal user's inbox
(upgrade notifications, keys ready, delegation invitations and answers, shares, maintenance
reminders), with an unread count, mark read, paging and the inboxUpdated subscription."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from backend.db.driver import DriverTransaction
from backend.db.models import EmailMessage, InboxItem, InboxKind
from backend.domain import notifications
from backend.domain.licenses import reminders
from backend.portal import Portal
from backend.schema.common import to_global_id
from tests.api.flows import (
    ALICE,
    BOB,
    REGISTRATION,
    VICTOR,
    account_id,
    confirm,
    enter,
    get_a_key,
    mutate,
    new_serials,
    set_registration,
    sign_in,
    start,
    wait_ready,
)
from tests.api.licenses_world import make_license, plain, user_id
from tests.api.sockets import served, session_cookie, socket
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.api.test_flex import OPS
from tests.support import GraphQLClient

TECH = REGISTRATION["technicalContact"]["email"]
ITEM = "id kind title link code createdAt readAt account { id name }"
INBOX = (
    """
query I($first: Int!, $after: String, $unreadOnly: Boolean!) {
  inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
    nodes { %s }
    pageInfo { hasNextPage endCursor }
    totalCount unreadCount
  }
}"""
    % ITEM
)
MARK = "... on InboxMarkReadSuccess { marked unreadCount items { id readAt } }"
CREATE = """mutation($i: UpgradeNotificationsCreateInput!) { upgradeNotificationsCreate(input: $i) {
    __typename ... on UpgradeNotificationsCreateSuccess { notifications { notificationId } } } }"""


async def inbox(client: GraphQLClient, first: int = 20, **kw: Any) -> dict[str, Any]:
    found: dict[str, Any] = (
        await client(
            INBOX, {"first": first, "after": kw.get("after"), "unreadOnly": kw.get("unread_only", False)}
        )
    )["inbox"]
    return found


async def of_kind(client: GraphQLClient, kind: str) -> list[dict[str, Any]]:
    return [item for item in (await inbox(client, 100))["nodes"] if item["kind"] == kind]


async def mark(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    return await mutate(client, "inboxMarkRead", "InboxMarkReadInput", input, MARK)


async def mails_to(portal: Portal, address: str, subject_start: str) -> int:
    async with portal.db.read() as session:
        found = await session.scalar(
            select(func.count()).where(
                EmailMessage.to_address == address, EmailMessage.subject.startswith(subject_start)
            )
        )
    return int(found or 0)


async def test_an_upgrade_notification_reaches_the_inbox_with_its_id(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    await get_a_key(client, portal, acme)  # alice owns an EPS-14 license; Tess is its technical contact
    await sign_in(other_client, OPS)
    created = (await other_client(CREATE, {"i": {"fromSku": "EPS-14", "toSku": "EPS-15"}}))[
        "upgradeNotificationsCreate"
    ]
    assert created["__typename"] == "UpgradeNotificationsCreateSuccess", created
    code = created["notifications"][0]["notificationId"]

    [item] = await of_kind(client, "UPGRADE_AVAILABLE")
    assert item["code"] == code
    assert item["link"] == f"/version-upgrade?notification={code}"
    assert item["title"].startswith("Version upgrade available: ")
    assert item["readAt"] is None and item["account"]["id"] == acme
    # The mail still goes, to the owner and to the technical contact (no portal user: no inbox).
    assert await mails_to(portal, ALICE, "Version upgrade available") == 1
    assert await mails_to(portal, TECH, "Version upgrade available") == 1
    assert await of_kind(other_client, "UPGRADE_AVAILABLE") == []


async def test_keys_ready_goes_to_the_requester_wherever_the_mail_goes(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acme)
    [item] = await of_kind(client, "KEYS_READY")
    assert item["link"] == f"/get-a-key/{ready['id']}"
    assert item["title"] == "Your license keys are ready (1)"
    assert item["account"]["id"] == acme
    assert await mails_to(portal, TECH, "Your license keys") == 1

    # Victor, a portal user, is the technical contact of the next request: he gets the mail, the
    # notice goes to Alice, who asked for the keys.
    request = await start(client, acme)
    await enter(client, request["id"], await new_serials(portal))
    contact = {"name": "Victor Viewer", "email": VICTOR, "phone": None}
    await set_registration(client, request["id"], {**REGISTRATION, "technicalContact": contact})
    assert (await confirm(client, request["id"], "inbox-confirm"))["__typename"] == "KeyRequestConfirmSuccess"
    assert (await wait_ready(client, request["id"]))["status"] == "READY"
    assert await mails_to(portal, VICTOR, "Your license keys") == 1
    assert [i["link"] for i in await of_kind(client, "KEYS_READY")] == [
        f"/get-a-key/{request['id']}",
        f"/get-a-key/{ready['id']}",
    ]
    await sign_in(other_client, VICTOR)
    assert (await inbox(other_client))["totalCount"] == 0


async def test_a_share_reaches_the_user_it_is_shared_with(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    license_id = (await get_a_key(client, portal, acme))["licenses"][0]["id"]
    shared = await mutate(
        client,
        "licenseShare",
        "LicenseShareInput",
        {"licenseId": license_id, "email": BOB, "permission": "VIEW"},
    )
    assert shared["__typename"] == "LicenseShareSuccess", shared
    # Nobody signed up yet: the mail alone.
    await mutate(
        client,
        "licenseShare",
        "LicenseShareInput",
        {"licenseId": license_id, "email": "newcomer@elsewhere.example", "permission": "VIEW"},
    )
    async with portal.db.read() as session:
        assert (
            await session.scalar(select(func.count()).select_from(InboxItem)) == 2
        )  # keys ready, Bob's share

    await sign_in(other_client, BOB)
    [item] = (await inbox(other_client))["nodes"]
    assert (item["kind"], item["link"]) == ("LICENSE_SHARED", f"/licenses/{license_id}")
    assert item["title"].startswith("Alice Admin shared ") and item["title"].endswith(" with you")
    assert item["account"] is None  # Bob is no member of ACME: the account stays hidden
    # The link opens: the license is his to see.
    opened = await other_client("query L($id: ID!) { license(id: $id) { id } }", {"id": license_id})
    assert opened["license"] == {"id": license_id}


async def test_a_delegation_invitation_and_its_answer(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    carol = await sign_in(other_client, CAROL)
    invited = await invite(client, acme, scope="MANAGE", partnerAccountNumber=await partner_number(portal))
    [invitation] = await of_kind(other_client, "DELEGATION_INVITED")
    assert invitation["link"] == "/partner/delegations"
    assert invitation["title"] == "Acme Corp invites Initech Partners to manage its licenses"
    assert invitation["account"]["id"] == account_id(carol, "PARTNER")

    accepted = await answer(other_client, "delegationAccept", invited["delegation"]["id"])
    assert accepted["__typename"] == "DelegationAcceptSuccess"
    [answered] = await of_kind(client, "DELEGATION_ANSWERED")
    assert (answered["link"], answered["title"]) == (
        "/account/partners",
        "Initech Partners accepted your delegation",
    )
    assert answered["account"]["id"] == acme


async def test_a_maintenance_reminder(client: GraphQLClient, portal: Portal) -> None:
    account = plain(account_id(await sign_in(client)), "Account")
    today = date(2031, 6, 15)
    made = await make_license(
        portal, account, maintenance_until=today + timedelta(days=30), owner_id=await user_id(portal, ALICE)
    )
    await reminders.run(portal.db, portal.bus, portal.settings, today)
    [item] = await of_kind(client, "MAINTENANCE_REMINDER")
    assert item["link"] == f"/licenses/{to_global_id('License', made.license_id)}"
    assert item["title"].startswith("Maintenance of ") and item["title"].endswith("2031-07-15")
    assert await mails_to(portal, ALICE, "Maintenance of") == 1


async def notices(portal: Portal, email: str, count: int) -> None:
    """`count` notifications for the user, written as queue_email writes them."""
    uid = await user_id(portal, email)

    async def work(tx: DriverTransaction) -> None:
        for n in range(count):
            notice = notifications.Notice(InboxKind.KEYS_READY, f"Notice {n}", "/licenses", user_id=uid)
            await notifications.deliver(tx, portal.bus, notice, to=email, account_id=None)

    await portal.db.driver.run(work)


async def test_unread_count_and_mark_read(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    await sign_in(client)
    await sign_in(other_client, BOB)
    await notices(portal, ALICE, 4)
    await notices(portal, BOB, 1)
    first = await inbox(client)
    assert (first["totalCount"], first["unreadCount"]) == (4, 4)
    ids = [item["id"] for item in first["nodes"]]

    some = await mark(client, ids=ids[:2])
    assert (some["__typename"], some["marked"], some["unreadCount"]) == ("InboxMarkReadSuccess", 2, 2)
    assert [i["id"] for i in some["items"]] == ids[:2] and all(i["readAt"] for i in some["items"])
    again = await mark(client, ids=ids[:2])
    assert (again["marked"], again["unreadCount"]) == (0, 2)
    unread = await inbox(client, unread_only=True)
    assert [i["id"] for i in unread["nodes"]] == ids[2:] and unread["totalCount"] == 2

    # Bob's item by id: unknown to Alice, and nothing of hers is marked either.
    bobs = (await inbox(other_client))["nodes"][0]["id"]
    foreign = await mark(client, ids=[ids[2], bobs])
    unknown = await mark(client, ids=[ids[2], to_global_id("InboxItem", uuid.uuid4())])
    assert foreign == unknown
    assert (foreign["__typename"], foreign["field"]) == ("NotFound", "ids")
    assert (await inbox(other_client))["unreadCount"] == 1
    assert (await inbox(client))["unreadCount"] == 2
    node = "query N($id: ID!) { node(id: $id) { __typename id } }"
    assert (await client(node, {"id": bobs}))["node"] is None
    assert (await other_client(node, {"id": bobs}))["node"] == {"__typename": "InboxItem", "id": bobs}

    neither = await mark(client)
    both = await mark(client, ids=ids[:1], all=True)
    assert neither["__typename"] == both["__typename"] == "InvalidInput"

    every = await mark(client, all=True)
    assert (every["marked"], every["unreadCount"], every["items"]) == (2, 0, [])
    assert (await inbox(client, unread_only=True))["nodes"] == []
    assert (await inbox(other_client))["unreadCount"] == 1


async def test_paging_newest_first(client: GraphQLClient, portal: Portal) -> None:
    await sign_in(client)
    await notices(portal, ALICE, 25)
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = await inbox(client, 10, after=after)
        assert page["totalCount"] == 25
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 25 and len({i["id"] for i in seen}) == 25
    stamps = [i["createdAt"] for i in seen]
    assert stamps == sorted(stamps, reverse=True)
    for bad in ({"first": 0}, {"first": 101}, {"first": 10, "after": "nonsense"}):
        body = await client.raw(INBOX, {"unreadOnly": False, **bad})
        assert body["errors"] and body["data"] is None


async def test_inbox_updated_emits_the_unread_count(
    portal_app: tuple[Any, Portal], client: GraphQLClient
) -> None:
    app, portal = portal_app
    await sign_in(client)
    await notices(portal, ALICE, 2)
    query = "subscription { inboxUpdated }"
    async with served(app) as host, socket(host, session_cookie(client)) as ws:
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))

        async def count() -> int:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] == "next", message
            value: int = message["payload"]["data"]["inboxUpdated"]
            return value

        assert await count() == 2
        await notices(portal, ALICE, 1)
        assert await count() == 3
        await mark(client, all=True)
        assert await count() == 0


def test_links_use_the_graphql_ids() -> None:
    value = uuid.uuid4()
    assert notifications.license_link(value) == f"/licenses/{to_global_id('License', value)}"
