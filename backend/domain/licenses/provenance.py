"""Who requested a license: the user of the key request that made it, and the partner account they
acted from when they got it for a customer (the license then has no owning user: the customer
account owns it, decision record 0013)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, exists, select

from backend.db.driver import DriverTransaction, Prepared, ids_match
from backend.db.models import Delegation, KeyRequest, License, Membership


@dataclass(frozen=True)
class Requested:
    user_id: uuid.UUID
    # The partner account the requester acted from; None when they are a member of the account.
    through_account_id: uuid.UUID | None


_licenses, _requests, _memberships, _delegations = (
    cast(Table, model.__table__) for model in (License, KeyRequest, Membership, Delegation)
)
_member = _memberships.alias("member")


def _through(account_id: Any, user_id: Any) -> Any:
    """The partner account of `user_id`'s that `account_id` delegated to, when that user is no
    member of `account_id` (the newest such delegation): as a column."""
    return (
        select(_delegations.c.partner_account_id)
        .join(_memberships, _memberships.c.account_id == _delegations.c.partner_account_id)
        .where(
            _memberships.c.user_id == user_id,
            _delegations.c.customer_account_id == account_id,
            ~exists().where(_member.c.user_id == user_id, _member.c.account_id == account_id),
        )
        .order_by(_delegations.c.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )


@cache
def _requesters(dialect: str) -> Prepared:
    """Licenses (parameter `ids`) with their key request's user and, when that user is no member
    of the license's account, the partner account of theirs the account delegated to."""
    through = _through(_licenses.c.account_id, _requests.c.user_id)
    return Prepared(
        select(_licenses.c.id, _requests.c.user_id, through.label("through_account_id"))
        .join(_requests, _requests.c.id == _licenses.c.key_request_id)
        .where(ids_match(_licenses.c.id, dialect))
    )


@cache
def request_partners(dialect: str) -> Prepared:
    """Key requests (parameter `ids`) with the partner account their user acted from (null when a
    member of the request's account)."""
    through = _through(_requests.c.account_id, _requests.c.user_id)
    return Prepared(
        select(_requests.c.id, through.label("through_account_id")).where(ids_match(_requests.c.id, dialect))
    )


async def requesters(tx: DriverTransaction, license_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Requested]:
    """Who requested each license (licenses made outside a key request are left out)."""
    if not license_ids:
        return {}
    rows = await tx.all(_requesters(tx.dialect), {"ids": list(license_ids)})
    return {row["id"]: Requested(row["user_id"], row["through_account_id"]) for row in rows}


def owner_for(acting_account_id: uuid.UUID, account_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    """The owning user of a license a key request makes: the requester when they act from the
    license's own account; nobody (the account) when a partner got it for a customer."""
    return user_id if acting_account_id == account_id else None
