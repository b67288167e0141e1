"""Product activation: an installed product presents its activation key and host ID and receives a
license file bound to that host. No session: the activation key is the credential, so failed
attempts are rate-limited per IP and every use is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backend.db.models import (
    Activation,
    KeyStatus,
    License,
    LicenseKey,
    LicenseState,
    Locking,
    Product,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.errors import ActivationRefusedError, RateLimitedError
from backend.domain.pipeline import license_claims
from backend.domain.registration import validate_host_id
from backend.keys import normalize_activation_key
from backend.portal import Portal

MESSAGES = {
    "INVALID_KEY": "This activation key is not valid.",
    "HOST_MISMATCH": "This key is locked to another host. Re-host it in the portal to move it.",
    "SEATS_EXHAUSTED": "Every seat of this license is in use. Deactivate a host to free one.",
}


def refused(code: str) -> ActivationRefusedError:
    return ActivationRefusedError(
        code, MESSAGES[code], "activationKey" if code == "INVALID_KEY" else "hostId"
    )


@dataclass(frozen=True)
class Activated:
    license_file: str
    activation: Activation


def _buckets(ip: str | None) -> list[str]:
    return [f"activation:ip:{ip}"]


async def _refuse_invalid(
    portal: Portal, ip: str | None, key_text: str, action: str
) -> ActivationRefusedError:
    async with portal.db.write() as session:
        ratelimit.hit(session, _buckets(ip))
        audit.record(session, f"{action}_refused", actor=None, key=key_text[:40], ip=ip)
    return refused("INVALID_KEY")


async def activate(portal: Portal, key_text: str, host_text: str, ip: str | None) -> Activated:
    host = validate_host_id(host_text, required=True)
    assert host is not None
    activation_key = normalize_activation_key(key_text)
    signer = await portal.keys.signer()
    for attempt in range(2):
        try:
            async with portal.db.write() as session:
                wait = await ratelimit.retry_after(session, _buckets(ip), portal.settings.activation_failures)
                if wait:
                    raise RateLimitedError(wait, "activationKey")
                # One statement finds key, license and product and locks the license row: seats are
                # counted and taken one activation at a time.
                row = (
                    (
                        await session.execute(
                            select(LicenseKey, License, Product)
                            .join(License, License.id == LicenseKey.license_id)
                            .join(Product, Product.id == License.product_id)
                            .where(LicenseKey.activation_key == activation_key)
                            .with_for_update(of=License)
                        )
                    ).first()
                    if activation_key
                    else None
                )
                if row is None or row[0].status != KeyStatus.ACTIVE or row[1].state != LicenseState.CURRENT:
                    break
                key, license_, product = row
                if product.locking == Locking.HOST and key.host_id != host:
                    raise refused("HOST_MISMATCH")
                existing = await session.scalar(
                    select(Activation).where(Activation.license_key_id == key.id, Activation.host_id == host)
                )
                if existing is not None:
                    existing.last_seen_at = utcnow()
                    activation = existing
                else:
                    if product.locking == Locking.NONE:
                        used = await session.scalar(
                            select(func.count()).where(Activation.license_id == license_.id)
                        )
                        if (used or 0) >= license_.quantity:
                            raise refused("SEATS_EXHAUSTED")
                    activation = Activation(license_id=license_.id, license_key_id=key.id, host_id=host)
                    session.add(activation)
                audit.record(
                    session,
                    "license.activate",
                    actor=None,
                    account_id=license_.account_id,
                    target=("License", license_.id),
                    host=host,
                    key=str(key.id),
                    ip=ip,
                    again=existing is not None,
                )
                license_file = signer.sign(license_claims(portal, license_, product, key.id, host))
            return Activated(license_file, activation)
        except IntegrityError:
            if attempt:  # the same host raced itself twice: the second answer is the first one's
                raise
    raise await _refuse_invalid(portal, ip, key_text, "license.activate")


async def deactivate(portal: Portal, key_text: str, host_text: str, ip: str | None) -> str:
    """Free the seat the host holds on the key's license; a host that holds none is a no-op."""
    host = validate_host_id(host_text, required=True)
    assert host is not None
    async with portal.db.read() as session:
        wait = await ratelimit.retry_after(session, _buckets(ip), portal.settings.activation_failures)
        if wait:
            raise RateLimitedError(wait, "activationKey")
    activation_key = normalize_activation_key(key_text)
    async with portal.db.write() as session:
        key = (
            await session.scalar(select(LicenseKey).where(LicenseKey.activation_key == activation_key))
            if activation_key
            else None
        )
        # Any key the license ever had may free a seat on it (an upgrade or re-host may have revoked the
        # key the host activated with); only unknown keys are refused.
        if key is not None:
            await session.execute(
                delete(Activation).where(Activation.license_id == key.license_id, Activation.host_id == host)
            )
            license_ = await session.get_one(License, key.license_id)
            audit.record(
                session,
                "license.deactivate",
                actor=None,
                account_id=license_.account_id,
                target=("License", license_.id),
                host=host,
                key=str(key.id),
                ip=ip,
            )
            return host
    raise await _refuse_invalid(portal, ip, key_text, "license.deactivate")
