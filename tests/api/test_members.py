"""Account members: invitations by e-mail, roles, removal and leaving; never without an admin."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from backend.db.models import (
    Account,
    AccountInvitation,
    AccountKind,
    AuditEvent,
    EmailMessage,
    License,
    Membership,
    Product,
    Role,
    User,
    utcnow,
)
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id
from tests.api.flows import ALICE, BOB, ME, VICTOR, account_id, sign_in
from tests.conftest import client_for
from tests.support import GraphQLClient

NEWCOMER = "Newcomer@Example.com"
NEWCOMER_STORED = "newcomer@example.com"
NEWCOMER_PASSWORD = "correct horse battery"

ERRORS = "... on UserError { code message field }"
FIELD_ERRORS = "... on InvalidInput { fieldErrors { field code } }"
INVITE = """
mutation Invite($input: AccountMemberInviteInput!) {
  accountMemberInvite(input: $input) {
    __typename
    ... on AccountMemberInviteSuccess {
      account { id }
      invitation { id email role createdAt expiresAt }
      member { user { id email } role isYou joinedAt }
    }
    ... on RateLimited { retryAfterSeconds }
    %s
    %s
  }
}""" % (ERRORS, FIELD_ERRORS)
SET_ROLE = (
    """
mutation SetRole($input: AccountMemberSetRoleInput!) {
  accountMemberSetRole(input: $input) {
    __typename
    ... on AccountMemberSetRoleSuccess { account { id members { user { email } role } } }
    %s
  }
}"""
    % ERRORS
)
REMOVE = (
    """
mutation Remove($input: AccountMemberRemoveInput!) {
  accountMemberRemove(input: $input) {
    __typename
    ... on AccountMemberRemoveSuccess { account { id } }
    %s
  }
}"""
    % ERRORS
)
REVOKE = (
    """
mutation Revoke($input: AccountInvitationRevokeInput!) {
  accountInvitationRevoke(input: $input) {
    __typename
    ... on AccountInvitationRevokeSuccess { account { id invitations { email } } }
    %s
  }
}"""
    % ERRORS
)
ACCOUNT = """
query Account($id: ID!) {
  node(id: $id) {
    ... on Account {
      id
      members { user { id email name } role joinedAt isYou }
      invitations { id email role createdAt expiresAt }
    }
  }
}"""
SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { __typename ... on UserError { code } }
}"""
VERIFY = """
mutation Verify($input: VerifyEmailInput!) {
  verifyEmail(input: $input) { __typename ... on UserError { code } }
}"""


# ---------------------------------------------------------------- steps (also used by test_shares)


async def run(client: GraphQLClient, document: str, mutation: str, /, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client(document, {"input": input}))[mutation]
    return result


async def invite(client: GraphQLClient, acc: str, email: str, role: str = "MEMBER") -> dict[str, Any]:
    return await run(client, INVITE, "accountMemberInvite", accountId=acc, email=email, role=role)


async def set_role(client: GraphQLClient, acc: str, user: str, role: str) -> dict[str, Any]:
    return await run(client, SET_ROLE, "accountMemberSetRole", accountId=acc, userId=user, role=role)


async def remove(client: GraphQLClient, acc: str, user: str) -> dict[str, Any]:
    return await run(client, REMOVE, "accountMemberRemove", accountId=acc, userId=user)


async def account_view(client: GraphQLClient, acc: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await client(ACCOUNT, {"id": acc}))["node"]
    return found


async def user_id(portal: Portal, email: str) -> str:
    async with portal.db.read() as session:
        found = await session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return str(to_global_id("User", found))


async def roles_on(portal: Portal, acc: str) -> dict[str, Role]:
    async with portal.db.read() as session:
        rows = await session.execute(
            select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.account_id == from_global_id(acc, "Account"))
        )
        return {email: role for email, role in rows}


async def mails_to(portal: Portal, address: str) -> list[EmailMessage]:
    async with portal.db.read() as session:
        return list(
            await session.scalars(
                select(EmailMessage)
                .where(EmailMessage.to_address == address)
                .order_by(EmailMessage.created_at, EmailMessage.id)
            )
        )


async def audit_events(portal: Portal, target_type: str, target_id: uuid.UUID | None) -> list[AuditEvent]:
    async with portal.db.read() as session:
        return list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.target_type == target_type, AuditEvent.target_id == str(target_id))
                .order_by(AuditEvent.id)
            )
        )


async def sign_up_and_verify(client: GraphQLClient, portal: Portal, email: str, company: str) -> None:
    """Sign up through the API and follow the verification link from the outbox."""
    signed = await run(
        client,
        SIGN_UP,
        "signUp",
        email=email,
        password=NEWCOMER_PASSWORD,
        name="Nina Newcomer",
        company=company,
    )
    assert signed["__typename"] == "SignUpSuccess"
    stored = email.strip().lower()
    mail = next(m for m in await mails_to(portal, stored) if "verify-email?token=" in m.body)
    token = re.search(r"verify-email\?token=([\w-]+)", mail.body)
    assert token is not None
    verified = await run(client, VERIFY, "verifyEmail", token=token.group(1))
    assert verified["__typename"] == "VerifyEmailSuccess"


async def make_license(portal: Portal, owner_email: str = ALICE, sku: str = "EPS-14") -> str:
    """A license on the owner's customer account, owned by them (as Get a Key leaves it)."""
    async with portal.db.write() as session:
        owner = await session.scalar(select(User).where(User.email == owner_email))
        assert owner is not None
        account = await session.scalar(
            select(Membership.account_id)
            .join(Account, Account.id == Membership.account_id)
            .where(Membership.user_id == owner.id, Account.kind == AccountKind.CUSTOMER)
        )
        product = await session.scalar(select(Product.id).where(Product.sku == sku))
        assert account is not None and product is not None
        row = License(
            id=uuid.uuid4(),
            account_id=account,
            product_id=product,
            owner_user_id=owner.id,
            quantity=5,
            maintenance_until=date.today() + timedelta(days=365),
        )
        session.add(row)
    return str(to_global_id("License", row.id))


def codes(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in result["fieldErrors"]]


# ---------------------------------------------------------------- inviting


async def test_inviting_an_existing_user_makes_them_a_member_at_once_with_a_notice(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    acc = account_id(await sign_in(client))
    # when
    done = await invite(client, acc, " Bob@Globex.example ", "MEMBER")
    # then
    assert done["__typename"] == "AccountMemberInviteSuccess"
    assert done["invitation"] is None
    assert done["member"]["user"]["email"] == BOB and done["member"]["role"] == "MEMBER"
    assert done["member"]["isYou"] is False
    bob = await sign_in(other_client, BOB)
    assert {(m["account"]["id"], m["role"]) for m in bob["memberships"]} >= {(acc, "MEMBER")}
    notices = await mails_to(portal, BOB)
    assert [m.subject for m in notices] == ["You were added to Acme Corp on the Licensing Portal"]
    events = await audit_events(portal, "account", from_global_id(acc, "Account"))
    assert [(e.action, e.data["email"], e.data["role"]) for e in events] == [
        ("account.member_add", BOB, "MEMBER")
    ]


async def test_an_invited_unknown_email_becomes_a_member_after_sign_up_and_verification(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    acc = account_id(await sign_in(client))
    # when
    done = await invite(client, acc, NEWCOMER, "VIEWER")
    # then: a pending invitation and a mail with a sign-up link
    assert done["__typename"] == "AccountMemberInviteSuccess" and done["member"] is None
    invitation = done["invitation"]
    assert invitation["email"] == NEWCOMER_STORED and invitation["role"] == "VIEWER"
    view = await account_view(client, acc)
    assert view is not None and [i["email"] for i in view["invitations"]] == [NEWCOMER_STORED]
    (mail,) = await mails_to(portal, NEWCOMER_STORED)
    assert "http://127.0.0.1:8000/signup?email=newcomer%40example.com" in mail.body
    assert "Alice Admin invited you to Acme Corp" in mail.subject
    # when: the newcomer signs up (their own new account) and verifies the address
    await sign_up_and_verify(other_client, portal, NEWCOMER, "Newco")
    newcomer = await sign_in_as_newcomer(other_client)
    # then
    assert sorted((m["account"]["name"], m["role"]) for m in newcomer["memberships"]) == [
        ("Acme Corp", "VIEWER"),
        ("Newco", "ADMIN"),
    ]
    view = await account_view(client, acc)
    assert view is not None and view["invitations"] == []
    assert NEWCOMER_STORED in [m["user"]["email"] for m in view["members"]]
    actions = [e.action for e in await audit_events(portal, "account", from_global_id(acc, "Account"))]
    assert actions == ["account.member_invite", "account.invitation_accept"]


async def sign_in_as_newcomer(client: GraphQLClient) -> dict[str, Any]:
    result = await client.login(NEWCOMER_STORED, NEWCOMER_PASSWORD)
    assert result["__typename"] == "LoginSuccess", result
    me: dict[str, Any] = (await client(ME))["me"]
    return me


async def test_an_invitation_is_claimed_on_sign_in_by_a_user_who_verified_earlier(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: an invitation to an address nobody uses yet
    acc = account_id(await sign_in(client))
    assert (await invite(client, acc, NEWCOMER, "MEMBER"))["invitation"] is not None
    # and a user with that address, verified, whose invitation was not claimed at verification
    await sign_up_and_verify(other_client, portal, NEWCOMER, "Newco")
    async with portal.db.write() as session:
        await session.execute(update(AccountInvitation).values(accepted_at=None))
        await session.execute(
            delete(Membership).where(
                Membership.account_id == from_global_id(acc, "Account"),
                Membership.user_id == select(User.id).where(User.email == NEWCOMER_STORED).scalar_subquery(),
            )
        )
    # when
    newcomer = await sign_in_as_newcomer(other_client)
    # then
    assert ("Acme Corp", "MEMBER") in [(m["account"]["name"], m["role"]) for m in newcomer["memberships"]]


async def test_an_expired_invitation_is_not_claimed(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: an invitation that ran out
    acc = account_id(await sign_in(client))
    await invite(client, acc, NEWCOMER, "MEMBER")
    async with portal.db.write() as session:
        await session.execute(update(AccountInvitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    # when
    await sign_up_and_verify(other_client, portal, NEWCOMER, "Newco")
    newcomer = await sign_in_as_newcomer(other_client)
    # then
    assert [m["account"]["name"] for m in newcomer["memberships"]] == ["Newco"]
    view = await account_view(client, acc)
    assert view is not None and view["invitations"] == []
    assert NEWCOMER_STORED not in await roles_on(portal, acc)


async def test_inviting_a_pending_email_again_updates_role_and_expiry_and_mails_again(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: an invitation about to run out
    acc = account_id(await sign_in(client))
    first = await invite(client, acc, NEWCOMER, "VIEWER")
    async with portal.db.write() as session:
        await session.execute(update(AccountInvitation).values(expires_at=utcnow() + timedelta(days=1)))
    # when
    again = await invite(client, acc, NEWCOMER, "ADMIN")
    # then: the same invitation, new role, a fresh 14 days, a second mail
    assert again["invitation"]["id"] == first["invitation"]["id"]
    assert again["invitation"]["role"] == "ADMIN"
    async with portal.db.read() as session:
        (row,) = (await session.scalars(select(AccountInvitation))).all()
    assert row.role == Role.ADMIN and row.expires_at > utcnow() + timedelta(days=13)
    assert len(await mails_to(portal, NEWCOMER_STORED)) == 2


async def test_a_member_or_a_bad_address_is_a_field_error(client: GraphQLClient, portal: Portal) -> None:
    acc = account_id(await sign_in(client))
    member = await invite(client, acc, VICTOR.upper(), "ADMIN")
    bad = await invite(client, acc, "not-an-address", "MEMBER")
    assert member["__typename"] == bad["__typename"] == "InvalidInput"
    assert codes(member) == [("email", "ALREADY_MEMBER")]
    assert codes(bad) == [("email", "INVALID_EMAIL")]
    assert (await roles_on(portal, acc))[VICTOR] == Role.VIEWER
    async with portal.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(AccountInvitation)) == 0


async def test_invitation_mails_to_outside_addresses_are_rate_limited_per_user(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: fifty invitations within the hour
    acc = account_id(await sign_in(client))
    for n in range(50):
        assert (await invite(client, acc, f"person{n}@example.com"))["__typename"] == (
            "AccountMemberInviteSuccess"
        )
    # when
    limited = await invite(client, acc, "one-more@example.com")
    # then
    assert limited["__typename"] == "RateLimited" and limited["retryAfterSeconds"] > 0
    assert limited["field"] == "email"
    assert await mails_to(portal, "one-more@example.com") == []


# ---------------------------------------------------------------- roles, removal, leaving


async def test_an_admin_changes_a_role(client: GraphQLClient, portal: Portal) -> None:
    acc = account_id(await sign_in(client))
    victor = await user_id(portal, VICTOR)
    changed = await set_role(client, acc, victor, "MEMBER")
    assert changed["__typename"] == "AccountMemberSetRoleSuccess"
    assert {m["user"]["email"]: m["role"] for m in changed["account"]["members"]} == {
        ALICE: "ADMIN",
        VICTOR: "MEMBER",
    }
    (event,) = await audit_events(portal, "account", from_global_id(acc, "Account"))
    assert (event.action, event.data["previous"], event.data["role"]) == (
        "account.member_role",
        "VIEWER",
        "MEMBER",
    )


async def test_the_last_admin_can_neither_be_demoted_nor_removed_nor_leave(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Alice is Acme's only admin
    acc = account_id(await sign_in(client))
    alice, victor = await user_id(portal, ALICE), await user_id(portal, VICTOR)
    # when
    demoted = await set_role(client, acc, alice, "MEMBER")
    left = await remove(client, acc, alice)
    # then
    for refused in (demoted, left):
        assert refused["__typename"] == "LastAdmin" and refused["code"] == "LAST_ADMIN"
    assert (await roles_on(portal, acc))[ALICE] == Role.ADMIN
    # when: Victor is an admin too, Alice may step down, and then Victor is the last one
    assert (await set_role(client, acc, victor, "ADMIN"))["__typename"] == "AccountMemberSetRoleSuccess"
    assert (await set_role(client, acc, alice, "VIEWER"))["__typename"] == "AccountMemberSetRoleSuccess"
    await sign_in(other_client, VICTOR)
    assert (await set_role(other_client, acc, victor, "MEMBER"))["code"] == "LAST_ADMIN"
    assert (await remove(other_client, acc, victor))["code"] == "LAST_ADMIN"
    assert await roles_on(portal, acc) == {ALICE: Role.VIEWER, VICTOR: Role.ADMIN}


async def test_any_member_may_leave(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acc = account_id(await sign_in(client))
    await sign_in(other_client, VICTOR)
    left = await remove(other_client, acc, await user_id(portal, VICTOR))
    assert left["__typename"] == "AccountMemberRemoveSuccess"
    assert await account_view(other_client, acc) is None
    assert await roles_on(portal, acc) == {ALICE: Role.ADMIN}
    (event,) = await audit_events(portal, "account", from_global_id(acc, "Account"))
    assert event.action == "account.member_leave"


async def test_removing_a_member_passes_their_licenses_to_the_admin_who_removed_them(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Victor owns a license on Acme
    acc = account_id(await sign_in(client))
    victor = await user_id(portal, VICTOR)
    await set_role(client, acc, victor, "MEMBER")
    license_id = await make_license(portal, VICTOR)
    # when
    removed = await remove(client, acc, victor)
    # then
    assert removed["__typename"] == "AccountMemberRemoveSuccess"
    assert VICTOR not in await roles_on(portal, acc)
    await sign_in(other_client, VICTOR)
    assert await account_view(other_client, acc) is None
    async with portal.db.read() as session:
        owner = await session.scalar(
            select(User.email)
            .join(License, License.owner_user_id == User.id)
            .where(License.id == from_global_id(license_id, "License"))
        )
    assert owner == ALICE
    (moved,) = await audit_events(portal, "license", from_global_id(license_id, "License"))
    assert (moved.action, moved.data["reason"]) == ("license.transfer_ownership", "member_removed")


async def test_an_admin_who_leaves_passes_their_licenses_to_the_longest_standing_admin(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    acc = account_id(await sign_in(client))
    await set_role(client, acc, await user_id(portal, VICTOR), "ADMIN")
    license_id = await make_license(portal, ALICE)
    assert (await remove(client, acc, await user_id(portal, ALICE)))["__typename"] == (
        "AccountMemberRemoveSuccess"
    )
    async with portal.db.read() as session:
        owner = await session.scalar(
            select(User.email)
            .join(License, License.owner_user_id == User.id)
            .where(License.id == from_global_id(license_id, "License"))
        )
    assert owner == VICTOR


async def test_revoking_an_invitation(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given
    acc = account_id(await sign_in(client))
    invitation = (await invite(client, acc, NEWCOMER, "MEMBER"))["invitation"]
    # when
    revoked = await run(client, REVOKE, "accountInvitationRevoke", invitationId=invitation["id"])
    again = await run(client, REVOKE, "accountInvitationRevoke", invitationId=invitation["id"])
    # then
    assert revoked["__typename"] == "AccountInvitationRevokeSuccess"
    assert revoked["account"]["invitations"] == []
    assert again["__typename"] == "NotFound" and again["field"] == "invitationId"
    await sign_up_and_verify(other_client, portal, NEWCOMER, "Newco")
    assert NEWCOMER_STORED not in await roles_on(portal, acc)


# ---------------------------------------------------------------- who may


async def test_non_admins_and_other_accounts_get_the_unknown_account_answer(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: a pending invitation on Acme; Victor is a VIEWER there, Bob an admin of Globex
    acc = account_id(await sign_in(client))
    invitation = (await invite(client, acc, NEWCOMER, "MEMBER"))["invitation"]
    alice = await user_id(portal, ALICE)
    unknown_acc = str(to_global_id("Account", uuid.uuid4()))
    unknown = [
        await invite(client, unknown_acc, "x@example.com"),
        await set_role(client, unknown_acc, alice, "VIEWER"),
        await remove(client, unknown_acc, alice),
    ]
    unknown_invitation = await run(
        client,
        REVOKE,
        "accountInvitationRevoke",
        invitationId=str(to_global_id("AccountInvitation", uuid.uuid4())),
    )
    for email in (VICTOR, BOB):
        await sign_in(other_client, email)
        # when
        answers = [
            await invite(other_client, acc, "x@example.com"),
            await set_role(other_client, acc, alice, "VIEWER"),
            await remove(other_client, acc, alice),
        ]
        revoked = await run(other_client, REVOKE, "accountInvitationRevoke", invitationId=invitation["id"])
        # then: exactly what an unknown account (or invitation) gets
        assert answers == unknown
        assert {a["__typename"] for a in answers} == {"NotFound"}
        assert revoked == unknown_invitation and revoked["__typename"] == "NotFound"
    assert await roles_on(portal, acc) == {ALICE: Role.ADMIN, VICTOR: Role.VIEWER}
    view = await account_view(client, acc)
    assert view is not None and len(view["invitations"]) == 1


async def test_an_unknown_member_of_an_administered_account_is_not_found(
    client: GraphQLClient, portal: Portal
) -> None:
    acc = account_id(await sign_in(client))
    bob = await user_id(portal, BOB)  # a user, but not on Acme
    for result in (await set_role(client, acc, bob, "ADMIN"), await remove(client, acc, bob)):
        assert result["__typename"] == "NotFound" and result["field"] == "userId"


async def test_every_member_sees_the_members_and_only_admins_see_invitations(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    acc = account_id(await sign_in(client))
    await invite(client, acc, NEWCOMER, "MEMBER")
    await sign_in(other_client, VICTOR)
    as_admin, as_viewer = await account_view(client, acc), await account_view(other_client, acc)
    assert as_admin is not None and as_viewer is not None
    assert [(m["user"]["email"], m["role"], m["isYou"]) for m in as_admin["members"]] == [
        (ALICE, "ADMIN", True),
        (VICTOR, "VIEWER", False),
    ]
    assert [(m["user"]["email"], m["isYou"]) for m in as_viewer["members"]] == [
        (ALICE, False),
        (VICTOR, True),
    ]
    assert [i["email"] for i in as_admin["invitations"]] == [NEWCOMER_STORED]
    assert as_viewer["invitations"] == []


async def test_a_colleague_s_other_accounts_are_not_shown(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    # given: Bob is a member of Acme and admin of Globex
    acc = account_id(await sign_in(client))
    await invite(client, acc, BOB, "MEMBER")
    await sign_in(other_client, VICTOR)
    # when
    found = await other_client(
        "query A($id: ID!) { node(id: $id) { ... on Account { members { user { email memberships { role } } } } } }",
        {"id": acc},
    )
    # then
    bob = next(m for m in found["node"]["members"] if m["user"]["email"] == BOB)
    assert bob["user"]["memberships"] == []


# ---------------------------------------------------------------- races


async def test_two_concurrent_last_admin_demotions_or_departures_never_both_succeed(
    portal_app: tuple[Any, Portal],
) -> None:
    """Two admins each step down (or leave) at the same moment: one of them must stay admin."""
    app, portal = portal_app
    async with client_for(app) as http_a, client_for(app) as http_v:
        alice_client, victor_client = GraphQLClient(http_a), GraphQLClient(http_v)
        acc = account_id(await sign_in(alice_client))
        await sign_in(victor_client, VICTOR)
        alice, victor = await user_id(portal, ALICE), await user_id(portal, VICTOR)
        assert (await set_role(alice_client, acc, victor, "ADMIN"))["__typename"] == (
            "AccountMemberSetRoleSuccess"
        )
        for _ in range(8):
            # when: both demote themselves at once
            results = await asyncio.gather(
                set_role(alice_client, acc, alice, "MEMBER"), set_role(victor_client, acc, victor, "MEMBER")
            )
            # then
            kinds = sorted(r["__typename"] for r in results)
            assert kinds == ["AccountMemberSetRoleSuccess", "LastAdmin"]
            roles = await roles_on(portal, acc)
            assert sorted(roles.values()) == [Role.ADMIN, Role.MEMBER]
            # and back to two admins for the next round
            admin_client = alice_client if roles[ALICE] == Role.ADMIN else victor_client
            demoted = victor if roles[ALICE] == Role.ADMIN else alice
            assert (await set_role(admin_client, acc, demoted, "ADMIN"))["__typename"] == (
                "AccountMemberSetRoleSuccess"
            )
        # when: both leave at once
        results = await asyncio.gather(remove(alice_client, acc, alice), remove(victor_client, acc, victor))
        # then
        assert sorted(r["__typename"] for r in results) == ["AccountMemberRemoveSuccess", "LastAdmin"]
        assert list((await roles_on(portal, acc)).values()) == [Role.ADMIN]
