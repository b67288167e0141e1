"""Users, accounts, sign-up with e-mail verification, sign-in and sessions."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.passwords import hash_password, needs_rehash, verify_password
from backend.auth.tokens import new_token, token_hash
from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    EmailToken,
    Membership,
    Role,
    TotpCredential,
    User,
    UserSession,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor
from backend.domain.accounts import members, shares, sso_policy
from backend.domain.errors import (
    EmailNotVerifiedError,
    FieldProblem,
    InvalidCredentialsError,
    InvalidInputError,
    InvalidTokenError,
    RateLimitedError,
)
from backend.domain.mail import queue_email
from backend.events import EventBus

VERIFY_EMAIL = "verify_email"
MIN_PASSWORD = 10
MAX_PASSWORD = 1000
MAX_NAME = 200


def password_problem(field: str, password: str, email: str) -> FieldProblem | None:
    """What is wrong with a new password, if anything (sign-up, reset, change)."""
    if len(password) < MIN_PASSWORD:
        return FieldProblem(field, "TOO_SHORT", f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        return FieldProblem(field, "TOO_LONG", f"Use at most {MAX_PASSWORD} characters.")
    if password.strip().lower() == email.lower():
        return FieldProblem(field, "SAME_AS_EMAIL", "Do not use your e-mail address as password.")
    return None


VERIFICATION_TTL = timedelta(days=2)


def normalize_email(email: str) -> str:
    return email.strip().lower()


_NUMBER_TAKEN = Prepared(select(Account.id).where(Account.number == bindparam("number")))


async def new_account_number(tx: DriverTransaction, kind: AccountKind) -> str:
    prefix = {
        AccountKind.CUSTOMER: "C",
        AccountKind.PARTNER: "P",
        AccountKind.OEM: "O",
        AccountKind.VENDOR: "V",
    }[kind]
    while True:
        number = f"{prefix}-{secrets.randbelow(10**7):07d}"
        if await tx.one(_NUMBER_TAKEN, {"number": number}) is None:
            return number


async def create_account(session: AsyncSession, name: str, kind: AccountKind) -> Account:
    account = Account(
        id=uuid.uuid4(),
        name=name,
        kind=kind,
        number=await new_account_number(as_driver_transaction(session), kind),
    )
    session.add(account)
    return account


async def _verification_mail(bus: EventBus, settings: Settings, session: AsyncSession, user: User) -> None:
    token = new_token()
    session.add(
        EmailToken(
            token_hash=token_hash(token),
            user_id=user.id,
            purpose=VERIFY_EMAIL,
            expires_at=utcnow() + VERIFICATION_TTL,
        )
    )
    link = f"{settings.public_url}/verify-email?token={token}"
    await queue_email(
        as_driver_transaction(session),
        bus,
        settings,
        to=user.email,
        user_id=user.id,
        subject="Confirm your e-mail address for the Licensing Portal",
        body=f"Hello {user.name},\n\nplease confirm your e-mail address to start using the Licensing Portal:\n\n"
        f"{link}\n\nThe link is valid for 48 hours. If you did not sign up, ignore this message.\n",
    )


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    name: str
    company: str


async def sign_up(db: Database, bus: EventBus, settings: Settings, data: SignUp, ip: str | None) -> str:
    """Create a user with a new CUSTOMER account and mail a verification link.

    The answer is the same whether or not the address is taken (no account enumeration): the
    owner of a taken address gets a note instead of a link."""
    problems: list[FieldProblem] = []
    try:
        email = validate_email(data.email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(FieldProblem("email", "INVALID_EMAIL", "Enter a valid e-mail address."))
        email = ""
    weak = password_problem("password", data.password, email)
    if weak is not None:
        problems.append(weak)
    for field, value in (("name", data.name), ("company", data.company)):
        if not value.strip():
            problems.append(FieldProblem(field, "REQUIRED", "This field is required."))
        elif len(value) > MAX_NAME:
            problems.append(FieldProblem(field, "TOO_LONG", f"Use at most {MAX_NAME} characters."))
    if problems:
        raise InvalidInputError(problems)
    buckets = [f"signup:ip:{ip}"]
    async with db.write() as session:
        tx = as_driver_transaction(session)
        wait = await ratelimit.retry_after(tx, buckets, (20, 3600))
        if wait:
            raise RateLimitedError(wait)
        await ratelimit.hit(tx, buckets)
        existing = await session.scalar(select(User).where(User.email == email))
        if existing is not None:
            await queue_email(
                tx,
                bus,
                settings,
                to=existing.email,
                user_id=existing.id,
                subject="Sign-up attempt for your Licensing Portal account",
                body="Someone tried to create a Licensing Portal account with this address, which already has one.\n"
                f"Sign in at {settings.public_url}/login — if it was not you, no action is needed.\n",
            )
            return email
        user = User(
            id=uuid.uuid4(), email=email, name=data.name.strip(), password_hash=hash_password(data.password)
        )
        session.add(user)
        account = await create_account(session, data.company.strip(), AccountKind.CUSTOMER)
        await session.flush()
        session.add(Membership(user_id=user.id, account_id=account.id, role=Role.ADMIN))
        await _verification_mail(bus, settings, session, user)
        await audit.record(
            tx, "user.sign_up", actor=Actor(user.id, ip), account_id=account.id, target=("User", user.id)
        )
    return email


async def verify_email(db: Database, token: str) -> User:
    async with db.write() as session:
        row = await session.scalar(
            select(EmailToken).where(
                EmailToken.token_hash == token_hash(token.strip()),
                EmailToken.purpose == VERIFY_EMAIL,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > utcnow(),
            )
        )
        if row is None:
            raise InvalidTokenError()
        row.used_at = utcnow()
        user = await session.get_one(User, row.user_id)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
        await audit.record(
            as_driver_transaction(session),
            "user.verify_email",
            actor=Actor(user.id),
            target=("User", user.id),
        )
        # The address is proven: invitations and shares made to it take effect.
        await members.claim_invitations(session, user)
        await shares.claim_shares(session, user)
    return user


@dataclass(frozen=True)
class LoggedIn:
    user: User
    session_token: str


@dataclass(frozen=True)
class SecondFactorNeeded:
    """The password was right and the user has an authenticator app: the sign-in continues with
    a code and this challenge (single use, CHALLENGE_TTL), see security.complete_login."""

    user: User
    challenge: str


LOGIN_CHALLENGE = "login_challenge"
CHALLENGE_TTL = timedelta(minutes=5)


async def login(
    db: Database,
    bus: EventBus,
    settings: Settings,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None = None,
) -> LoggedIn | SecondFactorNeeded:
    email = normalize_email(email)
    if not email or not password:
        raise InvalidCredentialsError()
    # Throttled by (e-mail, address) first: someone guessing elsewhere slows himself, not the
    # user at her own desk; the e-mail and the address alone only past many failures.
    limits = [
        (f"login:pair:{email}|{ip}", settings.login_failures_per_pair),
        (f"login:email:{email}", settings.login_failures_per_email),
        (f"login:ip:{ip}", settings.login_failures_per_ip),
    ]
    async with db.read() as session:
        tx = as_driver_transaction(session)
        wait = await ratelimit.backoff(tx, limits)
        # A domain that requires single sign-on refuses passwords (but its break-glass admin's).
        await sso_policy.refuse_password_if_required(session, email)
        user = await session.scalar(select(User).where(User.email == email))
    if wait:
        raise RateLimitedError(wait, "email")
    if not verify_password(user.password_hash if user else None, password) or user is None:
        async with db.write() as session:
            tx = as_driver_transaction(session)
            await ratelimit.hit(tx, [bucket for bucket, _ in limits])
            await audit.record(tx, "user.login_failed", actor=None, email=email, ip=ip)
        raise InvalidCredentialsError()
    if user.email_verified_at is None:
        async with db.write() as session:
            # A fresh link at most every 10 minutes, however often the user tries.
            recent = await session.scalar(
                select(EmailToken.id).where(
                    EmailToken.user_id == user.id,
                    EmailToken.purpose == VERIFY_EMAIL,
                    EmailToken.expires_at > utcnow() + VERIFICATION_TTL - timedelta(minutes=10),
                )
            )
            if recent is None:
                await _verification_mail(bus, settings, session, user)
        raise EmailNotVerifiedError()
    async with db.write() as session:
        if needs_rehash(user.password_hash):
            await session.execute(
                update(User).where(User.id == user.id).values(password_hash=hash_password(password))
            )
        confirmed = await session.scalar(
            select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user.id)
        )
        if confirmed is not None:
            challenge = new_token()
            session.add(
                EmailToken(
                    token_hash=token_hash(challenge),
                    user_id=user.id,
                    purpose=LOGIN_CHALLENGE,
                    expires_at=utcnow() + CHALLENGE_TTL,
                )
            )
            await audit.record(
                as_driver_transaction(session),
                "user.login_password_ok",
                actor=Actor(user.id, ip),
                target=("User", user.id),
            )
            return SecondFactorNeeded(user, challenge)
        token = await start_session(session, settings, user, ip, user_agent, method="password")
    return LoggedIn(user, token)


async def start_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    ip: str | None,
    user_agent: str | None,
    *,
    method: str,
) -> str:
    """A new sign-in session for `user` (every factor checked), in the caller's transaction;
    returns its secret for the cookie. `method` is what the audit records: password, totp or
    recovery_code."""
    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=settings.session_ttl_days),
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    await audit.record(
        as_driver_transaction(session),
        "user.login",
        actor=Actor(user.id, ip),
        target=("User", user.id),
        method=method,
    )
    await members.claim_invitations(session, user)
    await shares.claim_shares(session, user)
    return token


async def logout(db: Database, session_token: str) -> None:
    async with db.write() as session:
        await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(session_token)))


# Every signed-in request looks its session up first, so this is one prebuilt statement on the
# driver, outside any transaction (backend/db/driver.py).
USER_FOR_SESSION = Prepared(
    select(*cast(Table, User.__table__).c)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash"), UserSession.expires_at > bindparam("now"))
)


async def user_for_session(db: Database, session_token: str) -> User | None:
    """The session's user (a detached instance), or None for an unknown or expired session."""
    params = {"token_hash": token_hash(session_token), "now": utcnow()}

    async def lookup(conn: DriverTransaction) -> Mapping[str, Any] | None:
        return await conn.one(USER_FOR_SESSION, params)

    row = await db.driver.run(lookup, transaction=False)
    return None if row is None else User(**dict(row))


async def memberships(
    session: AsyncSession, viewer_id: uuid.UUID | None, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[Role, Account]]]:
    """Each user's roles and accounts, by account name, as `viewer_id` may see them: their own
    only (a colleague's other accounts are not for others to see: none); with no one signed in
    yet (the sign-in's own answer), the user's."""
    found: dict[uuid.UUID, list[tuple[Role, Account]]] = {user_id: [] for user_id in user_ids}
    shown = [user_id for user_id in found if viewer_id is None or user_id == viewer_id]
    if not shown:
        return found
    rows = await session.execute(
        select(Membership.user_id, Membership.role, Account)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.user_id.in_(shown))
        .order_by(Account.name)
    )
    for user_id, role, account in rows:
        found[user_id].append((role, account))
    return found
