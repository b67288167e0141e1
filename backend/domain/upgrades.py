"""Version Upgrade: the vendor notifies accounts holding a product with current maintenance; a
customer redeems the notification ID for some or all seats of a license, which moves those seats
to a new license of the new version."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Account,
    AccountKind,
    KeyRequest,
    KeyRequestKind,
    KeyStatus,
    License,
    LicenseKey,
    LicenseState,
    Membership,
    Product,
    Role,
    SupportRegistration,
    UpgradeLine,
    UpgradeNotification,
    User,
    utcnow,
)
from backend.domain import audit, license_search, ratelimit
from backend.domain.access import Actor, Permission, require
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    KeyRequestStateError,
    NotFoundError,
    RateLimitedError,
    UpgradeRefusedError,
)
from backend.domain.mail import queue_email
from backend.domain.pipeline import (
    Confirmed,
    add_registration,
    begin_confirm,
    load_draft,
    mark_submitted,
    submit,
    touch,
    validate_idempotency_key,
)
from backend.domain.registration import validate_registration
from backend.keys import CROCKFORD, CROCKFORD_ALIASES, check_symbol
from backend.portal import Portal

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


async def require_operator(session: AsyncSession, actor: Actor) -> None:
    operator = await session.scalar(
        select(Membership.id)
        .join(Account, Account.id == Membership.account_id)
        .where(
            Membership.user_id == actor.user_id,
            Account.kind == AccountKind.VENDOR,
            Membership.role.in_([Role.ADMIN, Role.MEMBER]),
        )
    )
    if operator is None:
        raise NotFoundError("fromSku", "operation")


async def notify(
    portal: Portal, from_sku: str, to_sku: str, expires_days: int = 90, actor: Actor | None = None
) -> list[Notified]:
    """One notification per account holding current licenses of from_sku; mails owners and technical contacts."""
    if not 1 <= expires_days <= 730:
        raise InvalidInputError([FieldProblem("expiresInDays", "RANGE", "Between 1 and 730 days.")])
    async with portal.db.write() as session:
        if actor is not None:
            await require_operator(session, actor)
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
            await _mail_notification(portal, session, notification, account_licenses, source, target)
            audit.record(
                session,
                "upgrade.notify",
                actor=actor,
                account_id=account_id,
                target=("UpgradeNotification", notification.id),
                code=notification.code,
            )
            results.append(Notified(notification, account, [lic.id for lic in account_licenses]))
    return results


async def _mail_notification(
    portal: Portal,
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
    seats = sum(lic.quantity for lic in licenses)
    body = (
        f"{target.name} {target.version} is available, and your maintenance entitles you to it.\n\n"
        f"Notification ID: {notification.code}\n"
        f"Eligible: {seats} seat(s) of {source.name} {source.version} on {len(licenses)} license(s).\n"
        f"Valid until: {notification.expires_at.date().isoformat()}\n\n"
        f"Get your new keys at {portal.settings.public_url}/version-upgrade — enter the notification ID above.\n"
    )
    for email in sorted(recipients):
        queue_email(
            portal,
            session,
            to=email,
            subject=f"Version upgrade available: {target.name} {target.version}",
            body=body,
            account_id=notification.account_id,
        )


# ---------------------------------------------------------------- the wizard


async def open_notifications(session: AsyncSession, account_id: uuid.UUID) -> list[UpgradeNotification]:
    return list(
        await session.scalars(
            select(UpgradeNotification)
            .where(UpgradeNotification.account_id == account_id, UpgradeNotification.expires_at > utcnow())
            .order_by(UpgradeNotification.created_at.desc())
        )
    )


async def start(portal: Portal, actor: Actor, account_id: uuid.UUID | None, code_text: str) -> KeyRequest:
    buckets = [f"notification:user:{actor.user_id}", f"notification:ip:{actor.ip}"]
    async with portal.db.write() as session:
        if account_id is None:
            raise NotFoundError("accountId", "account")
        await require(session, actor, account_id, Permission.REQUEST_KEYS, field="accountId", what="account")
        wait = await ratelimit.retry_after(session, buckets, portal.settings.notification_failures)
        if wait:
            raise RateLimitedError(wait, "notificationId")
        code = normalize_code(code_text)
        notification = (
            await session.scalar(select(UpgradeNotification).where(UpgradeNotification.code == code))
            if code
            else None
        )
        if notification is not None and notification.account_id == account_id:
            if notification.expires_at <= utcnow():
                raise refused("NOTIFICATION_EXPIRED", "notificationId")
            request = KeyRequest(
                id=uuid.uuid4(),
                account_id=account_id,
                user_id=actor.user_id,
                kind=UPGRADE,
                notification_id=notification.id,
            )
            session.add(request)
            audit.record(
                session,
                "upgrade_request.start",
                actor=actor,
                account_id=account_id,
                target=("KeyRequest", request.id),
                code=notification.code,
            )
            return request
    # Unknown, or another account's: one answer, counted against the guesser.
    async with portal.db.write() as session:
        ratelimit.hit(session, buckets)
    raise refused("NOTIFICATION_UNKNOWN", "notificationId")


async def _line(
    session: AsyncSession, request: KeyRequest, license_id: uuid.UUID | None, field: str
) -> UpgradeLine:
    line = (
        await session.scalar(
            select(UpgradeLine).where(
                UpgradeLine.notification_id == request.notification_id, UpgradeLine.license_id == license_id
            )
        )
        if license_id
        else None
    )
    if line is None:
        raise NotFoundError(field, "license")
    return line


async def _check_license(
    session: AsyncSession, license_id: uuid.UUID, field: str, *, lock: bool = False
) -> License:
    stmt = select(License).where(License.id == license_id)
    license_ = await session.scalar(stmt.with_for_update() if lock else stmt)
    assert license_ is not None
    if license_.state != LicenseState.CURRENT:
        raise refused("ALREADY_UPGRADED", field)
    if license_.maintenance_until < date.today():
        raise refused("MAINTENANCE_LAPSED", field)
    return license_


async def select_license(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, license_id: uuid.UUID | None
) -> KeyRequest:
    async with portal.db.write() as session:
        request = await load_draft(portal, session, actor, key_request_id, UPGRADE)
        line = await _line(session, request, license_id, "licenseId")
        await _check_license(session, line.license_id, "licenseId")
        if line.upgraded_quantity >= line.eligible_quantity:
            raise refused("ALREADY_UPGRADED", "licenseId")
        if request.license_id != line.license_id:
            request.license_id = line.license_id
            request.upgrade_quantity = None
            request.registration = None
        touch(portal, session, request, actor, "upgrade_request.select_product", license=str(line.license_id))
    return request


async def set_quantity(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, quantity: int
) -> KeyRequest:
    async with portal.db.write() as session:
        request = await load_draft(portal, session, actor, key_request_id, UPGRADE)
        if request.license_id is None:
            raise KeyRequestStateError("INCOMPLETE", "Choose the product to upgrade first.", "licenseId")
        line = await _line(session, request, request.license_id, "licenseId")
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
        request.upgrade_quantity = quantity
        touch(portal, session, request, actor, "upgrade_request.set_quantity", quantity=quantity)
    return request


async def set_registration(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, registration: dict[str, Any]
) -> KeyRequest:
    async with portal.db.write() as session:
        request = await load_draft(portal, session, actor, key_request_id, UPGRADE)
        if request.license_id is None or request.upgrade_quantity is None:
            raise KeyRequestStateError("INCOMPLETE", "Choose the product and quantity first.", "quantity")
        request.registration = validate_registration(registration)
        touch(portal, session, request, actor, "upgrade_request.set_registration")
    return request


async def confirm(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, idempotency_key: str
) -> Confirmed:
    key = validate_idempotency_key(idempotency_key)
    async with portal.db.write() as session:
        request = await begin_confirm(portal, session, actor, key_request_id, key, UPGRADE)
        if isinstance(request, Confirmed):
            return request
        if request.license_id is None or request.upgrade_quantity is None or request.registration is None:
            raise KeyRequestStateError(
                "INCOMPLETE", "Choose the product, quantity and registration first.", "registration"
            )
        notification = await session.get_one(UpgradeNotification, request.notification_id)
        if notification.expires_at <= utcnow():
            raise refused("NOTIFICATION_EXPIRED", "notificationId")
        quantity = request.upgrade_quantity
        old = await _check_license(session, request.license_id, "licenseId", lock=True)
        # Draw the seats down: never past eligible, however many confirms race.
        drawn = await session.execute(
            update(UpgradeLine)
            .where(
                UpgradeLine.notification_id == notification.id,
                UpgradeLine.license_id == old.id,
                UpgradeLine.upgraded_quantity + quantity <= UpgradeLine.eligible_quantity,
            )
            .values(upgraded_quantity=UpgradeLine.upgraded_quantity + quantity)
            .execution_options(synchronize_session=False)
        )
        if drawn.rowcount != 1 or quantity > old.quantity:  # type: ignore[attr-defined]
            line = await _line(session, request, old.id, "quantity")
            code = (
                "ALREADY_UPGRADED"
                if line.upgraded_quantity >= line.eligible_quantity
                else "QUANTITY_EXCEEDED"
            )
            raise refused(code, "quantity")
        await mark_submitted(session, request, key)
        upgraded = License(
            id=uuid.uuid4(),
            account_id=old.account_id,
            product_id=notification.to_product_id,
            owner_user_id=actor.user_id,
            key_request_id=request.id,
            quantity=quantity,
            maintenance_until=old.maintenance_until,
            host_id=old.host_id,
        )
        session.add(upgraded)
        add_registration(session, upgraded, request.registration)
        # The seats leave the old license: its keys no longer describe it.
        await session.execute(
            update(LicenseKey)
            .where(LicenseKey.license_id == old.id, LicenseKey.status == KeyStatus.ACTIVE)
            .values(status=KeyStatus.REVOKED)
            .execution_options(synchronize_session=False)
        )
        license_ids = [upgraded.id]
        if quantity == old.quantity:
            old.state = LicenseState.SUPERSEDED
        else:
            old.quantity -= quantity
            license_ids.append(old.id)  # a fresh key for the seats that stay
        await license_search.refresh(session, [upgraded.id, old.id])
        return await submit(
            portal,
            session,
            actor,
            request,
            license_ids,
            "upgrade_request.confirm",
            quantity=quantity,
            from_license=str(old.id),
            notification=notification.code,
        )
