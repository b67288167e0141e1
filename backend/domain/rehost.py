"""Re-host: move a host-locked key to a new host. The old key is revoked, a new one is signed for
the new host; at most N re-hosts per license in any 12 months."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
from backend.domain import audit, license_search
from backend.domain.access import Actor, Permission, require
from backend.domain.errors import KeyRequestStateError, NotFoundError, RehostRefusedError
from backend.domain.pipeline import (
    Confirmed,
    begin_confirm,
    load_draft,
    mark_submitted,
    submit,
    touch,
    validate_idempotency_key,
)
from backend.domain.registration import validate_host_id
from backend.portal import Portal

REHOST = KeyRequestKind.REHOST
WINDOW = timedelta(days=365)
DONE = (KeyRequestStatus.SUBMITTED, KeyRequestStatus.FULFILLING, KeyRequestStatus.READY)


async def rehosts_in_window_many(
    session: AsyncSession, license_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[datetime]]:
    """When each re-host of these licenses in the last 12 months was confirmed, oldest first."""
    rows = await session.execute(
        select(KeyRequest.license_id, KeyRequest.submitted_at)
        .where(
            KeyRequest.kind == REHOST,
            KeyRequest.license_id.in_(license_ids),
            KeyRequest.status.in_(DONE),
            KeyRequest.submitted_at > utcnow() - WINDOW,
        )
        .order_by(KeyRequest.submitted_at)
    )
    used: dict[uuid.UUID, list[datetime]] = {license_id: [] for license_id in license_ids}
    for license_id, at in rows:
        if license_id is not None and at is not None:
            used[license_id].append(at)
    return used


async def rehosts_in_window(session: AsyncSession, license_id: uuid.UUID) -> list[datetime]:
    return (await rehosts_in_window_many(session, [license_id]))[license_id]


def next_allowed(used: list[datetime], limit: int) -> datetime | None:
    """None when a re-host is allowed now; else when the oldest counted one leaves the window."""
    if len(used) < limit:
        return None
    return used[len(used) - limit] + WINDOW


async def _check_limit(portal: Portal, session: AsyncSession, license_id: uuid.UUID, field: str) -> None:
    when = next_allowed(await rehosts_in_window(session, license_id), portal.settings.rehost_limit)
    if when is not None:
        raise RehostRefusedError(
            "REHOST_LIMIT",
            f"This license was re-hosted {portal.settings.rehost_limit} times in the last 12 months. "
            f"The next re-host is possible on {when.date().isoformat()}.",
            field,
            when,
        )


async def start(portal: Portal, actor: Actor, license_key_id: uuid.UUID | None) -> KeyRequest:
    async with portal.db.write() as session:
        row = (
            (
                await session.execute(
                    select(LicenseKey, License, Product)
                    .join(License, License.id == LicenseKey.license_id)
                    .join(Product, Product.id == License.product_id)
                    .where(LicenseKey.id == license_key_id)
                )
            ).first()
            if license_key_id
            else None
        )
        if row is None:
            raise NotFoundError("licenseKeyId", "license key")
        key, license_, product = row
        await require(
            session,
            actor,
            license_.account_id,
            Permission.REQUEST_KEYS,
            field="licenseKeyId",
            what="license key",
        )
        if product.locking != Locking.HOST:
            raise RehostRefusedError(
                "NOT_HOST_LOCKED",
                "This product is not locked to a host: activate it on the new host instead.",
                "licenseKeyId",
            )
        if key.status != KeyStatus.ACTIVE:
            raise RehostRefusedError(
                "KEY_REVOKED", "This key has been revoked; re-host its current key.", "licenseKeyId"
            )
        await _check_limit(portal, session, license_.id, "licenseKeyId")
        request = KeyRequest(
            id=uuid.uuid4(),
            account_id=license_.account_id,
            user_id=actor.user_id,
            kind=REHOST,
            license_id=license_.id,
            source_key_id=key.id,
        )
        session.add(request)
        audit.record(
            session,
            "rehost_request.start",
            actor=actor,
            account_id=license_.account_id,
            target=("KeyRequest", request.id),
            key=str(key.id),
        )
    return request


async def set_host(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, host_id: str
) -> KeyRequest:
    async with portal.db.write() as session:
        request = await load_draft(portal, session, actor, key_request_id, REHOST)
        host = validate_host_id(host_id, required=True)
        key = await session.get_one(LicenseKey, request.source_key_id)
        if host == key.host_id:
            raise RehostRefusedError("SAME_HOST", "The key is already on this host.", "hostId")
        request.host_id = host
        touch(portal, session, request, actor, "rehost_request.set_host", host=host)
    return request


async def confirm(
    portal: Portal, actor: Actor, key_request_id: uuid.UUID | None, idempotency_key: str
) -> Confirmed:
    key = validate_idempotency_key(idempotency_key)
    async with portal.db.write() as session:
        request = await begin_confirm(portal, session, actor, key_request_id, key, REHOST)
        if isinstance(request, Confirmed):
            return request
        if not request.host_id:
            raise KeyRequestStateError("INCOMPLETE", "Enter the new host ID first.", "hostId")
        license_ = await session.scalar(
            select(License).where(License.id == request.license_id).with_for_update()
        )
        assert license_ is not None
        await _check_limit(portal, session, license_.id, "keyRequestId")
        revoked = await session.execute(
            update(LicenseKey)
            .where(LicenseKey.id == request.source_key_id, LicenseKey.status == KeyStatus.ACTIVE)
            .values(status=KeyStatus.REVOKED)
            .execution_options(synchronize_session=False)
        )
        if revoked.rowcount != 1:  # type: ignore[attr-defined]
            raise RehostRefusedError("KEY_REVOKED", "This key has been revoked meanwhile.", "keyRequestId")
        await session.execute(delete(Activation).where(Activation.license_key_id == request.source_key_id))
        await mark_submitted(session, request, key)
        old_host = license_.host_id
        license_.host_id = request.host_id
        await license_search.refresh(session, [license_.id])
        return await submit(
            portal,
            session,
            actor,
            request,
            [license_.id],
            "rehost_request.confirm",
            from_host=old_host,
            to_host=request.host_id,
        )
