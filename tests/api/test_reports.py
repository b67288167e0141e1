"""Reports over GraphQL (SQLite and PostgreSQL): each report is compared with the answer worked out
by hand, in Python, from the licenses, keys and activations the test writes — over one account and
over every customer account a partner manages; argument bounds; foreign accounts answer as unknown
ones; the statement count does not grow with the accounts; the CSV downloads say what the query says."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.db.models import (
    Account,
    AccountKind,
    Activation,
    Delegation,
    DelegationScope,
    DelegationStatus,
    KeyRequest,
    KeyRequestKind,
    KeyRequestStatus,
    License,
    LicenseKey,
    LicenseModel,
    LicenseState,
    Membership,
    Product,
    User,
)
from backend.domain import demo
from backend.domain.accounts.users import create_account
from backend.domain.licenses.finding import license_status, today
from backend.domain.reports import tables
from backend.portal import Portal
from backend.schema.common import to_global_id
from tests.api.flows import ALICE, BOB, account_id, sign_in
from tests.api.test_api_tokens import bearer, make_token
from tests.conftest import client_for
from tests.support import GraphQLClient, statements

CAROL = "carol@initech.example"
REPORT = """
query R($accountId: ID, $from: Date, $to: Date) {
  report(accountId: $accountId) {
    asOf managed accountCount
    licensesByProduct { product { sku } status licenses seats }
    maintenanceByMonth { month licenses seats }
    keysIssued(from: $from, to: $to) { from to total byDay { day keys } byKind { kind keys } }
    activationsByProduct { product { sku } seats activations activatedLicenses }
    portfolio {
      account { id name }
      licenses active maintenanceEnding90Days keysIssued30Days
    }
  }
}"""
KEYS = """
query K($accountId: ID, $from: Date, $to: Date) {
  report(accountId: $accountId) { keysIssued(from: $from, to: $to) { from to total byDay { day keys } } }
}"""


@dataclass(frozen=True)
class Lic:
    account: str
    sku: str
    seats: int
    until: date
    state: LicenseState = LicenseState.CURRENT


@dataclass(frozen=True)
class Key:
    license: int  # position in the world's licenses
    at: datetime
    kind: KeyRequestKind | None  # None: signed outside a key request


def first_of_month(day: date, months_later: int) -> date:
    month = day.month - 1 + months_later
    return date(day.year + month // 12, month % 12 + 1, 1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@dataclass
class World:
    on: date
    accounts: dict[str, uuid.UUID]
    licenses: list[Lic]
    keys: list[Key]
    hosts: list[tuple[int, str]]  # (license position, host id)
    models: dict[str, LicenseModel]


def world_spec(on: date) -> tuple[list[Lic], list[Key], list[tuple[int, str]]]:
    window_end = first_of_month(on, 12)
    licenses = [
        Lic("alpha", "EPS-14", 10, on + timedelta(days=200)),  # 0 ACTIVE
        Lic("alpha", "EPS-14", 5, on + timedelta(days=30)),  # 1 EXPIRING
        Lic("alpha", "DLP-16", 100, on - timedelta(days=5)),  # 2 EXPIRED (a subscription)
        Lic("alpha", "EPS-14", 25, on - timedelta(days=40)),  # 3 MAINTENANCE_LAPSED
        Lic("alpha", "MGW-10", 1, on + timedelta(days=100), LicenseState.SUPERSEDED),  # 4
        Lic("alpha", "MGW-10", 2, on + timedelta(days=100), LicenseState.REVOKED),  # 5
        Lic("alpha", "MGW-10", 3, on),  # 6 EXPIRING: ends today
        Lic("alpha", "EPS-14", 4, window_end - timedelta(days=1)),  # 7 the window's last day
        Lic("beta", "EPS-14", 50, on + timedelta(days=90)),  # 8 within 90 days, on its last day
        Lic("beta", "DLP-16", 7, window_end),  # 9 just past the window
        Lic("beta", "EPS-14", 8, on + timedelta(days=91)),  # 10 just past 90 days
        Lic("gamma", "EPS-14", 9, on + timedelta(days=10)),  # 11 revoked delegation
        Lic("delta", "DLP-16", 11, on + timedelta(days=20)),  # 12 never delegated
        Lic("acme", "MGW-10", 6, on + timedelta(days=15)),  # 13 Alice's own
    ]
    now = midnight(on) + timedelta(hours=12)
    keys = [
        Key(0, now, KeyRequestKind.NEW),
        Key(0, now - timedelta(days=1), KeyRequestKind.UPGRADE),
        Key(1, now - timedelta(days=1), KeyRequestKind.NEW),
        Key(2, midnight(on - timedelta(days=29)), KeyRequestKind.VOUCHER),  # the first moment of the range
        Key(3, midnight(on - timedelta(days=29)) - timedelta(seconds=1), KeyRequestKind.NEW),  # just before
        Key(6, now - timedelta(days=3), KeyRequestKind.REHOST),
        Key(7, now - timedelta(days=3), None),
        Key(8, now - timedelta(days=10), KeyRequestKind.FLEX),
        Key(9, now - timedelta(days=40), KeyRequestKind.NEW),
        Key(4, now - timedelta(days=100), KeyRequestKind.NEW),  # the superseded license's, long ago
        Key(11, now, KeyRequestKind.NEW),
        Key(12, now, KeyRequestKind.NEW),
        Key(13, now - timedelta(days=2), KeyRequestKind.NEW),
    ]
    hosts = [(0, "h-1"), (0, "h-2"), (1, "h-3"), (4, "h-4"), (8, "h-5"), (11, "h-6"), (13, "h-7")]
    return licenses, keys, hosts


async def build_world(portal: Portal) -> World:
    on = today()
    licenses, keys, hosts = world_spec(on)
    signer = await portal.keys.signer()
    async with portal.db.write() as session:
        products = {p.sku: p for p in await session.scalars(select(Product))}
        initech = await session.scalar(select(Account.id).where(Account.name == demo.PARTNER_ACCOUNT))
        alice = await session.scalar(select(User).where(User.email == ALICE))
        assert initech is not None and alice is not None
        acme = await session.scalar(select(Membership.account_id).where(Membership.user_id == alice.id))
        assert acme is not None
        accounts = {"acme": acme}
        for name in ("alpha", "beta", "gamma", "delta"):
            made = await create_account(session, f"Report {name.capitalize()}", AccountKind.CUSTOMER)
            accounts[name] = made.id
        await session.flush()
        for name, scope, status in (
            ("alpha", DelegationScope.MANAGE, DelegationStatus.ACTIVE),
            ("beta", DelegationScope.VIEW, DelegationStatus.ACTIVE),
            ("gamma", DelegationScope.MANAGE, DelegationStatus.REVOKED),
        ):
            session.add(
                Delegation(
                    customer_account_id=accounts[name], partner_account_id=initech, scope=scope, status=status
                )
            )
        rows = []
        for spec in licenses:
            row = License(
                id=uuid.uuid4(),
                account_id=accounts[spec.account],
                product_id=products[spec.sku].id,
                quantity=spec.seats,
                maintenance_until=spec.until,
                state=spec.state,
            )
            rows.append(row)
            session.add(row)
        await session.flush()
        first_key: dict[int, uuid.UUID] = {}
        for n, key in enumerate(keys):
            request_id = None
            if key.kind is not None:
                request = KeyRequest(
                    id=uuid.uuid4(),
                    account_id=rows[key.license].account_id,
                    user_id=alice.id,
                    kind=key.kind,
                    status=KeyRequestStatus.READY,
                )
                session.add(request)
                await session.flush()
                request_id = request.id
            key_id = uuid.uuid4()
            first_key.setdefault(key.license, key_id)
            session.add(
                LicenseKey(
                    id=key_id,
                    license_id=rows[key.license].id,
                    key_request_id=request_id,
                    activation_key=f"RPT{n:04d}{uuid.uuid4().hex[:8]}".upper(),
                    kid=signer.kid,
                    license_file="test",
                    issued_at=key.at,
                )
            )
        await session.flush()
        for position, host in hosts:
            session.add(
                Activation(license_id=rows[position].id, license_key_id=first_key[position], host_id=host)
            )
    models = {sku: products[sku].license_model for sku in products}
    return World(on, accounts, licenses, keys, hosts, models)


# ---------------------------------------------------------------- the answers, by hand


def by_product(w: World, names: set[str]) -> list[dict[str, Any]]:
    counted: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for spec in w.licenses:
        if spec.account in names:
            status = license_status(spec.state, spec.until, w.models[spec.sku], w.on).value
            counted[(spec.sku, status)][0] += 1
            counted[(spec.sku, status)][1] += spec.seats
    order = ["ACTIVE", "EXPIRING", "MAINTENANCE_LAPSED", "EXPIRED", "SUPERSEDED", "REVOKED"]
    return [
        {"product": {"sku": sku}, "status": status, "licenses": n, "seats": seats}
        for (sku, status), (n, seats) in sorted(
            counted.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1]))
        )
    ]


def by_month(w: World, names: set[str]) -> list[dict[str, Any]]:
    months = [first_of_month(w.on, n) for n in range(12)]
    end = first_of_month(w.on, 12)
    rows = {f"{m:%Y-%m}": {"month": f"{m:%Y-%m}", "licenses": 0, "seats": 0} for m in months}
    for spec in w.licenses:
        if spec.account in names and spec.state == LicenseState.CURRENT and w.on <= spec.until < end:
            row = rows[f"{spec.until:%Y-%m}"]
            row["licenses"] += 1
            row["seats"] += spec.seats
    return list(rows.values())


def keys_issued(w: World, names: set[str], start: date, end: date) -> dict[str, Any]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    per_day: Counter[date] = Counter()
    per_kind: Counter[str | None] = Counter()
    for key in w.keys:
        if w.licenses[key.license].account in names and start <= key.at.date() <= end:
            per_day[key.at.date()] += 1
            per_kind[None if key.kind is None else key.kind.value] += 1
    kinds: list[str | None] = [k.value for k in KeyRequestKind]
    if per_kind[None]:
        kinds.append(None)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": sum(per_day.values()),
        "byDay": [{"day": d.isoformat(), "keys": per_day[d]} for d in days],
        "byKind": [{"kind": k, "keys": per_kind[k]} for k in kinds],
    }


def activations(w: World, names: set[str]) -> list[dict[str, Any]]:
    seats: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    used: dict[str, set[int]] = defaultdict(set)
    for spec in w.licenses:
        if spec.account in names and spec.state == LicenseState.CURRENT:
            seats[spec.sku] += spec.seats
    for position, _host in w.hosts:
        spec = w.licenses[position]
        if spec.account in names:
            hosts[spec.sku] += 1
            used[spec.sku].add(position)
    return [
        {
            "product": {"sku": sku},
            "seats": seats[sku],
            "activations": hosts[sku],
            "activatedLicenses": len(used[sku]),
        }
        for sku in sorted(set(seats) | set(hosts))
    ]


def portfolio(w: World, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    since = w.on - timedelta(days=29)
    for short, full in sorted(names.items(), key=lambda kv: kv[1]):
        mine = [s for s in w.licenses if s.account == short]
        current = [s for s in mine if s.state == LicenseState.CURRENT and s.until >= w.on]
        rows.append(
            {
                "account": {"id": to_global_id("Account", w.accounts[short]), "name": full},
                "licenses": len(mine),
                "active": len(current),
                "maintenanceEnding90Days": sum(1 for s in current if s.until <= w.on + timedelta(days=90)),
                "keysIssued30Days": sum(
                    1 for k in w.keys if w.licenses[k.license].account == short and k.at.date() >= since
                ),
            }
        )
    return rows


def expected(w: World, names: dict[str, str], managed: bool) -> dict[str, Any]:
    shorts = set(names)
    return {
        "asOf": w.on.isoformat(),
        "managed": managed,
        "accountCount": len(names),
        "licensesByProduct": by_product(w, shorts),
        "maintenanceByMonth": by_month(w, shorts),
        "keysIssued": keys_issued(w, shorts, w.on - timedelta(days=29), w.on),
        "activationsByProduct": activations(w, shorts),
        "portfolio": portfolio(w, names),
    }


MANAGED = {"alpha": "Report Alpha", "beta": "Report Beta"}


# ---------------------------------------------------------------- the tests


async def test_a_partners_report_covers_every_managed_account(client: GraphQLClient, portal: Portal) -> None:
    # given licenses, keys and hosts in two managed accounts, one whose delegation was revoked, one
    # never delegated and the partner's own customer elsewhere
    w = await build_world(portal)
    await sign_in(client, CAROL)
    # when the partner asks without an account
    got = (await client(REPORT))["report"]
    # then every report counts the two managed accounts, as worked out by hand
    want = expected(w, MANAGED, managed=True)
    for name in want:
        assert got[name] == want[name], name
    # and the hand-made answer is not empty where it matters (the test can fail)
    assert [r["licenses"] for r in got["portfolio"]] == [8, 3]
    assert got["keysIssued"]["total"] == 7


async def test_one_account_report(client: GraphQLClient, other_client: GraphQLClient, portal: Portal) -> None:
    # given the same world
    w = await build_world(portal)
    await sign_in(client, CAROL)
    me = await sign_in(other_client, ALICE)
    # when the partner asks for one managed account (VIEW scope) and Alice for her own
    beta = (await client(REPORT, {"accountId": to_global_id("Account", w.accounts["beta"])}))["report"]
    acme = (await other_client(REPORT, {"accountId": account_id(me)}))["report"]
    # then each covers that account alone
    assert beta == expected(w, {"beta": "Report Beta"}, managed=False)
    assert acme == expected(w, {"acme": "Acme Corp"}, managed=False)
    assert acme["activationsByProduct"] == [
        {"product": {"sku": "MGW-10"}, "seats": 6, "activations": 1, "activatedLicenses": 1}
    ]


async def test_keys_issued_over_a_chosen_range(client: GraphQLClient, portal: Portal) -> None:
    w = await build_world(portal)
    await sign_in(client, CAROL)
    start, end = w.on - timedelta(days=45), w.on - timedelta(days=1)
    got = (await client(KEYS, {"from": start.isoformat(), "to": end.isoformat()}))["report"]["keysIssued"]
    want = keys_issued(w, set(MANAGED), start, end)
    assert got == {k: want[k] for k in ("from", "to", "total", "byDay")}
    assert got["total"] == 8  # today's key is out, the ones of 30 and 40 days ago are in
    # one end alone: 30 days from it
    only_from = (await client(KEYS, {"from": start.isoformat()}))["report"]["keysIssued"]
    assert (only_from["from"], only_from["to"]) == (
        start.isoformat(),
        (start + timedelta(days=29)).isoformat(),
    )


@pytest.mark.parametrize(
    ("days_from", "days_to", "field"),
    [(0, -1, "to"), (-366, 0, "to")],
    ids=["ends-before-it-starts", "longer-than-366-days"],
)
async def test_keys_issued_range_is_bounded(
    client: GraphQLClient, portal: Portal, days_from: int, days_to: int, field: str
) -> None:
    await sign_in(client, CAROL)
    on = today()
    body = await client.raw(
        KEYS,
        {
            "from": (on + timedelta(days=days_from)).isoformat(),
            "to": (on + timedelta(days=days_to)).isoformat(),
        },
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == field
    assert body["data"] == {"report": None}
    # a full year is fine
    ok = await client(KEYS, {"from": (on - timedelta(days=365)).isoformat(), "to": on.isoformat()})
    assert len(ok["report"]["keysIssued"]["byDay"]) == 366


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"from": "9999-12-20"}, "from"),  # its default end passed the last date Python knows
        ({"to": "0001-01-05"}, "to"),  # its default start came before the first
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),  # the midnight after the range
    ],
)
async def test_keys_issued_days_at_the_ends_of_the_calendar_are_a_field_error(
    client: GraphQLClient, given: dict[str, str], field: str
) -> None:
    # an OverflowError inside the report ("date value out of range") before
    await sign_in(client, CAROL)
    body = await client.raw(KEYS, given)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT" and error["extensions"]["field"] == field
    assert body["data"] == {"report": None}


async def test_foreign_accounts_answer_like_unknown_ones(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    w = await build_world(portal)
    await sign_in(client, CAROL)
    await sign_in(other_client, BOB)
    unknown = {"report": None}
    assert await client(REPORT, {"accountId": to_global_id("Account", uuid.uuid4())}) == unknown
    assert await client(REPORT, {"accountId": "not-an-id"}) == unknown
    for name in ("gamma", "delta", "acme"):  # revoked, never delegated, another customer
        assert await client(REPORT, {"accountId": to_global_id("Account", w.accounts[name])}) == unknown
    assert await other_client(REPORT, {"accountId": to_global_id("Account", w.accounts["alpha"])}) == unknown
    # a customer without managed accounts gets an empty report, not someone else's
    mine = (await other_client(REPORT))["report"]
    assert (mine["accountCount"], mine["licensesByProduct"], mine["portfolio"]) == (0, [], [])
    assert mine["keysIssued"]["total"] == 0


async def test_statements_do_not_grow_with_the_accounts(client: GraphQLClient, portal: Portal) -> None:
    # given the world, and 20 more managed accounts each with a license
    w = await build_world(portal)
    await sign_in(client, CAROL)
    await client(REPORT)  # warm: the statements are built on first use
    with statements(portal) as managed:
        await client(REPORT)
    async with portal.db.write() as session:
        initech = await session.scalar(select(Account.id).where(Account.name == demo.PARTNER_ACCOUNT))
        product = await session.scalar(select(Product.id).where(Product.sku == "EPS-14"))
        assert initech is not None and product is not None
        for n in range(20):
            made = await create_account(session, f"Report More {n:02d}", AccountKind.CUSTOMER)
            await session.flush()
            session.add(
                Delegation(
                    customer_account_id=made.id,
                    partner_account_id=initech,
                    scope=DelegationScope.VIEW,
                    status=DelegationStatus.ACTIVE,
                )
            )
            session.add(License(account_id=made.id, product_id=product, quantity=1, maintenance_until=w.on))
    with statements(portal) as many:
        got = (await client(REPORT))["report"]
    assert got["accountCount"] == 22
    assert len(managed) == len(many)


# ---------------------------------------------------------------- CSV


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_rows(report: dict[str, Any], name: str) -> list[list[str]]:
    """What each CSV should hold, from the query's answer."""
    keys = report["keysIssued"]
    made: dict[str, list[list[Any]]] = {
        "licenses-by-product": [
            [
                r["product"]["sku"],
                r["product"]["name"],
                r["product"]["version"],
                r["status"],
                r["licenses"],
                r["seats"],
            ]
            for r in report["licensesByProduct"]
        ],
        "maintenance-by-month": [
            [r["month"], r["licenses"], r["seats"]] for r in report["maintenanceByMonth"]
        ],
        "keys-issued-by-day": [[r["day"], r["keys"]] for r in keys["byDay"]],
        "keys-issued-by-kind": [[r["kind"] or "", r["keys"]] for r in keys["byKind"]],
        "activations-by-product": [
            [
                r["product"]["sku"],
                r["product"]["name"],
                r["product"]["version"],
                r["seats"],
                r["activations"],
                r["activatedLicenses"],
            ]
            for r in report["activationsByProduct"]
        ],
        "portfolio": [
            [
                r["account"]["number"],
                r["account"]["name"],
                r["licenses"],
                r["active"],
                r["maintenanceEnding90Days"],
                r["keysIssued30Days"],
            ]
            for r in report["portfolio"]
        ],
    }
    return [[str(cell) for cell in row] for row in made[name]]


CSV_REPORT = REPORT.replace("product { sku }", "product { sku name version }").replace(
    "account { id name }", "account { id name number }"
)
TABLES = [
    "licenses-by-product",
    "maintenance-by-month",
    "keys-issued-by-day",
    "keys-issued-by-kind",
    "activations-by-product",
    "portfolio",
]


async def test_each_csv_says_what_the_query_says(client: GraphQLClient, portal: Portal) -> None:
    w = await build_world(portal)
    await sign_in(client, CAROL)
    start, end = (w.on - timedelta(days=45)).isoformat(), w.on.isoformat()
    for variables, params in (
        ({}, {}),
        ({"accountId": to_global_id("Account", w.accounts["alpha"])}, {}),
        ({"from": start, "to": end}, {"from": start, "to": end}),
    ):
        report = (await client(CSV_REPORT, variables))["report"]
        for name in TABLES:
            response = await client.http.get(f"/api/reports/{name}.csv", params={**variables, **params})
            assert response.status_code == 200, (name, response.text)
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            assert f"{name}-{w.on.isoformat()}.csv" in response.headers["content-disposition"]
            [header, *rows] = list(csv.reader(io.StringIO(response.text)))
            assert rows == csv_rows(report, name), name
            assert header == tables.TABLES[name].header
    # the partner's portfolio by hand, as a spreadsheet reads it
    response = await client.http.get("/api/reports/portfolio.csv")
    assert [(r["account"], r["licenses"], r["keys_issued_30_days"]) for r in read_csv(response.text)] == [
        ("Report Alpha", "8", "6"),
        ("Report Beta", "3", "1"),
    ]


async def test_csv_refusals(client: GraphQLClient, other_client: GraphQLClient, portal: Portal) -> None:
    w = await build_world(portal)
    # not signed in: nothing to see
    assert (await client.http.get("/api/reports/portfolio.csv")).status_code == 404
    await sign_in(client, CAROL)
    # foreign, unknown and malformed accounts answer alike
    for account in (
        to_global_id("Account", w.accounts["gamma"]),
        to_global_id("Account", w.accounts["delta"]),
        to_global_id("Account", uuid.uuid4()),
        "not-an-id",
    ):
        response = await client.http.get("/api/reports/portfolio.csv", params={"accountId": account})
        assert (response.status_code, response.text) == (404, "Not found")
    assert (await client.http.get("/api/reports/everything.csv")).status_code == 404
    # bad and unbounded ranges are the caller's to fix
    bad = await client.http.get("/api/reports/keys-issued-by-day.csv", params={"from": "yesterday"})
    assert bad.status_code == 400
    long = await client.http.get(
        "/api/reports/keys-issued-by-day.csv",
        params={"from": (w.on - timedelta(days=400)).isoformat(), "to": w.on.isoformat()},
    )
    assert (long.status_code, long.text) == (400, "Ask for at most 366 days at a time.")


async def test_a_reporting_script_needs_reports_read(
    client: GraphQLClient, portal_app: tuple[Any, Portal]
) -> None:
    # given the partner's two tokens: one for reports, one for licenses only
    w = await build_world(portal_app[1])
    await sign_in(client, CAROL)
    reader, _ = await make_token(client, ["reports:read"])
    other, _ = await make_token(client, ["licenses:read"], name="licenses only")
    want = expected(w, MANAGED, managed=True)
    async with client_for(portal_app[0]) as script:
        # when a script asks with the reports token: the same answer the partner's browser gets
        answer = await bearer(script, reader, REPORT)
        assert answer.status_code == 200
        assert answer.json()["data"]["report"]["portfolio"] == want["portfolio"]
        csv_answer = await script.get(
            "/api/reports/portfolio.csv", headers={"Authorization": f"Bearer {reader}"}
        )
        assert [r["account"] for r in read_csv(csv_answer.text)] == ["Report Alpha", "Report Beta"]
        # and with the other token: refused, naming the scope, over GraphQL and CSV alike
        refused = (await bearer(script, other, REPORT)).json()
        assert refused["data"] is None and "reports:read" in refused["errors"][0]["message"]
        no = await script.get("/api/reports/portfolio.csv", headers={"Authorization": f"Bearer {other}"})
        assert no.status_code == 403 and "reports:read" in no.text
