"""Manage My Licenses, Find: every filter and sort (both directions, cursors across pages), the
count, foreign accounts, share holders and one license's detail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.db.models import LicenseModel, LicenseState, SharePermission
from backend.domain.licenses.finding import STATUS_ORDER, LicenseStatus, license_status, today
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, VICTOR, account_id, sign_in
from tests.api.licenses_world import Made, create_field, gid, make_license, plain, set_values, share, user_id
from tests.support import GraphQLClient

FIND = """
query Find($accountId: ID!, $first: Int, $after: String, $filter: LicenseFilter, $orderBy: LicenseOrder) {
  licenses(accountId: $accountId, first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id status quantity maintenanceUntil createdAt product { sku name version }
                          keys { activationKey } customValues { field { name } value } } }
  }
}"""

MODELS = {
    "EPS-14": LicenseModel.PERPETUAL,
    "MGW-10": LicenseModel.PERPETUAL,
    "DLP-16": LicenseModel.SUBSCRIPTION,
    "EPS-15": LicenseModel.PERPETUAL,
}
PRODUCTS = {
    "EPS-14": ("Endpoint Protection", "14.3"),
    "MGW-10": ("Messaging Gateway", "10.8"),
    "DLP-16": ("Data Loss Prevention", "16.0"),
    "EPS-15": ("Endpoint Protection", "15.0"),
}


@dataclass
class Row:
    made: Made
    sku: str
    maintenance_until: date
    state: LicenseState
    quantity: int
    created_at: datetime

    @property
    def status(self) -> LicenseStatus:
        return license_status(self.state, self.maintenance_until, MODELS[self.sku], today())


# (sku, days from today to maintenance end, state, quantity): every status, several products.
SPECS = [
    ("EPS-14", 400, LicenseState.CURRENT, 10),  # ACTIVE
    ("DLP-16", 200, LicenseState.CURRENT, 100),  # ACTIVE
    ("EPS-14", 61, LicenseState.CURRENT, 5),  # ACTIVE (one day past the horizon)
    ("EPS-14", 60, LicenseState.CURRENT, 25),  # EXPIRING (on the horizon)
    ("MGW-10", 0, LicenseState.CURRENT, 5),  # EXPIRING (ends today)
    ("DLP-16", 10, LicenseState.CURRENT, 50),  # EXPIRING
    ("EPS-14", -1, LicenseState.CURRENT, 10),  # MAINTENANCE_LAPSED
    ("MGW-10", -100, LicenseState.CURRENT, 1),  # MAINTENANCE_LAPSED
    ("DLP-16", -1, LicenseState.CURRENT, 100),  # EXPIRED
    ("EPS-14", 300, LicenseState.SUPERSEDED, 10),  # SUPERSEDED
    ("EPS-15", 300, LicenseState.REVOKED, 7),  # REVOKED
    ("EPS-15", 30, LicenseState.CURRENT, 10),  # EXPIRING
]


async def world(portal: Portal, me: dict[str, Any]) -> tuple[str, list[Row]]:
    account = account_id(me)
    base = datetime.now(UTC) - timedelta(days=30)
    owner = await user_id(portal, ALICE)
    rows: list[Row] = []
    for i, (sku, days, state, quantity) in enumerate(SPECS):
        created = base + timedelta(hours=i * 7)
        end = today() + timedelta(days=days)
        made = await make_license(
            portal,
            plain(account, "Account"),
            sku,
            maintenance_until=end,
            state=state,
            quantity=quantity,
            created_at=created,
            owner_id=owner,
        )
        rows.append(Row(made, sku, end, state, quantity, created))
    return account, rows


async def find(client: GraphQLClient, account: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client(FIND, {"accountId": account, **variables}))["licenses"]
    return result


async def all_pages(
    client: GraphQLClient, account: str, size: int, **variables: Any
) -> tuple[list[str], int]:
    ids: list[str] = []
    after = None
    pages = 0
    while True:
        page = await find(client, account, first=size, after=after, **variables)
        pages += 1
        ids += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, pages
        after = page["pageInfo"]["endCursor"]


def ids_of(rows: list[Row]) -> set[str]:
    return {r.made.global_id for r in rows}


async def test_status_filters_follow_the_one_status_rule(client: GraphQLClient, portal: Portal) -> None:
    account, rows = await world(portal, await sign_in(client))
    assert {r.status for r in rows} == set(LicenseStatus)  # the world covers every status
    everything = await find(client, account, first=100)
    assert everything["totalCount"] == len(rows)
    shown = {e["node"]["id"]: e["node"]["status"] for e in everything["edges"]}
    assert shown == {r.made.global_id: r.status.value for r in rows}
    for status in LicenseStatus:
        page = await find(client, account, first=100, filter={"status": status.value})
        expected = ids_of([r for r in rows if r.status == status])
        assert {e["node"]["id"] for e in page["edges"]} == expected, status
        assert page["totalCount"] == len(expected)
    pair = [LicenseStatus.EXPIRING.value, LicenseStatus.EXPIRED.value]
    page = await find(client, account, first=100, filter={"status": pair})
    assert {e["node"]["id"] for e in page["edges"]} == ids_of([r for r in rows if r.status.value in pair])


async def test_product_and_expiring_within_days(client: GraphQLClient, portal: Portal) -> None:
    account, rows = await world(portal, await sign_in(client))
    for sku in ("EPS-14", "DLP-16", "MGW-10", "NOPE-1"):
        page = await find(client, account, first=100, filter={"productSku": sku})
        assert {e["node"]["id"] for e in page["edges"]} == ids_of([r for r in rows if r.sku == sku])
        assert {e["node"]["product"]["sku"] for e in page["edges"]} <= {sku}
    for days in (0, 10, 30, 61, 365):
        page = await find(client, account, first=100, filter={"expiringWithinDays": days})
        expected = [
            r
            for r in rows
            if r.state == LicenseState.CURRENT
            and today() <= r.maintenance_until <= today() + timedelta(days=days)
        ]
        assert {e["node"]["id"] for e in page["edges"]} == ids_of(expected), days
        assert page["totalCount"] == len(expected)
    combined = await find(
        client, account, first=100, filter={"productSku": "EPS-14", "expiringWithinDays": 60}
    )
    assert {e["node"]["id"] for e in combined["edges"]} == ids_of(
        [
            r
            for r in rows
            if r.sku == "EPS-14"
            and r.state == LicenseState.CURRENT
            and 0 <= (r.maintenance_until - today()).days <= 60
        ]
    )


async def test_search_by_serial_key_product_and_text_values(client: GraphQLClient, portal: Portal) -> None:
    account, rows = await world(portal, await sign_in(client))
    target = rows[3].made
    searches = {
        target.serial_number: {target.global_id},  # a whole serial number: the exact lookup
        f"{target.serial_number[:4]}-{target.serial_number[4:7]}-{target.serial_number[7:]}".lower(): {
            target.global_id
        },
        target.serial_number[2:8]: {
            r.made.global_id for r in rows if target.serial_number[2:8] in r.made.serial_number
        },
        target.activation_key: {target.global_id},  # a whole activation key
        target.activation_key.replace("-", "").lower(): {target.global_id},
        target.activation_key[6:11].lower(): {
            r.made.global_id for r in rows if target.activation_key[6:11] in r.made.activation_key
        },
        "loss prev": ids_of([r for r in rows if r.sku == "DLP-16"]),
        "MESSAGING": ids_of([r for r in rows if r.sku == "MGW-10"]),
        "no such thing": set(),
        "100%": set(),
    }
    for term, expected in searches.items():
        page = await find(client, account, first=100, filter={"search": term})
        assert {e["node"]["id"] for e in page["edges"]} == expected, term
    # Text and choice custom values are searchable too, case-insensitively.
    cost = await create_field(client, account, "Cost center", "TEXT")
    team = await create_field(client, account, "Team", "CHOICE", ["Blue Team", "Red Team"])
    result = await set_values(
        client,
        [rows[0].made.global_id, rows[5].made.global_id],
        [{"fieldId": cost["id"], "value": "Zeta-Ops 42"}, {"fieldId": team["id"], "value": "Red Team"}],
    )
    assert result["__typename"] == "LicensesSetCustomValuesSuccess", result
    for term in ("zeta-ops", "ZETA-OPS 42", "red team"):
        page = await find(client, account, first=100, filter={"search": term})
        assert {e["node"]["id"] for e in page["edges"]} == {rows[0].made.global_id, rows[5].made.global_id}, (
            term
        )
    # Clearing the value takes it out of the search.
    await set_values(client, [rows[0].made.global_id], [{"fieldId": cost["id"], "value": None}])
    page = await find(client, account, first=100, filter={"search": "zeta-ops"})
    assert {e["node"]["id"] for e in page["edges"]} == {rows[5].made.global_id}


async def test_custom_field_filters_of_every_type(client: GraphQLClient, portal: Portal) -> None:
    account, rows = await world(portal, await sign_in(client))
    text = await create_field(client, account, "Cost center", "TEXT")
    number = await create_field(client, account, "Budget", "NUMBER")
    day = await create_field(client, account, "Review", "DATE")
    choice = await create_field(client, account, "Dept", "CHOICE", ["Eng", "Ops"])
    a, b, c = (r.made.global_id for r in rows[:3])
    await set_values(
        client, [a, b], [{"fieldId": text["id"], "value": "CC-1"}, {"fieldId": choice["id"], "value": "Eng"}]
    )
    await set_values(
        client, [c], [{"fieldId": text["id"], "value": "cc-2"}, {"fieldId": choice["id"], "value": "Ops"}]
    )
    await set_values(
        client,
        [a],
        [{"fieldId": number["id"], "value": "12.50"}, {"fieldId": day["id"], "value": "2027-03-01"}],
    )
    await set_values(
        client,
        [b],
        [{"fieldId": number["id"], "value": "1e3"}, {"fieldId": day["id"], "value": "2027-03-02"}],
    )
    cases: list[tuple[list[dict[str, str]], set[str]]] = [
        ([{"fieldId": text["id"], "value": "cc-1"}], {a, b}),  # case-insensitive equality
        ([{"fieldId": text["id"], "value": "CC"}], set()),  # equality, not a substring
        ([{"fieldId": number["id"], "value": "12.5"}], {a}),
        ([{"fieldId": number["id"], "value": "1000.00"}], {b}),
        ([{"fieldId": number["id"], "value": "twelve"}], set()),
        ([{"fieldId": day["id"], "value": "2027-03-02"}], {b}),
        ([{"fieldId": choice["id"], "value": "Ops"}], {c}),
        ([{"fieldId": choice["id"], "value": "Eng"}, {"fieldId": number["id"], "value": "12.5"}], {a}),
        ([{"fieldId": gid("CustomField", uuid.uuid4()), "value": "x"}], set()),
    ]
    for filters, expected in cases:
        page = await find(client, account, first=100, filter={"customFields": filters})
        assert {e["node"]["id"] for e in page["edges"]} == expected, filters
        assert page["totalCount"] == len(expected)


def _expected_order(
    rows: list[Row], field: str, desc: bool, values: dict[str, Any] | None = None
) -> list[str]:
    def key(r: Row) -> Any:
        if field == "CREATED_AT":
            return r.created_at
        if field == "MAINTENANCE_UNTIL":
            return r.maintenance_until
        if field == "QUANTITY":
            return r.quantity
        if field == "STATUS":
            return STATUS_ORDER.index(r.status)
        if field == "PRODUCT":
            return PRODUCTS[r.sku]
        assert values is not None
        return values[r.made.global_id]

    present = [r for r in rows if values is None or values.get(r.made.global_id) is not None]
    missing = [r for r in rows if r not in present]
    ordered = sorted(present, key=lambda r: (key(r), r.made.license_id), reverse=desc)
    ordered += sorted(missing, key=lambda r: r.made.license_id, reverse=desc)
    return [r.made.global_id for r in ordered]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_sort_pages_through_with_cursors(
    client: GraphQLClient, portal: Portal, direction: str
) -> None:
    account, rows = await world(portal, await sign_in(client))
    desc = direction == "DESC"
    for field in ("CREATED_AT", "MAINTENANCE_UNTIL", "PRODUCT", "QUANTITY", "STATUS"):
        ids, pages = await all_pages(client, account, 3, orderBy={"field": field, "direction": direction})
        assert pages == 4
        assert ids == _expected_order(rows, field, desc), field
    # The default order is newest first.
    default, _ = await all_pages(client, account, 5)
    assert default == _expected_order(rows, "CREATED_AT", True)
    # Custom fields of each type; licenses without a value come last in both directions.
    number = await create_field(client, account, "Budget", "NUMBER")
    day = await create_field(client, account, "Review", "DATE")
    text = await create_field(client, account, "Code", "TEXT")
    values: dict[str, dict[str, Any]] = {"Budget": {}, "Review": {}, "Code": {}}
    for i, r in enumerate(rows[:8]):
        amount = ["5", "12.5", "100", "5", "-3", "7.25", "100", "0.5"][i]
        review = date(2027, 1, 1) + timedelta(days=(i * 5) % 17)
        code = f"K{(i * 3) % 5}"
        await set_values(
            client,
            [r.made.global_id],
            [
                {"fieldId": number["id"], "value": amount},
                {"fieldId": day["id"], "value": review.isoformat()},
                {"fieldId": text["id"], "value": code},
            ],
        )
        values["Budget"][r.made.global_id] = float(amount)
        values["Review"][r.made.global_id] = review
        values["Code"][r.made.global_id] = code
    for field in (number, day, text):
        order = {"field": "CUSTOM_FIELD", "direction": direction, "customFieldId": field["id"]}
        ids, _ = await all_pages(client, account, 3, orderBy=order)
        assert ids == _expected_order(rows, "CUSTOM", desc, values[field["name"]]), field["name"]
    # A cursor of another order starts from the beginning rather than failing.
    first_page = await find(client, account, first=2, orderBy={"field": "QUANTITY"})
    other = await find(client, account, first=2, after=first_page["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in other["edges"]] == _expected_order(rows, "CREATED_AT", True)[:2]


async def test_first_is_bounded_and_foreign_accounts_are_empty(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    account = account_id(me)
    for _ in range(101):
        await make_license(portal, plain(account, "Account"))
    # A page over 100 is refused before it runs, naming the limit (the node limit's rule).
    refused = await client.raw(FIND, {"accountId": account, "first": 500})
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
    page = await find(client, account, first=100)
    assert len(page["edges"]) == 100
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 101
    rest = await find(client, account, first=100, after=page["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    assert len((await find(client, account, first=0))["edges"]) == 1
    # Bob (Globex) sees nothing of Acme's, exactly as for an unknown account.
    await sign_in(other_client, BOB)
    for target in (account, gid("Account", uuid.uuid4()), "garbage"):
        foreign = await find(other_client, target, first=10)
        assert foreign == {
            "totalCount": 0,
            "pageInfo": {
                "hasNextPage": False,
                "hasPreviousPage": False,
                "startCursor": None,
                "endCursor": None,
            },
            "edges": [],
        }


DETAIL = """
query L($id: ID!) {
  license(id: $id) {
    id access status owner { email }
    customValues { field { name type } value }
    history { action actor { email } data }
    keys { activationKey }
  }
}"""

SHARED = """
query S($filter: LicenseFilter) {
  sharedWithMe(first: 10, filter: $filter) { totalCount edges { node { id access product { sku } } } }
}"""


async def test_share_holders_see_one_license_and_shared_with_me(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    account = plain(account_id(me), "Account")
    alice = await user_id(portal, ALICE)
    shared = await make_license(portal, account, "DLP-16", owner_id=alice)
    private = await make_license(portal, account, "EPS-14", owner_id=alice)
    await share(portal, shared.license_id, BOB, SharePermission.MANAGE)
    await sign_in(other_client, BOB)
    seen = (await other_client(DETAIL, {"id": shared.global_id}))["license"]
    assert seen["id"] == shared.global_id and seen["access"] == "MANAGE"
    assert (await other_client(DETAIL, {"id": private.global_id}))["license"] is None
    listed = (await other_client(SHARED))["sharedWithMe"]
    assert listed["totalCount"] == 1
    assert [e["node"]["id"] for e in listed["edges"]] == [shared.global_id]
    filtered = (await other_client(SHARED, {"filter": {"productSku": "EPS-14"}}))["sharedWithMe"]
    assert filtered["totalCount"] == 0
    # A member of the account does not get the account's licenses in sharedWithMe.
    await share(portal, private.license_id, ALICE)
    assert (await client(SHARED))["sharedWithMe"]["totalCount"] == 0
    owner_view = (await client(DETAIL, {"id": shared.global_id}))["license"]
    assert owner_view["access"] == "OWNER" and owner_view["owner"] == {"email": ALICE}


async def test_license_detail_history_and_access(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    account = account_id(me)
    made = await make_license(portal, plain(account, "Account"), owner_id=await user_id(portal, ALICE))
    field = await create_field(client, account, "Budget", "NUMBER")
    assert (await set_values(client, [made.global_id], [{"fieldId": field["id"], "value": "0012.50"}]))[
        "__typename"
    ] == "LicensesSetCustomValuesSuccess"
    detail = (await client(DETAIL, {"id": made.global_id}))["license"]
    assert detail["customValues"] == [{"field": {"name": "Budget", "type": "NUMBER"}, "value": "12.5"}]
    assert detail["history"][0]["action"] == "license.custom_values"
    assert detail["history"][0]["actor"] == {"email": ALICE}
    assert detail["history"][0]["data"] == {"values": {"Budget": "12.5"}}
    assert detail["keys"] == [{"activationKey": made.activation_key}]
    await sign_in(other_client, VICTOR)
    assert (await other_client(DETAIL, {"id": made.global_id}))["license"]["access"] == "VIEW"
