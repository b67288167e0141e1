"""What an audit of /graphql found (issue 17), each held by a test: a client cannot choose its own
address with X-Forwarded-For, a huge or absurdly nested body is a 400 before anything runs, every
string and number is bounded at the edge, and an anonymous refusal is one INFO line, not an ERROR
with a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from backend.app import MAX_BODY_BYTES
from backend.db.models import AuditEvent, RateLimitHit, utcnow
from backend.domain import demo, notifications, search
from backend.domain.serials import luhn_digit
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, account_id, enter, new_serials, sign_in, start
from tests.api.sockets import served
from tests.conftest import make_settings, running_app
from tests.support import GraphQLClient

LOGIN = """
mutation L($input: LoginInput!) { login(input: $input) { __typename } }"""
SIGN_UP = """
mutation S($input: SignUpInput!) {
  signUp(input: $input) { __typename ... on InvalidInput { fieldErrors { field code } } }
}"""
LICENSES = """
query Q($a: ID!, $filter: LicenseFilter) { licenses(accountId: $a, filter: $filter) { totalCount } }"""
MANAGED = """
query M($filter: ManagedAccountFilter) { managedAccounts(filter: $filter) { totalCount } }"""


async def _login_ips(portal: Portal, app: Any) -> list[str | None]:
    """Sign in over a real socket with a forged X-Forwarded-For; the addresses the audit recorded."""
    async with served(app) as host, httpx.AsyncClient(base_url=f"http://{host}") as http:
        response = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"input": {"email": ALICE, "password": demo.DEMO_PASSWORD}}},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert response.json()["data"]["login"]["__typename"] == "LoginSuccess", response.text
    async with portal.db.read() as session:
        return list(await session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "user.login")))


async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
    portal_app: tuple[Any, Portal], database_url: str, tmp_path: Path
) -> None:
    app, portal = portal_app
    assert await _login_ips(portal, app) == ["127.0.0.1"]  # no trusted proxy: the socket's address

    trusting = make_settings(database_url, tmp_path / "trusting", trusted_proxies=("127.0.0.1",))
    async with running_app(trusting) as (proxied_app, proxied):
        ips = await _login_ips(proxied, proxied_app)
    assert ips[-1] == "203.0.113.9"


async def test_a_huge_or_deeply_nested_body_is_a_400(client: GraphQLClient) -> None:
    http = client.http
    big = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * (MAX_BODY_BYTES + 10)}})
    response = await http.post("/graphql", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "larger than" in response.text
    nested = '{"query": "{ __typename }", "variables": {"v": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = await http.post("/graphql", content=nested, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nested too deeply" in response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * 100_000),
        ("password", "p" * 1_000_000),
        ("name", "Bad \ud800 name"),
        ("name", "Nul\x00name"),  # PostgreSQL refused it inside the resolver: an unexpected error
    ],
)
async def test_strings_are_bounded_at_the_edge(client: GraphQLClient, field: str, value: str) -> None:
    data = {"email": "new@example.com", "password": "long-enough-password", "name": "New", "company": "Co"}
    body = json.dumps({"query": SIGN_UP, "variables": {"input": {**data, field: value}}})
    response = await client.http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    answer = response.json()
    assert answer["data"] is None, answer
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INPUT_TOO_LONG", "field": f"input.{field}"}


async def test_names_and_passwords_have_field_limits(client: GraphQLClient) -> None:
    data = {
        "email": "new@example.com",
        "password": "long-enough-password",
        "name": "N" * 201,
        "company": "Co",
    }
    answer = (await client(SIGN_UP, {"input": data}))["signUp"]
    assert answer["__typename"] == "InvalidInput"
    assert answer["fieldErrors"] == [{"field": "name", "code": "TOO_LONG"}]
    data = {**data, "name": "New", "password": "p" * 1001}
    assert (await client(SIGN_UP, {"input": data}))["signUp"]["fieldErrors"] == [
        {"field": "password", "code": "TOO_LONG"}
    ]


async def test_numbers_and_search_terms_are_bounded(client: GraphQLClient) -> None:
    acme = account_id(await sign_in(client))
    for filter_, field in (
        ({"expiringWithinDays": 2147483647}, "filter.expiringWithinDays"),
        ({"search": "%_" * 150}, "filter.search"),
    ):
        answer = await client.raw(LICENSES, {"a": acme, "filter": filter_})
        assert answer["data"] is None, answer
        assert answer["errors"][0]["extensions"]["field"] == field, answer
    huge = await client.raw(LICENSES, {"a": acme, "filter": {"search": "%_" * 500_000}})
    assert huge["errors"][0]["extensions"]["code"] == "INPUT_TOO_LONG"
    managed = await client.raw(MANAGED, {"filter": {"expiringWithinDays": 2147483647}})
    assert managed["data"] is None and "days ahead" in managed["errors"][0]["message"], managed
    assert managed["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    within = await client.raw(LICENSES, {"a": acme, "filter": {"expiringWithinDays": 3650}})
    assert "errors" not in within, within


async def test_an_anonymous_refusal_is_one_info_line(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await client.raw("{ inbox { unreadCount } }")
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    refused = [r for r in caplog.records if "UNAUTHENTICATED" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.INFO and refused[0].exc_info is None


NESTED = """
query N($a: ID!) {
  licenses(accountId: $a, first: 100) {
    edges { node { id account { licenses(first: 100) {
      edges { node { id account { licenses(first: 30) { edges { node { id } } } } } }
    } } } }
  }
}"""


async def test_nested_lists_past_the_node_limit_are_refused_before_running(client: GraphQLClient) -> None:
    acme = account_id(await sign_in(client))
    answer = await client.raw(NESTED, {"a": acme})
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NODE_LIMIT", answer
    page = await client.raw(
        "query P($a: ID!) { licenses(accountId: $a, first: 101) { totalCount } }", {"a": acme}
    )
    assert page["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE", page
    # The same shape with small pages runs.
    small = await client.raw(NESTED.replace("100", "10").replace("30", "10"), {"a": acme})
    assert "errors" not in small, small


def client_at(app: Any, ip: str) -> httpx.AsyncClient:
    """A browser at another client address (the socket's peer: no proxy is trusted)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://127.0.0.1"
    )


async def _age_failures(portal: Portal, seconds: int) -> None:
    async with portal.db.write() as session:
        await session.execute(update(RateLimitHit).values(at=utcnow() - timedelta(seconds=seconds)))


async def test_wrong_passwords_slow_the_guesser_and_never_lock_the_user_out(
    portal_app: tuple[Any, Portal],
) -> None:
    app, portal = portal_app
    async with client_at(app, "198.51.100.7") as guesser_http, client_at(app, "192.0.2.10") as alice_http:
        guesser, alice = GraphQLClient(guesser_http), GraphQLClient(alice_http)
        answers = [(await guesser.login(ALICE, "wrong-password"))["code"] for _ in range(10)]
        # Five free failures, then each attempt at once is slowed down instead of tried.
        assert answers == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 5
        # Alice at her own desk signs in at once.
        assert (await alice.login(ALICE, demo.DEMO_PASSWORD))["__typename"] == "LoginSuccess"
        # The guesser's address waits, a growing delay after its latest failure, even for the right
        # password; once the delay has passed the right password works there too (no lock).
        waited = await guesser.login(ALICE, demo.DEMO_PASSWORD)
        assert waited["__typename"] == "RateLimited" and 0 < waited["retryAfterSeconds"] <= 900
        await _age_failures(portal, waited["retryAfterSeconds"] + 1)
        assert (await guesser.login(ALICE, demo.DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def test_an_office_behind_one_address_is_not_locked_out_by_its_colleagues(
    portal_app: tuple[Any, Portal],
) -> None:
    app, _ = portal_app
    async with client_at(app, "203.0.113.50") as office_http:
        office = GraphQLClient(office_http)
        for n in range(60):  # sixty typos by a dozen colleagues
            assert (await office.login(f"colleague{n % 12}@globex.example", "typo"))[
                "code"
            ] == "INVALID_CREDENTIALS"
        assert (await office.login(BOB, demo.DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def test_bad_serials_of_one_user_do_not_refuse_a_colleague_at_the_same_address(
    portal_app: tuple[Any, Portal],
) -> None:
    app, portal = portal_app
    async with client_at(app, "203.0.113.60") as alice_http, client_at(app, "203.0.113.60") as victor_http:
        alice, colleague = GraphQLClient(alice_http), GraphQLClient(victor_http)
        acme = account_id(await sign_in(alice))
        draft = await start(alice, acme)
        unknown = ["M" + f"{n:09d}" + luhn_digit(f"{n:09d}") for n in range(100, 110)]
        assert {p["code"] for p in (await enter(alice, draft["id"], unknown))["problems"]} == {"UNKNOWN"}
        globex = account_id(await sign_in(colleague, BOB))
        theirs = await start(colleague, globex)
        good = (await new_serials(portal))[0]
        assert (await enter(colleague, theirs["id"], [good]))["__typename"] == "KeyRequestEnterSerialsSuccess"


SEARCH = 'query S { search(query: "acme") { __typename } }'
MARK_ALL_READ = """
mutation R { inboxMarkRead(input: {all: true}) { __typename ... on InboxMarkReadSuccess { marked } } }"""


class _Stalled:
    """A search that never answers on its own: says when it started and whether it was stopped."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.cancelled = False

    async def __call__(self, *_args: Any) -> list[Any]:
        self.entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return []


def _graphql_post_scope(content_length: int, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    """The ASGI scope of a POST /graphql from 127.0.0.1, for tests that play the client's part of
    the connection themselves (what it sends, and when it leaves)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(content_length).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def test_a_query_past_the_time_limit_is_stopped_but_a_mutation_runs_to_its_end(
    portal_app: tuple[Any, Portal], client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _app, portal = portal_app
    await sign_in(client, ALICE)
    monkeypatch.setattr(portal, "settings", replace(portal.settings, query_time_limit=0.5))
    stalled = _Stalled()
    monkeypatch.setattr(search, "find", stalled)
    answer = await client.raw(SEARCH)
    assert stalled.cancelled and answer["data"] is None
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "TIMEOUT" and "0.5 s" in error["message"]

    # a mutation that takes three times the limit still answers: its work is never cut half-way
    mark_read = notifications.mark_read

    async def slow_mark_read(*args: Any) -> Any:
        await asyncio.sleep(1.5)
        return await mark_read(*args)

    monkeypatch.setattr(notifications, "mark_read", slow_mark_read)
    answer = await client.raw(MARK_ALL_READ)
    assert answer["data"]["inboxMarkRead"]["__typename"] == "InboxMarkReadSuccess", answer


async def test_a_query_whose_client_disconnected_is_stopped(
    portal_app: tuple[Any, Portal], client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _portal = portal_app
    await sign_in(client, ALICE)
    stalled = _Stalled()
    monkeypatch.setattr(search, "find", stalled)
    body = json.dumps({"query": SEARCH}).encode()
    cookies = "; ".join(f"{name}={value}" for name, value in client.http.cookies.items())
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await stalled.entered.wait()  # the client gives up while the search runs
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = _graphql_post_scope(len(body), (b"cookie", cookies.encode()))
    await asyncio.wait_for(app(scope, receive, send), 60)  # bounded against a hang, not timed
    assert stalled.cancelled
    answer = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert answer["errors"][0]["extensions"]["code"] == "CLIENT_CLOSED"


async def test_a_client_gone_before_its_body_arrived_is_no_server_error(
    portal_app: tuple[Any, Portal], caplog: pytest.LogCaptureFixture
) -> None:
    app, _portal = portal_app

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = _graphql_post_scope(40)
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert not [m for m in sent if m.get("status", 0) >= 500]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
