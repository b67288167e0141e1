"""Single sign-on (decision record 0019): an account admin connects the company's OpenID Connect
provider for the e-mail domains it vouches for; users of those domains sign in there; a first
sign-in creates the user (e-mail verified by the provider) and joins the account with the
connection's role. The protocol itself is auth/oidc.py; which addresses go where, sso_policy.py."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.oidc import OidcClient, OidcError, decrypt_secret, encrypt_secret, new_pending, secure_url
from backend.auth.tokens import token_hash
from backend.config import Settings
from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Account,
    Membership,
    Role,
    SsoConnection,
    SsoDomain,
    SsoLogin,
    User,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Permission, require
from backend.domain.accounts.sso_policy import connection_for_email, email_domain
from backend.domain.accounts.users import MAX_NAME, normalize_email, start_session
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError

# A sign-in sent to the provider must come back within this time.
LOGIN_TTL = timedelta(minutes=10)
# Sign-ins started per client address (an office's worth): each leaves a row until it returns or
# expires, so a script must not pile them up.
STARTS_PER_IP = (300, 600)
CALLBACK_PATH = "/sso/callback"
MAX_DOMAINS = 20
MAX_ISSUER = 500
MAX_CLIENT_ID = 255
MAX_SECRET = 1000
# Marks a user created by single sign-on: no password matches it (argon2 cannot read it).
NO_PASSWORD = "!sso"
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$|^(?:{_LABEL}\.)+xn--[a-z0-9-]{{1,59}}$")
# Mail services anyone can sign up at: no company owns them, so none may route them to its provider.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
    }
)


def redirect_uri(settings: Settings) -> str:
    """The address providers send the browser back to (registered with the provider)."""
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def test_path(account_number: str) -> str:
    """A sign-in through the account's provider whatever the address (the admins' "Test")."""
    return "/sso/start?" + urlencode({"account": account_number})


# ---------------------------------------------------------------- the account admin's settings


@dataclass(frozen=True)
class ConnectionView:
    """A connection as its admins see it: never the secret."""

    connection: SsoConnection
    domains: list[str]
    account: Account
    break_glass: User | None


async def _domains(session: AsyncSession, connection_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(SsoDomain.domain).where(SsoDomain.connection_id == connection_id).order_by(SsoDomain.domain)
    )
    return list(rows)


async def _require_admin(session: AsyncSession, actor: Actor, account_id: uuid.UUID | None) -> Account:
    if account_id is None:
        raise NotFoundError("accountId", "account")
    await require(
        as_driver_transaction(session),
        actor,
        account_id,
        Permission.ADMINISTER,
        field="accountId",
        what="account",
    )
    return await session.get_one(Account, account_id)


async def read_connection(db: Database, actor: Actor, account_id: uuid.UUID | None) -> ConnectionView | None:
    """The account's connection (None when it has none); NotFoundError for an account the actor
    does not administer, as for an unknown one."""
    async with db.read() as session:
        account = await _require_admin(session, actor, account_id)
        connection = await session.scalar(select(SsoConnection).where(SsoConnection.account_id == account.id))
        if connection is None:
            return None
        return await _view(session, connection, account)


async def _view(session: AsyncSession, connection: SsoConnection, account: Account) -> ConnectionView:
    break_glass = None
    if connection.break_glass_user_id is not None:
        break_glass = await session.get(User, connection.break_glass_user_id)
    return ConnectionView(connection, await _domains(session, connection.id), account, break_glass)


@dataclass(frozen=True)
class ConnectionInput:
    account_id: uuid.UUID | None
    issuer_url: str
    client_id: str
    # None keeps the stored secret (it is write-only: never shown again).
    client_secret: str | None
    domains: list[str]
    join_role: Role
    require_sso: bool
    break_glass_user_id: uuid.UUID | None
    # The id as given, to tell "none chosen" from "an id that is no admin here".
    break_glass_given: bool = False


def _check_domains(raw: list[str], problems: list[FieldProblem]) -> list[str]:
    domains: list[str] = []
    for text in raw:
        domain = text.strip().lower().rstrip(".").removeprefix("@")
        if not domain:
            continue
        if len(domain) > 253 or not _DOMAIN.match(domain):
            problems.append(
                FieldProblem("domains", "INVALID_DOMAIN", f"“{text.strip()[:80]}” is not a domain name.")
            )
        elif domain in PUBLIC_MAIL_DOMAINS:
            problems.append(
                FieldProblem(
                    "domains", "PUBLIC_DOMAIN", f"{domain} is a public mail service, not your company's."
                )
            )
        elif domain not in domains:
            domains.append(domain)
    if not domains and not problems:
        problems.append(
            FieldProblem("domains", "REQUIRED", "Enter the e-mail domains your provider vouches for.")
        )
    if len(domains) > MAX_DOMAINS:
        problems.append(FieldProblem("domains", "TOO_MANY", f"Enter at most {MAX_DOMAINS} domains."))
    return domains


async def save_connection(
    db: Database, oidc: OidcClient, settings: Settings, actor: Actor, data: ConnectionInput
) -> ConnectionView:
    """Create or change the account's connection. Every field is checked (the provider's discovery
    document fetched) before anything is written; a bad input changes nothing."""
    problems: list[FieldProblem] = []
    issuer = data.issuer_url.strip()
    client_id = data.client_id.strip()
    secret = None if data.client_secret is None else data.client_secret.strip()
    async with db.read() as session:
        account = await _require_admin(session, actor, data.account_id)
        existing = await session.scalar(select(SsoConnection).where(SsoConnection.account_id == account.id))
        if not issuer:
            problems.append(FieldProblem("issuerUrl", "REQUIRED", "Enter the provider's issuer URL."))
        elif len(issuer) > MAX_ISSUER:
            problems.append(FieldProblem("issuerUrl", "TOO_LONG", f"Use at most {MAX_ISSUER} characters."))
        elif not secure_url(issuer, production=settings.production):
            problems.append(
                FieldProblem("issuerUrl", "NOT_HTTPS", "The issuer URL must start with https://.")
            )
        if not client_id:
            problems.append(
                FieldProblem("clientId", "REQUIRED", "Enter the client ID the provider gave you.")
            )
        elif len(client_id) > MAX_CLIENT_ID:
            problems.append(FieldProblem("clientId", "TOO_LONG", f"Use at most {MAX_CLIENT_ID} characters."))
        if secret is not None and len(secret) > MAX_SECRET:
            problems.append(FieldProblem("clientSecret", "TOO_LONG", f"Use at most {MAX_SECRET} characters."))
        elif not secret and existing is None:
            problems.append(
                FieldProblem("clientSecret", "REQUIRED", "Enter the client secret the provider gave you.")
            )
        domains = _check_domains(data.domains, problems)
        if domains:
            taken = await session.scalars(
                select(SsoDomain.domain)
                .join(SsoConnection, SsoConnection.id == SsoDomain.connection_id)
                .where(SsoDomain.domain.in_(domains), SsoConnection.account_id != account.id)
            )
            for domain in taken:
                problems.append(
                    FieldProblem(
                        "domains",
                        "DOMAIN_TAKEN",
                        f"{domain} already signs in through another account's provider.",
                    )
                )
            # The account shows it has people at a domain: an admin with a verified address there.
            admin_emails = await session.scalars(
                select(User.email)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    Membership.account_id == account.id,
                    Membership.role == Role.ADMIN,
                    User.email_verified_at.is_not(None),
                )
            )
            proven = {email_domain(email) for email in admin_emails}
            for domain in domains:
                if domain not in proven:
                    problems.append(
                        FieldProblem(
                            "domains",
                            "DOMAIN_NOT_PROVEN",
                            f"No admin of this account has a confirmed e-mail address at {domain}.",
                        )
                    )
        if data.break_glass_user_id is not None or data.break_glass_given:
            role = None
            if data.break_glass_user_id is not None:
                role = await session.scalar(
                    select(Membership.role).where(
                        Membership.account_id == account.id, Membership.user_id == data.break_glass_user_id
                    )
                )
            if role != Role.ADMIN:
                problems.append(
                    FieldProblem("breakGlassUserId", "NOT_AN_ADMIN", "Choose an admin of this account.")
                )
        elif data.require_sso:
            problems.append(
                FieldProblem(
                    "breakGlassUserId",
                    "REQUIRED",
                    "Choose the admin who may still sign in with a password if the provider fails.",
                )
            )
    if problems:
        raise InvalidInputError(problems)
    try:
        await oidc.discover(issuer, fresh=True)
    except OidcError as exc:
        raise InvalidInputError([FieldProblem("issuerUrl", "DISCOVERY_FAILED", exc.message)]) from None
    async with db.write() as session:
        tx = as_driver_transaction(session)
        connection = await session.scalar(
            select(SsoConnection).where(SsoConnection.account_id == account.id).with_for_update()
        )
        created = connection is None
        if connection is None:
            connection = SsoConnection(id=uuid.uuid4(), account_id=account.id, created_at=utcnow())
            session.add(connection)
        connection.issuer_url = issuer
        connection.client_id = client_id
        if secret:
            connection.client_secret_encrypted = encrypt_secret(settings.secret_key, account.id, secret)
        connection.join_role = data.join_role
        connection.require_sso = data.require_sso
        connection.break_glass_user_id = data.break_glass_user_id
        connection.updated_at = utcnow()
        await session.flush()
        before = await _domains(session, connection.id)
        await session.execute(delete(SsoDomain).where(SsoDomain.connection_id == connection.id))
        await session.flush()
        session.add_all(SsoDomain(domain=domain, connection_id=connection.id) for domain in domains)
        await audit.record(
            tx,
            "sso.connection_created" if created else "sso.connection_changed",
            actor=actor,
            account_id=account.id,
            target=("SsoConnection", connection.id),
            issuer_url=issuer,
            client_id=client_id,
            secret_changed=bool(secret),
            domains=domains,
            domains_before=before,
            join_role=data.join_role.value,
            require_sso=data.require_sso,
            break_glass_user_id=str(data.break_glass_user_id) if data.break_glass_user_id else None,
        )
        await session.flush()
        view = await _view(session, connection, account)
    return view


async def delete_connection(db: Database, actor: Actor, account_id: uuid.UUID | None) -> uuid.UUID:
    """Remove the account's connection: its users sign in with passwords again (or reset one)."""
    async with db.write() as session:
        account = await _require_admin(session, actor, account_id)
        connection = await session.scalar(select(SsoConnection).where(SsoConnection.account_id == account.id))
        if connection is None:
            raise NotFoundError("accountId", "single sign-on connection")
        domains = await _domains(session, connection.id)
        await session.delete(connection)
        await audit.record(
            as_driver_transaction(session),
            "sso.connection_deleted",
            actor=actor,
            account_id=account.id,
            target=("SsoConnection", connection.id),
            issuer_url=connection.issuer_url,
            domains=domains,
        )
    return account.id


# ---------------------------------------------------------------- signing in


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the state the browser's cookie must hold on its return."""

    url: str
    state: str


async def start(
    db: Database,
    oidc: OidcClient,
    settings: Settings,
    *,
    email: str | None,
    account_number: str | None,
    ip: str | None = None,
) -> Started:
    """Begin a sign-in with the provider of the e-mail's domain (or of the account, for an
    admin's test or a company's bookmark). OidcError when there is none or it cannot be reached."""
    async with db.read() as session:
        if email:
            connection = await connection_for_email(session, normalize_email(email)[:254])
        elif account_number:
            connection = await session.scalar(
                select(SsoConnection)
                .join(Account, Account.id == SsoConnection.account_id)
                .where(Account.number == account_number.strip().upper()[:16])
            )
        else:
            connection = None
    if connection is None:
        raise OidcError("no_connection", "No company sign-in is set up for this address.")
    provider = await oidc.discover(connection.issuer_url)
    pending = new_pending()
    now = utcnow()
    async with db.write() as session:
        tx = as_driver_transaction(session)
        buckets = [f"sso:start:ip:{ip}"]
        wait = await ratelimit.retry_after(tx, buckets, STARTS_PER_IP)
        if wait:
            raise OidcError(
                "rate_limited", f"Too many sign-ins from your address. Try again in {wait} seconds."
            )
        await ratelimit.hit(tx, buckets)
        # Sign-ins abandoned at the provider are dropped by the next one that starts.
        await session.execute(delete(SsoLogin).where(SsoLogin.expires_at < now))
        session.add(
            SsoLogin(
                state_hash=token_hash(pending.state),
                connection_id=connection.id,
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
                expires_at=now + LOGIN_TTL,
            )
        )
    url = oidc.authorization_url(provider, connection.client_id, redirect_uri(settings), pending)
    if email:
        url += "&" + urlencode({"login_hint": normalize_email(email)[:254]})
    return Started(url, pending.state)


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_token: str
    created: bool


@dataclass(frozen=True)
class Callback:
    state: str | None
    cookie_state: str | None
    code: str | None
    error: str | None
    error_description: str | None


async def _take_login(db: Database, state: str) -> SsoLogin | None:
    """The pending sign-in of this state, removed so it cannot be used twice."""
    async with db.write() as session:
        row = await session.scalar(
            select(SsoLogin).where(SsoLogin.state_hash == token_hash(state)).with_for_update()
        )
        if row is not None:
            await session.delete(row)
        return row


async def finish(
    db: Database,
    oidc: OidcClient,
    settings: Settings,
    back: Callback,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    """Complete a sign-in the provider sent back: the state matches the browser's cookie and a
    pending sign-in, the code is exchanged, the ID token verified; then the user is found or
    created, joined to the account and given a session. OidcError (audited) on any failure."""
    connection_id: uuid.UUID | None = None
    try:
        if not back.state or not back.cookie_state or back.state != back.cookie_state:
            raise OidcError(
                "bad_state", "This sign-in did not start in this browser, or it was already used."
            )
        login = await _take_login(db, back.state)
        if login is None or login.expires_at < utcnow():
            raise OidcError("bad_state", "This sign-in has expired or was already used. Start again.")
        connection_id = login.connection_id
        if back.error:
            detail = (back.error_description or back.error)[:200]
            raise OidcError("provider_error", f"Your company's sign-in did not complete: {detail}")
        if not back.code:
            raise OidcError("no_code", "Your company's sign-in sent no authorization code.")
        async with db.read() as session:
            connection = await session.get(SsoConnection, login.connection_id)
        if connection is None:
            raise OidcError("no_connection", "Company sign-in is no longer set up for this account.")
        provider = await oidc.discover(connection.issuer_url)
        secret = decrypt_secret(
            settings.secret_key, connection.account_id, connection.client_secret_encrypted
        )
        id_token = await oidc.exchange_code(
            provider,
            connection.client_id,
            secret,
            redirect_uri(settings),
            back.code[:2000],
            login.code_verifier,
        )
        claims = await oidc.verify_id_token(provider, connection.client_id, id_token, login.nonce)
        return await _sign_in(db, settings, connection, claims, ip, user_agent)
    except OidcError as exc:
        async with db.write() as session:
            await audit.record(
                as_driver_transaction(session),
                "sso.sign_in_failed",
                actor=None,
                reason=exc.reason,
                connection_id=str(connection_id) if connection_id else None,
                ip=ip,
            )
        raise


async def _sign_in(
    db: Database,
    settings: Settings,
    connection: SsoConnection,
    claims: dict[str, object],
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    email_claim = claims.get("email")
    if not isinstance(email_claim, str) or "@" not in email_claim or len(email_claim) > 254:
        raise OidcError("no_email", "Your company's sign-in did not tell us your e-mail address.")
    if claims.get("email_verified") is False:
        raise OidcError(
            "email_not_verified", "Your company's sign-in says your e-mail address is not verified."
        )
    email = normalize_email(email_claim)
    domain = email_domain(email)
    async with db.write() as session:
        tx = as_driver_transaction(session)
        vouched = await session.scalar(
            select(SsoDomain.domain).where(
                SsoDomain.domain == domain, SsoDomain.connection_id == connection.id
            )
        )
        if vouched is None:
            raise OidcError(
                "foreign_domain", f"Your company's sign-in does not vouch for addresses at {domain}."
            )
        user = await session.scalar(select(User).where(User.email == email).with_for_update())
        created = user is None
        now = utcnow()
        if user is None:
            name = claims.get("name")
            user = User(
                id=uuid.uuid4(),
                email=email,
                name=(name.strip() if isinstance(name, str) and name.strip() else email.partition("@")[0])[
                    :MAX_NAME
                ],
                password_hash=NO_PASSWORD,
                email_verified_at=now,
            )
            session.add(user)
            await session.flush()
        elif user.email_verified_at is None:
            user.email_verified_at = now  # the provider vouches for the address
        role = await session.scalar(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.account_id == connection.account_id
            )
        )
        joined = role is None
        if joined:
            session.add(
                Membership(user_id=user.id, account_id=connection.account_id, role=connection.join_role)
            )
        actor = Actor(user.id, ip)
        await audit.record(
            tx,
            "sso.sign_in",
            actor=actor,
            account_id=connection.account_id,
            target=("User", user.id),
            issuer=str(claims.get("iss")),
            subject=str(claims.get("sub"))[:255],
            user_created=created,
            joined_as=connection.join_role.value if joined else None,
        )
        token = await start_session(session, settings, user, ip, user_agent, method="sso")
    return SignedIn(user, token, created)
