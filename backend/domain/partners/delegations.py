"""Delegation: a customer account lets the partner that sold it the product work on it.

A customer ADMIN invites a partner (by account number or by the e-mail of one of its users) with
scope VIEW or MANAGE and an optional end date; a partner ADMIN accepts or declines; an ADMIN of
either side revokes. The access check (domain/access.py) reads only ACTIVE delegations whose end
has not passed, so a revocation or an end date takes effect on the very next request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    Delegation,
    DelegationScope,
    DelegationStatus,
    InboxKind,
    KeyRequest,
    KeyRequestStatus,
    Membership,
    Role,
    User,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor
from backend.domain.accounts.users import normalize_email
from backend.domain.errors import DelegationRefusedError, FieldProblem, InvalidInputError, NotFoundError
from backend.domain.key_requests.pipeline import publish_after_commit
from backend.domain.mail import queue_email
from backend.domain.notifications import ACCOUNT_PARTNERS, PARTNER_DELEGATIONS, Notice
from backend.events import EventBus

OPEN = (DelegationStatus.PENDING, DelegationStatus.ACTIVE)
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class Invite:
    account_id: uuid.UUID | None
    scope: DelegationScope
    partner_account_number: str | None = None
    partner_user_email: str | None = None
    ends_on: date | None = None


def ends_at_for(ends_on: date) -> datetime:
    """The end date is the last day the partner may work on the account."""
    return datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=UTC)


def ends_on_of(row: Delegation) -> date | None:
    return (row.ends_at - timedelta(days=1)).date() if row.ends_at is not None else None


def status_of(row: Delegation, now: datetime | None = None) -> DelegationStatus:
    """The stored status, except that a pending or active delegation past its end is EXPIRED."""
    if row.status in OPEN and row.ends_at is not None and row.ends_at <= (now or utcnow()):
        return DelegationStatus.EXPIRED
    return row.status


async def own_role(session: AsyncSession, user_id: uuid.UUID, account_id: uuid.UUID) -> Role | None:
    """The user's role from their own membership: delegations are managed by the two accounts'
    own admins, never through another delegation."""
    return await session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.account_id == account_id)
    )


async def _admin_emails(session: AsyncSession, account_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.account_id == account_id, Membership.role == Role.ADMIN)
        .order_by(User.email)
    )
    return list(rows)


async def _find_partner(session: AsyncSession, invite: Invite) -> Account:
    number = (invite.partner_account_number or "").strip().upper()
    email = normalize_email(invite.partner_user_email or "")
    if bool(number) == bool(email):
        message = "Give the partner's account number or the e-mail of one of its users (one of the two)."
        raise InvalidInputError(
            [FieldProblem("partnerAccountNumber", "REQUIRED", message)]
            if not number
            else [FieldProblem("partnerUserEmail", "ONE_OF", message)]
        )
    if number:
        partner = await session.scalar(
            select(Account).where(Account.number == number, Account.kind == AccountKind.PARTNER)
        )
        if partner is None:
            raise InvalidInputError(
                [
                    FieldProblem(
                        "partnerAccountNumber", "UNKNOWN_PARTNER", "No partner account has this number."
                    )
                ]
            )
        return partner
    # A partner user's e-mail: their partner account (the one they administer first).
    partner = await session.scalar(
        select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .join(User, User.id == Membership.user_id)
        .where(User.email == email, Account.kind == AccountKind.PARTNER)
        .order_by((Membership.role == Role.ADMIN).desc(), Account.created_at)
        .limit(1)
    )
    if partner is None:
        raise InvalidInputError(
            [FieldProblem("partnerUserEmail", "UNKNOWN_PARTNER", "No partner user has this e-mail address.")]
        )
    return partner


def _validate_end(ends_on: date | None) -> None:
    if ends_on is None:
        return
    today = date.today()
    if ends_on < today:
        raise InvalidInputError([FieldProblem("endsOn", "IN_PAST", "The end date must be today or later.")])
    if ends_on > today.replace(year=today.year + MAX_YEARS_AHEAD):
        raise InvalidInputError(
            [FieldProblem("endsOn", "TOO_FAR", f"At most {MAX_YEARS_AHEAD} years ahead.")]
        )


async def invite(db: Database, bus: EventBus, settings: Settings, actor: Actor, data: Invite) -> Delegation:
    _validate_end(data.ends_on)
    async with db.write() as session:
        tx = as_driver_transaction(session)
        # Locking the customer account row serialises invites for it: no two open delegations
        # to the same partner however many requests race.
        customer = (
            await session.scalar(select(Account).where(Account.id == data.account_id).with_for_update())
            if data.account_id
            else None
        )
        if customer is None or await own_role(session, actor.user_id, customer.id) != Role.ADMIN:
            raise NotFoundError("accountId", "account")
        if customer.kind != AccountKind.CUSTOMER:
            raise InvalidInputError(
                [FieldProblem("accountId", "NOT_A_CUSTOMER", "Only customer accounts delegate to partners.")]
            )
        partner = await _find_partner(session, data)
        existing = await session.scalars(
            select(Delegation).where(
                Delegation.customer_account_id == customer.id,
                Delegation.partner_account_id == partner.id,
                Delegation.status.in_(OPEN),
            )
        )
        if any(status_of(row) in OPEN for row in existing):
            field = "partnerAccountNumber" if data.partner_account_number else "partnerUserEmail"
            raise InvalidInputError(
                [
                    FieldProblem(
                        field,
                        "ALREADY_DELEGATED",
                        f"{partner.name} already has a pending or active delegation on this account.",
                    )
                ]
            )
        row = Delegation(
            id=uuid.uuid4(),
            customer_account_id=customer.id,
            partner_account_id=partner.id,
            scope=data.scope,
            status=DelegationStatus.PENDING,
            ends_at=ends_at_for(data.ends_on) if data.ends_on else None,
            invited_by_user_id=actor.user_id,
        )
        session.add(row)
        await audit.record(
            tx,
            "delegation.invite",
            actor=actor,
            account_id=customer.id,
            target=("delegation", row.id),
            partner_account=str(partner.id),
            scope=data.scope.value,
            ends_on=data.ends_on.isoformat() if data.ends_on else None,
        )
        until = f" until {data.ends_on.isoformat()}" if data.ends_on else ""
        for email in await _admin_emails(session, partner.id):
            await queue_email(
                tx,
                bus,
                settings,
                to=email,
                subject=f"{customer.name} invites {partner.name} to manage its licenses",
                body=(
                    f"{customer.name} (account {customer.number}) invites {partner.name} to work on its "
                    f"licenses with {data.scope.value} rights{until}.\n\n"
                    f"Accept or decline: {settings.public_url}/partner/delegations\n"
                ),
                account_id=partner.id,
                notice=Notice(
                    InboxKind.DELEGATION_INVITED,
                    f"{customer.name} invites {partner.name} to manage its licenses",
                    PARTNER_DELEGATIONS,
                ),
            )
        return row


async def _load_for_update(session: AsyncSession, delegation_id: uuid.UUID | None) -> Delegation | None:
    if delegation_id is None:
        return None
    return await session.scalar(select(Delegation).where(Delegation.id == delegation_id).with_for_update())


async def respond(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    delegation_id: uuid.UUID | None,
    accept: bool,
) -> Delegation:
    """A partner ADMIN accepts or declines a pending invitation."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        row = await _load_for_update(session, delegation_id)
        if row is None or await own_role(session, actor.user_id, row.partner_account_id) != Role.ADMIN:
            raise NotFoundError("delegationId", "delegation")
        if status_of(row) != DelegationStatus.PENDING:
            raise DelegationRefusedError(
                "NOT_PENDING",
                f"This delegation is {status_of(row).value.lower()}; only a pending one can be answered.",
                "delegationId",
            )
        row.status = DelegationStatus.ACTIVE if accept else DelegationStatus.DECLINED
        row.responded_by_user_id = actor.user_id
        row.responded_at = utcnow()
        partner = await session.get_one(Account, row.partner_account_id)
        await audit.record(
            tx,
            "delegation.accept" if accept else "delegation.decline",
            actor=actor,
            actor_account_id=partner.id,
            account_id=row.customer_account_id,
            target=("delegation", row.id),
        )
        verb = "accepted" if accept else "declined"
        for email in await _admin_emails(session, row.customer_account_id):
            await queue_email(
                tx,
                bus,
                settings,
                to=email,
                subject=f"{partner.name} {verb} your delegation",
                body=f"{partner.name} {verb} the delegation of your account ({row.scope.value}).\n",
                account_id=row.customer_account_id,
                notice=Notice(
                    InboxKind.DELEGATION_ANSWERED, f"{partner.name} {verb} your delegation", ACCOUNT_PARTNERS
                ),
            )
        return row


async def revoke(db: Database, bus: EventBus, actor: Actor, delegation_id: uuid.UUID | None) -> Delegation:
    """Either side's ADMIN ends a pending or active delegation. Open subscriptions of the partner on
    the customer's key requests are woken so they re-check access and close."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        row = await _load_for_update(session, delegation_id)
        side = None
        if row is not None:
            for account_id in (row.customer_account_id, row.partner_account_id):
                if await own_role(session, actor.user_id, account_id) == Role.ADMIN:
                    side = account_id
                    break
        if row is None or side is None:
            raise NotFoundError("delegationId", "delegation")
        if status_of(row) not in OPEN:
            raise DelegationRefusedError(
                "NOT_OPEN",
                f"This delegation is already {status_of(row).value.lower()}.",
                "delegationId",
            )
        row.status = DelegationStatus.REVOKED
        row.revoked_by_user_id = actor.user_id
        row.revoked_at = utcnow()
        await audit.record(
            tx,
            "delegation.revoke",
            actor=actor,
            actor_account_id=side,
            account_id=row.customer_account_id,
            target=("delegation", row.id),
        )
        open_requests = list(
            await session.scalars(
                select(KeyRequest.id).where(
                    KeyRequest.account_id == row.customer_account_id,
                    KeyRequest.status.in_(
                        (KeyRequestStatus.DRAFT, KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING)
                    ),
                )
            )
        )
        for request_id in open_requests:
            publish_after_commit(tx, bus, request_id)
        return row


async def for_account(session: AsyncSession, user_id: uuid.UUID, account_id: uuid.UUID) -> list[Delegation]:
    """An account's delegations, on whichever side it is, newest first; for the account's own
    members only (the user's own membership): none for anyone else."""
    if await own_role(session, user_id, account_id) is None:
        return []
    rows = await session.scalars(
        select(Delegation)
        .where(or_(Delegation.customer_account_id == account_id, Delegation.partner_account_id == account_id))
        .order_by(Delegation.created_at.desc())
    )
    return list(rows)
