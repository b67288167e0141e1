"""Enterprise Flexible over GraphQL (SQLite and PostgreSQL): operators' set-up, roles, draw-downs
through the shared key-request steps, overage policies, the race on one contract, returns,
consumption, deployments, the true-up CSV and the reminder mails."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.db.models import (
    EmailMessage,
    FlexContract,
    FlexDraw,
    KeyRequest,
    KeyRequestStatus,
    KeyStatus,
    LicenseKey,
    Product,
    utcnow,
)
from backend.domain import demo
from backend.domain.flex import reminders
from backend.domain.key_requests import fulfilment, pipeline
from backend.jobs import JobKind
from backend.portal import Portal
from backend.schema.common import to_global_id
from tests.api.flows import (
    ALICE,
    BOB,
    VICTOR,
    account_id,
    mutate,
    set_registration,
    sign_in,
    wait_ready,
)
from tests.conftest import client_for
from tests.support import GraphQLClient

OPS = "ops@vendor.example"
CONTRACT_FIELDS = """
  id number status myRole startsOn endsOn committedPoints consumedPoints remainingPoints drawablePoints
  ceilingPoints overagePolicy overagePercent account { name }
  catalog { pointsPerUnit product { id sku } }
"""
CONTRACTS = "query C($a: ID!) { flexContracts(accountId: $a) { %s } }" % CONTRACT_FIELDS
DRAFT_FIELDS = """
  id kind status step requiresHostId
  flexContract { number drawablePoints } flexItems { quantity pointsPerUnit points product { sku } } flexCostPoints
  licenses { id quantity status product { sku } } keys { id status }
"""


async def contracts_of(client: GraphQLClient, acc: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client(CONTRACTS, {"a": acc}))["flexContracts"]
    return found


async def demo_contract(client: GraphQLClient, acc: str) -> dict[str, Any]:
    return next(c for c in await contracts_of(client, acc) if c["number"] == demo.FLEX_CONTRACT)


def raw(global_id: str, _kind: str = "") -> uuid.UUID:
    """The uuid behind a global id."""
    return uuid.UUID(
        base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode().split(":", 1)[1]
    )


def product_id(contract: dict[str, Any], sku: str) -> str:
    return str(next(i["product"]["id"] for i in contract["catalog"] if i["product"]["sku"] == sku))


async def draw_start(client: GraphQLClient, contract_id: str) -> dict[str, Any]:
    return await mutate(
        client,
        "flexDrawDownStart",
        "FlexDrawDownStartInput",
        {"contractId": contract_id},
        "... on FlexDrawDownStartSuccess { keyRequest { %s } }"
        " ... on FlexContractNotActive { startsOn endsOn }" % DRAFT_FIELDS,
    )


async def set_items(client: GraphQLClient, kr: str, items: list[tuple[str, int]]) -> dict[str, Any]:
    return await mutate(
        client,
        "flexDrawDownSetItems",
        "FlexDrawDownSetItemsInput",
        {"keyRequestId": kr, "items": [{"productId": p, "quantity": q} for p, q in items]},
        "... on FlexDrawDownSetItemsSuccess { costPoints remainingPoints keyRequest { %s } }"
        " ... on InvalidInput { fieldErrors { field code message } }" % DRAFT_FIELDS,
    )


async def flex_confirm(client: GraphQLClient, kr: str, key: str | None = None) -> dict[str, Any]:
    return await mutate(
        client,
        "keyRequestConfirm",
        "KeyRequestConfirmInput",
        {"keyRequestId": kr, "idempotencyKey": key or uuid.uuid4().hex},
        "... on KeyRequestConfirmSuccess { keyRequest { id status } }"
        " ... on FlexPointsExhausted { remainingPoints }"
        " ... on FlexContractNotActive { startsOn endsOn }",
    )


async def draft(client: GraphQLClient, contract_id: str, items: list[tuple[str, int]]) -> str:
    """A draw-down ready to confirm."""
    started = await draw_start(client, contract_id)
    assert started["__typename"] == "FlexDrawDownStartSuccess", started
    kr = str(started["keyRequest"]["id"])
    assert started["keyRequest"]["step"] == "FLEX_ITEMS"
    assert (await set_items(client, kr, items))["__typename"] == "FlexDrawDownSetItemsSuccess"
    registered = await set_registration(client, kr)
    assert registered["__typename"] == "KeyRequestSetRegistrationSuccess", registered
    return kr


async def draw_down(client: GraphQLClient, contract_id: str, items: list[tuple[str, int]]) -> dict[str, Any]:
    kr = await draft(client, contract_id, items)
    assert (await flex_confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"
    return await wait_ready(client, kr)


async def create_contract(
    ops: GraphQLClient,
    acc: str,
    number: str,
    points: int,
    *,
    overage: str = "HARD",
    percent: int = 0,
    starts: date | None = None,
    ends: date | None = None,
) -> dict[str, Any]:
    today = date.today()
    return await mutate(
        ops,
        "flexContractCreate",
        "FlexContractCreateInput",
        {
            "accountId": acc,
            "number": number,
            "startsOn": (starts or today - timedelta(days=10)).isoformat(),
            "endsOn": (ends or today + timedelta(days=700)).isoformat(),
            "committedPoints": points,
            "overagePolicy": overage,
            "overagePercent": percent,
        },
        "... on FlexContractCreateSuccess { contract { id number } }"
        " ... on InvalidInput { fieldErrors { field code message } }",
    )


async def price(ops: GraphQLClient, contract_id: str, product: str, points: int | None) -> dict[str, Any]:
    return await mutate(
        ops,
        "flexCatalogSet",
        "FlexCatalogSetInput",
        {"contractId": contract_id, "productId": product, "pointsPerUnit": points},
        "... on FlexCatalogSetSuccess { contract { id } }",
    )


@pytest.fixture
async def ops(portal_app: tuple[Any, Portal]) -> Any:
    async with client_for(portal_app[0]) as http:
        client = GraphQLClient(http)
        await sign_in(client, OPS)
        yield client


async def small_contract(
    ops: GraphQLClient, client: GraphQLClient, acc: str, points: int, unit_points: int, **kwargs: Any
) -> tuple[str, str]:
    """A fresh contract on Acme with EPS-15 at `unit_points`: (contract id, product id)."""
    contract = await demo_contract(client, acc)
    eps = product_id(contract, "EPS-15")
    created = await create_contract(ops, acc, f"EF-T{uuid.uuid4().hex[:8].upper()}", points, **kwargs)
    assert created["__typename"] == "FlexContractCreateSuccess", created
    contract_id = str(created["contract"]["id"])
    assert (await price(ops, contract_id, eps, unit_points))["__typename"] == "FlexCatalogSetSuccess"
    return contract_id, eps


async def test_demo_contract_roles_and_visibility(client: GraphQLClient, other_client: GraphQLClient) -> None:
    me = await sign_in(client, ALICE)
    acc = account_id(me)
    contract = await demo_contract(client, acc)
    assert contract["myRole"] == "SUPER_USER" and contract["status"] == "ACTIVE"
    assert {i["product"]["sku"] for i in contract["catalog"]} == {sku for sku, _ in demo.FLEX_CATALOG}
    assert contract["overagePolicy"] == "SOFT" and contract["ceilingPoints"] == 22_000

    await sign_in(other_client, VICTOR)
    [seen] = await contracts_of(other_client, acc)
    assert seen["myRole"] == "CONTRACT_USER"

    # Bob is in another account: Acme's contracts are not his to see, as if there were none.
    await sign_in(other_client, BOB)
    assert await contracts_of(other_client, acc) == []
    answer = await draw_start(other_client, contract["id"])
    assert answer["__typename"] == "NotFound"
    unknown = await draw_start(
        other_client, "RmxleENvbnRyYWN0OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"
    )
    assert {k: v for k, v in answer.items() if k != "message"} == {
        k: v for k, v in unknown.items() if k != "message"
    }
    node = await other_client("query N($id: ID!) { node(id: $id) { id } }", {"id": contract["id"]})
    assert node["node"] is None


async def test_draw_down_two_products_keys_consumption_and_true_up(client: GraphQLClient) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract = await demo_contract(client, acc)
    eps, dlp = product_id(contract, "EPS-15"), product_id(contract, "DLP-16")
    started = await draw_start(client, contract["id"])
    kr = started["keyRequest"]["id"]
    cart = await set_items(client, kr, [(eps, 10), (dlp, 5)])
    assert cart["__typename"] == "FlexDrawDownSetItemsSuccess"
    assert cart["costPoints"] == 10 * 12 + 5 * 20
    assert cart["remainingPoints"] == contract["drawablePoints"] - 220
    assert cart["keyRequest"]["step"] == "REGISTRATION"
    assert [line["points"] for line in cart["keyRequest"]["flexItems"]] == [120, 100]
    assert (await set_registration(client, kr))["__typename"] == "KeyRequestSetRegistrationSuccess"
    assert (await flex_confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"
    ready = await wait_ready(client, kr)
    assert ready["status"] == "READY" and len(ready["keys"]) == 2
    assert sorted((lic["product"]["sku"], lic["quantity"]) for lic in ready["licenses"]) == [
        ("DLP-16", 5),
        ("EPS-15", 10),
    ]

    after = await demo_contract(client, acc)
    assert after["consumedPoints"] == contract["consumedPoints"] + 220
    by_product = await client(
        "query($id: ID!) { node(id: $id) { ... on FlexContract {"
        " consumption(groupBy: PRODUCT) { product { sku } drawnUnits returnedUnits points overagePoints }"
        " months: consumption(groupBy: MONTH) { month points }"
        " deployments(first: 10) { totalCount nodes { quantity points product { sku } drawnBy { email }"
        "   license { id } } } } } }",
        {"id": contract["id"]},
    )
    node = by_product["node"]
    assert {r["product"]["sku"]: (r["drawnUnits"], r["points"]) for r in node["consumption"]} == {
        "EPS-15": (10, 120),
        "DLP-16": (5, 100),
    }
    assert node["months"] == [{"month": date.today().strftime("%Y-%m"), "points": 220}]
    assert node["deployments"]["totalCount"] == 2
    assert {d["drawnBy"]["email"] for d in node["deployments"]["nodes"]} == {ALICE}

    response = await client.http.get(f"/exports/flex/{contract['id']}/true-up.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["sku"]: (r["drawn_units"], r["points"]) for r in rows if r["sku"] != "TOTAL"} == {
        "DLP-16": ("5", "100"),
        "EPS-15": ("10", "120"),
    }
    assert rows[-1]["sku"] == "TOTAL" and rows[-1]["points"] == "220"


async def test_hard_limit_refuses_and_changes_nothing(
    portal: Portal, client: GraphQLClient, ops: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract_id, eps = await small_contract(ops, client, acc, points=100, unit_points=12)
    kr = await draft(client, contract_id, [(eps, 9)])  # 108 > 100
    refused = await flex_confirm(client, kr)
    assert refused["__typename"] == "FlexPointsExhausted" and refused["remainingPoints"] == 100
    async with portal.db.read() as session:
        request = await session.get_one(KeyRequest, raw(kr, "KeyRequest"))
        assert request.status == KeyRequestStatus.DRAFT
        assert (await session.scalars(select(FlexDraw.id))).all() == []
        consumed = await session.scalar(
            select(FlexContract.consumed_points).where(FlexContract.number.like("EF-T%"))
        )
        assert consumed == 0
    # What fits is drawn; the exact remainder too, then nothing more.
    assert (await set_items(client, kr, [(eps, 8)]))["__typename"] == "FlexDrawDownSetItemsSuccess"
    assert (await flex_confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"
    last = await draft(client, contract_id, [(eps, 1)])
    assert (await flex_confirm(client, last))["remainingPoints"] == 4


async def test_soft_overage_is_allowed_to_the_percentage_and_recorded(
    client: GraphQLClient, ops: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract_id, eps = await small_contract(
        ops, client, acc, points=100, unit_points=10, overage="SOFT", percent=20
    )
    await draw_down(client, contract_id, [(eps, 11)])  # 110: 10 past the commitment
    refused = await flex_confirm(client, await draft(client, contract_id, [(eps, 2)]))  # 130 > 120
    assert refused["__typename"] == "FlexPointsExhausted" and refused["remainingPoints"] == 10
    await draw_down(client, contract_id, [(eps, 1)])
    node = (
        await client(
            "query($id: ID!) { node(id: $id) { ... on FlexContract { consumedPoints remainingPoints"
            " drawablePoints consumption(groupBy: PRODUCT) { overagePoints points } } } }",
            {"id": contract_id},
        )
    )["node"]
    assert node["consumedPoints"] == 120 and node["remainingPoints"] == -20 and node["drawablePoints"] == 0
    assert node["consumption"] == [{"overagePoints": 20, "points": 120}]


async def test_contract_outside_its_term_refuses_draw_downs(
    client: GraphQLClient, ops: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    today = date.today()
    future = await create_contract(
        ops, acc, "EF-FUTURE-1", 100, starts=today + timedelta(days=3), ends=today + timedelta(days=400)
    )
    refused = await draw_start(client, future["contract"]["id"])
    assert refused["__typename"] == "FlexContractNotActive"
    assert refused["startsOn"] == (today + timedelta(days=3)).isoformat()
    ended = await create_contract(
        ops, acc, "EF-ENDED-1", 100, starts=today - timedelta(days=400), ends=today - timedelta(days=1)
    )
    assert (await draw_start(client, ended["contract"]["id"]))["__typename"] == "FlexContractNotActive"
    statuses = {c["number"]: c["status"] for c in await contracts_of(client, acc)}
    assert statuses["EF-FUTURE-1"] == "NOT_STARTED" and statuses["EF-ENDED-1"] == "ENDED"


async def test_cart_errors_name_the_field(portal: Portal, client: GraphQLClient) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract = await demo_contract(client, acc)
    eps = product_id(contract, "EPS-15")
    async with portal.db.read() as session:
        eps14 = to_global_id(
            "Product", (await session.scalars(select(Product.id).where(Product.sku == "EPS-14"))).one()
        )
    kr = (await draw_start(client, contract["id"]))["keyRequest"]["id"]
    bad = await set_items(client, kr, [(eps, 0), (eps14, 1), (eps, 2)])
    assert bad["__typename"] == "InvalidInput"
    assert {(e["field"], e["code"]) for e in bad["fieldErrors"]} == {
        ("items[0].quantity", "RANGE"),
        ("items[1].productId", "NOT_IN_CATALOG"),
        ("items[2].productId", "DUPLICATE"),
    }
    # Nothing was kept: the draft still waits for its items, and confirming says so.
    assert (await set_registration(client, kr))["__typename"] == "KeyRequestNotEditable"
    incomplete = await flex_confirm(client, kr)
    assert incomplete["__typename"] == "KeyRequestNotEditable" and incomplete["field"] == "items"


@pytest.mark.parametrize("contenders", [50])
async def test_racing_confirms_never_overdraw(
    portal: Portal, client: GraphQLClient, ops: GraphQLClient, contenders: int
) -> None:
    """50 draw-downs of one unit each against room for 10: exactly 10 succeed."""
    acc = account_id(await sign_in(client, ALICE))
    contract_id, eps = await small_contract(ops, client, acc, points=100, unit_points=10)
    drafts = [await draft(client, contract_id, [(eps, 1)]) for _ in range(contenders)]
    answers = await asyncio.gather(*(flex_confirm(client, kr) for kr in drafts))
    kinds = [a["__typename"] for a in answers]
    assert kinds.count("KeyRequestConfirmSuccess") == 10
    assert kinds.count("FlexPointsExhausted") == contenders - 10
    async with portal.db.read() as session:
        contract = await session.scalar(select(FlexContract).where(FlexContract.id == raw(contract_id)))
        assert contract is not None and contract.consumed_points == 100
        draws = (await session.scalars(select(FlexDraw).where(FlexDraw.contract_id == contract.id))).all()
        assert len(draws) == 10 and sum(d.points for d in draws) == 100


async def test_returns_within_30_days_credit_points_and_revoke_keys(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract = await demo_contract(client, acc)
    eps = product_id(contract, "EPS-15")
    ready = await draw_down(client, contract["id"], [(eps, 3)])
    [license_] = ready["licenses"]

    # Victor, a contract user, cannot return Alice's draw-down.
    await sign_in(other_client, VICTOR)
    refused = await flex_return(other_client, license_["id"])
    assert refused["__typename"] == "FlexRefused" and refused["code"] == "ROLE"

    returned = await flex_return(client, license_["id"])
    assert returned["__typename"] == "FlexReturnSuccess", returned
    assert returned["contract"]["consumedPoints"] == contract["consumedPoints"]
    assert returned["deployment"]["returnedAt"] is not None
    async with portal.db.read() as session:
        statuses = (
            await session.scalars(
                select(LicenseKey.status).where(LicenseKey.key_request_id == raw(ready["id"]))
            )
        ).all()
        assert statuses == [KeyStatus.REVOKED]
    again = await flex_return(client, license_["id"])
    assert again["__typename"] == "FlexRefused" and again["code"] == "ALREADY_RETURNED"

    # Thirty days on, the window is closed.
    later = await draw_down(client, contract["id"], [(eps, 1)])
    async with portal.db.write() as session:
        await session.execute(
            update(FlexDraw)
            .where(FlexDraw.key_request_id == raw(later["id"]))
            .values(drawn_at=utcnow() - timedelta(days=30, minutes=1))
        )
    closed = await flex_return(client, later["licenses"][0]["id"])
    assert closed["__typename"] == "FlexReturnWindowClosed"


async def flex_return(client: GraphQLClient, license_id: str) -> dict[str, Any]:
    return await mutate(
        client,
        "flexReturn",
        "FlexReturnInput",
        {"licenseId": license_id},
        "... on FlexReturnSuccess { contract { consumedPoints } deployment { returnedAt } }"
        " ... on FlexReturnWindowClosed { closedAt }",
    )


async def test_contract_users_see_their_own_deployments_and_no_reports(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract = await demo_contract(client, acc)
    eps = product_id(contract, "EPS-15")
    await draw_down(client, contract["id"], [(eps, 2)])
    await sign_in(other_client, VICTOR)
    await draw_down(other_client, contract["id"], [(eps, 1)])
    query = (
        "query($id: ID!) { node(id: $id) { ... on FlexContract { myRole roles { role }"
        " consumption(groupBy: PRODUCT) { points } deployments(first: 10) { totalCount nodes { drawnBy { email } } } } } }"
    )
    victor_view = (await other_client(query, {"id": contract["id"]}))["node"]
    assert victor_view["myRole"] == "CONTRACT_USER"
    assert victor_view["consumption"] == [] and victor_view["roles"] == []
    assert [d["drawnBy"]["email"] for d in victor_view["deployments"]["nodes"]] == [VICTOR]
    alice_view = (await client(query, {"id": contract["id"]}))["node"]
    assert alice_view["deployments"]["totalCount"] == 2
    response = await other_client.http.get(f"/exports/flex/{contract['id']}/true-up.csv")
    assert response.status_code == 403


async def test_super_user_gives_and_takes_roles(client: GraphQLClient, other_client: GraphQLClient) -> None:
    me = await sign_in(client, ALICE)
    acc = account_id(me)
    contract = await demo_contract(client, acc)
    members = (
        await client(
            "query($id: ID!) { node(id: $id) { ... on Account { members { user { id email } } } } }",
            {"id": acc},
        )
    )["node"]["members"]
    victor = next(m["user"]["id"] for m in members if m["user"]["email"] == VICTOR)
    role_set = "... on FlexRoleSetSuccess { contract { roles { role user { email } } } }"
    taken = await mutate(
        client,
        "flexRoleSet",
        "FlexRoleSetInput",
        {"contractId": contract["id"], "userId": victor, "role": None},
        role_set,
    )
    assert [r["user"]["email"] for r in taken["contract"]["roles"]] == [ALICE]
    await sign_in(other_client, VICTOR)
    assert await contracts_of(other_client, acc) == []
    given = await mutate(
        client,
        "flexRoleSet",
        "FlexRoleSetInput",
        {"contractId": contract["id"], "userId": victor, "role": "SUPER_USER"},
        role_set,
    )
    assert {(r["user"]["email"], r["role"]) for r in given["contract"]["roles"]} == {
        (ALICE, "SUPER_USER"),
        (VICTOR, "SUPER_USER"),
    }
    bob = (await sign_in(other_client, BOB))["id"]
    await sign_in(client, ALICE)
    outsider = await mutate(
        client,
        "flexRoleSet",
        "FlexRoleSetInput",
        {"contractId": contract["id"], "userId": bob, "role": "CONTRACT_USER"},
    )
    assert outsider["__typename"] == "NotFound" and outsider["field"] == "userId"


async def test_operators_only_and_validation(client: GraphQLClient, ops: GraphQLClient) -> None:
    acc = account_id(await sign_in(client, ALICE))
    # A customer cannot create contracts: the operation is unknown to them.
    assert (await create_contract(client, acc, "EF-SELF-1", 100))["__typename"] == "NotFound"
    bad = await create_contract(
        ops, acc, "nope", 0, overage="SOFT", percent=0, starts=date(2026, 5, 1), ends=date(2026, 4, 1)
    )
    assert {e["field"] for e in bad["fieldErrors"]} == {
        "number",
        "endsOn",
        "committedPoints",
        "overagePercent",
    }
    assert (await create_contract(ops, acc, demo.FLEX_CONTRACT, 10))["fieldErrors"][0]["code"] == "TAKEN"


async def test_consumption_reminders_go_once_to_super_users(
    portal: Portal, client: GraphQLClient, ops: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract_id, eps = await small_contract(ops, client, acc, points=100, unit_points=10)

    async def subjects() -> list[str]:
        async with portal.db.read() as session:
            rows = await session.scalars(
                select(EmailMessage.subject).where(EmailMessage.subject.like("Contract EF-T%"))
            )
            return sorted(rows)

    await draw_down(client, contract_id, [(eps, 7)])
    assert await subjects() == []
    await draw_down(client, contract_id, [(eps, 1)])  # 80
    await draw_down(client, contract_id, [(eps, 1)])  # 90: no second 80 % mail
    assert [s.split(": ")[1] for s in await subjects()] == ["80 % of the commitment consumed"]
    await draw_down(client, contract_id, [(eps, 1)])  # 100
    assert len(await subjects()) == 2

    # Term end: 30 days before, once.
    async with portal.db.write() as session:
        await session.execute(
            update(FlexContract)
            .where(FlexContract.id == raw(contract_id))
            .values(ends_on=date.today() + timedelta(days=30))
        )
    sent = await reminders.run(portal.db, portal.bus, portal.settings, date.today())
    assert [kind for _, kind in sent] == ["ends-30"]
    assert await reminders.run(portal.db, portal.bus, portal.settings, date.today()) == []


async def test_a_draw_down_whose_keys_cannot_be_signed_gives_its_points_back(
    portal: Portal, client: GraphQLClient, ops: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client, ALICE))
    contract_id, eps = await small_contract(ops, client, acc, points=100, unit_points=10)

    async def cannot_sign(_payload: dict[str, Any]) -> None:
        raise RuntimeError("signing service down")

    original = portal.job_kinds[pipeline.FULFIL]
    portal.job_kinds[pipeline.FULFIL] = JobKind(run=cannot_sign, on_final_failure=original.on_final_failure)
    kr = await draft(client, contract_id, [(eps, 4)])
    assert (await flex_confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"
    await fulfilment.fulfil_failed(
        portal.db, portal.bus, {"key_request_id": str(raw(kr))}, "signing service down"
    )
    portal.job_kinds[pipeline.FULFIL] = original
    node = (
        await client(
            "query($id: ID!) { node(id: $id) { ... on FlexContract { consumedPoints } } }",
            {"id": contract_id},
        )
    )["node"]
    assert node["consumedPoints"] == 0
    async with portal.db.read() as session:
        draws = (await session.scalars(select(FlexDraw).where(FlexDraw.key_request_id == raw(kr)))).all()
        assert [d.returned_at is not None for d in draws] == [True]
        request = await session.get_one(KeyRequest, raw(kr))
        assert request.status == KeyRequestStatus.FAILED
