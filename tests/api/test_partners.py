"""A partner's customer accounts: managedAccounts with filters, paging and summaries; serials a
partner holds for customers; statement counts that do not grow with the number of accounts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from backend.db.models import (
    Account,
    AccountKind,
    Delegation,
    DelegationScope,
    DelegationStatus,
    License,
    Product,
    Serial,
)
from backend.domain.accounts.users import create_account
from backend.domain.catalog import issue_serials
from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import ALICE, BOB, account_id, enter, get_a_key, sign_in, start
from tests.api.licenses_world import create_field, make_license, plain, set_values
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.support import GraphQLClient, statements

MANAGED = """
query M($first: Int!, $after: String, $filter: ManagedAccountFilter) {
  managedAccounts(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor scope
      delegation { id status }
      node {
        id name
        summary { totalLicenses nextMaintenanceEnd openKeyRequests byStatus { status count } }
      }
    }
  }
}"""

MANAGED_WITH_LICENSES = """
query M($first: Int!) {
  managedAccounts(first: $first) {
    totalCount
    edges {
      node {
        id name
        summary { totalLicenses nextMaintenanceEnd openKeyRequests byStatus { status count } }
        licenses(first: 20) {
          totalCount
          edges { node { id status quantity maintenanceUntil product { sku name }
                         keys { activationKey } customValues { value } } }
        }
      }
    }
  }
}"""


async def managed(client: GraphQLClient, first: int = 50, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client(MANAGED, {"first": first, **variables}))["managedAccounts"]
    return result


async def delegate(
    portal: Portal, customer: GraphQLClient, partner: GraphQLClient, email: str, scope: str
) -> str:
    acc = account_id(await sign_in(customer, email))
    invited = await invite(customer, acc, scope=scope, partnerAccountNumber=await partner_number(portal))
    await sign_in(partner, CAROL)
    assert (await answer(partner, "delegationAccept", invited["delegation"]["id"]))["__typename"] == (
        "DelegationAcceptSuccess"
    )
    return acc


async def test_managed_accounts_filters_pages_and_summaries(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    partner = other_client
    acme = await delegate(portal, client, partner, "alice@acme.example", "MANAGE")
    globex = await delegate(portal, client, partner, BOB, "VIEW")
    # A pending invitation from a third customer does not count.
    async with portal.db.write() as session:
        initech = await session.scalar(select(Account.id).where(Account.name == "Initech Partners"))
        pending = await create_account(session, "Hooli", AccountKind.CUSTOMER)
        session.add(
            Delegation(
                customer_account_id=pending.id,
                partner_account_id=initech,
                scope=DelegationScope.MANAGE,
                status=DelegationStatus.PENDING,
            )
        )

    ready = await get_a_key(partner, portal, acme)  # acting for ACME
    async with portal.db.write() as session:
        soon = date.today() + timedelta(days=20)
        await session.execute(
            update(License)
            .where(License.id == from_global_id(ready["licenses"][0]["id"], "License"))
            .values(maintenance_until=soon)
        )
    draft = await start(partner, acme)  # an open key request

    everything = await managed(partner)
    assert everything["totalCount"] == 2
    names = [e["node"]["name"] for e in everything["edges"]]
    assert names == sorted(names) and len(names) == 2
    by_id = {e["node"]["id"]: e for e in everything["edges"]}
    assert by_id[acme]["scope"] == "MANAGE" and by_id[globex]["scope"] == "VIEW"
    summary = by_id[acme]["node"]["summary"]
    assert summary["totalLicenses"] == 1
    assert summary["nextMaintenanceEnd"] == soon.isoformat()
    assert summary["openKeyRequests"] == 1
    assert {s["status"]: s["count"] for s in summary["byStatus"]}["EXPIRING"] == 1
    assert by_id[globex]["node"]["summary"] == {
        "totalLicenses": 0,
        "nextMaintenanceEnd": None,
        "openKeyRequests": 0,
        "byStatus": [{"status": s, "count": 0} for s in _STATUSES],
    }

    # Filters: name, product, expiring within N days.
    assert [e["node"]["id"] for e in (await managed(partner, filter={"name": "GLOB"}))["edges"]] == [globex]
    assert [e["node"]["id"] for e in (await managed(partner, filter={"productSku": "eps-14"}))["edges"]] == [
        acme
    ]
    assert (await managed(partner, filter={"productSku": "DLP-16"}))["totalCount"] == 0
    assert [
        e["node"]["id"] for e in (await managed(partner, filter={"expiringWithinDays": 30}))["edges"]
    ] == [acme]
    assert (await managed(partner, filter={"expiringWithinDays": 10}))["totalCount"] == 0

    # Pages of one, by cursor.
    first = await managed(partner, first=1)
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 2
    second = await managed(partner, first=1, after=first["pageInfo"]["endCursor"])
    assert not second["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in first["edges"] + second["edges"]] == names

    # Customers see no managed accounts; the draft stays theirs to see.
    assert (await managed(client))["totalCount"] == 0
    assert draft["status"] == "DRAFT"


_STATUSES = ["ACTIVE", "EXPIRING", "MAINTENANCE_LAPSED", "EXPIRED", "SUPERSEDED", "REVOKED"]


async def test_serials_held_by_a_partner_register_only_through_it(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    partner = other_client
    acme = await delegate(portal, client, partner, "alice@acme.example", "MANAGE")
    async with portal.db.write() as session:
        initech = await session.scalar(select(Account).where(Account.name == "Initech Partners"))
        product = await session.scalar(select(Product).where(Product.sku == "EPS-14"))
        assert initech is not None and product is not None
        held = await issue_serials(session, product, quantity=5, count=2, holder_account_id=initech.id)
    numbers = sorted(s.number for s in held)

    query = "query H($id: ID!) { node(id: $id) { ... on Account { heldSerials { number status } } } }"
    partner_me = await sign_in(partner, CAROL)
    listed = (await partner(query, {"id": account_id(partner_me, "PARTNER")}))["node"]["heldSerials"]
    # The demo partner holds a few serials of its own already.
    assert set(numbers) <= {s["number"] for s in listed}
    assert all(s["status"] == "UNREGISTERED" for s in listed)

    # To the customer's own users a held serial is an unknown number.
    own = await start(client, acme)
    refused = await enter(client, own["id"], [numbers[0]])
    assert refused["__typename"] == "SerialNumbersRejected"
    assert [p["code"] for p in refused["problems"]] == ["UNKNOWN"]

    # The partner registers it into the customer account it manages.
    request = await start(partner, acme)
    entered = await enter(partner, request["id"], [numbers[0]])
    assert entered["__typename"] == "KeyRequestEnterSerialsSuccess", entered
    async with portal.db.read() as session:
        assert await session.scalar(select(Serial.holder_account_id).where(Serial.number == numbers[0])) == (
            initech.id
        )


async def add_customers(portal: Portal, count: int, licenses_each: int) -> None:
    """Customer accounts delegated to Initech, each with licenses (no keys needed here)."""
    async with portal.db.write() as session:
        initech = await session.scalar(select(Account.id).where(Account.name == "Initech Partners"))
        product = await session.scalar(select(Product.id).where(Product.sku == "EPS-14"))
        assert initech is not None and product is not None
        for i in range(count):
            customer = await create_account(session, f"Customer {i:03d}", AccountKind.CUSTOMER)
            session.add(
                Delegation(
                    customer_account_id=customer.id,
                    partner_account_id=initech,
                    scope=DelegationScope.MANAGE,
                    status=DelegationStatus.ACTIVE,
                )
            )
            for n in range(licenses_each):
                session.add(
                    License(
                        id=uuid.uuid4(),
                        account_id=customer.id,
                        product_id=product,
                        quantity=n + 1,
                        maintenance_until=date.today() + timedelta(days=30 * n),
                    )
                )


async def test_statements_do_not_grow_with_accounts(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    partner = other_client
    acme = await delegate(portal, client, partner, "alice@acme.example", "MANAGE")
    await get_a_key(partner, portal, acme)
    if portal.worker is not None:
        await portal.worker.stop()  # its idle polls would land in the count

    with statements(portal) as one:
        page = (await partner(MANAGED_WITH_LICENSES, {"first": 100}))["managedAccounts"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["licenses"]["edges"][0]["node"]["keys"]

    await add_customers(portal, 30, 3)
    with statements(portal) as many:
        page = (await partner(MANAGED_WITH_LICENSES, {"first": 100}))["managedAccounts"]
    assert page["totalCount"] == 31
    assert sum(len(e["node"]["licenses"]["edges"]) for e in page["edges"]) == 1 + 30 * 3
    assert all(
        e["node"]["licenses"]["totalCount"] == len(e["node"]["licenses"]["edges"]) for e in page["edges"]
    )
    assert len(many) == len(one), (one, many)
    assert len(one) <= 12


SHOWN = """
fragment Shown on License {
  id status quantity maintenanceUntil hostId createdAt
  product { id sku name version licenseModel locking }
  owner { id }
  keys { id activationKey licenseFile hostId kid status issuedAt }
  customValues { field { id name type options required position } value }
}"""
PAGES = (
    SHOWN
    + """
query P($first: Int!, $after: String) {
  managedAccounts(first: 10) {
    edges { node { id
      licenses(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage startCursor endCursor }
        edges { cursor node { ...Shown } }
      }
      inline: licenses(first: 20) { edges { node { ... on License { id keys { activationKey } } } } }
    } }
  }
}"""
)
ONE = SHOWN + "query L($id: ID!) { license(id: $id) { ...Shown } }"


async def test_first_pages_show_what_each_license_shows(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    """managedAccounts reads its first pages' keys and custom values with the pages (asked for
    through fragments or inline): every field answers as the license itself does, the license
    files included (read when asked for), and the cursors page on."""
    partner = other_client
    acme = await delegate(portal, client, partner, ALICE, "MANAGE")
    await sign_in(client)  # ALICE, the account's admin, sets up fields and values
    cost = await create_field(client, acme, "Cost center", "TEXT")
    dept = await create_field(client, acme, "Dept", "CHOICE", ["Eng", "Ops"])
    made = [await make_license(portal, plain(acme, "Account"), quantity=n + 1) for n in range(3)]
    result = await set_values(
        client,
        [m.global_id for m in made[:2]],
        [{"fieldId": dept["id"], "value": "Ops"}, {"fieldId": cost["id"], "value": "CC-7"}],
    )
    assert result["__typename"] == "LicensesSetCustomValuesSuccess", result

    page = (await partner(PAGES, {"first": 20}))["managedAccounts"]["edges"]
    account = next(e["node"] for e in page if e["node"]["id"] == acme)
    licenses = account["licenses"]
    edges = licenses["edges"]
    assert {m.global_id for m in made} <= {e["node"]["id"] for e in edges}
    assert licenses["totalCount"] == len(edges)
    for edge in edges:
        assert edge["node"] == (await partner(ONE, {"id": edge["node"]["id"]}))["license"]
    by_id = {e["node"]["id"]: e["node"] for e in edges}
    for m in made:
        assert [(k["activationKey"], k["licenseFile"]) for k in by_id[m.global_id]["keys"]] == [
            (m.activation_key, m.license_file)
        ]
    assert [(v["field"]["name"], v["value"]) for v in by_id[made[0].global_id]["customValues"]] == [
        ("Cost center", "CC-7"),
        ("Dept", "Ops"),
    ]
    assert by_id[made[2].global_id]["customValues"] == []
    assert [e["node"]["keys"] for e in account["inline"]["edges"]] == [
        [{"activationKey": k["activationKey"]} for k in e["node"]["keys"]] for e in edges
    ]
    assert licenses["pageInfo"]["startCursor"] == edges[0]["cursor"]
    assert licenses["pageInfo"]["endCursor"] == edges[-1]["cursor"]

    # One license, then the rest after its cursor.
    first = (await partner(PAGES, {"first": 1}))["managedAccounts"]["edges"]
    head = next(e["node"]["licenses"] for e in first if e["node"]["id"] == acme)
    assert head["pageInfo"]["hasNextPage"] == (len(edges) > 1)
    rest = (await partner(PAGES, {"first": 20, "after": head["pageInfo"]["endCursor"]}))["managedAccounts"]
    tail = next(e["node"]["licenses"] for e in rest["edges"] if e["node"]["id"] == acme)
    assert [e["node"] for e in head["edges"] + tail["edges"]] == [e["node"] for e in edges]
