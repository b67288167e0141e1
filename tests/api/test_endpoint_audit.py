"""What an audit of /graphql found (issue 17), each held by a test: a client cannot choose its own
address with X-Forwarded-For, a huge or absurdly nested body is a 400 before anything runs, every
string and number is bounded at the edge, and an anonymous refusal is one INFO line, not an ERROR
with a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.app import MAX_BODY_BYTES
from backend.db.models import AuditEvent
from backend.domain import demo
from backend.portal import Portal
from tests.api.flows import ALICE, account_id, sign_in
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
    [("name", "N" * 100_000), ("password", "p" * 1_000_000), ("name", "Bad \ud800 name")],
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
