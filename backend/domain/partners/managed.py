"""A partner's view of the customer accounts it manages: which ones, filtered and paged, and a
summary of each — all in a fixed number of statements however many accounts are on the page."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Account,
    Delegation,
    DelegationScope,
    DelegationStatus,
    KeyRequest,
    KeyRequestStatus,
    License,
    LicenseState,
    Membership,
    Product,
    utcnow,
)
from backend.domain.licenses.finding import (
    STATUS_ORDER,
    LicenseStatus,
    bounded_days,
    like_escape,
    status_rank,
    today,
)

MAX_PAGE = 100
OPEN_REQUESTS = (KeyRequestStatus.DRAFT, KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING)


@dataclass(frozen=True)
class ManagedFilter:
    name: str | None = None
    expiring_within_days: int | None = None
    product_sku: str | None = None


@dataclass
class Managed:
    account: Account
    delegation: Delegation


@dataclass
class ManagedPage:
    rows: list[Managed]
    has_next: bool
    total: int


@dataclass
class Summary:
    by_status: dict[LicenseStatus, int] = field(default_factory=dict)
    next_maintenance_end: date | None = None
    open_key_requests: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _active_delegations(user_id: uuid.UUID) -> ColumnElement[bool]:
    """Delegations that let this user work on a customer account right now."""
    return and_(
        Delegation.partner_account_id.in_(
            select(Membership.account_id).where(Membership.user_id == user_id).scalar_subquery()
        ),
        Delegation.status == DelegationStatus.ACTIVE,
        or_(Delegation.ends_at.is_(None), Delegation.ends_at > utcnow()),
    )


def _filters(data: ManagedFilter, on: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if data.name and data.name.strip():
        where.append(
            func.lower(Account.name).like(f"%{like_escape(data.name.strip().lower())}%", escape="\\")
        )
    if data.product_sku and data.product_sku.strip():
        where.append(
            exists().where(
                License.account_id == Account.id,
                License.product_id
                == select(Product.id)
                .where(Product.sku == data.product_sku.strip().upper())
                .scalar_subquery(),
                License.state == LicenseState.CURRENT,
            )
        )
    if data.expiring_within_days is not None:
        horizon = on + timedelta(days=bounded_days(data.expiring_within_days))
        where.append(
            exists().where(
                License.account_id == Account.id,
                License.state == LicenseState.CURRENT,
                License.maintenance_until >= on,
                License.maintenance_until <= horizon,
            )
        )
    return where


def encode_cursor(account: Account) -> str:
    raw = json.dumps([account.name, str(account.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        name, raw_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(name), uuid.UUID(raw_id)
    except (ValueError, TypeError, binascii.Error):
        return None


async def managed_accounts(
    session: AsyncSession, user_id: uuid.UUID, first: int, after: str | None, data: ManagedFilter
) -> ManagedPage:
    """Customer accounts the user's partner accounts hold an active delegation on, by name.

    An account delegated to two of the user's partner accounts appears once, with its MANAGE
    delegation when there is one."""
    first = max(1, min(first, MAX_PAGE))
    on = today()
    # One delegation per customer account: MANAGE before VIEW, then the oldest.
    best = (
        select(
            Delegation.id.label("delegation_id"),
            Delegation.customer_account_id.label("account_id"),
            func.row_number()
            .over(
                partition_by=Delegation.customer_account_id,
                order_by=[(Delegation.scope == DelegationScope.MANAGE).desc(), Delegation.created_at],
            )
            .label("n"),
        )
        .where(_active_delegations(user_id))
        .subquery()
    )
    base = (
        select(Account, Delegation)
        .join(best, and_(best.c.account_id == Account.id, best.c.n == 1))
        .join(Delegation, Delegation.id == best.c.delegation_id)
        .where(*_filters(data, on))
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = base
    position = _decode_cursor(after)
    if position is not None:
        stmt = stmt.where(tuple_(Account.name, Account.id) > tuple_(*position))
    rows = (await session.execute(stmt.order_by(Account.name, Account.id).limit(first + 1))).all()
    page = [Managed(account, delegation) for account, delegation in rows[:first]]
    return ManagedPage(page, len(rows) > first, int(total))


async def summaries(
    session: AsyncSession, account_ids: list[uuid.UUID], draft_ttl_days: int
) -> list[Summary]:
    """License counts by status, the next maintenance end and open key requests, per account
    (two statements for any number of accounts)."""
    on = today()
    found = {account_id: Summary() for account_id in account_ids}
    # Ranked in a subquery and grouped outside: PostgreSQL cannot match a GROUP BY expression
    # that carries bound parameters against the same expression in the select list.
    ranked = (
        select(
            License.account_id.label("account_id"),
            status_rank(on).label("rank"),
            License.maintenance_until.label("until"),
        )
        .where(License.account_id.in_(account_ids))
        .subquery()
    )
    counts = await session.execute(
        select(ranked.c.account_id, ranked.c.rank, func.count(), func.min(ranked.c.until)).group_by(
            ranked.c.account_id, ranked.c.rank
        )
    )
    for account_id, status_index, number, soonest in counts:
        summary = found[account_id]
        status = STATUS_ORDER[int(status_index)]
        summary.by_status[status] = int(number)
        current = status in (LicenseStatus.ACTIVE, LicenseStatus.EXPIRING) and soonest is not None
        if current and (summary.next_maintenance_end is None or soonest < summary.next_maintenance_end):
            summary.next_maintenance_end = soonest
    open_requests = await session.execute(
        select(KeyRequest.account_id, func.count())
        .where(
            KeyRequest.account_id.in_(account_ids),
            KeyRequest.status.in_(OPEN_REQUESTS),
            # a draft untouched past its lifetime has expired: not open any more
            or_(
                KeyRequest.status != KeyRequestStatus.DRAFT,
                KeyRequest.updated_at > utcnow() - timedelta(days=draft_ttl_days),
            ),
        )
        .group_by(KeyRequest.account_id)
    )
    for account_id, number in open_requests:
        found[account_id].open_key_requests = int(number)
    return [found[account_id] for account_id in account_ids]
