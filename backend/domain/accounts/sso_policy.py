"""Which e-mail addresses sign in through an account's identity provider: the domain lookup the
sign-in page, password sign-in and the SSO flow share. It never looks at users, so its answers say
nothing about whether an address has one."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Role, SsoConnection, SsoDomain, User
from backend.domain.errors import SsoRequiredError


def email_domain(email: str) -> str:
    """The part after the last @, lower case ('' when there is none)."""
    _, at, domain = email.strip().rpartition("@")
    return domain.lower().rstrip(".") if at else ""


def start_path(email: str) -> str:
    """Where the browser goes to sign in with its company's provider (backend/http/sso.py)."""
    return "/sso/start?" + urlencode({"email": email.strip()})


async def connection_for_email(session: AsyncSession, email: str) -> SsoConnection | None:
    domain = email_domain(email)
    if not domain:
        return None
    found: SsoConnection | None = await session.scalar(
        select(SsoConnection)
        .join(SsoDomain, SsoDomain.connection_id == SsoConnection.id)
        .where(SsoDomain.domain == domain)
    )
    return found


@dataclass(frozen=True)
class Method:
    sso: bool
    start_url: str | None


async def sign_in_method(session: AsyncSession, email: str) -> Method:
    connection = await connection_for_email(session, email)
    return Method(True, start_path(email)) if connection is not None else Method(False, None)


async def refuse_password_if_required(session: AsyncSession, email: str) -> None:
    """SsoRequiredError when the domain's account requires SSO and the address is not its
    break-glass admin's. Checked before the password, so a refusal tells nothing about it."""
    connection = await connection_for_email(session, email)
    if connection is None or not connection.require_sso:
        return
    if connection.break_glass_user_id is not None:
        # Only while still an admin of the account: a demoted or removed admin loses the exception.
        break_glass = await session.scalar(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.id == connection.break_glass_user_id,
                Membership.account_id == connection.account_id,
                Membership.role == Role.ADMIN,
            )
        )
        if break_glass is not None and break_glass == email:
            return
    raise SsoRequiredError(start_path(email))
