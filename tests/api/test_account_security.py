"""Your account: password reset through a real SMTP server, password change, profile, sessions,
and two-factor sign-in with an authenticator app (codes computed with pyotp) and recovery codes."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select, update

from backend.auth.tokens import token_hash
from backend.db.models import AuditEvent, EmailToken, RecoveryCode, TotpCredential, utcnow
from backend.domain import demo
from backend.domain.demo import DEMO_PASSWORD
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, ME, sign_in
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, eventually

NEW_PASSWORD = "a brand new passphrase"

REQUEST_RESET = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) {
    __typename
    ... on RequestPasswordResetSuccess { email message }
    ... on UserError { code message field }
    ... on RateLimited { retryAfterSeconds }
  }
}"""
RESET = """
mutation($input: ResetPasswordInput!) {
  resetPassword(input: $input) {
    __typename
    ... on ResetPasswordSuccess { email }
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code } }
  }
}"""
CHANGE = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    __typename
    ... on ChangePasswordSuccess { sessionsEnded }
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code } }
  }
}"""
PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    __typename
    ... on UpdateProfileSuccess { user { name email } }
    ... on InvalidInput { field fieldErrors { field code } }
  }
}"""
SECURITY = """
query { accountSecurity {
  sessions { id createdAt expiresAt ip userAgent current }
  twoFactor { enabled enabledAt recoveryCodesLeft }
} }"""
SIGN_OUT_SESSION = """
mutation($input: SignOutSessionInput!) {
  signOutSession(input: $input) { __typename ... on UserError { code field } }
}"""
SIGN_OUT_EVERYWHERE = "mutation { signOutEverywhere { sessionsEnded } }"
SETUP_START = """
mutation($input: PasswordConfirmationInput!) {
  twoFactorSetupStart(input: $input) {
    __typename
    ... on TwoFactorSetupStartSuccess { secret otpauthUri qrCodeSvg }
    ... on UserError { code message field }
  }
}"""
SETUP_CONFIRM = """
mutation($input: TwoFactorSetupConfirmInput!) {
  twoFactorSetupConfirm(input: $input) {
    __typename
    ... on TwoFactorSetupConfirmSuccess { recoveryCodes }
    ... on UserError { code message field }
  }
}"""
DISABLE = """
mutation($input: PasswordConfirmationInput!) {
  twoFactorDisable(input: $input) { __typename ... on UserError { code field } }
}"""
REGENERATE = """
mutation($input: PasswordConfirmationInput!) {
  twoFactorRecoveryCodesRegenerate(input: $input) {
    __typename
    ... on TwoFactorRecoveryCodesSuccess { recoveryCodes }
    ... on UserError { code field }
  }
}"""
LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on LoginSuccess { user { email } }
    ... on SecondFactorRequired { challenge message }
    ... on UserError { code field }
  }
}"""
SECOND_FACTOR = """
mutation($input: LoginSecondFactorInput!) {
  loginSecondFactor(input: $input) {
    __typename
    ... on LoginSuccess { user { email } }
    ... on UserError { code message field }
    ... on RateLimited { retryAfterSeconds }
  }
}"""


@pytest.fixture
async def mail_app(
    database_url: str, tmp_path: Path, smtp: tuple[Any, str]
) -> AsyncIterator[tuple[Any, Portal, Any]]:
    """The app with demo data, delivering mail to a real SMTP server (aiosmtpd)."""
    mailbox, smtp_url = smtp
    settings = make_settings(database_url, tmp_path, smtp_url=smtp_url)
    async with running_app(settings) as (app, portal):
        await demo.seed(portal.db)
        yield app, portal, mailbox


def mails_to(mailbox: Any, address: str) -> list[str]:
    return [
        message_from_bytes(m.content, policy=default).get_body().get_content()
        for m in mailbox.messages
        if m.rcpt_tos == [address]
    ]


async def reset_link_mail(mailbox: Any, address: str, count: int = 1) -> str:
    async def arrived() -> list[str]:
        bodies = [b for b in mails_to(mailbox, address) if "reset-password?token=" in b]
        return bodies if len(bodies) >= count else []

    bodies: list[str] = await eventually(arrived)
    return bodies[-1]


def token_in(body: str) -> str:
    found = re.search(r"/reset-password\?token=([\w-]+)", body)
    assert found, body
    return found.group(1)


async def login(client: GraphQLClient, email: str, password: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await client(LOGIN, {"input": {"email": email, "password": password}}))["login"]
    return answer


# ---------------------------------------------------------------- password reset


async def test_password_reset_by_mail_through_a_real_smtp_server(
    mail_app: tuple[Any, Portal, Any],
) -> None:
    app, portal, mailbox = mail_app
    async with client_for(app) as http, client_for(app) as other_http:
        client, elsewhere = GraphQLClient(http), GraphQLClient(other_http)
        # given Alice signed in on another browser
        await sign_in(elsewhere)
        # when she asks for a reset link and follows it
        asked = (await client(REQUEST_RESET, {"input": {"email": " Alice@Acme.Example "}}))[
            "requestPasswordReset"
        ]
        body = await reset_link_mail(mailbox, ALICE)
        token = token_in(body)
        done = (await client(RESET, {"input": {"token": token, "password": NEW_PASSWORD}}))["resetPassword"]
        # then
        assert asked["__typename"] == "RequestPasswordResetSuccess" and asked["email"] == ALICE
        assert "one hour" in body
        assert done == {"__typename": "ResetPasswordSuccess", "email": ALICE}
        assert (await elsewhere(ME))["me"] is None  # every session ended
        assert (await login(client, ALICE, DEMO_PASSWORD))["code"] == "INVALID_CREDENTIALS"
        assert (await login(client, ALICE, NEW_PASSWORD))["__typename"] == "LoginSuccess"
        # the link works once
        again = (await client(RESET, {"input": {"token": token, "password": "yet another password"}}))[
            "resetPassword"
        ]
        assert again["__typename"] == "InvalidToken" and again["field"] == "token"
        # and she is told by mail that the password changed
        await eventually(
            lambda: _value(
                any("password of your" in b and "was just changed" in b for b in mails_to(mailbox, ALICE))
            )
        )
        async with portal.db.read() as session:
            actions = set(await session.scalars(select(AuditEvent.action)))
        assert {"user.password_reset_requested", "user.password_reset"} <= actions


async def _value(value: Any) -> Any:
    return value


async def test_unknown_addresses_get_the_same_answer_and_no_mail(mail_app: tuple[Any, Portal, Any]) -> None:
    app, _portal, mailbox = mail_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        known = (await client(REQUEST_RESET, {"input": {"email": BOB}}))["requestPasswordReset"]
        unknown = (await client(REQUEST_RESET, {"input": {"email": "nobody@example.com"}}))[
            "requestPasswordReset"
        ]
        invalid = (await client(REQUEST_RESET, {"input": {"email": "not an address"}}))[
            "requestPasswordReset"
        ]
        # then the answers differ only in the address they repeat
        assert known["__typename"] == unknown["__typename"] == "RequestPasswordResetSuccess"
        assert known["message"].replace(BOB, "X") == unknown["message"].replace("nobody@example.com", "X")
        assert invalid["__typename"] == "InvalidInput" and invalid["field"] == "email"
        await reset_link_mail(mailbox, BOB)
        assert not [m for m in mailbox.messages if "nobody@example.com" in m.rcpt_tos]


async def test_reset_requests_are_rate_limited_alike_for_known_and_unknown_addresses(
    client: GraphQLClient,
) -> None:
    for address in (ALICE, "nobody@example.com"):
        answers = [
            (await client(REQUEST_RESET, {"input": {"email": address}}))["requestPasswordReset"]
            for _ in range(4)
        ]
        assert [a["__typename"] for a in answers] == ["RequestPasswordResetSuccess"] * 3 + ["RateLimited"]
        assert answers[3]["field"] == "email" and answers[3]["retryAfterSeconds"] > 0


async def test_a_reset_link_expires_after_one_hour_and_checks_the_new_password(
    mail_app: tuple[Any, Portal, Any],
) -> None:
    app, portal, mailbox = mail_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        before = utcnow()
        await client(REQUEST_RESET, {"input": {"email": ALICE}})
        after = utcnow()
        token = token_in(await reset_link_mail(mailbox, ALICE))
        async with portal.db.read() as session:
            row = await session.scalar(select(EmailToken).where(EmailToken.token_hash == token_hash(token)))
        assert row is not None and row.purpose == "reset_password"
        assert before + timedelta(hours=1) <= row.expires_at <= after + timedelta(hours=1)
        # a too short password is refused and leaves the link usable
        short = (await client(RESET, {"input": {"token": token, "password": "short"}}))["resetPassword"]
        assert short["__typename"] == "InvalidInput" and short["fieldErrors"] == [
            {"field": "password", "code": "TOO_SHORT"}
        ]
        async with portal.db.read() as session:
            assert await session.scalar(select(EmailToken.used_at).where(EmailToken.id == row.id)) is None
        # when the hour is over
        async with portal.db.write() as session:
            await session.execute(
                update(EmailToken)
                .where(EmailToken.id == row.id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        expired = (await client(RESET, {"input": {"token": token, "password": NEW_PASSWORD}}))[
            "resetPassword"
        ]
        assert expired["__typename"] == "InvalidToken"
        assert (await login(client, ALICE, DEMO_PASSWORD))["__typename"] == "LoginSuccess"


# ---------------------------------------------------------------- password change and profile


async def test_change_password_needs_the_current_one_and_ends_the_other_sessions(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    await sign_in(client)
    await sign_in(other_client)
    wrong = (await client(CHANGE, {"input": {"currentPassword": "nope", "newPassword": NEW_PASSWORD}}))[
        "changePassword"
    ]
    short = (await client(CHANGE, {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": "short"}}))[
        "changePassword"
    ]
    same = (
        await client(CHANGE, {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": DEMO_PASSWORD}})
    )["changePassword"]
    assert wrong["fieldErrors"] == [{"field": "currentPassword", "code": "WRONG_PASSWORD"}]
    assert short["fieldErrors"] == [{"field": "newPassword", "code": "TOO_SHORT"}]
    assert same["fieldErrors"] == [{"field": "newPassword", "code": "UNCHANGED"}]
    assert (await other_client(ME))["me"]["email"] == ALICE  # nothing changed yet
    # when
    done = (await client(CHANGE, {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD}}))[
        "changePassword"
    ]
    # then this session stays, the other one ended
    assert done == {"__typename": "ChangePasswordSuccess", "sessionsEnded": 1}
    assert (await client(ME))["me"]["email"] == ALICE
    assert (await other_client(ME))["me"] is None
    assert (await login(other_client, ALICE, NEW_PASSWORD))["__typename"] == "LoginSuccess"


async def test_wrong_current_passwords_are_rate_limited(client: GraphQLClient) -> None:
    await sign_in(client)
    variables = {"input": {"currentPassword": "nope", "newPassword": NEW_PASSWORD}}
    answers = [(await client(CHANGE, variables))["changePassword"]["__typename"] for _ in range(11)]
    assert answers == ["InvalidInput"] * 10 + ["RateLimited"]


async def test_profile_changes_the_name_and_shows_the_email(client: GraphQLClient, portal: Portal) -> None:
    await sign_in(client)
    empty = (await client(PROFILE, {"input": {"name": "   "}}))["updateProfile"]
    done = (await client(PROFILE, {"input": {"name": "  Alice   Cooper "}}))["updateProfile"]
    assert empty == {
        "__typename": "InvalidInput",
        "field": "name",
        "fieldErrors": [{"field": "name", "code": "REQUIRED"}],
    }
    assert done == {"__typename": "UpdateProfileSuccess", "user": {"name": "Alice Cooper", "email": ALICE}}
    assert (await client("{ me { name email } }"))["me"] == {"name": "Alice Cooper", "email": ALICE}
    async with portal.db.read() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "user.profile_updated"))
    assert event is not None and event.data["name"] == "Alice Cooper"


# ---------------------------------------------------------------- sessions


async def test_sessions_list_and_sign_out_one_or_everywhere(
    client: GraphQLClient, other_client: GraphQLClient, portal_app: tuple[Any, Portal]
) -> None:
    client.http.headers["User-Agent"] = "Browser One"
    other_client.http.headers["User-Agent"] = "Browser Two"
    await sign_in(client)
    await sign_in(other_client)
    sessions = (await client(SECURITY))["accountSecurity"]["sessions"]
    assert sorted((s["userAgent"], s["current"]) for s in sessions) == [
        ("Browser One", True),
        ("Browser Two", False),
    ]
    other = next(s["id"] for s in sessions if not s["current"])
    # Bob cannot end Alice's sessions: their ids are unknown ids to him
    async with client_for(portal_app[0]) as http:
        bob = GraphQLClient(http)
        await sign_in(bob, BOB)
        refused = (await bob(SIGN_OUT_SESSION, {"input": {"sessionId": other}}))["signOutSession"]
    assert refused == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "sessionId"}
    assert (await other_client(ME))["me"]["email"] == ALICE
    # when Alice ends her other session
    ended = (await client(SIGN_OUT_SESSION, {"input": {"sessionId": other}}))["signOutSession"]
    assert ended == {"__typename": "SignOutSessionSuccess"}
    assert (await other_client(ME))["me"] is None
    assert (await client(ME))["me"]["email"] == ALICE
    # and, signed in there again, everywhere else
    await sign_in(other_client)
    assert (await client(SIGN_OUT_EVERYWHERE))["signOutEverywhere"] == {"sessionsEnded": 1}
    assert (await other_client(ME))["me"] is None
    assert [s["current"] for s in (await client(SECURITY))["accountSecurity"]["sessions"]] == [True]


async def test_ending_the_current_session_signs_out(client: GraphQLClient) -> None:
    await sign_in(client)
    [mine] = (await client(SECURITY))["accountSecurity"]["sessions"]
    await client(SIGN_OUT_SESSION, {"input": {"sessionId": mine["id"]}})
    assert (await client(ME))["me"] is None
    body = await client.raw(SECURITY)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---------------------------------------------------------------- two-factor sign-in


async def enable_totp(client: GraphQLClient) -> tuple[pyotp.TOTP, list[str]]:
    started = (await client(SETUP_START, {"input": {"password": DEMO_PASSWORD}}))["twoFactorSetupStart"]
    assert started["__typename"] == "TwoFactorSetupStartSuccess", started
    app = pyotp.TOTP(started["secret"])
    confirmed = (await client(SETUP_CONFIRM, {"input": {"code": app.now()}}))["twoFactorSetupConfirm"]
    assert confirmed["__typename"] == "TwoFactorSetupConfirmSuccess", confirmed
    return app, confirmed["recoveryCodes"]


def wrong_code(app: pyotp.TOTP) -> str:
    """Six digits that are no code of the steps the server accepts now."""
    now = time.time()
    window = {app.at(now + offset * app.interval) for offset in (-2, -1, 0, 1, 2)}
    return next(
        code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in window
    )


def next_code(app: pyotp.TOTP) -> str:
    """The code of the next time step: later than any step accepted so far, and within the window."""
    return app.at(time.time() + app.interval)


async def test_turning_on_two_factor_sign_in(client: GraphQLClient, portal: Portal) -> None:
    await sign_in(client)
    wrong_password = (await client(SETUP_START, {"input": {"password": "nope"}}))["twoFactorSetupStart"]
    assert wrong_password["field"] == "password" and wrong_password["code"] == "INVALID_INPUT"
    no_setup = (await client(SETUP_CONFIRM, {"input": {"code": "123456"}}))["twoFactorSetupConfirm"]
    assert no_setup["__typename"] == "TwoFactorRefused" and no_setup["code"] == "NO_SETUP"
    # when
    started = (await client(SETUP_START, {"input": {"password": DEMO_PASSWORD}}))["twoFactorSetupStart"]
    app = pyotp.TOTP(started["secret"])
    wrong = (await client(SETUP_CONFIRM, {"input": {"code": wrong_code(app)}}))["twoFactorSetupConfirm"]
    before = (await client(SECURITY))["accountSecurity"]["twoFactor"]
    confirmed = (await client(SETUP_CONFIRM, {"input": {"code": app.now()}}))["twoFactorSetupConfirm"]
    # then
    assert started["otpauthUri"].startswith("otpauth://totp/Licensing%20Portal:alice%40acme.example?secret=")
    # a standalone SVG document (the SPA shows it as an image): namespace and viewBox
    assert re.match(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \d+ \d+"', started["qrCodeSvg"])
    assert wrong["__typename"] == "InvalidInput" and wrong["field"] == "code"
    assert before == {"enabled": False, "enabledAt": None, "recoveryCodesLeft": 0}
    codes = confirmed["recoveryCodes"]
    assert len(codes) == 10 == len(set(codes)) and all(
        re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", c) for c in codes
    )
    after = (await client(SECURITY))["accountSecurity"]["twoFactor"]
    assert after["enabled"] and after["enabledAt"] and after["recoveryCodesLeft"] == 10
    again = (await client(SETUP_START, {"input": {"password": DEMO_PASSWORD}}))["twoFactorSetupStart"]
    assert again["__typename"] == "TwoFactorRefused" and again["code"] == "ALREADY_ENABLED"
    # the secret is stored encrypted, the recovery codes hashed
    async with portal.db.read() as session:
        credential = await session.scalar(select(TotpCredential))
        hashes = set(await session.scalars(select(RecoveryCode.code_hash)))
    assert credential is not None and started["secret"].encode() not in credential.secret_encrypted
    assert not {c for c in codes} & hashes and len(hashes) == 10


async def test_sign_in_with_a_code_from_the_authenticator_app(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    await sign_in(client)
    app, _codes = await enable_totp(client)
    # when the password is right, a code is asked for
    first = await login(other_client, ALICE, DEMO_PASSWORD)
    assert first["__typename"] == "SecondFactorRequired" and first["challenge"]
    assert (await other_client(ME))["me"] is None
    wrong = (
        await other_client(SECOND_FACTOR, {"input": {"challenge": first["challenge"], "code": "12345"}})
    )["loginSecondFactor"]
    code = next_code(app)
    done = (await other_client(SECOND_FACTOR, {"input": {"challenge": first["challenge"], "code": code}}))[
        "loginSecondFactor"
    ]
    # then
    assert wrong["__typename"] == "InvalidInput" and wrong["field"] == "code"
    assert done == {"__typename": "LoginSuccess", "user": {"email": ALICE}}
    assert (await other_client(ME))["me"]["email"] == ALICE
    # the challenge works once, and a code is accepted once
    spent = (await other_client(SECOND_FACTOR, {"input": {"challenge": first["challenge"], "code": code}}))[
        "loginSecondFactor"
    ]
    assert spent["field"] == "challenge"
    second = await login(client, ALICE, DEMO_PASSWORD)
    replay = (await client(SECOND_FACTOR, {"input": {"challenge": second["challenge"], "code": code}}))[
        "loginSecondFactor"
    ]
    assert replay["__typename"] == "InvalidInput" and replay["field"] == "code"
    async with portal.db.read() as session:
        methods = [
            e.data.get("method")
            for e in await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "user.login").order_by(AuditEvent.id)
            )
        ]
    assert methods == ["password", "totp"]


async def test_recovery_codes_sign_in_once_each(client: GraphQLClient, other_client: GraphQLClient) -> None:
    await sign_in(client)
    _app, codes = await enable_totp(client)
    first = await login(other_client, ALICE, DEMO_PASSWORD)
    typed = codes[0].lower().replace("-", " ")  # as people type them
    done = (await other_client(SECOND_FACTOR, {"input": {"challenge": first["challenge"], "code": typed}}))[
        "loginSecondFactor"
    ]
    assert done["__typename"] == "LoginSuccess"
    again = await login(other_client, ALICE, DEMO_PASSWORD)
    reused = (
        await other_client(SECOND_FACTOR, {"input": {"challenge": again["challenge"], "code": codes[0]}})
    )["loginSecondFactor"]
    assert reused["__typename"] == "InvalidInput" and reused["field"] == "code"
    assert (await client(SECURITY))["accountSecurity"]["twoFactor"]["recoveryCodesLeft"] == 9
    # new codes replace the old ones
    fresh = (await client(REGENERATE, {"input": {"password": DEMO_PASSWORD}}))[
        "twoFactorRecoveryCodesRegenerate"
    ]
    old = (await other_client(SECOND_FACTOR, {"input": {"challenge": again["challenge"], "code": codes[1]}}))[
        "loginSecondFactor"
    ]
    assert old["field"] == "code"
    new = (
        await other_client(
            SECOND_FACTOR, {"input": {"challenge": again["challenge"], "code": fresh["recoveryCodes"][0]}}
        )
    )["loginSecondFactor"]
    assert new["__typename"] == "LoginSuccess"


async def test_wrong_codes_are_rate_limited(client: GraphQLClient, other_client: GraphQLClient) -> None:
    await sign_in(client)
    app, _codes = await enable_totp(client)
    challenge = (await login(other_client, ALICE, DEMO_PASSWORD))["challenge"]
    right, wrong = next_code(app), wrong_code(app)
    answers = [
        (await other_client(SECOND_FACTOR, {"input": {"challenge": challenge, "code": wrong}}))[
            "loginSecondFactor"
        ]
        for _ in range(5)
    ]
    limited = (await other_client(SECOND_FACTOR, {"input": {"challenge": challenge, "code": right}}))[
        "loginSecondFactor"
    ]
    assert {a["__typename"] for a in answers} == {"InvalidInput"}
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0
    assert (await other_client(ME))["me"] is None


async def test_turning_two_factor_sign_in_off_needs_the_password(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    await sign_in(client)
    await enable_totp(client)
    wrong = (await client(DISABLE, {"input": {"password": "nope"}}))["twoFactorDisable"]
    assert wrong == {"__typename": "InvalidInput", "code": "INVALID_INPUT", "field": "password"}
    assert (await login(other_client, ALICE, DEMO_PASSWORD))["__typename"] == "SecondFactorRequired"
    done = (await client(DISABLE, {"input": {"password": DEMO_PASSWORD}}))["twoFactorDisable"]
    assert done == {"__typename": "TwoFactorDisableSuccess"}
    assert (await login(other_client, ALICE, DEMO_PASSWORD))["__typename"] == "LoginSuccess"
    off = (await client(DISABLE, {"input": {"password": DEMO_PASSWORD}}))["twoFactorDisable"]
    assert off == {"__typename": "TwoFactorRefused", "code": "NOT_ENABLED", "field": None}


async def test_a_password_reset_keeps_two_factor_sign_in(mail_app: tuple[Any, Portal, Any]) -> None:
    app, _portal, mailbox = mail_app
    async with client_for(app) as http:
        client = GraphQLClient(http)
        await sign_in(client)
        totp_app, _codes = await enable_totp(client)
        await client(REQUEST_RESET, {"input": {"email": ALICE}})
        token = token_in(await reset_link_mail(mailbox, ALICE))
        assert (await client(RESET, {"input": {"token": token, "password": NEW_PASSWORD}}))["resetPassword"][
            "__typename"
        ] == "ResetPasswordSuccess"
        first = await login(client, ALICE, NEW_PASSWORD)
        assert first["__typename"] == "SecondFactorRequired"
        done = (
            await client(
                SECOND_FACTOR, {"input": {"challenge": first["challenge"], "code": next_code(totp_app)}}
            )
        )["loginSecondFactor"]
        assert done["__typename"] == "LoginSuccess"
