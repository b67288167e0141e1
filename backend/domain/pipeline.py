"""The one key-request pipeline every door shares: drafts, confirmation, fulfillment.

A door (Get a Key, Version Upgrade, re-host) fills a KeyRequest with its own steps, then confirms
through begin_confirm() and submit(): the request leaves DRAFT with a conditional UPDATE, the door
changes the entitlement in the same transaction, and the licenses to sign are linked to the
request. The worker then signs one key per linked license, marks the request READY, mails the
keys and publishes `keyRequest:<id>` after the commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared, entity, prefixed
from backend.db.engine import after_commit
from backend.db.models import (
    KeyRequest,
    KeyRequestKind,
    KeyRequestLicense,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseKey,
    LicenseModel,
    Product,
    SupportRegistration,
    utcnow,
)
from backend.domain import audit, license_search
from backend.domain.access import (
    Actor,
    Grant,
    Permission,
    may_given_own_role,
    own_role_of,
    require,
    require_in,
)
from backend.domain.errors import FieldProblem, InvalidInputError, KeyRequestStateError, NotFoundError
from backend.domain.mail import queue_email_in
from backend.jobs import enqueue, enqueue_in, finish_in, job_handler
from backend.keys import Signer, new_activation_key
from backend.portal import Portal

FULFIL = "fulfil_key_request"


def topic(key_request_id: uuid.UUID) -> str:
    return f"keyRequest:{key_request_id}"


def is_expired(request: KeyRequest, ttl_days: int, now: datetime | None = None) -> bool:
    return request.status == KeyRequestStatus.DRAFT and request.updated_at + timedelta(days=ttl_days) < (
        now or utcnow()
    )


def expires_at(request: KeyRequest, ttl_days: int) -> datetime:
    return request.updated_at + timedelta(days=ttl_days)


def publish_after_commit(portal: Portal, session: AsyncSession, key_request_id: uuid.UUID) -> None:
    async def publish() -> None:
        await portal.bus.publish(topic(key_request_id))

    after_commit(session, publish)


_key_requests = cast(Table, KeyRequest.__table__)
# Every key-request step starts here: built once.
_REQUEST = select(KeyRequest).where(KeyRequest.id == bindparam("id"))
_LOCK_REQUEST = _REQUEST.with_for_update()


async def load(
    session: AsyncSession,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    permission: Permission,
    *,
    kind: KeyRequestKind | None = None,
    field: str = "keyRequestId",
    for_update: bool = False,
) -> KeyRequest:
    """The key request if the actor may act on its account (and it is of `kind`); else NotFound,
    exactly as for an unknown id."""
    if key_request_id is None:
        raise NotFoundError(field, "key request")
    request = await session.scalar(_LOCK_REQUEST if for_update else _REQUEST, {"id": key_request_id})
    if request is None or (kind is not None and request.kind != kind):
        raise NotFoundError(field, "key request")
    await require(session, actor, request.account_id, permission, field=field, what="key request")
    return request


_VIEW = Prepared(
    select(_key_requests, own_role_of(_key_requests.c.account_id).label("own_role")).where(
        _key_requests.c.id == bindparam("key_request_id")
    )
)


async def view(
    portal: Portal,
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    actor: Actor,
    key_request_id: uuid.UUID | None,
) -> KeyRequest | None:
    """The key request if the actor may see it, else None (unknown and foreign look alike): one
    prebuilt read with the actor's own role on its account; a session only for delegations."""
    if key_request_id is None:
        return None
    params = {"key_request_id": key_request_id, "user_id": actor.user_id}
    row = await portal.db.driver.run(lambda tx: tx.one(_VIEW, params), transaction=False)
    if row is None:
        return None
    request = entity(KeyRequest, row)
    if not await may_given_own_role(
        open_session, actor, request.account_id, row["own_role"], Permission.VIEW
    ):
        return None
    return request


_LOCK_REQUEST_ROW = Prepared(
    select(_key_requests).where(_key_requests.c.id == bindparam("key_request_id")).with_for_update()
)
_LOCK_VIEW = Prepared(
    select(_key_requests, own_role_of(_key_requests.c.account_id).label("own_role"))
    .where(_key_requests.c.id == bindparam("key_request_id"))
    .with_for_update(of=_key_requests)
)


async def load_in(
    tx: DriverTransaction,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    permission: Permission,
    *,
    kind: KeyRequestKind | None = None,
    field: str = "keyRequestId",
    for_update: bool = False,
) -> tuple[KeyRequest, Grant]:
    """load() on the driver: the request and the actor's grant on its account, in one statement
    when the actor is a member there."""
    if key_request_id is None:
        raise NotFoundError(field, "key request")
    params = {"key_request_id": key_request_id, "user_id": actor.user_id}
    row = await tx.one(_LOCK_VIEW if for_update else _VIEW, params)
    if row is None or (kind is not None and row["kind"] != kind):
        raise NotFoundError(field, "key request")
    grant = await require_in(
        tx, actor, row["account_id"], permission, field=field, what="key request", own_role=row["own_role"]
    )
    return entity(KeyRequest, row), grant


async def load_draft_in(
    portal: Portal,
    tx: DriverTransaction,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    kind: KeyRequestKind,
) -> tuple[KeyRequest, Grant]:
    request, grant = await load_in(tx, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind)
    ensure_editable(request, portal.settings.draft_ttl_days)
    return request, grant


async def load_draft(
    portal: Portal,
    session: AsyncSession,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    kind: KeyRequestKind,
) -> KeyRequest:
    request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind)
    ensure_editable(request, portal.settings.draft_ttl_days)
    return request


def ensure_editable(request: KeyRequest, ttl_days: int) -> None:
    if request.status != KeyRequestStatus.DRAFT:
        raise KeyRequestStateError(
            "NOT_EDITABLE", "This key request has been submitted and can no longer change."
        )
    if is_expired(request, ttl_days):
        raise KeyRequestStateError(
            "EXPIRED", "This draft expired after 7 days without changes. Start a new one."
        )


def touch(
    portal: Portal, session: AsyncSession, request: KeyRequest, actor: Actor, action: str, **audit_data: Any
) -> None:
    """A draft step succeeded: keep the draft alive, audit the step, tell subscribers after the commit."""
    request.updated_at = utcnow()
    audit.record(
        session,
        action,
        actor=actor,
        account_id=request.account_id,
        target=("KeyRequest", request.id),
        **audit_data,
    )
    publish_after_commit(portal, session, request.id)


def validate_idempotency_key(key: str) -> str:
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


async def begin_confirm(
    portal: Portal,
    session: AsyncSession,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
    kind: KeyRequestKind,
) -> KeyRequest | Confirmed:
    """Lock the draft for confirmation; a retry with the same idempotency key gets the earlier result."""
    request = await load(session, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind, for_update=True)
    if request.status != KeyRequestStatus.DRAFT:
        if request.idempotency_key == idempotency_key:
            return Confirmed(request, replayed=True)
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    ensure_editable(request, portal.settings.draft_ttl_days)
    return request


async def mark_submitted(session: AsyncSession, request: KeyRequest, idempotency_key: str) -> datetime:
    """Move the request out of DRAFT; of two confirms racing here only one succeeds."""
    now = utcnow()
    moved = await session.execute(
        update(KeyRequest)
        .where(KeyRequest.id == request.id, KeyRequest.status == KeyRequestStatus.DRAFT)
        .values(
            status=KeyRequestStatus.SUBMITTED,
            idempotency_key=idempotency_key,
            submitted_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    return now


async def submit(
    portal: Portal,
    session: AsyncSession,
    actor: Actor,
    request: KeyRequest,
    license_ids: list[uuid.UUID],
    action: str,
    **audit_data: Any,
) -> Confirmed:
    """Link the licenses to sign, enqueue fulfillment, audit, and publish after the commit."""
    await session.flush()  # licenses first: the links reference them (no ORM relationship orders it)
    for position, license_id in enumerate(license_ids):
        session.add(KeyRequestLicense(key_request_id=request.id, license_id=license_id, position=position))
    enqueue(session, portal.bus.wake_workers, FULFIL, {"key_request_id": str(request.id)})
    audit.record(
        session,
        action,
        actor=actor,
        account_id=request.account_id,
        target=("KeyRequest", request.id),
        **audit_data,
    )
    publish_after_commit(portal, session, request.id)
    await session.flush()
    await session.refresh(request)
    return Confirmed(request, replayed=False)


_SUBMIT = Prepared(
    update(_key_requests)
    .where(
        _key_requests.c.id == bindparam("key_request_id"), _key_requests.c.status == KeyRequestStatus.DRAFT
    )
    .values(
        status=KeyRequestStatus.SUBMITTED,
        idempotency_key=bindparam("key"),
        submitted_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(*_key_requests.c)
)
LINK = Prepared(
    insert(cast(Table, KeyRequestLicense.__table__)), ["key_request_id", "license_id", "position"]
)
REGISTER = Prepared(
    insert(cast(Table, SupportRegistration.__table__)),
    ["id", "account_id", "license_id", "data", "created_at"],
)


async def begin_confirm_in(
    portal: Portal,
    tx: DriverTransaction,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
    kind: KeyRequestKind,
) -> tuple[KeyRequest, Grant] | Confirmed:
    """begin_confirm() on the driver."""
    request, grant = await load_in(
        tx, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind, for_update=True
    )
    if request.status != KeyRequestStatus.DRAFT:
        if request.idempotency_key == idempotency_key:
            return Confirmed(request, replayed=True)
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    ensure_editable(request, portal.settings.draft_ttl_days)
    return request, grant


async def mark_submitted_in(tx: DriverTransaction, request: KeyRequest, idempotency_key: str) -> KeyRequest:
    """mark_submitted() on the driver: the request as submitted."""
    row = await tx.one(_SUBMIT, {"key_request_id": request.id, "key": idempotency_key, "now": utcnow()})
    if row is None:
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    return entity(KeyRequest, row)


async def add_registration_in(
    tx: DriverTransaction, account_id: uuid.UUID, license_id: uuid.UUID, data: dict[str, Any]
) -> None:
    await tx.one(
        REGISTER,
        {
            "id": uuid.uuid4(),
            "account_id": account_id,
            "license_id": license_id,
            "data": data,
            "created_at": utcnow(),
        },
    )


async def submit_in(
    tx: DriverTransaction,
    actor: Actor,
    grant: Grant,
    request: KeyRequest,
    license_ids: list[uuid.UUID],
    action: str,
    **audit_data: Any,
) -> int:
    """submit() on the driver: link the licenses to sign, enqueue fulfillment and audit. Returns
    the job's id; after the commit the caller runs submitted()."""
    for position, license_id in enumerate(license_ids):
        await tx.one(LINK, {"key_request_id": request.id, "license_id": license_id, "position": position})
    job_id = await enqueue_in(tx, FULFIL, {"key_request_id": str(request.id)})
    await audit_in(tx, action, actor, grant, request.account_id, request.id, **audit_data)
    return job_id


async def audit_in(
    tx: DriverTransaction,
    action: str,
    actor: Actor,
    grant: Grant,
    account_id: uuid.UUID,
    key_request_id: uuid.UUID,
    **data: Any,
) -> None:
    """audit.record() of a key-request step, on the driver (the grant names the acting account)."""
    event = audit.event(
        action,
        actor=actor,
        account_id=account_id,
        actor_account_id=grant.acting_account_id,
        target=("KeyRequest", key_request_id),
        **data,
    )
    await tx.one(audit.INSERT, event)


async def submitted(portal: Portal, request_id: uuid.UUID, job_id: int) -> None:
    """After submit_in()'s commit: hand the job to a worker, tell subscribers."""
    await portal.bus.wake_workers(job_id)
    await portal.bus.publish(topic(request_id))


def add_registration(session: AsyncSession, license_: License, data: dict[str, Any]) -> None:
    session.add(SupportRegistration(account_id=license_.account_id, license_id=license_.id, data=data))


# ---------------------------------------------------------------- fulfillment (worker)


def license_claims(
    portal: Portal, license_: License, product: Product, key_id: uuid.UUID, host: str | None
) -> dict[str, Any]:
    return claims(
        portal,
        license_id=license_.id,
        key_id=key_id,
        sku=product.sku,
        version=product.version,
        license_model=product.license_model,
        quantity=license_.quantity,
        maintenance_until=license_.maintenance_until,
        host=host,
    )


def claims(
    portal: Portal,
    *,
    license_id: uuid.UUID,
    key_id: uuid.UUID,
    sku: str,
    version: str,
    license_model: LicenseModel,
    quantity: int,
    maintenance_until: date,
    host: str | None,
) -> dict[str, Any]:
    """The claims of a license file; license_claims() reads them off the ORM objects."""
    now = datetime.now(UTC)
    result: dict[str, Any] = {
        "iss": portal.settings.issuer,
        "sub": str(license_id),
        "jti": str(key_id),
        "iat": int(now.timestamp()),
        "product": sku,
        "version": version,
        "quantity": quantity,
        "maintenance_until": maintenance_until.isoformat(),
    }
    if host:
        result["host"] = host
    if license_model == LicenseModel.SUBSCRIPTION:
        end = datetime.combine(maintenance_until + timedelta(days=1), datetime.min.time(), UTC)
        result["exp"] = int(end.timestamp())
    return result


def new_key(
    portal: Portal, signer: Signer, license_: License, product: Product, key_request_id: uuid.UUID | None
) -> LicenseKey:
    key_id = uuid.uuid4()
    return LicenseKey(
        id=key_id,
        license_id=license_.id,
        key_request_id=key_request_id,
        activation_key=new_activation_key(),
        kid=signer.kid,
        license_file=signer.sign(license_claims(portal, license_, product, key_id, license_.host_id)),
        host_id=license_.host_id,
    )


def keys_mail(request: KeyRequest, issued: list[tuple[License, Product, LicenseKey]], public_url: str) -> str:
    name = request.registration["technicalContact"]["name"] if request.registration else ""
    lines = [f"Hello {name},", "", "the license keys you requested are ready.", ""]
    for license_, product, key in issued:
        lines += [
            f"{product.name} {product.version} — {license_.quantity} seat(s), maintenance until "
            f"{license_.maintenance_until.isoformat()}" + (f", host {key.host_id}" if key.host_id else ""),
            f"  Activation key: {key.activation_key}",
            f"  License file ({key.activation_key}.lic):",
            f"  {key.license_file}",
            "",
        ]
    lines.append(f"You can also download them at {public_url}/licenses")
    return "\n".join(lines) + "\n"


_request_licenses = cast(Table, KeyRequestLicense.__table__)
_licenses, _products, _keys = (cast(Table, m.__table__) for m in (License, Product, LicenseKey))
# The request's licenses, with their products, that it has not signed a key for yet (a re-run after
# a lost lease signs only what is missing).
TO_SIGN = Prepared(
    select(*prefixed(_licenses, "l_"), *prefixed(_products, "p_"))
    .join(_request_licenses, _request_licenses.c.license_id == _licenses.c.id)
    .join(_products, _products.c.id == _licenses.c.product_id)
    .where(
        _request_licenses.c.key_request_id == bindparam("key_request_id"),
        ~exists().where(
            _keys.c.license_id == _licenses.c.id, _keys.c.key_request_id == bindparam("key_request_id")
        ),
    )
    .order_by(_request_licenses.c.position)
)
_KEY_COLUMNS = [
    "id",
    "license_id",
    "key_request_id",
    "activation_key",
    "kid",
    "license_file",
    "host_id",
    "status",
    "issued_at",
]
NEW_KEY = Prepared(insert(_keys), _KEY_COLUMNS)
_READY = Prepared(
    update(_key_requests)
    .where(_key_requests.c.id == bindparam("key_request_id"))
    .values(status=KeyRequestStatus.READY, ready_at=bindparam("now"), updated_at=bindparam("now"))
)
_FIRST_REGISTRATION = Prepared(
    select(SupportRegistration.data)
    .join(_request_licenses, _request_licenses.c.license_id == SupportRegistration.license_id)
    .where(_request_licenses.c.key_request_id == bindparam("key_request_id"))
    .order_by(_request_licenses.c.position)
    .limit(1)
)


async def technical_contact(tx: DriverTransaction, request: KeyRequest) -> dict[str, Any] | None:
    """Who gets the keys: the request's registration, or (upgrades and re-hosts of a license with
    one) the first signed license's."""
    if request.registration:
        return dict(request.registration["technicalContact"])
    row = await tx.one(_FIRST_REGISTRATION, {"key_request_id": request.id})
    return dict(row["data"]["technicalContact"]) if row and row["data"] else None


async def fulfil(portal: Portal, payload: dict[str, Any]) -> None:
    request_id = uuid.UUID(payload["key_request_id"])
    signer = await portal.keys.signer()

    async def work(tx: DriverTransaction) -> int | None:
        """Sign, READY, mail, audit, job DONE; the mail's delivery job (if any), or None when there
        was nothing to do."""
        row = await tx.one(_LOCK_REQUEST_ROW, {"key_request_id": request_id})
        if row is None or row["status"] not in (KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING):
            return None  # already READY (a re-run after a lost lease) or FAILED
        request = entity(KeyRequest, row)
        issued: list[tuple[License, Product, LicenseKey]] = []
        for pair in await tx.all(TO_SIGN, {"key_request_id": request_id}):
            license_, product = entity(License, pair, "l_"), entity(Product, pair, "p_")
            key = new_key(portal, signer, license_, product, request_id)
            key.status, key.issued_at = KeyStatus.ACTIVE, utcnow()
            await tx.one(NEW_KEY, {name: getattr(key, name) for name in _KEY_COLUMNS})
            issued.append((license_, product, key))
        await license_search.refresh_in(tx, portal.db.dialect, [license_.id for license_, _, _ in issued])
        now = utcnow()
        await tx.one(_READY, {"key_request_id": request_id, "now": now})
        contact = await technical_contact(tx, request)
        mail_job = None
        if issued and contact:
            mail_job = await queue_email_in(
                portal,
                tx,
                to=contact["email"],
                subject=f"Your license keys ({len(issued)})",
                body=keys_mail(request, issued, portal.settings.public_url),
                account_id=request.account_id,
                key_request_id=request.id,
            )
        await tx.one(
            audit.INSERT,
            audit.event(
                "key_request.ready",
                actor=None,
                account_id=request.account_id,
                target=("KeyRequest", request.id),
                keys=len(issued),
            ),
        )
        await finish_in(tx)
        return mail_job or 0

    done = await portal.db.driver.run(work)
    if done is None:
        return
    if done:
        await portal.bus.wake_workers(done)
    await portal.bus.publish(topic(request_id))


async def fulfil_failed(portal: Portal, payload: dict[str, Any], error: str) -> None:
    request_id = uuid.UUID(payload["key_request_id"])
    async with portal.db.write() as session:
        await session.execute(
            update(KeyRequest)
            .where(KeyRequest.id == request_id, KeyRequest.status != KeyRequestStatus.READY)
            .values(
                status=KeyRequestStatus.FAILED,
                failure_reason="Signing the keys failed; our team has been notified. Your entitlements stay "
                "registered to you and the keys can be issued again.",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session, "key_request.failed", actor=None, target=("KeyRequest", request_id), error=error[:500]
        )
        publish_after_commit(portal, session, request_id)


FULFILLING = Prepared(
    update(_key_requests)
    .where(
        _key_requests.c.id == bindparam("key_request_id"),
        _key_requests.c.status == KeyRequestStatus.SUBMITTED,
    )
    .values(status=KeyRequestStatus.FULFILLING, updated_at=bindparam("now"))
)


async def mark_fulfilling(tx: DriverTransaction, payload: dict[str, Any]) -> None:
    """In the job's claim transaction: FULFILLING is committed for anyone who looks while the keys
    are signed, but not published — READY follows within milliseconds, and every published state
    costs each subscriber a frame."""
    await tx.one(FULFILLING, {"key_request_id": uuid.UUID(payload["key_request_id"]), "now": utcnow()})


job_handler(FULFIL, on_final_failure=fulfil_failed, on_claim=mark_fulfilling)(fulfil)


async def last_registration(session: AsyncSession, account_id: uuid.UUID) -> dict[str, Any] | None:
    """The account's most recent support registration, to prefill the next one."""
    data: dict[str, Any] | None = await session.scalar(
        select(SupportRegistration.data)
        .where(SupportRegistration.account_id == account_id)
        .order_by(SupportRegistration.created_at.desc())
        .limit(1)
    )
    return data
