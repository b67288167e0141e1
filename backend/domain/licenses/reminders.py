"""Maintenance reminders: a mail 90, 30 and 7 days before a license's maintenance ends, to its
owner and the technical contact of its support registration, through the outbox. Each
(license, maintenance end, threshold) is sent at most once: the row in maintenance_reminders is
inserted in the same transaction as the mail, guarded by its unique constraint. A daily job runs
it and schedules its next run."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    InboxKind,
    Job,
    JobStatus,
    License,
    LicenseState,
    MaintenanceReminder,
    Product,
    SupportRegistration,
    User,
    utcnow,
)
from backend.domain import audit
from backend.domain.mail import queue_email
from backend.domain.mail_texts import reminder_mail
from backend.domain.notifications import Notice, license_link
from backend.events import EventBus
from backend.jobs import enqueue

log = logging.getLogger(__name__)

THRESHOLDS = (90, 30, 7)
JOB = "maintenance_reminders"
RUN_AT = time(6, 0)  # UTC, every day
BATCH = 500


@dataclass(frozen=True)
class Sent:
    license_id: uuid.UUID
    days_before: int
    recipients: tuple[str, ...]


def window(threshold: int, on: date) -> tuple[date, date]:
    """Maintenance ends this threshold covers today: (after, up to and including). A license enters
    the 90-day window 90 days before its end and leaves it when the 30-day one begins, so a missed
    day still sends the reminder on the next run."""
    smaller = [t for t in THRESHOLDS if t < threshold]
    lower = on + timedelta(days=max(smaller)) if smaller else on - timedelta(days=1)
    return lower, on + timedelta(days=threshold)


def _insert(db: Database) -> Any:
    return sqlite_insert if db.is_sqlite else pg_insert


async def run(db: Database, bus: EventBus, settings: Settings, on: date) -> list[Sent]:
    """Send every reminder due on `on` that was not sent before; returns what was sent."""
    sent: list[Sent] = []
    for threshold in THRESHOLDS:
        lower, upper = window(threshold, on)
        after: uuid.UUID | None = None
        while True:
            async with db.write() as session:
                stmt = (
                    select(License, Product)
                    .join(Product, Product.id == License.product_id)
                    .where(
                        License.state == LicenseState.CURRENT,
                        License.maintenance_until > lower,
                        License.maintenance_until <= upper,
                        ~select(MaintenanceReminder.id)
                        .where(
                            MaintenanceReminder.license_id == License.id,
                            MaintenanceReminder.maintenance_until == License.maintenance_until,
                            MaintenanceReminder.days_before == threshold,
                        )
                        .exists(),
                    )
                    .order_by(License.id)
                    .limit(BATCH)
                )
                if after is not None:
                    stmt = stmt.where(License.id > after)
                rows = [(lic, product) for lic, product in await session.execute(stmt)]
                if not rows:
                    break
                after = rows[-1][0].id
                sent += await _send_batch(db, bus, settings, session, rows, threshold, on)
            if len(rows) < BATCH:
                break
    return sent


async def _send_batch(
    db: Database,
    bus: EventBus,
    settings: Settings,
    session: AsyncSession,
    rows: Sequence[tuple[License, Product]],
    threshold: int,
    on: date,
) -> list[Sent]:
    ids = [license_.id for license_, _ in rows]
    claimed = set(
        await session.scalars(
            _insert(db)(MaintenanceReminder)
            .values(
                [
                    {
                        "license_id": license_.id,
                        "maintenance_until": license_.maintenance_until,
                        "days_before": threshold,
                        "sent_at": utcnow(),
                    }
                    for license_, _ in rows
                ]
            )
            .on_conflict_do_nothing()
            .returning(MaintenanceReminder.license_id)
        )
    )
    owners = {
        user.id: user
        for user in await session.scalars(
            select(User).where(User.id.in_({lic.owner_user_id for lic, _ in rows if lic.owner_user_id}))
        )
    }
    contacts: dict[uuid.UUID, dict[str, Any]] = {
        license_id: data
        for license_id, data in await session.execute(
            select(SupportRegistration.license_id, SupportRegistration.data).where(
                SupportRegistration.license_id.in_(ids)
            )
        )
    }
    tx = as_driver_transaction(session)
    sent: list[Sent] = []
    for license_, product in rows:
        if license_.id not in claimed:
            continue  # another run got there first
        recipients: dict[str, tuple[str, uuid.UUID | None]] = {}
        owner = owners.get(license_.owner_user_id) if license_.owner_user_id else None
        if owner is not None:
            recipients[owner.email.lower()] = (owner.name, owner.id)
        technical = (contacts.get(license_.id) or {}).get("technicalContact") or {}
        if technical.get("email"):
            recipients.setdefault(str(technical["email"]).lower(), (str(technical.get("name") or ""), None))
        days = (license_.maintenance_until - on).days
        subject = f"Maintenance of {product.name} {product.version} ends on {license_.maintenance_until.isoformat()}"
        for email, (name, user_id) in recipients.items():
            await queue_email(
                tx,
                bus,
                settings,
                to=email,
                subject=subject,
                body=reminder_mail(name, license_, product, days, settings.public_url),
                account_id=license_.account_id,
                user_id=user_id,
                notice=Notice(InboxKind.MAINTENANCE_REMINDER, subject, license_link(license_.id)),
            )
        await audit.record(
            tx,
            "license.maintenance_reminder",
            actor=None,
            account_id=license_.account_id,
            target=("License", license_.id),
            days_before=threshold,
            maintenance_until=license_.maintenance_until.isoformat(),
            recipients=sorted(recipients),
        )
        sent.append(Sent(license_.id, threshold, tuple(sorted(recipients))))
    return sent


def next_run(now: datetime) -> datetime:
    today_at = datetime.combine(now.date(), RUN_AT, UTC)
    return today_at if now < today_at else today_at + timedelta(days=1)


async def schedule(bus: EventBus, session: AsyncSession, at: datetime, job: str = JOB) -> None:
    """Queue a daily job's next run unless one is pending (every daily job is scheduled this way)."""
    pending = await session.scalar(
        select(Job.id).where(Job.kind == job, Job.status == JobStatus.QUEUED).limit(1)
    )
    if pending is None:
        await enqueue(as_driver_transaction(session), bus, job, {}, run_after=at, max_attempts=3)


async def ensure_scheduled(db: Database, bus: EventBus, job: str = JOB) -> None:
    """At start-up: make sure the daily run is queued (once, however many processes start)."""
    async with db.write() as session:
        await schedule(bus, session, next_run(utcnow()), job)


async def schedule_tomorrow(db: Database, bus: EventBus, job: str = JOB) -> None:
    async with db.write() as session:
        # This job is RUNNING, so it does not count as pending: the next day's run is queued.
        await schedule(bus, session, next_run(utcnow() + timedelta(minutes=1)), job)


async def daily(db: Database, bus: EventBus, settings: Settings, _payload: dict[str, Any]) -> None:
    """The daily job: send what is due, then queue tomorrow's run."""
    sent = await run(db, bus, settings, utcnow().date())
    log.info("maintenance reminders: %d sent", len(sent))
    await schedule_tomorrow(db, bus)
