"""Find anything (SQLite and PostgreSQL): the header search finds licenses by product, serial number
and activation key, key requests by a serial they hold, and accounts the user can act for —
never anything of an account the user cannot see."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from backend.db.models import Account, Delegation, DelegationScope, DelegationStatus
from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import BOB, account_id, enter, get_a_key, new_serials, sign_in, start
from tests.conftest import client_for
from tests.support import GraphQLClient

SEARCH = """
query S($q: String!) {
  search(query: $q) {
    kind title detail license { id } keyRequest { id status } account { id name kind }
  }
}"""


async def search(client: GraphQLClient, term: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client(SEARCH, {"q": term}))["search"]
    return found


async def test_search_finds_licenses_serials_keys_and_requests_of_the_users_accounts_only(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acme = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acme, sku="DLP-16")
    license_id = ready["licenses"][0]["id"]
    serial = ready["serials"][0]["number"]
    key = ready["keys"][0]["activationKey"]

    by_product = await search(client, "data loss")
    hit = next(h for h in by_product if h["kind"] == "LICENSE" and h["license"]["id"] == license_id)
    assert hit["detail"].startswith(f"{serial[:4]}-{serial[4:7]}-{serial[7:]} · ")  # tells licenses apart
    by_serial = await search(client, serial.lower())
    assert [(h["kind"], h["license"]["id"]) for h in by_serial if h["license"]] == [("SERIAL", license_id)]
    by_key = await search(client, key.replace("-", " "))
    assert [(h["kind"], h["license"]["id"]) for h in by_key if h["license"]] == [
        ("ACTIVATION_KEY", license_id)
    ]

    draft = await start(client, acme)
    held = (await new_serials(portal, "EPS-14"))[0]
    await enter(client, draft["id"], [held])
    requests = [h for h in await search(client, held) if h["kind"] == "KEY_REQUEST"]
    assert [h["keyRequest"]["id"] for h in requests] == [draft["id"]] and requests[0]["keyRequest"][
        "status"
    ] == "DRAFT"

    accounts = await search(client, "acme")
    assert [h["account"]["id"] for h in accounts if h["kind"] == "ACCOUNT"] == [acme]
    assert await search(client, "a") == []  # too short to mean anything

    await sign_in(other_client, BOB)  # another customer finds none of it
    for term in ("data loss", serial, key, held, "acme"):
        assert [
            h for h in await search(other_client, term) if h["kind"] != "ACCOUNT" or "Acme" in h["title"]
        ] == [], term


async def test_a_partner_finds_its_customers_and_their_licenses(
    client: GraphQLClient, portal: Portal, portal_app: Any
) -> None:
    acme = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acme)
    async with portal.db.write() as session:
        partner = await session.scalar(select(Account.id).where(Account.name == "Initech Partners"))
        assert partner is not None
        session.add(
            Delegation(
                id=uuid.uuid4(),
                customer_account_id=from_global_id(acme, "Account"),
                partner_account_id=partner,
                scope=DelegationScope.VIEW,
                status=DelegationStatus.ACTIVE,
            )
        )
    async with client_for(portal_app[0]) as http:
        carol = GraphQLClient(http)
        await sign_in(carol, "carol@initech.example")
        customers = [h for h in await search(carol, "acme") if h["kind"] == "ACCOUNT"]
        licenses = [h for h in await search(carol, ready["serials"][0]["number"]) if h["license"]]
    assert [h["account"]["name"] for h in customers] == ["Acme Corp"]
    assert [h["license"]["id"] for h in licenses] == [ready["licenses"][0]["id"]]


async def test_support_contact_answers_everyone(client: GraphQLClient, portal: Portal) -> None:
    """The sign-in page links it too: no session needed."""
    answer = await client("query { supportContact { email } }")
    assert answer["supportContact"]["email"] == portal.settings.support_email
