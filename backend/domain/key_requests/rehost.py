"""Re-host: move a host-locked key to a new host. The old key is revoked, a new one is signed for
the new host; at most N re-hosts per license in any 12 months."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity, ids_match, prefixed
from backend.db.engine import Database
from backend.db.models import (
    Activation,
    KeyRequest,
    KeyRequestKind,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseKey,
    Locking,
    Product,
    utcnow,
)
from backend.domain.access import Actor, Grant, Permission, require
from backend.domain.errors import KeyRequestStateError, NotFoundError, RehostRefusedError
from backend.domain.key_requests.pipeline import (
    REQUEST_KEYS,
    Confirmed,
    change_draft,
    confirm_draft,
    mark_submitted,
    new_draft,
    submit,
    touch,
)
from backend.domain.key_requests.registration import validate_host_id
from backend.domain.licenses import search
from backend.events import EventBus

REHOST = KeyRequestKind.REHOST
WINDOW = timedelta(days=365)
DONE = (KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING, KeyRequestStatus.READY)

_key_requests, _licenses, _keys, _products, _activations = (
    cast(Table, model.__table__) for model in (KeyRequest, License, LicenseKey, Product, Activation)
)


@cache
def _rehosts(dialect: str) -> Prepared:
    return Prepared(
        select(_key_requests.c.license_id, _key_requests.c.submitted_at)
        .where(
            _key_requests.c.kind == REHOST,
            ids_match(_key_requests.c.license_id, dialect),
            # Written as two comparisons, not an expanding IN: compiled once for the driver.
            (_key_requests.c.status == DONE[0])
            | (_key_requests.c.status == DONE[1])
            | (_key_requests.c.status == DONE[2]),
            _key_requests.c.submitted_at > bindparam("since"),
        )
        .order_by(_key_requests.c.submitted_at)
    )


async def rehosts_in_window(
    tx: DriverTransaction, license_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[datetime]]:
    """When each re-host of these licenses in the last 12 months was confirmed, oldest first."""
    rows = await tx.all(_rehosts(tx.dialect), {"ids": list(license_ids), "since": utcnow() - WINDOW})
    used: dict[uuid.UUID, list[datetime]] = {license_id: [] for license_id in license_ids}
    for row in rows:
        if row["license_id"] is not None and row["submitted_at"] is not None:
            used[row["license_id"]].append(row["submitted_at"])
    return used


def next_allowed(used: list[datetime], limit: int) -> datetime | None:
    """None when a re-host is allowed now; else when the oldest counted one leaves the window."""
    if len(used) < limit:
        return None
    return used[len(used) - limit] + WINDOW


async def _check_limit(tx: DriverTransaction, limit: int, license_id: uuid.UUID, field: str) -> None:
    when = next_allowed((await rehosts_in_window(tx, [license_id]))[license_id], limit)
    if when is not None:
        raise RehostRefusedError(
            "REHOST_LIMIT",
            f"This license was re-hosted {limit} times in the last 12 months. "
            f"The next re-host is possible on {when.date().isoformat()}.",
            field,
            when,
        )


_KEY_WITH_LICENSE = Prepared(
    select(*prefixed(_keys, "k_"), *prefixed(_licenses, "l_"), _products.c.locking)
    .join(_licenses, _licenses.c.id == _keys.c.license_id)
    .join(_products, _products.c.id == _licenses.c.product_id)
    .where(_keys.c.id == bindparam("key_id"))
)
_KEY_HOST = Prepared(select(_keys.c.host_id).where(_keys.c.id == bindparam("key_id")))
_LOCK_LICENSE = Prepared(select(_licenses).where(_licenses.c.id == bindparam("license_id")).with_for_update())
_REVOKE = Prepared(
    update(_keys)
    .where(_keys.c.id == bindparam("key_id"), _keys.c.status == KeyStatus.ACTIVE)
    .values(status=KeyStatus.REVOKED)
    .returning(_keys.c.id)
)
_DEACTIVATE = Prepared(delete(_activations).where(_activations.c.license_key_id == bindparam("key_id")))
_MOVE = Prepared(
    update(_licenses).where(_licenses.c.id == bindparam("license_id")).values(host_id=bindparam("host"))
)


async def start(
    db: Database, settings: Settings, actor: Actor, license_key_id: uuid.UUID | None
) -> KeyRequest:
    async def work(tx: DriverTransaction) -> KeyRequest:
        row = await tx.one(_KEY_WITH_LICENSE, {"key_id": license_key_id}) if license_key_id else None
        if row is None:
            raise NotFoundError("licenseKeyId", "license key")
        key, license_ = entity(LicenseKey, row, "k_"), entity(License, row, "l_")
        grant = await require(
            tx,
            actor,
            license_.account_id,
            Permission.REQUEST_KEYS,
            field="licenseKeyId",
            what="license key",
            action=REQUEST_KEYS,
        )
        if row["locking"] != Locking.HOST:
            raise RehostRefusedError(
                "NOT_HOST_LOCKED",
                "This product is not locked to a host: activate it on the new host instead.",
                "licenseKeyId",
            )
        if key.status != KeyStatus.ACTIVE:
            raise RehostRefusedError(
                "KEY_REVOKED", "This key has been revoked; re-host its current key.", "licenseKeyId"
            )
        await _check_limit(tx, settings.rehost_limit, license_.id, "licenseKeyId")
        return await new_draft(
            tx,
            actor,
            grant,
            license_.account_id,
            REHOST,
            "rehost_request.start",
            license_id=license_.id,
            source_key_id=key.id,
            key=str(key.id),
        )

    return await db.driver.run(work)


async def set_host(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    host_id: str,
) -> KeyRequest:
    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> KeyRequest:
        host = validate_host_id(host_id, required=True)
        key = await tx.one(_KEY_HOST, {"key_id": request.source_key_id})
        assert key is not None
        if host == key["host_id"]:
            raise RehostRefusedError("SAME_HOST", "The key is already on this host.", "hostId")
        return await touch(
            tx, bus, actor, request, grant, "rehost_request.set_host", changes={"host_id": host}, host=host
        )

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, REHOST, change)


async def confirm(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
) -> Confirmed:
    async def commit(tx: DriverTransaction, request: KeyRequest, grant: Grant, key: str) -> Confirmed:
        if not request.host_id:
            raise KeyRequestStateError("INCOMPLETE", "Enter the new host ID first.", "hostId")
        row = await tx.one(_LOCK_LICENSE, {"license_id": request.license_id})
        assert row is not None
        license_ = entity(License, row)
        await _check_limit(tx, settings.rehost_limit, license_.id, "keyRequestId")
        if await tx.one(_REVOKE, {"key_id": request.source_key_id}) is None:
            raise RehostRefusedError("KEY_REVOKED", "This key has been revoked meanwhile.", "keyRequestId")
        await tx.one(_DEACTIVATE, {"key_id": request.source_key_id})
        submitted = await mark_submitted(tx, request, key)
        await tx.one(_MOVE, {"license_id": license_.id, "host": request.host_id})
        await search.refresh(tx, [license_.id])
        return await submit(
            tx,
            bus,
            actor,
            grant,
            submitted,
            [license_.id],
            "rehost_request.confirm",
            from_host=license_.host_id,
            to_host=request.host_id,
        )

    return await confirm_draft(
        db, settings.draft_ttl_days, actor, key_request_id, idempotency_key, REHOST, commit
    )
