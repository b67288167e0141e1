"""API tokens (issue 17): made once and shown once, listed by prefix, revoked; `Authorization:
Bearer` on /graphql and the downloads; a bad, expired or revoked token answered alike; each scope
opens exactly what it names; a token never reaches past its user's live roles."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, update

from backend.db.models import ApiToken, AuditEvent, utcnow
from backend.domain.tokens.api_tokens import SCOPES, secret_hash
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, START, VICTOR, account_id, sign_in
from tests.api.sockets import receive, served, subscribe
from tests.support import GraphQLClient

CREATE = """
mutation C($input: ApiTokenCreateInput!) {
  apiTokenCreate(input: $input) {
    __typename
    ... on ApiTokenCreateSuccess { token apiToken { id name scopes prefix expiresAt lastUsedAt mine } }
    ... on InvalidInput { fieldErrors { field code message } }
  }
}"""
TOKENS = """
query { apiTokens { id name scopes prefix createdAt expiresAt lastUsedAt lastUsedIp expired mine
  ownerEmail account { id } } }"""
REVOKE = """
mutation R($input: ApiTokenRevokeInput!) {
  apiTokenRevoke(input: $input) { __typename ... on ApiTokenRevokeSuccess { apiToken { id } } ... on UserError { code } }
}"""
ME = "{ me { id email } }"
LICENSES = "query L($a: ID!) { licenses(accountId: $a, first: 5) { totalCount edges { node { id } } } }"
MANAGED = "{ managedAccounts(first: 5) { totalCount } }"
INBOX = "{ inbox(first: 5) { unreadCount } }"
REPORT = "query R($a: ID) { report(accountId: $a) { accountCount licensesByProduct { licenses } } }"
DOWNLOADS = "{ downloadProducts { releaseCount } }"
ME_LICENSES = "{ me { memberships { account { licenses(first: 5) { totalCount } } } } }"
SET_ROLE = """
mutation S($input: AccountMemberSetRoleInput!) { accountMemberSetRole(input: $input) { __typename } }"""
REMOVE = """
mutation R($input: AccountMemberRemoveInput!) { accountMemberRemove(input: $input) { __typename } }"""


def _later(days: int = 30) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


async def make_token(
    client: GraphQLClient, scopes: list[str], *, name: str = "nightly report", account: str | None = None
) -> tuple[str, dict[str, Any]]:
    given: dict[str, Any] = {"name": name, "scopes": scopes, "expiresAt": _later()}
    if account is not None:
        given["accountId"] = account
    result = (await client(CREATE, {"input": given}))["apiTokenCreate"]
    assert result["__typename"] == "ApiTokenCreateSuccess", result
    return result["token"], result["apiToken"]


async def bearer(
    http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    """A script's request: no cookies, only the token."""
    http.cookies.clear()
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


@pytest.fixture
async def script(portal_app: tuple[Any, Portal]) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=portal_app[0]), base_url="http://127.0.0.1"
    ) as h:
        yield h


async def test_a_token_is_shown_once_stored_as_a_hash_and_listed_by_prefix(
    client: GraphQLClient, portal: Portal, script: httpx.AsyncClient
) -> None:
    # given
    await sign_in(client, ALICE)
    # when
    token, made = await make_token(client, ["licenses:read", "licenses:read"])
    # then
    assert token.startswith("lp_") and len(token) >= 40
    assert made["scopes"] == ["licenses:read"] and token.startswith(made["prefix"])
    async with portal.db.read() as session:
        row = (await session.scalars(select(ApiToken))).one()
        assert row.secret_hash == secret_hash(token) and token not in str(row.__dict__)
        assert (
            await session.scalars(select(AuditEvent.action).where(AuditEvent.action == "api_token.create"))
        ).one()
    listed = (await client(TOKENS))["apiTokens"]
    assert [t["prefix"] for t in listed] == [made["prefix"]] and "token" not in listed[0]
    assert listed[0]["lastUsedAt"] is None
    # a use is noted with its time and client address
    response = await bearer(script, token, ME)
    assert response.status_code == 200 and response.json()["data"]["me"]["email"] == ALICE
    listed = (await client(TOKENS))["apiTokens"]
    assert listed[0]["lastUsedAt"] is not None and listed[0]["lastUsedIp"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"name": " "}, "name", "LENGTH"),
        ({"name": "n" * 101}, "name", "LENGTH"),
        ({"scopes": []}, "scopes", "EMPTY"),
        ({"scopes": ["admin:all"]}, "scopes", "UNKNOWN"),
        ({"expiresAt": "2020-01-01T00:00:00+00:00"}, "expiresAt", "PAST"),
        ({"expiresAt": _later(400)}, "expiresAt", "TOO_LATE"),
        ({"accountId": "QWNjb3VudDpub3BlCg=="}, "accountId", "NOT_FOUND"),
    ],
)
async def test_bad_input_is_a_field_error_and_makes_nothing(
    client: GraphQLClient, portal: Portal, given: dict[str, Any], field: str, code: str
) -> None:
    await sign_in(client, ALICE)
    values = {"name": "report", "scopes": ["licenses:read"], "expiresAt": _later(), **given}
    result = (await client(CREATE, {"input": values}))["apiTokenCreate"]
    assert result["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in result["fieldErrors"]] == [(field, code)]
    async with portal.db.read() as session:
        assert (await session.scalars(select(ApiToken))).all() == []


async def test_a_foreign_account_answers_like_an_unknown_one(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    bobs = account_id(await sign_in(other_client, BOB))
    await sign_in(client, ALICE)
    result = (
        await client(
            CREATE,
            {"input": {"name": "x", "scopes": ["licenses:read"], "expiresAt": _later(), "accountId": bobs}},
        )
    )["apiTokenCreate"]
    assert result["fieldErrors"] == [
        {
            "field": "accountId",
            "code": "NOT_FOUND",
            "message": "No such account, or you do not have access to it.",
        }
    ]


async def test_bad_expired_and_revoked_tokens_get_the_same_401(
    client: GraphQLClient, portal: Portal, script: httpx.AsyncClient
) -> None:
    # given
    await sign_in(client, ALICE)
    revoked, made = await make_token(client, ["licenses:read"], name="revoked")
    expired, _ = await make_token(client, ["licenses:read"], name="expired")
    async with portal.db.write() as session:
        await session.execute(
            update(ApiToken).where(ApiToken.secret_hash == secret_hash(expired)).values(expires_at=utcnow())
        )
    result = (await client(REVOKE, {"input": {"tokenId": made["id"]}}))["apiTokenRevoke"]
    assert result["__typename"] == "ApiTokenRevokeSuccess"
    unknown = "lp_" + "x" * 43
    # when
    answers = [await bearer(script, t, ME) for t in (revoked, expired, unknown, "not-a-token")]
    # then
    for response in answers:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="portal", error="invalid_token"')
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert len({r.text for r in answers}) == 1
    # revoking twice, or someone else's token, is the unknown-id answer
    again = (await client(REVOKE, {"input": {"tokenId": made["id"]}}))["apiTokenRevoke"]
    assert again == {"__typename": "NotFound", "code": "NOT_FOUND"}


async def test_a_token_with_the_session_cookie_or_another_scheme_is_refused(
    client: GraphQLClient, script: httpx.AsyncClient
) -> None:
    await sign_in(client, ALICE)
    token, _ = await make_token(client, ["licenses:read"])
    both = await client.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert both.status_code == 400 and 'error="invalid_request"' in both.headers["WWW-Authenticate"]
    basic = await script.post("/graphql", json={"query": ME}, headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401 and 'error="invalid_request"' in basic.headers["WWW-Authenticate"]


async def test_bearer_mutations_need_no_csrf_token(client: GraphQLClient, script: httpx.AsyncClient) -> None:
    acme = account_id(await sign_in(client, ALICE))
    token, _ = await make_token(client, ["key_requests:write"])
    response = await bearer(script, token, START, {"input": {"accountId": acme}})
    assert response.status_code == 200
    assert response.json()["data"]["keyRequestStart"]["__typename"] == "KeyRequestStartSuccess", response.text


async def test_tokens_cannot_make_or_list_tokens(client: GraphQLClient, script: httpx.AsyncClient) -> None:
    await sign_in(client, ALICE)
    token, _ = await make_token(client, list(SCOPES))
    made = await bearer(
        script,
        token,
        CREATE,
        {"input": {"name": "child", "scopes": ["licenses:read"], "expiresAt": _later()}},
    )
    listed = await bearer(script, token, TOKENS)
    for response in (made, listed):
        error = response.json()["errors"][0]
        assert (
            error["extensions"]["code"] == "FORBIDDEN" and "not available to API tokens" in error["message"]
        )
        assert response.json()["data"] is None


# Each scope: one thing it opens, and one thing next to it that it does not.
ALLOWED_AND_REFUSED = [
    ("licenses:read", LICENSES, MANAGED, "partners:read"),
    ("licenses:read", ME_LICENSES, START, "key_requests:write"),
    ("partners:read", MANAGED, LICENSES, "licenses:read"),
    ("key_requests:write", START, ME_LICENSES, "licenses:read"),
    ("reports:read", REPORT, LICENSES, "licenses:read"),
    ("licenses:read", LICENSES, REPORT, "reports:read"),
    ("downloads:read", DOWNLOADS, START, "key_requests:write"),
    ("licenses:read", LICENSES, DOWNLOADS, "downloads:read"),
]


@pytest.mark.parametrize(("scope", "allowed", "refused", "missing"), ALLOWED_AND_REFUSED)
async def test_each_scope_opens_exactly_what_it_names(
    client: GraphQLClient, script: httpx.AsyncClient, scope: str, allowed: str, refused: str, missing: str
) -> None:
    # given
    acme = account_id(await sign_in(client, ALICE))
    token, _ = await make_token(client, [scope])
    variables_for = {LICENSES: {"a": acme}, REPORT: {"a": acme}, START: {"input": {"accountId": acme}}}
    # when
    ok = await bearer(script, token, allowed, variables_for.get(allowed))
    no = await bearer(script, token, refused, variables_for.get(refused))
    # then
    assert ok.status_code == 200 and not ok.json().get("errors"), ok.text
    body = no.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "requiredScope": missing}
    assert missing in error["message"]


async def test_scopes_reach_no_closed_area(client: GraphQLClient, script: httpx.AsyncClient) -> None:
    await sign_in(client, ALICE)
    token, _ = await make_token(client, list(SCOPES))
    response = await bearer(script, token, INBOX)
    assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    fragment = "query N($id: ID!) { node(id: $id) { ... on License { id } } }"
    narrow, _ = await make_token(client, ["partners:read"], name="narrow")
    response = await bearer(script, narrow, fragment, {"id": "x"})
    assert response.json()["errors"][0]["extensions"]["requiredScope"] == "licenses:read"


async def test_a_token_follows_its_users_live_roles(
    client: GraphQLClient, other_client: GraphQLClient, script: httpx.AsyncClient
) -> None:
    # given: Victor (a viewer at Acme) makes a token for Acme that may start key requests
    victor = await sign_in(other_client, VICTOR)
    acme = account_id(victor)
    token, _ = await make_token(other_client, ["key_requests:write", "licenses:read"], account=acme)
    start = {"input": {"accountId": acme}}
    refused = (await bearer(script, token, START, start)).json()["data"]["keyRequestStart"]
    assert refused["__typename"] != "KeyRequestStartSuccess"  # a viewer may not, token or not
    # when Alice makes him a member, the same token may
    await sign_in(client, ALICE)
    role = {"input": {"accountId": acme, "userId": victor["id"], "role": "MEMBER"}}
    assert (await client(SET_ROLE, role))["accountMemberSetRole"][
        "__typename"
    ] == "AccountMemberSetRoleSuccess"
    started = (await bearer(script, token, START, start)).json()["data"]["keyRequestStart"]
    assert started["__typename"] == "KeyRequestStartSuccess"
    # Alice, Acme's admin, sees Victor's token for Acme
    listed = (await client(TOKENS))["apiTokens"]
    assert [(t["ownerEmail"], t["mine"], t["account"]["id"]) for t in listed] == [(VICTOR, False, acme)]
    # when Alice removes him from Acme, the token dies with his membership
    gone = {"input": {"accountId": acme, "userId": victor["id"]}}
    assert (await client(REMOVE, gone))["accountMemberRemove"]["__typename"] == "AccountMemberRemoveSuccess"
    assert (await bearer(script, token, ME)).status_code == 401


async def test_an_account_admin_revokes_a_members_token_others_cannot(
    client: GraphQLClient, other_client: GraphQLClient, script: httpx.AsyncClient
) -> None:
    acme = account_id(await sign_in(other_client, VICTOR))
    token, made = await make_token(other_client, ["licenses:read"], account=acme)
    personal, mine = await make_token(other_client, ["licenses:read"], name="personal")
    await sign_in(client, BOB)
    for tid in (made["id"], mine["id"]):
        assert (await client(REVOKE, {"input": {"tokenId": tid}}))["apiTokenRevoke"][
            "__typename"
        ] == "NotFound"
    assert (await client(TOKENS))["apiTokens"] == []
    client.http.cookies.clear()
    await sign_in(client, ALICE)
    # Alice sees the token made for Acme, not Victor's personal one
    assert [t["id"] for t in (await client(TOKENS))["apiTokens"]] == [made["id"]]
    assert (await client(REVOKE, {"input": {"tokenId": mine["id"]}}))["apiTokenRevoke"][
        "__typename"
    ] == "NotFound"
    assert (await client(REVOKE, {"input": {"tokenId": made["id"]}}))["apiTokenRevoke"]["__typename"] == (
        "ApiTokenRevokeSuccess"
    )
    assert (await bearer(script, token, ME)).status_code == 401
    assert (await bearer(script, personal, ME)).status_code == 200


async def test_downloads_take_a_token_with_licenses_read(
    client: GraphQLClient, script: httpx.AsyncClient
) -> None:
    acme = account_id(await sign_in(client, ALICE))
    reader, _ = await make_token(client, ["licenses:read"])
    other, _ = await make_token(client, ["partners:read"], name="other")
    script.cookies.clear()
    url = f"/api/licenses/export.csv?accountId={acme}"
    ok = await script.get(url, headers={"Authorization": f"Bearer {reader}"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv")
    no = await script.get(url, headers={"Authorization": f"Bearer {other}"})
    assert no.status_code == 403 and "licenses:read" in no.text
    bad = await script.get(url, headers={"Authorization": "Bearer lp_" + "y" * 43})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


async def _first_on_socket(host: str, token: str, key_request_id: str) -> dict[str, Any]:
    """A script's subscription: the token on the WebSocket handshake, no cookie, no Origin."""
    async with websockets.connect(
        f"ws://{host}/graphql",
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await subscribe(ws, key_request_id)
        return await receive(ws)


async def test_a_subscription_takes_a_token_within_its_scopes(
    portal_app: tuple[Any, Portal], client: GraphQLClient
) -> None:
    # given a draft of Alice's and two tokens of hers
    app, _portal = portal_app
    acme = account_id(await sign_in(client, ALICE))
    draft = (await client(START, {"input": {"accountId": acme}}))["keyRequestStart"]["keyRequest"]["id"]
    requests, _ = await make_token(client, ["key_requests:write"])
    reader, _ = await make_token(client, ["licenses:read"], name="reader")
    # when each subscribes to it
    async with served(app) as host:
        allowed = await _first_on_socket(host, requests, draft)
        refused = await _first_on_socket(host, reader, draft)
    # then
    assert allowed["type"] == "next" and allowed["payload"]["data"]["keyRequestUpdated"]["status"] == "DRAFT"
    assert "key_requests:write" in json.dumps(refused) and "keyRequestUpdated" not in json.dumps(
        refused.get("payload", {}).get("data") or {}
    )
