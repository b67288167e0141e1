"""Fulfilment: the worker's half of the pipeline. For a submitted key request it signs one key per
linked license, marks the request READY, mails the keys to the technical contact and audits, in
one transaction; the request's subscribers are told after the commit."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity, ids_match, prefixed
from backend.db.engine import Database
from backend.db.models import (
    InboxKind,
    KeyRequest,
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
from backend.domain import audit
from backend.domain.flex import drawdown
from backend.domain.key_requests.pipeline import publish_after_commit
from backend.domain.licenses import search
from backend.domain.mail import queue_email
from backend.domain.mail_texts import keys_mail
from backend.domain.notifications import Notice, key_request_link
from backend.events import EventBus
from backend.jobs import finish
from backend.key_store import KeyStore
from backend.keys import Signer, new_activation_key

_key_requests = cast(Table, KeyRequest.__table__)
_LOCK_REQUEST_ROW = Prepared(
    select(_key_requests).where(_key_requests.c.id == bindparam("key_request_id")).with_for_update()
)


def license_claims(
    issuer: str, license_: License, product: Product, key_id: uuid.UUID, host: str | None
) -> dict[str, Any]:
    return claims(
        issuer,
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
    issuer: str,
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
        "iss": issuer,
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
    issuer: str, signer: Signer, license_: License, product: Product, key_request_id: uuid.UUID | None
) -> LicenseKey:
    key_id = uuid.uuid4()
    return LicenseKey(
        id=key_id,
        license_id=license_.id,
        key_request_id=key_request_id,
        activation_key=new_activation_key(),
        kid=signer.kid,
        license_file=signer.sign(license_claims(issuer, license_, product, key_id, license_.host_id)),
        host_id=license_.host_id,
    )


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
    .limit(bindparam("limit"))
)
# Keys signed per transaction: a large request (a voucher conversion of thousands of codes) commits
# and publishes its progress after each chunk; a small one is one transaction, as before.
CHUNK = 1_000
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


@cache
def _supersede(dialect: str) -> Prepared:
    """The active keys of licenses about to get a new one (parameter `signing`): a license has
    one current key; the earlier ones are superseded (a renewal's new file has the new terms)."""
    return Prepared(
        update(_keys)
        .where(ids_match(_keys.c.license_id, dialect, "signing"), _keys.c.status == KeyStatus.ACTIVE)
        .values(status=KeyStatus.SUPERSEDED)
    )


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


async def fulfil(
    db: Database, bus: EventBus, settings: Settings, key_store: KeyStore, payload: dict[str, Any]
) -> None:
    """The FULFIL job: sign one key per linked license still without one, mark the request READY,
    queue the key mail and audit — one transaction, which also marks the job DONE. A request of
    more than CHUNK licenses is signed a chunk per transaction, each published (keysReady), and
    the last one makes it READY."""
    request_id = uuid.UUID(payload["key_request_id"])
    signer = await key_store.signer()

    async def work(tx: DriverTransaction) -> bool:
        """One chunk; True when the request is done with."""
        row = await tx.one(_LOCK_REQUEST_ROW, {"key_request_id": request_id})
        if row is None or row["status"] not in (KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING):
            return True  # already READY (a re-run after a lost lease) or FAILED
        request = entity(KeyRequest, row)
        issued: list[tuple[License, Product, LicenseKey]] = []
        pairs = await tx.all(TO_SIGN, {"key_request_id": request_id, "limit": CHUNK + 1})
        for pair in pairs[:CHUNK]:
            license_, product = entity(License, pair, "l_"), entity(Product, pair, "p_")
            key = new_key(settings.issuer, signer, license_, product, request_id)
            key.status, key.issued_at = KeyStatus.ACTIVE, utcnow()
            issued.append((license_, product, key))
        if issued:
            await tx.one(_supersede(tx.dialect), {"signing": [license_.id for license_, _, _ in issued]})
        await tx.many(NEW_KEY, [{name: getattr(key, name) for name in _KEY_COLUMNS} for _, _, key in issued])
        await search.refresh(tx, [license_.id for license_, _, _ in issued])
        publish_after_commit(tx, bus, request_id)
        if len(pairs) > CHUNK:
            return False
        await tx.one(_READY, {"key_request_id": request_id, "now": utcnow()})
        contact = await technical_contact(tx, request)
        if issued and contact:
            # Requests with a technical contact (Get a Key, upgrades, draw-downs) fit one chunk.
            await queue_email(
                tx,
                bus,
                settings,
                to=contact["email"],
                subject=f"Your license keys ({len(issued)})",
                body=keys_mail(request, issued, settings.public_url),
                account_id=request.account_id,
                key_request_id=request.id,
                # In-app to the user who asked for the keys, wherever the mail goes.
                notice=Notice(
                    InboxKind.KEYS_READY,
                    f"Your license keys are ready ({len(issued)})",
                    key_request_link(request.kind, request.id),
                    user_id=request.user_id,
                ),
            )
        await audit.record(
            tx,
            "key_request.ready",
            actor=None,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            keys=len(issued),
        )
        await finish(tx)
        return True

    while not await db.driver.run(work):
        pass


_FAILED = Prepared(
    update(_key_requests)
    .where(
        _key_requests.c.id == bindparam("key_request_id"), _key_requests.c.status != KeyRequestStatus.READY
    )
    .values(status=KeyRequestStatus.FAILED, failure_reason=bindparam("reason"), updated_at=bindparam("now"))
)
FAILURE_REASON = (
    "Signing the keys failed; our team has been notified. Your entitlements stay registered to you "
    "and the keys can be issued again."
)


async def fulfil_failed(db: Database, bus: EventBus, payload: dict[str, Any], error: str) -> None:
    """The FULFIL job failed for the last time: the request FAILED, with a reason the user can read;
    a draw-down's points go back to its contract."""
    request_id = uuid.UUID(payload["key_request_id"])

    async def work(tx: DriverTransaction) -> None:
        await tx.one(_FAILED, {"key_request_id": request_id, "reason": FAILURE_REASON, "now": utcnow()})
        await drawdown.release(tx, request_id)
        await audit.record(
            tx, "key_request.failed", actor=None, target=("KeyRequest", request_id), error=error[:500]
        )
        publish_after_commit(tx, bus, request_id)

    await db.driver.run(work)


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
