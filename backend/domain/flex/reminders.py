"""Reminder mails to a contract's super users: when 80 % and 100 % of the commitment is consumed
(at the draw-down that crosses it) and 90 and 30 days before the contract ends (a daily job).
Each kind goes once per contract: its flex_reminders row is inserted in the same transaction as
the mails, guarded by the table's unique constraint."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import (
    FlexContract,
    FlexReminder,
    FlexRole,
    FlexRoleGrant,
    Membership,
    Role,
    User,
    utcnow,
)
from backend.domain import audit
from backend.domain.licenses import reminders as daily_jobs
from backend.domain.mail import queue_email
from backend.events import EventBus

JOB = "flex_reminders"
CONSUMED = (80, 100)  # percent of the commitment
ENDING = (90, 30)  # days before the end

_reminders, _contracts, _users, _members, _roles = (
    cast(Table, m.__table__) for m in (FlexReminder, FlexContract, User, Membership, FlexRoleGrant)
)


@cache
def _mark(dialect: str) -> Prepared:
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    return Prepared(
        insert(_reminders)
        .values(contract_id=bindparam("contract_id"), kind=bindparam("kind"), sent_at=bindparam("now"))
        .on_conflict_do_nothing(index_elements=["contract_id", "kind"])
        .returning(_reminders.c.id)
    )


_SUPER_USERS = Prepared(
    select(_users.c.id, _users.c.email, _users.c.name)
    .where(
        _users.c.id.in_(
            select(_members.c.user_id).where(
                _members.c.account_id == bindparam("account_id"), _members.c.role == Role.ADMIN
            )
        )
        | _users.c.id.in_(
            select(_roles.c.user_id).where(
                _roles.c.contract_id == bindparam("contract_id"), _roles.c.role == FlexRole.SUPER_USER
            )
        )
    )
    .order_by(_users.c.email)
)


async def _send(
    tx: DriverTransaction,
    bus: EventBus,
    settings: Settings,
    contract: FlexContract,
    kind: str,
    subject: str,
    text: str,
) -> bool:
    """Mail the super users once for this kind; False when it went out before."""
    if await tx.one(_mark(tx.dialect), {"contract_id": contract.id, "kind": kind, "now": utcnow()}) is None:
        return False
    recipients = await tx.all(_SUPER_USERS, {"account_id": contract.account_id, "contract_id": contract.id})
    for user in recipients:
        await queue_email(
            tx,
            bus,
            settings,
            to=user["email"],
            subject=subject,
            body=f"Hello {user['name']},\n\n{text}\n\nSee the contract's consumption under Enterprise Flexible in the portal.\n",
            account_id=contract.account_id,
            user_id=user["id"],
        )
    await audit.record(
        tx,
        "flex.reminder",
        actor=None,
        account_id=contract.account_id,
        target=("FlexContract", contract.id),
        kind=kind,
        recipients=[user["email"] for user in recipients],
    )
    return True


async def consumption_crossed(
    tx: DriverTransaction, bus: EventBus, settings: Settings, contract: FlexContract, before: int, after: int
) -> None:
    """At a draw-down that moved the consumed points from `before` to `after`."""
    for percent in CONSUMED:
        mark = contract.committed_points * percent / 100
        if before < mark <= after:
            await _send(
                tx,
                bus,
                settings,
                contract,
                f"consumed-{percent}",
                f"Contract {contract.number}: {percent} % of the commitment consumed",
                f"{after:,} of the {contract.committed_points:,} points committed on contract {contract.number} "
                f"are consumed ({after * 100 // contract.committed_points} %).",
            )


@cache
def _ending(dialect: str) -> Prepared:
    return Prepared(
        select(_contracts)
        .where(_contracts.c.ends_on >= bindparam("today"), _contracts.c.ends_on <= bindparam("horizon"))
        .order_by(_contracts.c.ends_on)
    )


async def run(db: Database, bus: EventBus, settings: Settings, on: date) -> list[tuple[uuid.UUID, str]]:
    """Send the term-end reminders due on `on` that were not sent before."""

    async def work(tx: DriverTransaction) -> list[tuple[uuid.UUID, str]]:
        sent = []
        rows = await tx.all(_ending(tx.dialect), {"today": on, "horizon": on + timedelta(days=max(ENDING))})
        for row in rows:
            contract = entity(FlexContract, row)
            days_left = (contract.ends_on - on).days
            # The nearest threshold reached: a contract created 20 days before its end gets the 30-day mail only.
            due = min(days for days in ENDING if days_left <= days)
            kind = f"ends-{due}"
            if await _send(
                tx,
                bus,
                settings,
                contract,
                kind,
                f"Contract {contract.number} ends on {contract.ends_on.isoformat()}",
                f"Contract {contract.number} ends in {days_left} days, on {contract.ends_on.isoformat()}. "
                f"{contract.consumed_points:,} of {contract.committed_points:,} committed points are consumed.",
            ):
                sent.append((contract.id, kind))
        return sent

    return await db.driver.run(work)


async def daily(db: Database, bus: EventBus, settings: Settings, _payload: dict[str, Any]) -> None:
    await run(db, bus, settings, utcnow().date())
    await daily_jobs.schedule_tomorrow(db, bus, JOB)
