"""Audit events: who did what, on which account, from where."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert

from backend.db.driver import DriverTransaction, Prepared
from backend.db.models import AuditEvent, utcnow
from backend.domain.access import Actor, acting_account


async def record(
    tx: DriverTransaction,
    action: str,
    *,
    actor: Actor | None,
    account_id: uuid.UUID | None = None,
    actor_account_id: uuid.UUID | None = None,
    target: tuple[str, uuid.UUID | str] | None = None,
    **data: Any,
) -> None:
    """One audit event, in the caller's transaction. A partner acting for a customer is recorded
    with the partner account the access check found (given, or noted in the transaction)."""
    if actor_account_id is None and actor is not None and account_id is not None:
        actor_account_id = acting_account(tx, actor.user_id, account_id)
    await tx.one(
        INSERT,
        event(
            action,
            actor=actor,
            account_id=account_id,
            actor_account_id=actor_account_id,
            target=target,
            **data,
        ),
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
    """The row record() inserts."""
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
    hot path."""
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
