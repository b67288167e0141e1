"""Version Upgrade: the vendor notifies accounts holding a product with current maintenance; a
customer redeems the notification ID for some or all seats of a license, which moves those seats
to a new license of the new version."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, as_driver_transaction, entity
from backend.db.engine import Database
from backend.db.models import (
    Account,
    InboxKind,
    KeyRequest,
    KeyRequestKind,
    KeyStatus,
    License,
    LicenseKey,
    LicenseState,
    Product,
    SupportRegistration,
    UpgradeLine,
    UpgradeNotification,
    User,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Grant, Permission, may, require, require_operator
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    KeyRequestStateError,
    NotFoundError,
    RateLimitedError,
    UpgradeRefusedError,
)
from backend.domain.key_requests.pipeline import (
    REQUEST_KEYS,
    Confirmed,
    add_registration,
    change_draft,
    confirm_draft,
    mark_submitted,
    new_draft,
    submit,
    touch,
)
from backend.domain.key_requests.registration import validate_registration
from backend.domain.licenses import search
from backend.domain.licenses.provenance import owner_for
from backend.domain.mail import queue_email
from backend.domain.mail_texts import upgrade_mail
from backend.domain.notifications import Notice, upgrade_link
from backend.events import EventBus
from backend.keys import CROCKFORD, CROCKFORD_ALIASES, check_symbol

UPGRADE = KeyRequestKind.UPGRADE
PREFIX = "VU-"

MESSAGES = {
    "NOTIFICATION_UNKNOWN": "We do not know this notification ID. Check it against the e-mail you received.",
    "NOTIFICATION_EXPIRED": "This upgrade notification has expired. Contact your reseller for a new one.",
    "MAINTENANCE_LAPSED": "Maintenance on this license has lapsed: renew it first, then upgrade.",
    "QUANTITY_EXCEEDED": "That is more seats than remain eligible for this upgrade.",
    "ALREADY_UPGRADED": "Every eligible seat of this license has already been upgraded.",
}


def refused(code: str, field: str, message: str | None = None) -> UpgradeRefusedError:
    return UpgradeRefusedError(code, message or MESSAGES[code], field)


def new_code() -> str:
    body = "".join(secrets.choice(CROCKFORD) for _ in range(9))
    return PREFIX + body + check_symbol(body)


def normalize_code(text: str) -> str | None:
    symbols = "".join(ch for ch in text.upper() if ch not in " -")
    if symbols.startswith("VU"):
        symbols = symbols[2:]
    symbols = symbols.translate(CROCKFORD_ALIASES)
    if (
        len(symbols) != 10
        or any(ch not in CROCKFORD for ch in symbols)
        or check_symbol(symbols[:9]) != symbols[9]
    ):
        return None
    return PREFIX + symbols


# ---------------------------------------------------------------- operator


@dataclass(frozen=True)
class Notified:
    notification: UpgradeNotification
    account: Account
    license_ids: list[uuid.UUID]


async def notify(
    db: Database,
    bus: EventBus,
    settings: Settings,
    from_sku: str,
    to_sku: str,
    expires_days: int = 90,
    actor: Actor | None = None,
) -> list[Notified]:
    """One notification per account holding current licenses of from_sku; mails owners and technical contacts."""
    if not 1 <= expires_days <= 730:
        raise InvalidInputError([FieldProblem("expiresInDays", "RANGE", "Between 1 and 730 days.")])
    async with db.write() as session:
        tx = as_driver_transaction(session)
        if actor is not None:
            await require_operator(tx, actor, "fromSku")
        source = await session.scalar(select(Product).where(Product.sku == from_sku.strip().upper()))
        target = await session.scalar(select(Product).where(Product.sku == to_sku.strip().upper()))
        problems = []
        if source is None:
            problems.append(FieldProblem("fromSku", "UNKNOWN", f"No product with SKU {from_sku!r}."))
        if target is None:
            problems.append(FieldProblem("toSku", "UNKNOWN", f"No product with SKU {to_sku!r}."))
        if problems:
            raise InvalidInputError(problems)
        assert source is not None and target is not None
        if source.id == target.id:
            raise InvalidInputError(
                [FieldProblem("toSku", "SAME_PRODUCT", "Choose a different product to upgrade to.")]
            )
        today = date.today()
        licenses = list(
            await session.scalars(
                select(License)
                .where(
                    License.product_id == source.id,
                    License.state == LicenseState.CURRENT,
                    License.maintenance_until >= today,
                )
                .order_by(License.account_id, License.created_at)
            )
        )
        by_account: dict[uuid.UUID, list[License]] = {}
        for license_ in licenses:
            by_account.setdefault(license_.account_id, []).append(license_)
        expires = utcnow() + timedelta(days=expires_days)
        results: list[Notified] = []
        for account_id, account_licenses in by_account.items():
            notification = UpgradeNotification(
                id=uuid.uuid4(),
                code=new_code(),
                account_id=account_id,
                from_product_id=source.id,
                to_product_id=target.id,
                expires_at=expires,
            )
            session.add(notification)
            await session.flush()
            for license_ in account_licenses:
                session.add(
                    UpgradeLine(
                        notification_id=notification.id,
                        license_id=license_.id,
                        eligible_quantity=license_.quantity,
                    )
                )
            account = await session.get_one(Account, account_id)
            await _mail_notification(bus, settings, session, notification, account_licenses, source, target)
            await audit.record(
                tx,
                "upgrade.notify",
                actor=actor,
                account_id=account_id,
                target=("UpgradeNotification", notification.id),
                code=notification.code,
            )
            results.append(Notified(notification, account, [lic.id for lic in account_licenses]))
    return results


async def _mail_notification(
    bus: EventBus,
    settings: Settings,
    session: AsyncSession,
    notification: UpgradeNotification,
    licenses: list[License],
    source: Product,
    target: Product,
) -> None:
    owners = {lic.owner_user_id for lic in licenses if lic.owner_user_id}
    recipients = (
        set(await session.scalars(select(User.email).where(User.id.in_(owners)))) if owners else set()
    )
    registrations = await session.scalars(
        select(SupportRegistration.data).where(
            SupportRegistration.license_id.in_([lic.id for lic in licenses])
        )
    )
    recipients |= {data["technicalContact"]["email"] for data in registrations}
    body = upgrade_mail(notification, licenses, source, target, settings.public_url)
    subject = f"Version upgrade available: {target.name} {target.version}"
    for email in sorted(recipients):
        await queue_email(
            as_driver_transaction(session),
            bus,
            settings,
            to=email,
            subject=subject,
            body=body,
            account_id=notification.account_id,
            notice=Notice(
                InboxKind.UPGRADE_AVAILABLE, subject, upgrade_link(notification.code), notification.code
            ),
        )


# ---------------------------------------------------------------- the wizard


_key_requests, _lines, _licenses, _keys, _notifications = (
    cast(Table, model.__table__)
    for model in (KeyRequest, UpgradeLine, License, LicenseKey, UpgradeNotification)
)
_NOTIFICATION = Prepared(select(_notifications).where(_notifications.c.code == bindparam("code")))
_NOTIFICATION_BY_ID = Prepared(
    select(_notifications).where(_notifications.c.id == bindparam("notification_id"))
)
_LINE = Prepared(
    select(_lines).where(
        _lines.c.notification_id == bindparam("notification_id"),
        _lines.c.license_id == bindparam("license_id"),
    )
)
_LICENSE = Prepared(select(_licenses).where(_licenses.c.id == bindparam("license_id")))
_LOCK_LICENSE = Prepared(select(_licenses).where(_licenses.c.id == bindparam("license_id")).with_for_update())
# Draw the seats down: never past eligible, however many confirms race.
_DRAW = Prepared(
    update(_lines)
    .where(
        _lines.c.notification_id == bindparam("of_notification"),
        _lines.c.license_id == bindparam("of_license"),
        _lines.c.upgraded_quantity + bindparam("seats") <= _lines.c.eligible_quantity,
    )
    .values(upgraded_quantity=_lines.c.upgraded_quantity + bindparam("seats"))
    .returning(_lines.c.id)
)
_REVOKE_KEYS = Prepared(
    update(_keys)
    .where(
        _keys.c.license_id == bindparam("of_license"),
        # not IN (…): a prebuilt statement for asyncpg has no expanding parameters
        or_(_keys.c.status == KeyStatus.ACTIVE, _keys.c.status == KeyStatus.SUPERSEDED),
    )
    .values(status=KeyStatus.REVOKED)
)
_SUPERSEDE = Prepared(
    update(_licenses).where(_licenses.c.id == bindparam("license_id")).values(state=LicenseState.SUPERSEDED)
)
_SHRINK = Prepared(
    update(_licenses)
    .where(_licenses.c.id == bindparam("license_id"))
    .values(quantity=_licenses.c.quantity - bindparam("seats"))
)
NEW_LICENSE = Prepared(
    insert(_licenses),
    [
        "id",
        "account_id",
        "product_id",
        "owner_user_id",
        "key_request_id",
        "quantity",
        "maintenance_until",
        "host_id",
        "state",
        "search_text",
        "created_at",
    ],
)


_OPEN_NOTIFICATIONS = Prepared(
    select(_notifications)
    .where(
        _notifications.c.account_id == bindparam("account_id"), _notifications.c.expires_at > bindparam("now")
    )
    .order_by(_notifications.c.created_at.desc())
)


async def open_notifications(
    db: Database, actor: Actor, account_id: uuid.UUID | None
) -> list[UpgradeNotification]:
    """An account's notifications that have not expired, newest first (for users who lost the
    ID); none for an account the actor may not see."""

    async def read(tx: DriverTransaction) -> list[UpgradeNotification]:
        if not await may(tx, actor, account_id, Permission.VIEW):
            return []
        rows = await tx.all(_OPEN_NOTIFICATIONS, {"account_id": account_id, "now": utcnow()})
        return [entity(UpgradeNotification, row) for row in rows]

    return await db.driver.run(read, transaction=False)


async def start(
    db: Database, settings: Settings, actor: Actor, account_id: uuid.UUID | None, code_text: str
) -> KeyRequest:
    if account_id is None:
        raise NotFoundError("accountId", "account")
    buckets = [f"notification:user:{actor.user_id}", f"notification:ip:{actor.ip}"]
    code = normalize_code(code_text)

    async def work(tx: DriverTransaction) -> KeyRequest | None:
        grant = await require(
            tx,
            actor,
            account_id,
            Permission.REQUEST_KEYS,
            field="accountId",
            what="account",
            action=REQUEST_KEYS,
        )
        wait = await ratelimit.retry_after(tx, buckets, settings.notification_failures)
        if wait:
            raise RateLimitedError(wait, "notificationId")
        row = await tx.one(_NOTIFICATION, {"code": code}) if code else None
        if row is None or row["account_id"] != account_id:
            return None
        notification = entity(UpgradeNotification, row)
        if notification.expires_at <= utcnow():
            raise refused("NOTIFICATION_EXPIRED", "notificationId")
        return await new_draft(
            tx,
            actor,
            grant,
            account_id,
            UPGRADE,
            "upgrade_request.start",
            notification_id=notification.id,
            code=notification.code,
        )

    request = await db.driver.run(work)
    if request is not None:
        return request
    # Unknown, or another account's: one answer, counted against the guesser.
    await db.driver.run(lambda tx: ratelimit.hit(tx, buckets))
    raise refused("NOTIFICATION_UNKNOWN", "notificationId")


async def _line(
    tx: DriverTransaction, request: KeyRequest, license_id: uuid.UUID | None, field: str
) -> UpgradeLine:
    row = (
        await tx.one(_LINE, {"notification_id": request.notification_id, "license_id": license_id})
        if license_id
        else None
    )
    if row is None:
        raise NotFoundError(field, "license")
    return entity(UpgradeLine, row)


async def _check_license(
    tx: DriverTransaction, license_id: uuid.UUID, field: str, *, lock: bool = False
) -> License:
    row = await tx.one(_LOCK_LICENSE if lock else _LICENSE, {"license_id": license_id})
    assert row is not None
    license_ = entity(License, row)
    if license_.state != LicenseState.CURRENT:
        raise refused("ALREADY_UPGRADED", field)
    if license_.maintenance_until < date.today():
        raise refused("MAINTENANCE_LAPSED", field)
    return license_


async def select_license(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    license_id: uuid.UUID | None,
) -> KeyRequest:
    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> KeyRequest:
        line = await _line(tx, request, license_id, "licenseId")
        await _check_license(tx, line.license_id, "licenseId")
        if line.upgraded_quantity >= line.eligible_quantity:
            raise refused("ALREADY_UPGRADED", "licenseId")
        changes: dict[str, Any] = {}
        if request.license_id != line.license_id:
            changes = {"license_id": line.license_id, "upgrade_quantity": None, "registration": None}
        return await touch(
            tx,
            bus,
            actor,
            request,
            grant,
            "upgrade_request.select_product",
            changes=changes,
            license=str(line.license_id),
        )

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, UPGRADE, change)


async def set_quantity(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    quantity: int,
) -> KeyRequest:
    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> KeyRequest:
        if request.license_id is None:
            raise KeyRequestStateError("INCOMPLETE", "Choose the product to upgrade first.", "licenseId")
        line = await _line(tx, request, request.license_id, "licenseId")
        if quantity < 1:
            raise InvalidInputError([FieldProblem("quantity", "RANGE", "Upgrade at least one seat.")])
        remaining = line.eligible_quantity - line.upgraded_quantity
        if remaining <= 0:
            raise refused("ALREADY_UPGRADED", "quantity")
        if quantity > remaining:
            raise refused(
                "QUANTITY_EXCEEDED",
                "quantity",
                f"At most {remaining} seat(s) remain eligible for this upgrade.",
            )
        return await touch(
            tx,
            bus,
            actor,
            request,
            grant,
            "upgrade_request.set_quantity",
            changes={"upgrade_quantity": quantity},
            quantity=quantity,
        )

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, UPGRADE, change)


async def set_registration(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    registration: dict[str, Any],
) -> KeyRequest:
    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> KeyRequest:
        if request.license_id is None or request.upgrade_quantity is None:
            raise KeyRequestStateError("INCOMPLETE", "Choose the product and quantity first.", "quantity")
        return await touch(
            tx,
            bus,
            actor,
            request,
            grant,
            "upgrade_request.set_registration",
            changes={"registration": validate_registration(registration)},
        )

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, UPGRADE, change)


async def confirm(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
) -> Confirmed:
    async def commit(tx: DriverTransaction, request: KeyRequest, grant: Grant, key: str) -> Confirmed:
        if request.license_id is None or request.upgrade_quantity is None or request.registration is None:
            raise KeyRequestStateError(
                "INCOMPLETE", "Choose the product, quantity and registration first.", "registration"
            )
        row = await tx.one(_NOTIFICATION_BY_ID, {"notification_id": request.notification_id})
        assert row is not None
        notification = entity(UpgradeNotification, row)
        if notification.expires_at <= utcnow():
            raise refused("NOTIFICATION_EXPIRED", "notificationId")
        quantity = request.upgrade_quantity
        old = await _check_license(tx, request.license_id, "licenseId", lock=True)
        drawn = await tx.one(
            _DRAW, {"of_notification": notification.id, "of_license": old.id, "seats": quantity}
        )
        if drawn is None or quantity > old.quantity:
            line = await _line(tx, request, old.id, "quantity")
            code = (
                "ALREADY_UPGRADED"
                if line.upgraded_quantity >= line.eligible_quantity
                else "QUANTITY_EXCEEDED"
            )
            raise refused(code, "quantity")
        submitted = await mark_submitted(tx, request, key)
        upgraded_id = uuid.uuid4()
        await tx.one(
            NEW_LICENSE,
            {
                "id": upgraded_id,
                "account_id": old.account_id,
                "product_id": notification.to_product_id,
                "owner_user_id": owner_for(grant.acting_account_id, old.account_id, actor.user_id),
                "key_request_id": request.id,
                "quantity": quantity,
                "maintenance_until": old.maintenance_until,
                "host_id": old.host_id,
                "state": LicenseState.CURRENT,
                "search_text": "",  # refreshed below, with the other license's
                "created_at": utcnow(),
            },
        )
        await add_registration(tx, old.account_id, upgraded_id, request.registration, request.user_id)
        # The seats leave the old license: its keys no longer describe it.
        await tx.one(_REVOKE_KEYS, {"of_license": old.id})
        license_ids = [upgraded_id]
        if quantity == old.quantity:
            await tx.one(_SUPERSEDE, {"license_id": old.id})
        else:
            await tx.one(_SHRINK, {"license_id": old.id, "seats": quantity})
            license_ids.append(old.id)  # a fresh key for the seats that stay
        await search.refresh(tx, [upgraded_id, old.id])
        return await submit(
            tx,
            bus,
            actor,
            grant,
            submitted,
            license_ids,
            "upgrade_request.confirm",
            quantity=quantity,
            from_license=str(old.id),
            notification=notification.code,
        )

    return await confirm_draft(
        db, settings.draft_ttl_days, actor, key_request_id, idempotency_key, UPGRADE, commit
    )
