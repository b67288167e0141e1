"""Get a Key: the KeyRequest pipeline — a persisted draft filled step by step, then confirmed.

Confirm commits the entitlement change (serials REGISTERED, licenses created) in one transaction
and enqueues fulfillment; the worker signs the keys, marks the request READY, mails the keys and
publishes `keyRequest:<id>` after each commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.engine import after_commit
from backend.db.models import (
    KeyRequest,
    KeyRequestSerial,
    KeyRequestStatus,
    License,
    LicenseKey,
    LicenseModel,
    Locking,
    Product,
    Serial,
    SerialKind,
    SerialStatus,
    SupportRegistration,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Permission, require
from backend.domain.dates import add_months
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    KeyRequestStateError,
    NotFoundError,
    SerialProblem,
    SerialsRejectedError,
)
from backend.domain.mail import queue_email
from backend.domain.registration import validate_host_id, validate_registration
from backend.domain.serials import display, parse
from backend.jobs import enqueue, job_handler
from backend.keys import new_activation_key
from backend.portal import Portal

MAX_SERIALS = 50
FULFIL = "fulfil_key_request"

PROBLEM_TEXT = {
    "MALFORMED": "A serial number is one letter followed by ten digits, e.g. M123-456-7890.",
    "CHECK_DIGIT": "The check digit does not match: please check the number for a typo.",
    "UNKNOWN": "We do not know this serial number. Check it against your license certificate.",
    "ALREADY_REGISTERED": "This serial number has already been registered.",
    "VOID": "This serial number has been voided. Contact your reseller.",
    "NOT_ELIGIBLE": "This serial number cannot be used here.",
    "RATE_LIMITED": "Too many unrecognised serial numbers. Please wait a few minutes and try again.",
}
KIND_NOT_ELIGIBLE = {
    SerialKind.RENEWAL: "This is a renewal serial: it extends maintenance on an existing license, it does not "
    "create a new one.",
    SerialKind.UPGRADE: "This is an upgrade serial: use Version Upgrade with your notification ID.",
}


def topic(key_request_id: uuid.UUID) -> str:
    return f"keyRequest:{key_request_id}"


def is_expired(request: KeyRequest, ttl_days: int, now: datetime | None = None) -> bool:
    return request.status == KeyRequestStatus.DRAFT and request.updated_at + timedelta(days=ttl_days) < (
        now or utcnow()
    )


def expires_at(request: KeyRequest, ttl_days: int) -> datetime:
    return request.updated_at + timedelta(days=ttl_days)


def _publish_after_commit(portal: Portal, session: AsyncSession, key_request_id: uuid.UUID) -> None:
    async def publish() -> None:
        await portal.bus.publish(topic(key_request_id))

    after_commit(session, publish)


async def load(
    session: AsyncSession,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    permission: Permission,
    *,
    field: str = "keyRequestId",
    for_update: bool = False,
) -> KeyRequest:
    """The key request if the actor may act on its account; else NotFound, as for an unknown id."""
    if key_request_id is None:
        raise NotFoundError(field, "key request")
    stmt = select(KeyRequest).where(KeyRequest.id == key_request_id)
    if for_update:
        stmt = stmt.with_for_update()
    request = await session.scalar(stmt)
    if request is None:
        raise NotFoundError(field, "key request")
    await require(session, actor, request.account_id, permission, field=field, what="key request")
    return request


def _ensure_editable(request: KeyRequest, ttl_days: int) -> None:
    if request.status != KeyRequestStatus.DRAFT:
        raise KeyRequestStateError(
            "NOT_EDITABLE", "This key request has been submitted and can no longer change."
        )
    if is_expired(request, ttl_days):
        raise KeyRequestStateError(
            "EXPIRED", "This draft expired after 7 days without changes. Start a new one."
        )


async def start(portal: Portal, actor: Actor, account_id: uuid.UUID | None) -> KeyRequest:
    async with portal.db.write() as session:
        if account_id is None:
            raise NotFoundError("accountId", "account")
        await require(session, actor, account_id, Permission.REQUEST_KEYS, field="accountId", what="account")
        request = KeyRequest(id=uuid.uuid4(), account_id=account_id, user_id=actor.user_id)
        session.add(request)
        audit.record(
            session,
            "key_request.start",
            actor=actor,
            account_id=account_id,
            target=("KeyRequest", request.id),
        )
    return request


async def serial_rows(session: AsyncSession, key_request_id: uuid.UUID) -> list[tuple[Serial, Product]]:
    rows = await session.execute(
        select(Serial, Product)
        .join(KeyRequestSerial, KeyRequestSerial.serial_id == Serial.id)
        .join(Product, Product.id == Serial.product_id)
        .where(KeyRequestSerial.key_request_id == key_request_id)
        .order_by(KeyRequestSerial.position)
    )
    return [(serial, product) for serial, product in rows]


def _problem(number: str, code: str, message: str | None = None) -> SerialProblem:
    return SerialProblem(number, code, message or PROBLEM_TEXT[code])


async def enter_serials(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, raw: list[str]
) -> KeyRequest:
    entries = [text for text in raw if text.strip()]
    if not 1 <= len(entries) <= MAX_SERIALS:
        raise InvalidInputError(
            [FieldProblem("serialNumbers", "COUNT", f"Enter between 1 and {MAX_SERIALS} serial numbers.")]
        )
    buckets = [f"serial:user:{actor.user_id}", f"serial:ip:{actor.ip}"]
    problems: list[SerialProblem] = []
    async with portal.db.write() as session:
        request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS)
        _ensure_editable(request, portal.settings.draft_ttl_days)
        if await ratelimit.retry_after(session, buckets, portal.settings.serial_failures):
            raise SerialsRejectedError([_problem(text.strip(), "RATE_LIMITED") for text in entries])

        parsed = [parse(text) for text in entries]
        wanted = {p.number for p in parsed if p.problem is None}
        found = (
            {
                serial.number: serial
                for serial in await session.scalars(select(Serial).where(Serial.number.in_(wanted)))
            }
            if wanted
            else {}
        )
        existing = {serial.id for serial, _ in await serial_rows(session, request.id)}
        accepted: list[Serial] = []
        seen: set[str] = set()
        for text, item in zip(entries, parsed, strict=True):
            if item.number in seen:
                continue  # the same serial twice in one paste: take it once
            seen.add(item.number)
            serial = found.get(item.number)
            if item.problem:
                problems.append(_problem(text.strip(), item.problem))
            elif serial is None:
                problems.append(_problem(text.strip(), "UNKNOWN"))
            elif serial.status == SerialStatus.VOID:
                problems.append(_problem(text.strip(), "VOID"))
            elif serial.status == SerialStatus.REGISTERED:
                problems.append(_problem(text.strip(), "ALREADY_REGISTERED"))
            elif serial.kind != SerialKind.NEW:
                problems.append(_problem(text.strip(), "NOT_ELIGIBLE", KIND_NOT_ELIGIBLE[serial.kind]))
            elif serial.id not in existing:
                accepted.append(serial)
        if not problems:
            if len(existing) + len(accepted) > MAX_SERIALS:
                raise InvalidInputError(
                    [
                        FieldProblem(
                            "serialNumbers", "COUNT", f"A key request holds at most {MAX_SERIALS} serials."
                        )
                    ]
                )
            for offset, serial in enumerate(accepted):
                session.add(
                    KeyRequestSerial(
                        key_request_id=request.id, serial_id=serial.id, position=len(existing) + offset
                    )
                )
            request.updated_at = utcnow()
            audit.record(
                session,
                "key_request.serials_added",
                actor=actor,
                account_id=request.account_id,
                target=("KeyRequest", request.id),
                serials=[s.number for s in accepted],
            )
            _publish_after_commit(portal, session, request.id)
            return request
    # Rejected: nothing was added (that transaction rolled back); count the failures on their own.
    async with portal.db.write() as session:
        ratelimit.hit(session, buckets, times=len(problems))
        audit.record(
            session,
            "key_request.serials_rejected",
            actor=actor,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            problems=[{"serial": p.serial_number, "code": p.code} for p in problems],
        )
    raise SerialsRejectedError(problems)


async def remove_serial(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, number: str
) -> KeyRequest:
    target = parse(number).number
    async with portal.db.write() as session:
        request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS)
        _ensure_editable(request, portal.settings.draft_ttl_days)
        link = await session.scalar(
            select(KeyRequestSerial)
            .join(Serial, Serial.id == KeyRequestSerial.serial_id)
            .where(KeyRequestSerial.key_request_id == request.id, Serial.number == target)
        )
        if link is None:
            raise NotFoundError("serialNumber", "serial number in this request")
        await session.delete(link)
        request.updated_at = utcnow()
        _publish_after_commit(portal, session, request.id)
    return request


def requires_host(products: list[Product]) -> bool:
    return any(p.locking == Locking.HOST for p in products)


async def set_registration(
    portal: Portal,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    registration: dict[str, Any],
    host_id: str | None,
) -> KeyRequest:
    async with portal.db.write() as session:
        request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS)
        _ensure_editable(request, portal.settings.draft_ttl_days)
        rows = await serial_rows(session, request.id)
        if not rows:
            raise KeyRequestStateError("INCOMPLETE", "Add at least one serial number first.", "serialNumbers")
        problems: list[FieldProblem] = []
        cleaned: dict[str, Any] = {}
        host: str | None = None
        try:
            cleaned = validate_registration(registration)
        except InvalidInputError as exc:
            problems += exc.problems
        try:
            host = validate_host_id(host_id, required=requires_host([p for _, p in rows]))
        except InvalidInputError as exc:
            problems += exc.problems
        if problems:
            raise InvalidInputError(problems)
        request.registration = cleaned
        request.host_id = host
        request.updated_at = utcnow()
        _publish_after_commit(portal, session, request.id)
    return request


def _validate_idempotency_key(key: str) -> str:
    key = key.strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInputError(
            [
                FieldProblem(
                    "idempotencyKey", "INVALID", "Send a unique key of 8 to 100 characters per confirmation."
                )
            ]
        )
    return key


@dataclass(frozen=True)
class Confirmed:
    request: KeyRequest
    replayed: bool


async def confirm(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, idempotency_key: str
) -> Confirmed:
    key = _validate_idempotency_key(idempotency_key)
    async with portal.db.write() as session:
        request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS, for_update=True)
        if request.status != KeyRequestStatus.DRAFT:
            if request.idempotency_key == key:
                return Confirmed(request, replayed=True)
            raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
        _ensure_editable(request, portal.settings.draft_ttl_days)
        rows = await serial_rows(session, request.id)
        if not rows:
            raise KeyRequestStateError("INCOMPLETE", "Add at least one serial number first.", "serialNumbers")
        if request.registration is None:
            raise KeyRequestStateError("INCOMPLETE", "Enter the support registration first.", "registration")
        if requires_host([p for _, p in rows]) and not request.host_id:
            raise KeyRequestStateError(
                "INCOMPLETE", "Enter the host ID for the host-locked product.", "hostId"
            )

        # Guard the request itself: of two confirms racing here, one moves it out of DRAFT.
        now = utcnow()
        moved = await session.execute(
            update(KeyRequest)
            .where(KeyRequest.id == request.id, KeyRequest.status == KeyRequestStatus.DRAFT)
            .values(status=KeyRequestStatus.SUBMITTED, idempotency_key=key, submitted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
        # Register each serial at most once, whichever request gets there first.
        serial_ids = [serial.id for serial, _ in rows]
        registered = set(
            await session.scalars(
                update(Serial)
                .where(Serial.id.in_(serial_ids), Serial.status == SerialStatus.UNREGISTERED)
                .values(status=SerialStatus.REGISTERED, registered_at=now)
                .returning(Serial.id)
                .execution_options(synchronize_session=False)
            )
        )
        lost = [serial for serial, _ in rows if serial.id not in registered]
        if lost:
            raise SerialsRejectedError(
                [_problem(display(serial.number), "ALREADY_REGISTERED") for serial in lost]
            )
        today = now.date()
        for serial, product in rows:
            license_ = License(
                id=uuid.uuid4(),
                account_id=request.account_id,
                product_id=product.id,
                owner_user_id=actor.user_id,
                origin_serial_id=serial.id,
                key_request_id=request.id,
                quantity=serial.quantity,
                maintenance_until=add_months(today, serial.maintenance_months),
                host_id=request.host_id if product.locking == Locking.HOST else None,
            )
            session.add(license_)
            session.add(
                SupportRegistration(
                    account_id=request.account_id, license_id=license_.id, data=request.registration
                )
            )
        enqueue(session, portal.bus.wake_workers, FULFIL, {"key_request_id": str(request.id)})
        audit.record(
            session,
            "key_request.confirm",
            actor=actor,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            serials=[serial.number for serial, _ in rows],
        )
        _publish_after_commit(portal, session, request.id)
        await session.refresh(request)
    return Confirmed(request, replayed=False)


# ---------------------------------------------------------------- fulfillment (worker)


def license_claims(
    portal: Portal, license_: License, product: Product, key_id: uuid.UUID, host: str | None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": portal.settings.issuer,
        "sub": str(license_.id),
        "jti": str(key_id),
        "iat": int(now.timestamp()),
        "product": product.sku,
        "version": product.version,
        "quantity": license_.quantity,
        "maintenance_until": license_.maintenance_until.isoformat(),
    }
    if host:
        claims["host"] = host
    if product.license_model == LicenseModel.SUBSCRIPTION:
        end = datetime.combine(license_.maintenance_until + timedelta(days=1), datetime.min.time(), UTC)
        claims["exp"] = int(end.timestamp())
    return claims


def _keys_mail(
    request: KeyRequest, issued: list[tuple[License, Product, LicenseKey]], public_url: str
) -> str:
    lines = [
        f"Hello {request.registration['technicalContact']['name'] if request.registration else ''},",
        "",
        "the license keys you requested are ready.",
        "",
    ]
    for license_, product, key in issued:
        lines += [
            f"{product.name} {product.version} — {license_.quantity} seat(s), maintenance until "
            f"{license_.maintenance_until.isoformat()}" + (f", host {key.host_id}" if key.host_id else ""),
            f"  Activation key: {key.activation_key}",
            f"  License file ({key.activation_key}.lic):",
            f"  {key.license_file}",
            "",
        ]
    lines.append(f"You can also download them at {public_url}/get-a-key/{request.id}")
    return "\n".join(lines) + "\n"


async def fulfil(portal: Portal, payload: dict[str, Any]) -> None:
    request_id = uuid.UUID(payload["key_request_id"])
    async with portal.db.write() as session:
        moved = await session.execute(
            update(KeyRequest)
            .where(KeyRequest.id == request_id, KeyRequest.status == KeyRequestStatus.SUBMITTED)
            .values(status=KeyRequestStatus.FULFILLING, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount:  # type: ignore[attr-defined]
            _publish_after_commit(portal, session, request_id)
    signer = await portal.keys.signer()
    async with portal.db.write() as session:
        request = await session.scalar(
            select(KeyRequest).where(KeyRequest.id == request_id).with_for_update()
        )
        if request is None or request.status not in (KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING):
            return  # already READY (a re-run after a lost lease) or FAILED
        rows = (
            await session.execute(
                select(License, Product)
                .join(Product, Product.id == License.product_id)
                .where(License.key_request_id == request_id)
                .order_by(License.created_at, License.id)
            )
        ).all()
        signed = set(
            await session.scalars(
                select(LicenseKey.license_id).where(LicenseKey.key_request_id == request_id)
            )
        )
        issued: list[tuple[License, Product, LicenseKey]] = []
        for license_, product in rows:
            if license_.id in signed:
                continue
            key_id = uuid.uuid4()
            key = LicenseKey(
                id=key_id,
                license_id=license_.id,
                key_request_id=request_id,
                activation_key=new_activation_key(),
                kid=signer.kid,
                license_file=signer.sign(license_claims(portal, license_, product, key_id, license_.host_id)),
                host_id=license_.host_id,
            )
            session.add(key)
            issued.append((license_, product, key))
        request.status = KeyRequestStatus.READY
        request.ready_at = request.updated_at = utcnow()
        if issued and request.registration:
            queue_email(
                portal,
                session,
                to=request.registration["technicalContact"]["email"],
                subject=f"Your license keys ({len(issued)})",
                body=_keys_mail(request, issued, portal.settings.public_url),
                account_id=request.account_id,
                key_request_id=request.id,
            )
        audit.record(
            session,
            "key_request.ready",
            actor=None,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            keys=len(issued),
        )
        _publish_after_commit(portal, session, request_id)


async def fulfil_failed(portal: Portal, payload: dict[str, Any], error: str) -> None:
    request_id = uuid.UUID(payload["key_request_id"])
    async with portal.db.write() as session:
        await session.execute(
            update(KeyRequest)
            .where(KeyRequest.id == request_id, KeyRequest.status != KeyRequestStatus.READY)
            .values(
                status=KeyRequestStatus.FAILED,
                failure_reason="Signing the keys failed; our team has been notified. Your serials stay registered "
                "to you and the keys can be issued again.",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session, "key_request.failed", actor=None, target=("KeyRequest", request_id), error=error[:500]
        )
        _publish_after_commit(portal, session, request_id)


job_handler(FULFIL, on_final_failure=fulfil_failed)(fulfil)


async def last_registration(session: AsyncSession, account_id: uuid.UUID) -> dict[str, Any] | None:
    """The account's most recent support registration, to prefill the next one."""
    data: dict[str, Any] | None = await session.scalar(
        select(SupportRegistration.data)
        .where(SupportRegistration.account_id == account_id)
        .order_by(SupportRegistration.created_at.desc())
        .limit(1)
    )
    return data
