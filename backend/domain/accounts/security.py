"""Your account: password reset by mail, password change, profile, sessions, and two-factor
sign-in with an authenticator app (TOTP) and one-time recovery codes.

Secrets follow the rest of the portal: mailed links and sign-in challenges are EmailToken rows
(SHA-256 only, single use by a conditional UPDATE), failed guesses count in domain/ratelimit.py,
every change is audited and the user is told by mail when a password or second factor changes.
Changing or resetting the password and signing out everywhere end the other sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth import totp
from backend.auth.passwords import hash_password, verify_password
from backend.auth.tokens import new_token, token_hash
from backend.config import Settings
from backend.db.driver import DriverTransaction, as_driver_transaction
from backend.db.engine import Database
from backend.db.models import EmailToken, RecoveryCode, TotpCredential, User, UserSession, utcnow
from backend.domain import audit, ratelimit
from backend.domain.access import Actor
from backend.domain.accounts.users import (
    CHALLENGE_TTL,
    LOGIN_CHALLENGE,
    MAX_NAME,
    LoggedIn,
    normalize_email,
    password_problem,
    start_session,
)
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    InvalidTokenError,
    NotFoundError,
    RateLimitedError,
    TwoFactorRefusedError,
)
from backend.domain.mail import queue_email
from backend.events import EventBus

RESET_PASSWORD = "reset_password"
RESET_TTL = timedelta(hours=1)
# Reset mails: (requests, window seconds) per address and per client address. Counted for
# unknown addresses too, so the limit tells nothing about which addresses have an account.
RESET_PER_EMAIL = (3, 3600)
RESET_PER_IP = (20, 3600)
# Wrong authenticator or recovery codes per user: (failures, window seconds). Stricter than the
# password's limit: a code has 6 digits, and the caller already proved the password.
CODE_FAILURES = (5, 900)


def _bad(field: str, code: str, message: str) -> InvalidInputError:
    return InvalidInputError([FieldProblem(field, code, message)])


async def _user(session: AsyncSession, user_id: uuid.UUID) -> User:
    return await session.get_one(User, user_id)


async def _end_sessions(session: AsyncSession, user_id: uuid.UUID, keep_token: str | None) -> int:
    """End the user's sessions except the one with `keep_token`; how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token is not None:
        statement = statement.where(UserSession.token_hash != token_hash(keep_token))
    ended = await session.execute(statement.returning(UserSession.id))
    return len(ended.all())


async def _check_password(session: AsyncSession, settings: Settings, user: User, password: str) -> bool:
    """Whether `password` is the user's (a step that changes a secret asks for it again);
    refused while too many wrong ones were tried. The caller counts a wrong one."""
    wait = await ratelimit.retry_after(
        as_driver_transaction(session), [_password_bucket(user.id)], settings.password_check_failures
    )
    if wait:
        raise RateLimitedError(wait, "password")
    return verify_password(user.password_hash, password)


def _password_bucket(user_id: uuid.UUID) -> str:
    return f"password:user:{user_id}"


def _code_bucket(user_id: uuid.UUID) -> str:
    return f"login:2fa:{user_id}"


async def _count_failure(
    db: Database, bucket: str, action: str, actor: Actor | None, target: tuple[str, uuid.UUID]
) -> None:
    """A wrong guess, counted and audited in its own transaction (the step's own rolled back)."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        await ratelimit.hit(tx, [bucket])
        await audit.record(tx, action, actor=actor, target=target)


# ---------------------------------------------------------------- password reset


async def request_password_reset(
    db: Database, bus: EventBus, settings: Settings, email: str, ip: str | None
) -> str:
    """Mail a reset link (valid RESET_TTL, single use) when the address has an account. The answer
    is the same for unknown addresses; the limits count every request."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise _bad("email", "INVALID_EMAIL", "Enter a valid e-mail address.") from None
    buckets = (f"reset:email:{address}", f"reset:ip:{ip}")
    async with db.write() as session:
        tx = as_driver_transaction(session)
        wait = max(
            await ratelimit.retry_after(tx, [buckets[0]], RESET_PER_EMAIL),
            await ratelimit.retry_after(tx, [buckets[1]], RESET_PER_IP),
        )
        if wait:
            raise RateLimitedError(wait, "email")
        await ratelimit.hit(tx, buckets)
        user = await session.scalar(select(User).where(User.email == normalize_email(address)))
        await audit.record(
            tx,
            "user.password_reset_requested",
            actor=Actor(user.id, ip) if user else None,
            target=("User", user.id) if user else None,
            email=address,
            ip=ip,
        )
        if user is None:
            return address
        token = new_token()
        session.add(
            EmailToken(
                token_hash=token_hash(token),
                user_id=user.id,
                purpose=RESET_PASSWORD,
                expires_at=utcnow() + RESET_TTL,
            )
        )
        await queue_email(
            tx,
            bus,
            settings,
            to=user.email,
            user_id=user.id,
            subject="Reset your Licensing Portal password",
            body=f"Hello {user.name},\n\nsomeone asked to reset the password of your Licensing Portal account. "
            "To choose a new password, open this link:\n\n"
            f"{settings.public_url}/reset-password?token={token}\n\n"
            "The link works once and expires in one hour. If you did not ask for it, ignore this message: "
            "your password stays as it is.\n",
        )
    return address


async def reset_password(
    db: Database, bus: EventBus, settings: Settings, token: str, password: str, ip: str | None
) -> User:
    """Set a new password with a mailed link: the link is spent, every session of the user ends,
    and the other reset links and pending sign-in challenges stop working."""
    async with db.write() as session:
        now = utcnow()
        spent = await session.execute(
            update(EmailToken)
            .where(
                EmailToken.token_hash == token_hash(token.strip()),
                EmailToken.purpose == RESET_PASSWORD,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(EmailToken.user_id)
        )
        user_id = spent.scalar_one_or_none()
        if user_id is None:
            raise InvalidTokenError()
        user = await _user(session, user_id)
        problem = password_problem("password", password, user.email)
        if problem:
            raise InvalidInputError([problem])
        user.password_hash = hash_password(password)
        # The link proves the address.
        if user.email_verified_at is None:
            user.email_verified_at = now
        await session.execute(
            update(EmailToken)
            .where(
                EmailToken.user_id == user.id,
                EmailToken.purpose.in_([RESET_PASSWORD, LOGIN_CHALLENGE]),
                EmailToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
        ended = await _end_sessions(session, user.id, None)
        tx = as_driver_transaction(session)
        await audit.record(
            tx,
            "user.password_reset",
            actor=Actor(user.id, ip),
            target=("User", user.id),
            sessions_ended=ended,
        )
        await _password_changed_mail(tx, bus, settings, user)
    return user


async def _password_changed_mail(
    tx: DriverTransaction, bus: EventBus, settings: Settings, user: User
) -> None:
    await queue_email(
        tx,
        bus,
        settings,
        to=user.email,
        user_id=user.id,
        subject="Your Licensing Portal password was changed",
        body=f"Hello {user.name},\n\nthe password of your Licensing Portal account was just changed, and "
        "every other signed-in browser was signed out.\n\nIf this was not you, reset your password at "
        f"{settings.public_url}/forgot-password and tell your administrator.\n",
    )


# ---------------------------------------------------------------- signed in: password, profile


async def change_password(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    session_token: str | None,
    current: str,
    new: str,
) -> int:
    """A new password, given the current one; the other sessions end. Returns how many ended."""
    async with db.read() as session:
        user = await _user(session, actor.user_id)
        right = await _check_password(session, settings, user, current)
    if not right:
        await _count_failure(
            db,
            _password_bucket(actor.user_id),
            "user.password_change_failed",
            actor,
            target=("User", user.id),
        )
        raise _bad("currentPassword", "WRONG_PASSWORD", "This is not your current password.")
    problem = password_problem("newPassword", new, user.email)
    if problem is None and new == current:
        problem = FieldProblem(
            "newPassword", "UNCHANGED", "Choose a password different from the current one."
        )
    if problem:
        raise InvalidInputError([problem])
    async with db.write() as session:
        user = await _user(session, actor.user_id)
        user.password_hash = hash_password(new)
        ended = await _end_sessions(session, user.id, session_token)
        tx = as_driver_transaction(session)
        await audit.record(
            tx, "user.password_changed", actor=actor, target=("User", user.id), sessions_ended=ended
        )
        await _password_changed_mail(tx, bus, settings, user)
    return ended


async def update_profile(db: Database, actor: Actor, name: str) -> User:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise _bad("name", "REQUIRED", "This field is required.")
    if len(cleaned) > MAX_NAME:
        raise _bad("name", "TOO_LONG", f"Use at most {MAX_NAME} characters.")
    async with db.write() as session:
        user = await _user(session, actor.user_id)
        before = user.name
        user.name = cleaned
        await audit.record(
            as_driver_transaction(session),
            "user.profile_updated",
            actor=actor,
            target=("User", user.id),
            name_before=before,
            name=cleaned,
        )
    return user


# ---------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SessionRow:
    id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


@dataclass(frozen=True)
class TwoFactorState:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


@dataclass(frozen=True)
class Overview:
    """What the account pages show: the open sessions, newest first, and the second factor."""

    sessions: list[SessionRow]
    two_factor: TwoFactorState


async def overview(db: Database, user_id: uuid.UUID, session_token: str | None) -> Overview:
    current = token_hash(session_token) if session_token else None
    async with db.read() as session:
        rows = await session.execute(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.expires_at > utcnow())
            .order_by(UserSession.created_at.desc(), UserSession.id)
        )
        sessions = [
            SessionRow(s.id, s.created_at, s.expires_at, s.ip, s.user_agent, s.token_hash == current)
            for s in rows.scalars()
        ]
        confirmed = await session.scalar(
            select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user_id)
        )
        left = await session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
    return Overview(sessions, TwoFactorState(confirmed is not None, confirmed, int(left or 0)))


async def sign_out_session(
    db: Database, actor: Actor, session_id: uuid.UUID | None, session_token: str | None
) -> bool:
    """End one of the user's own sessions; True when it was the current one (that signs out)."""
    if session_id is None:
        raise NotFoundError("sessionId", "session")
    async with db.write() as session:
        ended = await session.execute(
            delete(UserSession)
            .where(UserSession.id == session_id, UserSession.user_id == actor.user_id)
            .returning(UserSession.token_hash)
        )
        ended_hash = ended.scalar_one_or_none()
        if ended_hash is None:
            raise NotFoundError("sessionId", "session")
        await audit.record(
            as_driver_transaction(session),
            "user.session_ended",
            actor=actor,
            target=("UserSession", session_id),
        )
    return session_token is not None and ended_hash == token_hash(session_token)


async def sign_out_everywhere(db: Database, actor: Actor, session_token: str | None) -> int:
    """End every session of the user but this one; how many ended."""
    async with db.write() as session:
        ended = await _end_sessions(session, actor.user_id, session_token)
        await audit.record(
            as_driver_transaction(session),
            "user.sessions_ended",
            actor=actor,
            target=("User", actor.user_id),
            sessions_ended=ended,
        )
    return ended


# ---------------------------------------------------------------- two-factor sign-in


@dataclass(frozen=True)
class TotpSetup:
    """Shown once, while setting up: the secret never leaves the server again."""

    secret: str
    uri: str
    qr_svg: str


async def _require_password(db: Database, settings: Settings, actor: Actor, password: str) -> None:
    async with db.read() as session:
        user = await _user(session, actor.user_id)
        right = await _check_password(session, settings, user, password)
    if not right:
        await _count_failure(
            db, _password_bucket(actor.user_id), "user.password_check_failed", actor, target=("User", user.id)
        )
        raise _bad("password", "WRONG_PASSWORD", "This is not your current password.")


async def start_totp_setup(db: Database, settings: Settings, actor: Actor, password: str) -> TotpSetup:
    """A new secret for the user's authenticator app, kept unconfirmed (and encrypted) until the
    first code from the app arrives; a setup begun before is replaced."""
    await _require_password(db, settings, actor, password)
    secret = totp.new_secret()
    async with db.write() as session:
        user = await _user(session, actor.user_id)
        existing = await session.get(TotpCredential, user.id)
        if existing is not None and existing.confirmed_at is not None:
            raise TwoFactorRefusedError(
                "ALREADY_ENABLED", "Two-factor sign-in is already on. Turn it off first to use another app."
            )
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        session.add(
            TotpCredential(
                user_id=user.id, secret_encrypted=totp.encrypt_secret(secret, settings.secret_key, user.id)
            )
        )
        await audit.record(
            as_driver_transaction(session), "user.totp_setup_started", actor=actor, target=("User", user.id)
        )
        email = user.email
    uri = totp.provisioning_uri(secret, email)
    return TotpSetup(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


async def _new_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    codes = totp.new_recovery_codes()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.execute(
        insert(RecoveryCode),
        [{"id": uuid.uuid4(), "user_id": user_id, "code_hash": totp.recovery_code_hash(c)} for c in codes],
    )
    return codes


async def confirm_totp_setup(
    db: Database, bus: EventBus, settings: Settings, actor: Actor, code: str
) -> list[str]:
    """Turn two-factor sign-in on with the first code from the app; returns the recovery codes
    (shown once)."""
    bucket = _code_bucket(actor.user_id)
    async with db.write() as session:
        tx = as_driver_transaction(session)
        wait = await ratelimit.retry_after(tx, [bucket], CODE_FAILURES)
        if wait:
            raise RateLimitedError(wait, "code")
        credential = await session.get(TotpCredential, actor.user_id)
        if credential is None or credential.confirmed_at is not None:
            raise TwoFactorRefusedError(
                "NO_SETUP" if credential is None else "ALREADY_ENABLED",
                "Start the setup again: no authenticator app is waiting for its first code."
                if credential is None
                else "Two-factor sign-in is already on.",
            )
        secret = totp.decrypt_secret(credential.secret_encrypted, settings.secret_key, actor.user_id)
        step = totp.matching_step(secret, code, None)
        if step is not None:
            now = utcnow()
            done = await session.execute(
                update(TotpCredential)
                .where(TotpCredential.user_id == actor.user_id, TotpCredential.confirmed_at.is_(None))
                .values(confirmed_at=now, last_step=step)
                .returning(TotpCredential.user_id)
            )
            if done.scalar_one_or_none() is None:
                raise TwoFactorRefusedError("ALREADY_ENABLED", "Two-factor sign-in is already on.")
            codes = await _new_recovery_codes(session, actor.user_id)
            user = await _user(session, actor.user_id)
            await audit.record(tx, "user.totp_enabled", actor=actor, target=("User", actor.user_id))
            await queue_email(
                tx,
                bus,
                settings,
                to=user.email,
                user_id=user.id,
                subject="Two-factor sign-in is on for your Licensing Portal account",
                body=f"Hello {user.name},\n\nfrom now on, signing in to the Licensing Portal asks for a code "
                "from your authenticator app after your password. Keep your recovery codes somewhere safe: "
                "each one signs you in once if you lose your phone.\n\n"
                "If this was not you, reset your password and tell your administrator.\n",
            )
            return codes
    await _count_failure(db, bucket, "user.totp_setup_failed", actor, target=("User", actor.user_id))
    raise _bad(
        "code", "INVALID_CODE", "This code is not right. Enter the current 6-digit code from your app."
    )


async def disable_totp(db: Database, bus: EventBus, settings: Settings, actor: Actor, password: str) -> None:
    await _require_password(db, settings, actor, password)
    async with db.write() as session:
        removed = await session.execute(
            delete(TotpCredential)
            .where(TotpCredential.user_id == actor.user_id, TotpCredential.confirmed_at.is_not(None))
            .returning(TotpCredential.user_id)
        )
        if removed.scalar_one_or_none() is None:
            raise TwoFactorRefusedError("NOT_ENABLED", "Two-factor sign-in is not on.")
        await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == actor.user_id))
        user = await _user(session, actor.user_id)
        tx = as_driver_transaction(session)
        await audit.record(tx, "user.totp_disabled", actor=actor, target=("User", actor.user_id))
        await queue_email(
            tx,
            bus,
            settings,
            to=user.email,
            user_id=user.id,
            subject="Two-factor sign-in is off for your Licensing Portal account",
            body=f"Hello {user.name},\n\nsigning in to the Licensing Portal no longer asks for a code from "
            "your authenticator app; your recovery codes no longer work.\n\n"
            "If this was not you, reset your password, turn two-factor sign-in on again and tell your "
            "administrator.\n",
        )


async def regenerate_recovery_codes(
    db: Database, settings: Settings, actor: Actor, password: str
) -> list[str]:
    """New recovery codes; the earlier ones stop working."""
    await _require_password(db, settings, actor, password)
    async with db.write() as session:
        credential = await session.get(TotpCredential, actor.user_id)
        if credential is None or credential.confirmed_at is None:
            raise TwoFactorRefusedError("NOT_ENABLED", "Two-factor sign-in is not on.")
        codes = await _new_recovery_codes(session, actor.user_id)
        await audit.record(
            as_driver_transaction(session),
            "user.recovery_codes_regenerated",
            actor=actor,
            target=("User", actor.user_id),
        )
    return codes


def _challenge_expired() -> InvalidInputError:
    return _bad(
        "challenge",
        "EXPIRED",
        f"The sign-in took longer than {int(CHALLENGE_TTL.total_seconds() // 60)} minutes. "
        "Enter your e-mail address and password again.",
    )


async def complete_login(
    db: Database,
    settings: Settings,
    challenge: str,
    code: str,
    ip: str | None,
    user_agent: str | None,
) -> LoggedIn:
    """The second step of signing in: a code from the authenticator app (each accepted once) or
    an unused recovery code, with the challenge the password step gave."""
    challenge_hash = token_hash(challenge.strip())
    async with db.read() as session:
        user_id = await session.scalar(
            select(EmailToken.user_id).where(
                EmailToken.token_hash == challenge_hash,
                EmailToken.purpose == LOGIN_CHALLENGE,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > utcnow(),
            )
        )
    if user_id is None:
        raise _challenge_expired()
    if not code.strip():
        raise _bad("code", "REQUIRED", "Enter the 6-digit code from your app or a recovery code.")
    bucket = _code_bucket(user_id)
    async with db.write() as session:
        tx = as_driver_transaction(session)
        wait = await ratelimit.retry_after(tx, [bucket], CODE_FAILURES)
        if wait:
            raise RateLimitedError(wait, "code")
        credential = await session.get(TotpCredential, user_id)
        if credential is None or credential.confirmed_at is None:
            raise _challenge_expired()  # turned off meanwhile: start again with the password
        method: str | None = None
        if totp.looks_like_recovery_code(code):
            used = await session.execute(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user_id,
                    RecoveryCode.code_hash == totp.recovery_code_hash(code),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
                .returning(RecoveryCode.id)
            )
            method = "recovery_code" if used.scalar_one_or_none() is not None else None
        else:
            secret = totp.decrypt_secret(credential.secret_encrypted, settings.secret_key, user_id)
            step = totp.matching_step(secret, code, credential.last_step)
            if step is not None:
                # Conditional: of two requests with the same code, one wins.
                moved = await session.execute(
                    update(TotpCredential)
                    .where(
                        TotpCredential.user_id == user_id,
                        or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
                    )
                    .values(last_step=step)
                    .returning(TotpCredential.user_id)
                )
                method = "totp" if moved.scalar_one_or_none() is not None else None
        if method is not None:
            spent = await session.execute(
                update(EmailToken)
                .where(EmailToken.token_hash == challenge_hash, EmailToken.used_at.is_(None))
                .values(used_at=utcnow())
                .returning(EmailToken.id)
            )
            if spent.scalar_one_or_none() is None:
                raise _challenge_expired()
            user = await _user(session, user_id)
            token = await start_session(session, settings, user, ip, user_agent, method=method)
            return LoggedIn(user, token)
    await _count_failure(db, bucket, "user.login_code_failed", Actor(user_id, ip), target=("User", user_id))
    raise _bad(
        "code",
        "INVALID_CODE",
        "This code is not right. Enter the current code from your authenticator app, or an unused recovery code.",
    )
