"""Audit events: who did what, on which account, from where."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import Prepared
from backend.db.models import AuditEvent, utcnow
from backend.domain.access import Actor, acting_account


def record(
    session: AsyncSession,
    action: str,
    *,
    actor: Actor | None,
    account_id: uuid.UUID | None = None,
    actor_account_id: uuid.UUID | None = None,
    target: tuple[str, uuid.UUID | str] | None = None,
    **data: Any,
) -> None:
    if actor_account_id is None and actor is not None and account_id is not None:
        # A partner acting for a customer: the access check noted which delegation let them in.
        actor_account_id = acting_account(session, actor.user_id, account_id)
    session.add(
        AuditEvent(
            action=action,
            actor_user_id=actor.user_id if actor else None,
            actor_account_id=actor_account_id,
            account_id=account_id,
            target_type=target[0] if target else None,
            target_id=str(target[1]) if target else None,
            ip=actor.ip if actor else None,
            data=data,
        )
    )


def event(
    action: str,
    *,
    actor: Actor | None,
    account_id: uuid.UUID | None = None,
    actor_account_id: uuid.UUID | None = None,
    target: tuple[str, uuid.UUID | str] | None = None,
    **data: Any,
) -> dict[str, Any]:
    """record()'s row for INSERT on the driver; the caller knows the acting account (Grant)."""
    return {
        "at": utcnow(),
        "action": action,
        "actor_user_id": actor.user_id if actor else None,
        "actor_account_id": actor_account_id,
        "account_id": account_id,
        "target_type": target[0] if target else None,
        "target_id": str(target[1]) if target else None,
        "ip": actor.ip if actor else None,
        "data": data,
    }


def values(
    action: str,
    *,
    account_id: uuid.UUID | None,
    target: tuple[str, uuid.UUID | str] | None = None,
    ip: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    """The row of an event with no signed-in actor (an installed product), for a Core insert on a
    hot path; record() is the ORM form."""
    return {
        "at": utcnow(),
        "action": action,
        "actor_user_id": None,
        "actor_account_id": None,
        "account_id": account_id,
        "target_type": target[0] if target else None,
        "target_id": str(target[1]) if target else None,
        "ip": ip,
        "data": {**data, "ip": ip},
    }


INSERT = Prepared(insert(cast(Table, AuditEvent.__table__)), list(event("", actor=None)))
