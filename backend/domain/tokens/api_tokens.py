"""API tokens: `lp_` + a 32-byte random secret (the prefix lets secret scanners spot a leaked
one), shown once and stored only as its SHA-256 — a random secret of that size needs no slow hash.

A token acts as its user: what it reaches is decided at each request by the user's live roles
(access.py), and its scopes only narrow that (backend/scopes.py says which fields each scope
opens). A token made for an account dies when its user is no longer a member of it; the
account's admins see and revoke it. Revoked, expired and unknown tokens are refused alike."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import ApiToken, Membership, Role, User, utcnow
from backend.domain import audit
from backend.domain.access import Actor
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError

PREFIX = "lp_"
# Licenses and their keys; report queries; Get a Key, upgrade and re-host requests (reading
# them too); a partner's managed accounts; FileConnect's downloads.
SCOPES = ("licenses:read", "reports:read", "key_requests:write", "partners:read", "downloads:read")
MAX_NAME = 100
MAX_LIFETIME = timedelta(days=366)
MAX_TOKENS_PER_USER = 50
# Last use is written at most this often per token: a busy script must not turn every read into
# a write.
LAST_USED_EVERY = timedelta(minutes=1)
# How many characters of the token a list shows (`lp_` and six of the secret).
SHOWN = len(PREFIX) + 6

_tokens, _users = cast(Table, ApiToken.__table__), cast(Table, User.__table__)


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX) and 20 <= len(value) <= 100


@dataclass(frozen=True)
class NewToken:
    name: str
    scopes: list[str]
    expires_at: datetime
    account_id: uuid.UUID | None = None
    # An account id was given (it may not have parsed: then it is unknown, like a foreign one).
    account_given: bool = False


@dataclass(frozen=True)
class Created:
    token: ApiToken
    secret: str  # the whole token, `lp_…`: shown this once


@dataclass(frozen=True)
class Listed:
    token: ApiToken
    owner_name: str
    owner_email: str
    mine: bool


@dataclass(frozen=True)
class Authenticated:
    user: User
    token_id: uuid.UUID
    scopes: frozenset[str]


_COUNT_MINE = Prepared(
    select(func.count().label("tokens"))
    .select_from(_tokens)
    .where(_tokens.c.user_id == bindparam("user_id"), _tokens.c.revoked_at.is_(None))
)
_NEW = Prepared(
    insert(_tokens).returning(*_tokens.c),
    [
        "id",
        "user_id",
        "account_id",
        "name",
        "scopes",
        "prefix",
        "secret_hash",
        "created_at",
        "expires_at",
    ],
)


_MEMBER = Prepared(
    select(Membership.role).where(
        Membership.user_id == bindparam("user_id"), Membership.account_id == bindparam("account_id")
    )
)


async def _member(tx: DriverTransaction, user_id: uuid.UUID, account_id: uuid.UUID) -> bool:
    return await tx.one(_MEMBER, {"user_id": user_id, "account_id": account_id}) is not None


def _validate(new: NewToken, now: datetime) -> list[FieldProblem]:
    problems = []
    name = new.name.strip()
    if not name or len(name) > MAX_NAME:
        problems.append(FieldProblem("name", "LENGTH", f"Name the token in 1 to {MAX_NAME} characters."))
    unknown = [s for s in new.scopes if s not in SCOPES]
    if unknown:
        problems.append(
            FieldProblem(
                "scopes", "UNKNOWN", f"Unknown scope {unknown[0]!r}: choose from {', '.join(SCOPES)}."
            )
        )
    elif not new.scopes:
        problems.append(FieldProblem("scopes", "EMPTY", "Choose at least one scope."))
    if new.expires_at.tzinfo is None:
        problems.append(FieldProblem("expiresAt", "TIMEZONE", "Give the expiry with its time zone."))
    elif new.expires_at <= now:
        problems.append(FieldProblem("expiresAt", "PAST", "Choose an expiry in the future."))
    elif new.expires_at > now + MAX_LIFETIME:
        problems.append(FieldProblem("expiresAt", "TOO_LATE", "A token lives at most one year."))
    return problems


async def create(db: Database, actor: Actor, new: NewToken) -> Created:
    """A new token for the actor (made from a browser session: a token cannot make tokens; the
    GraphQL field is closed to them). With an account: the actor must be its member."""
    now = utcnow()

    async def work(tx: DriverTransaction) -> Created:
        problems = _validate(new, now)
        if new.account_id is not None or new.account_given:
            member = new.account_id is not None and await _member(tx, actor.user_id, new.account_id)
            if not member:  # a partner's delegation does not do: the token would outlive it unseen
                unknown = NotFoundError("accountId", "account")
                problems.append(FieldProblem("accountId", unknown.code, unknown.message))
        count = await tx.one(_COUNT_MINE, {"user_id": actor.user_id})
        if count is not None and count["tokens"] >= MAX_TOKENS_PER_USER:
            problems.append(
                FieldProblem("name", "TOO_MANY", f"At most {MAX_TOKENS_PER_USER} tokens: revoke one first.")
            )
        if problems:
            raise InvalidInputError(problems)
        secret = PREFIX + secrets.token_urlsafe(32)
        row = await tx.one(
            _NEW,
            {
                "id": uuid.uuid4(),
                "user_id": actor.user_id,
                "account_id": new.account_id,
                "name": new.name.strip(),
                # In the order SCOPES lists them, each once.
                "scopes": [s for s in SCOPES if s in new.scopes],
                "prefix": secret[:SHOWN],
                "secret_hash": secret_hash(secret),
                "created_at": now,
                "expires_at": new.expires_at,
            },
        )
        assert row is not None
        token = entity(ApiToken, row)
        await audit.record(
            tx,
            "api_token.create",
            actor=actor,
            account_id=token.account_id,
            target=("ApiToken", token.id),
            name=token.name,
            scopes=token.scopes,
            expires_at=token.expires_at.isoformat(),
        )
        return Created(token, secret)

    return await db.driver.run(work)


def _visible(user_id: Any) -> Any:
    """The tokens a user oversees: their own, and those made for an account they administer."""
    administered = select(Membership.account_id).where(
        Membership.user_id == user_id, Membership.role == Role.ADMIN
    )
    return or_(_tokens.c.user_id == user_id, _tokens.c.account_id.in_(administered))


_LIST = Prepared(
    select(*_tokens.c, _users.c.name.label("owner_name"), _users.c.email.label("owner_email"))
    .join(_users, _users.c.id == _tokens.c.user_id)
    .where(_visible(bindparam("user_id")), _tokens.c.revoked_at.is_(None))
    .order_by(_tokens.c.created_at.desc(), _tokens.c.id)
)


def _token(row: Mapping[str, Any]) -> ApiToken:
    return entity(ApiToken, {c.key: row[c.key] for c in _tokens.c})


async def listing(db: Database, actor: Actor) -> list[Listed]:
    """The actor's tokens and their administered accounts' tokens, newest first (revoked ones
    are gone; expired ones stay, marked so, until revoked)."""

    async def work(tx: DriverTransaction) -> list[Listed]:
        rows = await tx.all(_LIST, {"user_id": actor.user_id})
        return [
            Listed(_token(row), row["owner_name"], row["owner_email"], row["user_id"] == actor.user_id)
            for row in rows
        ]

    return await db.driver.run(work, transaction=False)


_FIND = Prepared(
    select(*_tokens.c).where(
        _tokens.c.id == bindparam("token_id"), _visible(bindparam("user_id")), _tokens.c.revoked_at.is_(None)
    )
)
_REVOKE = Prepared(
    update(_tokens)
    .where(_tokens.c.id == bindparam("token_id"), _tokens.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
    .returning(*_tokens.c)
)


_OWNER = Prepared(select(_users.c.name, _users.c.email).where(_users.c.id == bindparam("user_id")))


async def revoke(db: Database, actor: Actor, token_id: uuid.UUID | None) -> Listed:
    """Revoke one of the actor's tokens, or one made for an account they administer; any other id
    (unknown, someone else's, revoked already) is NotFound alike."""

    async def work(tx: DriverTransaction) -> Listed:
        if token_id is None or await tx.one(_FIND, {"token_id": token_id, "user_id": actor.user_id}) is None:
            raise NotFoundError("tokenId", "API token")
        row = await tx.one(_REVOKE, {"token_id": token_id, "now": utcnow()})
        if row is None:  # revoked meanwhile
            raise NotFoundError("tokenId", "API token")
        token = entity(ApiToken, row)
        await audit.record(
            tx,
            "api_token.revoke",
            actor=actor,
            account_id=token.account_id,
            target=("ApiToken", token.id),
            name=token.name,
            owner_user_id=str(token.user_id),
        )
        owner = await tx.one(_OWNER, {"user_id": token.user_id})
        assert owner is not None
        return Listed(token, owner["name"], owner["email"], token.user_id == actor.user_id)

    return await db.driver.run(work)


# Every bearer request looks its token up first: one prebuilt statement, outside a transaction.
_AUTHENTICATE = Prepared(
    select(
        *_users.c,
        _tokens.c.id.label("token_id"),
        _tokens.c.secret_hash,
        _tokens.c.scopes,
        _tokens.c.account_id.label("token_account_id"),
        _tokens.c.expires_at.label("token_expires_at"),
        _tokens.c.revoked_at.label("token_revoked_at"),
        _tokens.c.last_used_at.label("token_last_used_at"),
        _tokens.c.last_used_ip.label("token_last_used_ip"),
    )
    .join(_users, _users.c.id == _tokens.c.user_id)
    .where(_tokens.c.secret_hash == bindparam("secret_hash"))
)
_USED = Prepared(
    update(_tokens)
    .where(_tokens.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"), last_used_ip=bindparam("ip"))
)


async def authenticate(db: Database, token: str, ip: str | None) -> Authenticated | None:
    """The token's user and scopes, or None for an unknown, revoked or expired token — or one made
    for an account its user is no longer a member of. Notes the last use (time and address)."""
    if not looks_like_token(token):
        return None
    digest = secret_hash(token)
    now = utcnow()

    async def lookup(tx: DriverTransaction) -> Mapping[str, Any] | None:
        return await tx.one(_AUTHENTICATE, {"secret_hash": digest})

    row = await db.driver.run(lookup, transaction=False)
    if (
        row is None
        or not hmac.compare_digest(row["secret_hash"], digest)
        or row["token_revoked_at"] is not None
        or row["token_expires_at"] <= now
    ):
        return None
    user = User(**{c.key: row[c.key] for c in _users.c})
    account_id = row["token_account_id"]
    note = (
        row["token_last_used_at"] is None
        or now - row["token_last_used_at"] >= LAST_USED_EVERY
        or row["token_last_used_ip"] != ip
    )
    if account_id is not None or note:

        async def check_and_note(tx: DriverTransaction) -> bool:
            if account_id is not None and not await _member(tx, user.id, account_id):
                return False
            if note:
                await tx.many(_USED, [{"token_id": row["token_id"], "now": now, "ip": ip}])
            return True

        # A read needs no write transaction (SQLite's write lock): only noting the use does.
        if not await db.driver.run(check_and_note, transaction=note):
            return None
    return Authenticated(user, row["token_id"], frozenset(row["scopes"]))
