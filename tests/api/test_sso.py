"""Single sign-on over HTTP against a real OpenID Connect provider in the test process
(tests/api/oidc_provider.py): the browser's redirects are followed by hand, the portal's own calls
to the provider (discovery, token, JWKS) go over the loopback for real."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from backend.auth.tokens import SESSION_COOKIE
from backend.db.models import Account, AuditEvent, Membership, Role, SsoConnection, User
from backend.domain.access import Actor
from backend.domain.accounts import sso
from backend.domain.demo import DEMO_PASSWORD
from backend.portal import Portal
from backend.schema.common import to_global_id
from tests.api.flows import ALICE, ME, VICTOR
from tests.api.oidc_provider import Faults, TestProvider, TestUser, running_provider
from tests.conftest import client_for
from tests.support import GraphQLClient, free_port

CLIENT_ID = "portal-client"
CLIENT_SECRET = "s3cret-of-the-portal-client"


@pytest.fixture
async def provider(portal: Portal) -> AsyncIterator[TestProvider]:
    async with running_provider() as found:
        found.add_client(CLIENT_ID, CLIENT_SECRET, sso.redirect_uri(portal.settings))
        yield found


async def ids(portal: Portal, email: str = ALICE) -> tuple[Any, Any]:
    """(Acme's account id, the user's id)."""
    async with portal.db.read() as session:
        user = await session.scalar(select(User).where(User.email == email))
        account = await session.scalar(select(Account).where(Account.name == "Acme Corp"))
        assert user is not None and account is not None
        return account.id, user.id


async def connect(
    portal: Portal,
    provider: TestProvider,
    *,
    require_sso: bool = False,
    join_role: Role = Role.MEMBER,
    client_id: str = CLIENT_ID,
) -> None:
    """Acme's admin connects the provider for acme.example (the domain step, as the mutation does)."""
    account_id, alice_id = await ids(portal)
    await sso.save_connection(
        portal.db,
        sso.OidcClient(production=False),
        portal.settings,
        Actor(alice_id),
        sso.ConnectionInput(
            account_id=account_id,
            issuer_url=provider.issuer,
            client_id=client_id,
            client_secret=CLIENT_SECRET,
            domains=["acme.example"],
            join_role=join_role,
            require_sso=require_sso,
            break_glass_user_id=alice_id if require_sso else None,
        ),
    )


async def through_provider(http: httpx.AsyncClient, email: str) -> tuple[str, dict[str, str]]:
    """Start at the portal and let the provider answer: the callback path and its query."""
    started = await http.get("/sso/start", params={"email": email})
    assert started.status_code == 302, started.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(started.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


async def sign_in_with_sso(http: httpx.AsyncClient, email: str) -> httpx.Response:
    path, params = await through_provider(http, email)
    return await http.get(path, params=params)


async def signed_in_as(client: GraphQLClient) -> str | None:
    me = (await client(ME))["me"]
    return None if me is None else str(me["email"])


async def test_a_new_user_signs_in_with_the_company_provider_and_joins_as_member(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    # given Acme's provider, and Nina, whom the portal has never seen
    await connect(portal, provider)
    provider.user = TestUser(sub="nina-1", email="Nina@Acme.example", name="Nina North")

    # when she signs in through it
    done = await sign_in_with_sso(client.http, "nina@acme.example")

    # then she lands in the SPA with a session that works on /graphql
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.http.cookies.get(SESSION_COOKIE)
    me = (await client(ME))["me"]
    assert me["email"] == "nina@acme.example"
    assert [(m["role"], m["account"]["name"]) for m in me["memberships"]] == [("MEMBER", "Acme Corp")]
    # the flow was the code flow with PKCE S256, the verifier sent with the code, and a nonce
    asked = provider.authorize_requests[-1]
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["nonce"] and asked["state"] and asked["login_hint"] == "nina@acme.example"
    assert provider.token_requests[-1]["code_verifier"]
    async with portal.db.read() as session:
        user = await session.scalar(select(User).where(User.email == "nina@acme.example"))
        assert user is not None and user.email_verified_at is not None and user.name == "Nina North"
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.sign_in"))).all()
    assert [(e.actor_user_id, e.data["user_created"], e.data["joined_as"]) for e in events] == [
        (user.id, True, "MEMBER")
    ]


async def test_an_existing_admin_keeps_her_role_and_the_join_role_is_configurable(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient, provider: TestProvider
) -> None:
    # given a connection that joins newcomers as viewers
    await connect(portal, provider, join_role=Role.VIEWER)
    provider.user = TestUser(sub="alice-1", email=ALICE, name="Alice at the provider")

    # when Alice (an admin already) and then a newcomer sign in through it
    assert (await sign_in_with_sso(client.http, ALICE)).status_code == 303
    provider.user = TestUser(sub="olaf-1", email="olaf@acme.example", name="Olaf")
    assert (await sign_in_with_sso(other_client.http, "olaf@acme.example")).status_code == 303

    # then Alice is still the admin she was, the newcomer a viewer
    alice = (await client(ME))["me"]
    assert alice["email"] == ALICE and ("ADMIN", "Acme Corp") in [
        (m["role"], m["account"]["name"]) for m in alice["memberships"]
    ]
    olaf = (await other_client(ME))["me"]
    assert [(m["role"], m["account"]["name"]) for m in olaf["memberships"]] == [("VIEWER", "Acme Corp")]


async def test_required_sso_refuses_passwords_except_the_break_glass_admin(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient, provider: TestProvider
) -> None:
    # given Acme requires its provider, with Alice as break-glass admin
    await connect(portal, provider, require_sso=True)

    # when Victor signs in with his (right) password
    refused = await client.login(VICTOR, DEMO_PASSWORD)

    # then he is told to use the company sign-in, and has no session
    assert refused["__typename"] == "SsoRequired" and refused["code"] == "SSO_REQUIRED"
    assert refused["field"] == "email" and "company sign-in" in refused["message"]
    assert client.http.cookies.get(SESSION_COOKIE) is None
    # a wrong password gets the same answer: the refusal says nothing about the password
    assert (await client.login(VICTOR, "not his password at all"))["__typename"] == "SsoRequired"
    # the break-glass admin still signs in with her password
    assert (await other_client.login(ALICE, DEMO_PASSWORD))["__typename"] == "LoginSuccess"
    # and Victor gets in through the provider
    provider.user = TestUser(sub="victor-1", email=VICTOR, name="Victor")
    assert (await sign_in_with_sso(client.http, VICTOR)).status_code == 303
    assert await signed_in_as(client) == VICTOR


async def assert_refused(
    client: GraphQLClient, answer: httpx.Response, words: str, status: int = 400
) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Company sign-in failed" in answer.text and words in answer.text
    assert "You are not signed in" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert client.http.cookies.get(SESSION_COOKIE) is None
    assert await signed_in_as(client) is None


@pytest.mark.parametrize(
    ("faults", "reason", "words"),
    [
        (Faults(nonce="a-nonce-of-another-sign-in"), "bad_nonce", "nonce mismatch"),
        (Faults(audience="some-other-application"), "bad_aud", "issued for another application"),
        (Faults(issuer="https://evil.example"), "bad_iss", "issued by another provider"),
        (Faults(expired=True), "bad_exp", "has expired"),
        (Faults(wrong_key=True), "bad_signature", "signature does not verify"),
    ],
    ids=["nonce", "audience", "issuer", "expired", "wrong-key"],
)
async def test_a_bad_id_token_is_refused_with_a_clear_page_and_no_session(
    portal: Portal, client: GraphQLClient, provider: TestProvider, faults: Faults, reason: str, words: str
) -> None:
    # given a provider that gets one thing about the ID token wrong
    await connect(portal, provider)
    provider.user = TestUser(sub="nina-1", email="nina@acme.example", name="Nina")
    provider.faults = faults

    # when the browser comes back from it
    answer = await sign_in_with_sso(client.http, "nina@acme.example")

    # then the page says what went wrong, nobody is signed in and no user was created
    await assert_refused(client, answer, words)
    async with portal.db.read() as session:
        assert await session.scalar(select(User).where(User.email == "nina@acme.example")) is None
        failed = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.sign_in_failed"))
        ).all()
    assert [e.data["reason"] for e in failed] == [reason]


async def test_a_state_that_is_not_this_browsers_or_is_used_twice_is_refused(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient, provider: TestProvider
) -> None:
    await connect(portal, provider)
    provider.user = TestUser(sub="nina-1", email="nina@acme.example", name="Nina")

    # a forged state
    path, params = await through_provider(client.http, "nina@acme.example")
    await assert_refused(
        client, await client.http.get(path, params={**params, "state": "forged"}), "did not start"
    )

    # a callback link carried to another browser (no state cookie there): login CSRF
    path, params = await through_provider(client.http, "nina@acme.example")
    await assert_refused(other_client, await other_client.http.get(path, params=params), "did not start")

    # the right browser succeeds once; the same callback again is refused
    path, params = await through_provider(client.http, "nina@acme.example")
    assert (await client.http.get(path, params=params)).status_code == 303
    client.http.cookies.delete(SESSION_COOKIE)
    client.http.cookies.set("portal_sso_state", params["state"], domain="127.0.0.1", path="/sso")
    await assert_refused(client, await client.http.get(path, params=params), "already used")


async def test_the_provider_refusing_or_an_unknown_domain_is_a_clear_page(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    await connect(portal, provider)

    # an address whose domain has no provider
    answer = await client.http.get("/sso/start", params={"email": "someone@globex.example"})
    await assert_refused(client, answer, "No company sign-in is set up", 404)

    # the provider denies the sign-in (no user signed in there)
    provider.user = None
    answer = await sign_in_with_sso(client.http, "nina@acme.example")
    await assert_refused(client, answer, "did not complete")

    # the provider vouches for an address outside the connection's domains
    provider.user = TestUser(sub="x-1", email="mallory@globex.example", name="Mallory")
    answer = await sign_in_with_sso(client.http, "nina@acme.example")
    await assert_refused(client, answer, "does not vouch for addresses at globex.example")


async def test_the_client_secret_is_stored_encrypted(portal: Portal, provider: TestProvider) -> None:
    await connect(portal, provider)
    async with portal.db.read() as session:
        row = await session.scalar(select(SsoConnection))
    assert row is not None and CLIENT_SECRET.encode() not in row.client_secret_encrypted
    assert (
        sso.decrypt_secret(portal.settings.secret_key, row.account_id, row.client_secret_encrypted)
        == CLIENT_SECRET
    )
    # bound to its account: the same bytes do not decrypt for another
    with pytest.raises(sso.OidcError):
        sso.decrypt_secret(portal.settings.secret_key, row.id, row.client_secret_encrypted)


async def test_memberships_are_not_doubled(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    await connect(portal, provider)
    provider.user = TestUser(sub="nina-1", email="nina@acme.example", name="Nina")
    for _ in range(2):
        client.http.cookies.clear()
        assert (await sign_in_with_sso(client.http, "nina@acme.example")).status_code == 303
    async with portal.db.read() as session:
        count = len(
            (
                await session.scalars(
                    select(Membership)
                    .join(User, User.id == Membership.user_id)
                    .where(User.email == "nina@acme.example")
                )
            ).all()
        )
    assert count == 1


# ---------------------------------------------------------------- the settings API and the sign-in page

SIGN_IN_METHOD = "query($email: String!) { signInMethod(email: $email) { method startUrl } }"
CONNECTION_FIELDS = """
  id issuerUrl clientId clientSecretSet domains joinRole requireSso redirectUri testUrl
  account { id name } breakGlassUser { id email }
"""
READ = "query($accountId: ID!) { ssoConnection(accountId: $accountId) { %s } }" % CONNECTION_FIELDS
SAVE = (
    """
mutation($input: SsoConnectionSaveInput!) {
  ssoConnectionSave(input: $input) {
    __typename
    ... on SsoConnectionSaveSuccess { connection { %s } }
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code message } }
  }
}"""
    % CONNECTION_FIELDS
)
DELETE = """
mutation($input: SsoConnectionDeleteInput!) {
  ssoConnectionDelete(input: $input) {
    __typename
    ... on SsoConnectionDeleteSuccess { accountId }
    ... on UserError { code message field }
  }
}"""


def gid(kind: str, value: Any) -> str:
    return str(to_global_id(kind, value if isinstance(value, uuid.UUID) else uuid.UUID(value)))


async def save_input(portal: Portal, provider: TestProvider, **changes: Any) -> dict[str, Any]:
    account_id, _ = await ids(portal)
    return {
        "accountId": gid("Account", account_id),
        "issuerUrl": provider.issuer,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "domains": ["Acme.Example", "@acme.example"],
        **changes,
    }


async def test_sign_in_method_answers_by_domain_alone(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    await connect(portal, provider)
    known = (await client(SIGN_IN_METHOD, {"email": ALICE}))["signInMethod"]
    unknown = (await client(SIGN_IN_METHOD, {"email": "nobody-yet@ACME.example"}))["signInMethod"]
    assert known["method"] == unknown["method"] == "SSO"
    assert unknown["startUrl"] == "/sso/start?email=nobody-yet%40ACME.example"
    assert known["startUrl"] == "/sso/start?email=alice%40acme.example"
    for email in ("bob@globex.example", "nobody@globex.example", "not an address"):
        assert (await client(SIGN_IN_METHOD, {"email": email}))["signInMethod"] == {
            "method": "PASSWORD",
            "startUrl": None,
        }


async def test_an_admin_connects_edits_and_deletes_the_provider(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    # given Alice, Acme's admin
    await sign_in_as(client, ALICE)
    account_id, alice_id = await ids(portal)
    assert (await client(READ, {"accountId": gid("Account", account_id)}))["ssoConnection"] is None

    # when she connects the provider
    saved = (await client(SAVE, {"input": await save_input(portal, provider)}))["ssoConnectionSave"]

    # then it is stored with its domain normalised, the secret write-only
    assert saved["__typename"] == "SsoConnectionSaveSuccess", saved
    connection = saved["connection"]
    assert connection["domains"] == ["acme.example"] and connection["clientSecretSet"] is True
    assert connection["joinRole"] == "MEMBER" and connection["requireSso"] is False
    assert connection["redirectUri"] == "http://127.0.0.1:8000/sso/callback"
    assert connection["testUrl"].startswith("/sso/start?account=C-")
    read = (await client(READ, {"accountId": gid("Account", account_id)}))["ssoConnection"]
    assert read == connection

    # when she requires SSO with herself as break-glass admin, leaving the secret as it is
    changed = (
        await client(
            SAVE,
            {
                "input": await save_input(
                    portal,
                    provider,
                    clientSecret=None,
                    requireSso=True,
                    breakGlassUserId=gid("User", alice_id),
                )
            },
        )
    )["ssoConnectionSave"]
    assert changed["__typename"] == "SsoConnectionSaveSuccess", changed
    assert changed["connection"]["requireSso"] is True
    assert changed["connection"]["breakGlassUser"]["email"] == ALICE
    async with portal.db.read() as session:
        row = await session.scalar(select(SsoConnection))
    assert row is not None
    assert (
        sso.decrypt_secret(portal.settings.secret_key, row.account_id, row.client_secret_encrypted)
        == CLIENT_SECRET
    )

    # and deletes it: passwords work again
    deleted = (await client(DELETE, {"input": {"accountId": gid("Account", account_id)}}))[
        "ssoConnectionDelete"
    ]
    assert deleted == {"__typename": "SsoConnectionDeleteSuccess", "accountId": gid("Account", account_id)}
    assert (await client(READ, {"accountId": gid("Account", account_id)}))["ssoConnection"] is None
    async with portal.db.read() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("sso.connection%"))
                .order_by(AuditEvent.at)
            )
        )
    assert actions == ["sso.connection_created", "sso.connection_changed", "sso.connection_deleted"]


async def sign_in_as(client: GraphQLClient, email: str) -> None:
    assert (await client.login(email, DEMO_PASSWORD))["__typename"] == "LoginSuccess"


async def test_bad_settings_are_refused_field_by_field_and_change_nothing(
    portal: Portal, client: GraphQLClient, other_client: GraphQLClient, provider: TestProvider
) -> None:
    # given Acme connected; Globex (Bob) connected for its own domain
    await connect(portal, provider)
    await sign_in_as(client, ALICE)
    _, victor_id = await ids(portal, VICTOR)
    await sign_in_as(other_client, "bob@globex.example")
    globex = (await other_client(ME))["me"]["memberships"][0]["account"]["id"]
    bob_saved = (
        await other_client(
            SAVE,
            {
                "input": {
                    **await save_input(portal, provider),
                    "accountId": globex,
                    "domains": ["globex.example"],
                }
            },
        )
    )["ssoConnectionSave"]
    assert bob_saved["__typename"] == "SsoConnectionSaveSuccess", bob_saved

    async def refused(**changes: Any) -> list[tuple[str, str]]:
        answer = (await client(SAVE, {"input": await save_input(portal, provider, **changes)}))[
            "ssoConnectionSave"
        ]
        assert answer["__typename"] == "InvalidInput", answer
        return [(e["field"], e["code"]) for e in answer["fieldErrors"]]

    # then each bad field is named
    assert await refused(issuerUrl="http://login.acme.example") == [("issuerUrl", "NOT_HTTPS")]
    assert await refused(issuerUrl="") == [("issuerUrl", "REQUIRED")]
    assert await refused(clientId=" ") == [("clientId", "REQUIRED")]
    assert await refused(domains=["acme..example"]) == [("domains", "INVALID_DOMAIN")]
    assert await refused(domains=["gmail.com"]) == [("domains", "PUBLIC_DOMAIN")]
    assert await refused(domains=[]) == [("domains", "REQUIRED")]
    assert await refused(domains=["globex.example"]) == [
        ("domains", "DOMAIN_TAKEN"),
        ("domains", "DOMAIN_NOT_PROVEN"),
    ]
    assert await refused(domains=["acme.example", "initech.example"]) == [("domains", "DOMAIN_NOT_PROVEN")]
    assert await refused(requireSso=True) == [("breakGlassUserId", "REQUIRED")]
    assert await refused(breakGlassUserId=gid("User", victor_id)) == [("breakGlassUserId", "NOT_AN_ADMIN")]
    assert await refused(breakGlassUserId="not-an-id") == [("breakGlassUserId", "NOT_AN_ADMIN")]
    # an issuer whose discovery fails: nothing listens there
    dead = await refused(issuerUrl=f"http://127.0.0.1:{free_port()}")
    assert dead == [("issuerUrl", "DISCOVERY_FAILED")]
    # a discovery document naming another issuer
    assert await refused(issuerUrl=provider.issuer + "/") == [("issuerUrl", "DISCOVERY_FAILED")]

    # and nothing changed
    account_id, _ = await ids(portal)
    read = (await client(READ, {"accountId": gid("Account", account_id)}))["ssoConnection"]
    assert read["domains"] == ["acme.example"] and read["issuerUrl"] == provider.issuer
    assert read["requireSso"] is False and read["breakGlassUser"] is None


async def test_only_the_accounts_admins_see_or_change_its_connection(
    portal_app: tuple[Any, Portal],
    portal: Portal,
    client: GraphQLClient,
    other_client: GraphQLClient,
    provider: TestProvider,
) -> None:
    await connect(portal, provider)
    account_id, _ = await ids(portal)
    acme = gid("Account", account_id)
    unknown = gid("Account", "00000000-0000-4000-8000-000000000000")
    # Victor (a viewer of Acme) and Bob (another customer) get what an unknown account gets
    await sign_in_as(client, VICTOR)
    await sign_in_as(other_client, "bob@globex.example")
    for who in (client, other_client):
        assert (await who(READ, {"accountId": acme}))["ssoConnection"] is None
        assert (await who(READ, {"accountId": unknown}))["ssoConnection"] is None
        for account in (acme, unknown):
            saved = await who(SAVE, {"input": {**await save_input(portal, provider), "accountId": account}})
            assert saved["ssoConnectionSave"]["__typename"] == "NotFound"
            assert (
                saved["ssoConnectionSave"]["message"] == "No such account, or you do not have access to it."
            )
            deleted = (await who(DELETE, {"input": {"accountId": account}}))["ssoConnectionDelete"]
            assert deleted["__typename"] == "NotFound" and deleted["field"] == "accountId"
    # not signed in: no answer at all
    async with client_for(portal_app[0]) as anonymous:
        body = (
            await anonymous.post("/graphql", json={"query": READ, "variables": {"accountId": acme}})
        ).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sign_ins_started_from_one_address_are_limited(
    portal: Portal, client: GraphQLClient, provider: TestProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of two sign-ins per address in the window
    await connect(portal, provider)
    monkeypatch.setattr(sso, "STARTS_PER_IP", (2, 600))
    for _ in range(2):
        assert (await client.http.get("/sso/start", params={"email": "nina@acme.example"})).status_code == 302
    # when a third starts, it is refused with a page saying when to try again
    answer = await client.http.get("/sso/start", params={"email": "nina@acme.example"})
    await assert_refused(client, answer, "Too many sign-ins from your address", 429)


async def test_a_break_glass_admin_who_is_no_longer_admin_loses_the_exception(
    portal: Portal, client: GraphQLClient, provider: TestProvider
) -> None:
    # given required SSO with Alice as break-glass admin, and Alice demoted to member since
    await connect(portal, provider, require_sso=True)
    account_id, alice_id = await ids(portal)
    async with portal.db.write() as session:
        membership = await session.scalar(
            select(Membership).where(Membership.user_id == alice_id, Membership.account_id == account_id)
        )
        assert membership is not None
        membership.role = Role.MEMBER

    # when she signs in with her password, then she is sent to the company sign-in like everyone
    assert (await client.login(ALICE, DEMO_PASSWORD))["__typename"] == "SsoRequired"
