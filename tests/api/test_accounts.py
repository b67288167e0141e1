"""Sign-in, sessions, CSRF, sign-up with e-mail verification."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.db.models import User
from backend.domain import demo
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, ME, START, account_id, sign_in
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, eventually

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on SignUpSuccess { email message }
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code } }
  }
}"""
VERIFY = """
mutation Verify($input: VerifyEmailInput!) {
  verifyEmail(input: $input) { __typename ... on VerifyEmailSuccess { user { email emailVerified } }
                               ... on UserError { code } }
}"""


async def test_login_sets_session_and_csrf_cookies_and_logout_ends_the_session(client: GraphQLClient) -> None:
    # when
    me = await sign_in(client)
    # then
    assert me["email"] == ALICE
    assert {m["account"]["kind"] for m in me["memberships"]} == {"CUSTOMER"}
    assert client.http.cookies.get("portal_session") and client.http.cookies.get("portal_csrf")
    await client("mutation { logout { ok } }")
    assert (await client(ME))["me"] is None


async def test_wrong_password_gives_one_answer_for_known_and_unknown_users(client: GraphQLClient) -> None:
    known = await client.login(ALICE, "wrong-password")
    unknown = await client.login("nobody@example.com", "wrong-password")
    assert (
        known
        == unknown
        == {
            "__typename": "InvalidCredentials",
            "code": "INVALID_CREDENTIALS",
            "message": "The e-mail address or password is not correct.",
            "field": "password",
        }
    )


async def test_login_is_slowed_down_per_email_and_address(client: GraphQLClient) -> None:
    answers = [(await client.login(ALICE, "wrong-password"))["code"] for _ in range(10)]
    assert answers == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 5
    limited = await client.login(ALICE, demo.DEMO_PASSWORD)
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0


async def test_a_cookie_mutation_without_the_csrf_header_is_refused_and_changes_nothing(
    client: GraphQLClient, portal: Portal
) -> None:
    # given
    me = await sign_in(client)
    # when
    missing = await client.raw(START, {"input": {"accountId": account_id(me)}}, csrf=False)
    forged = await client.raw(
        START, {"input": {"accountId": account_id(me)}}, csrf=False, headers={"X-CSRF-Token": "forged"}
    )
    # then
    for body in (missing, forged):
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    async with portal.db.read() as session:
        from backend.db.models import KeyRequest

        assert await session.scalar(select(func.count()).select_from(KeyRequest)) == 0
    # queries need no token
    assert (await client.raw(ME, csrf=False))["data"]["me"]["email"] == ALICE


async def test_signed_out_mutations_get_a_top_level_error(client: GraphQLClient) -> None:
    body = await client.raw(START, {"input": {"accountId": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sign_up_verifies_the_address_through_a_real_smtp_server(
    database_url: str, tmp_path: Path, smtp: tuple[Any, str]
) -> None:
    mailbox, smtp_url = smtp
    settings = make_settings(database_url, tmp_path, smtp_url=smtp_url)
    async with running_app(settings) as (app, _portal), client_for(app) as http:
        client = GraphQLClient(http)
        # given
        signed = (
            await client(
                SIGN_UP,
                {
                    "input": {
                        "email": "New.User@Example.com",
                        "password": "correct horse battery",
                        "name": "New User",
                        "company": "Newco",
                    }
                },
            )
        )["signUp"]
        assert signed["__typename"] == "SignUpSuccess" and signed["email"] == "new.user@example.com"
        # when: not yet verified
        early = await client.login("new.user@example.com", "correct horse battery")
        assert early["code"] == "EMAIL_NOT_VERIFIED"
        messages = await eventually(
            lambda: _async([m for m in mailbox.messages if m.rcpt_tos == ["new.user@example.com"]])
        )
        body = message_from_bytes(messages[0].content, policy=default).get_body().get_content()  # type: ignore[union-attr]
        token = re.search(r"verify-email\?token=([\w-]+)", body).group(1)  # type: ignore[union-attr]
        verified = (await client(VERIFY, {"input": {"token": token}}))["verifyEmail"]
        reused = (await client(VERIFY, {"input": {"token": token}}))["verifyEmail"]
        # then
        assert verified == {
            "__typename": "VerifyEmailSuccess",
            "user": {"email": "new.user@example.com", "emailVerified": True},
        }
        assert reused == {"__typename": "InvalidToken", "code": "INVALID_TOKEN"}
        assert (await client.login("new.user@example.com", "correct horse battery"))[
            "__typename"
        ] == "LoginSuccess"
        me = (await client(ME))["me"]
        assert me["memberships"] == [
            {
                "role": "ADMIN",
                "account": {**me["memberships"][0]["account"], "name": "Newco", "kind": "CUSTOMER"},
            }
        ]


async def _async(value: Any) -> Any:
    return value


async def test_sign_up_validates_and_does_not_reveal_taken_addresses(
    client: GraphQLClient, portal: Portal
) -> None:
    bad = (
        await client(SIGN_UP, {"input": {"email": "nope", "password": "short", "name": "", "company": "X"}})
    )["signUp"]
    assert bad["__typename"] == "InvalidInput"
    assert [e["field"] for e in bad["fieldErrors"]] == ["email", "password", "name"]
    taken = (
        await client(
            SIGN_UP,
            {
                "input": {
                    "email": ALICE,
                    "password": "long enough password",
                    "name": "Mallory",
                    "company": "Evil",
                }
            },
        )
    )["signUp"]
    assert taken["__typename"] == "SignUpSuccess"
    async with portal.db.read() as session:
        assert await session.scalar(select(func.count()).where(User.email == ALICE)) == 1


async def test_a_csrf_token_of_another_session_is_refused_even_as_cookie_and_header(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given Alice's session with its token, and Bob's session
    await sign_in(client)
    alices_token = client.http.cookies.get("portal_csrf")
    assert alices_token
    bob = await sign_in(other_client, BOB)
    # when Bob sends Alice's token as both the cookie and the header (a cookie planted from a
    # sibling domain can make them equal; the token must still belong to Bob's session)
    [planted] = [c for c in other_client.http.cookies.jar if c.name == "portal_csrf"]
    other_client.http.cookies.set("portal_csrf", alices_token, domain=planted.domain, path=planted.path)
    body = await other_client.raw(
        START, {"input": {"accountId": account_id(bob)}}, csrf=False, headers={"X-CSRF-Token": alices_token}
    )
    # then it is refused and nothing was created
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    async with portal.db.read() as session:
        from backend.db.models import KeyRequest

        assert await session.scalar(select(func.count()).select_from(KeyRequest)) == 0
