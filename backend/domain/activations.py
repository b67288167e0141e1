"""Product activation: an installed product presents its activation key and host ID and receives a
license file bound to that host. No session: the activation key is the credential, so failed
attempts are rate-limited per IP and every use is audited.

Deactivation frees a seat. The installed product proves it holds the activation with the token
`activate` handed it when the host first activated (only its SHA-256 is stored; a host activated
again gets none, so knowing the key and the host ID is not enough); from the portal it takes a
session with MANAGE on the license."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite

from backend.auth.tokens import new_token, token_hash
from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Activation,
    KeyStatus,
    License,
    LicenseKey,
    LicenseState,
    Locking,
    Product,
    RateLimitHit,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, LicenseAccess, require_license
from backend.domain.errors import ActivationRefusedError, RateLimitedError
from backend.domain.key_requests.fulfilment import claims
from backend.domain.key_requests.registration import validate_host_id
from backend.key_store import KeyStore
from backend.keys import Signer, normalize_activation_key

MESSAGES = {
    "INVALID_KEY": "This activation key is not valid.",
    "HOST_MISMATCH": "This key is locked to another host. Re-host it in the portal to move it.",
    "SEATS_EXHAUSTED": "Every seat of this license is in use. Deactivate a host to free one.",
    "INVALID_TOKEN": "This activation token does not belong to this host's activation. "
    "Deactivate the host on the license's page in the portal instead.",
}
_FIELD = {"INVALID_KEY": "activationKey", "INVALID_TOKEN": "activationToken"}


def refused(code: str) -> ActivationRefusedError:
    return ActivationRefusedError(code, MESSAGES[code], _FIELD.get(code, "hostId"))


@dataclass(frozen=True)
class Activated:
    license_file: str
    host_id: str
    first_seen_at: datetime
    last_seen_at: datetime
    # Handed out once, when the host first activates (or first since tokens exist): the proof
    # the installed product deactivates with. None when the host already has one.
    token: str | None = None


def _buckets(ip: str | None) -> list[str]:
    return [f"activation:ip:{ip}"]


async def _retry_after(db: Database, settings: Settings, ip: str | None) -> int:
    """Seconds until the caller's IP may try again after too many failed attempts; 0 if it may now."""
    async with db.read() as session:
        return await ratelimit.retry_after(
            as_driver_transaction(session), _buckets(ip), settings.activation_failures
        )


async def _refuse_invalid(
    db: Database, ip: str | None, key_text: str, action: str, code: str = "INVALID_KEY"
) -> ActivationRefusedError:
    """Count a failed attempt for the caller's IP and audit it; the refusal to raise."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        await ratelimit.hit(tx, _buckets(ip))
        await audit.record(tx, f"{action}_refused", actor=None, key=key_text[:40], ip=ip, code=code)
    return refused(code)


# Activation is the portal's busiest call (installed products phone home), so its statements are
# built once, run as Core on a bare connection and kept to three statements: the key, its license
# (locked) and product with the caller's recent failures; the host's activation inserted while a
# seat is free or touched again if it holds one (one upsert); the audit event.
_key, _license, _product, _activation, _hits = (
    cast(Table, model.__table__) for model in (LicenseKey, License, Product, Activation, RateLimitHit)
)

FIND_KEY = Prepared(
    select(
        _key.c.id.label("key_id"),
        _key.c.status,
        _key.c.host_id,
        _license.c.id.label("license_id"),
        _license.c.account_id,
        _license.c.state,
        _license.c.quantity,
        _license.c.maintenance_until,
        _product.c.sku,
        _product.c.version,
        _product.c.locking,
        _product.c.license_model,
        select(func.count())
        .where(_hits.c.bucket == bindparam("bucket"), _hits.c.at > bindparam("since"))
        .scalar_subquery()
        .label("failures"),
    )
    .join(_license, _license.c.id == _key.c.license_id)
    .join(_product, _product.c.id == _license.c.product_id)
    .where(_key.c.activation_key == bindparam("activation_key"))
    .with_for_update(of=_license)
)
_NEW_VALUES = [
    bindparam("id", type_=_activation.c.id.type),
    bindparam("license_id", type_=_activation.c.license_id.type),
    bindparam("key_id", type_=_activation.c.license_key_id.type),
    bindparam("host", type_=_activation.c.host_id.type),
    bindparam("now", type_=_activation.c.first_seen_at.type),
    bindparam("now", type_=_activation.c.last_seen_at.type),
    bindparam("token_hash", type_=_activation.c.token_hash.type),
]
_NEW_COLUMNS = [
    "id",
    "license_id",
    "license_key_id",
    "host_id",
    "first_seen_at",
    "last_seen_at",
    "token_hash",
]
# A seat is free, or this host already holds one (then the insert conflicts and touches it). The
# license row is locked and this is a new statement, so the count sees every committed activation
# and cannot race another activation of the same license.
_SEAT_FREE_OR_HELD = or_(
    select(func.count()).where(_activation.c.license_id == bindparam("license_id")).scalar_subquery()
    < bindparam("quantity"),
    exists().where(
        _activation.c.license_key_id == bindparam("key_id"), _activation.c.host_id == bindparam("host")
    ),
)


def _upsert(dialect_insert: Callable[[Table], Any], seats_counted: bool) -> Any:
    """The host's activation, new or touched again, in one statement: RETURNING its first and last
    sighting (first == now: it is new) and its token hash (the one offered: the token is new)."""
    condition = _SEAT_FREE_OR_HELD if seats_counted else true()
    statement = dialect_insert(_activation).from_select(_NEW_COLUMNS, select(*_NEW_VALUES).where(condition))
    return statement.on_conflict_do_update(
        index_elements=[_activation.c.license_key_id, _activation.c.host_id],
        set_={
            "last_seen_at": statement.excluded.last_seen_at,
            "token_hash": func.coalesce(_activation.c.token_hash, statement.excluded.token_hash),
        },
    ).returning(_activation.c.first_seen_at, _activation.c.last_seen_at, _activation.c.token_hash)


# (dialect, seats counted): host-locked products count users on their one host, not hosts.
UPSERTS = {
    (name, counted): Prepared(_upsert(dialect_insert, counted))
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
    for counted in (True, False)
}


async def activate_product(
    db: Database, settings: Settings, key_store: KeyStore, key_text: str, host_text: str, ip: str | None
) -> Activated:
    """An installed product's activation, in one driver transaction; a refusal counts against the
    caller's IP."""
    host = validate_host_id(host_text, required=True)
    assert host is not None
    activation_key = normalize_activation_key(key_text)
    signer = await key_store.signer()

    # The license row stays locked from FIND_KEY to the commit, so activations of one license
    # queue there and the seat count cannot race (the same host again only touches its row).
    outcome = (
        await db.driver.run(lambda tx: activate(tx, settings, signer, activation_key, host, ip))
        if activation_key
        else False
    )
    if isinstance(outcome, Activated):
        return outcome
    wait = await _retry_after(db, settings, ip)
    if wait or outcome:
        raise RateLimitedError(max(wait, 1), "activationKey")
    raise await _refuse_invalid(db, ip, key_text, "license.activate")


async def activate(
    tx: DriverTransaction, settings: Settings, signer: Signer, activation_key: str, host: str, ip: str | None
) -> Activated | bool:
    """The activation in `tx`, or whether the caller is rate-limited (False: the key is not usable).
    Safe to run twice (driver.run retries on a lost connection): a host's activation is an upsert.
    The benchmark's raw floor runs this too, without HTTP or GraphQL."""
    max_failures, window = settings.activation_failures
    now = utcnow()
    row = await tx.one(
        FIND_KEY,
        {
            "activation_key": activation_key,
            "bucket": _buckets(ip)[0],
            "since": now - timedelta(seconds=window),
        },
    )
    if row is None or not _usable(row) or row["failures"] >= max_failures:
        return row is not None and row["failures"] >= max_failures
    if row["locking"] == Locking.HOST and row["host_id"] != host:
        raise refused("HOST_MISMATCH")
    seats_counted = row["locking"] == Locking.NONE
    token = new_token()
    seen = await tx.one(
        UPSERTS[(tx.dialect, seats_counted)],
        {
            "id": uuid.uuid4(),
            "license_id": row["license_id"],
            "key_id": row["key_id"],
            "host": host,
            "now": now,
            "quantity": row["quantity"],
            "token_hash": token_hash(token),
        },
    )
    if seen is None:
        raise refused("SEATS_EXHAUSTED")
    await tx.one(
        audit.INSERT,
        audit.values(
            "license.activate",
            account_id=row["account_id"],
            target=("License", row["license_id"]),
            host=host,
            key=str(row["key_id"]),
            ip=ip,
            again=seen["first_seen_at"] != now,
        ),
    )
    license_file = signer.sign(
        claims(
            settings.issuer,
            license_id=row["license_id"],
            key_id=row["key_id"],
            sku=row["sku"],
            version=row["version"],
            license_model=row["license_model"],
            quantity=row["quantity"],
            maintenance_until=row["maintenance_until"],
            host=host,
        )
    )
    issued = token if seen["token_hash"] == token_hash(token) else None
    return Activated(license_file, host, seen["first_seen_at"], seen["last_seen_at"], issued)


def _usable(row: Mapping[str, Any]) -> bool:
    return bool(row["status"] in _ACTIVATES and row["state"] == LicenseState.CURRENT)


# A superseded key (a renewal signed a newer one) still activates: installed products keep working.
_ACTIVATES = (KeyStatus.ACTIVE, KeyStatus.SUPERSEDED)


_KEY_BY_ACTIVATION_KEY = Prepared(
    select(_key.c.id, _key.c.license_id, _license.c.account_id)
    .join(_license, _license.c.id == _key.c.license_id)
    .where(_key.c.activation_key == bindparam("activation_key"))
)
# Any key the license ever had may free its seat (an upgrade or re-host may have revoked the key
# the host activated with); the token proves the caller is that host.
_FREE_PROVEN = Prepared(
    delete(_activation)
    .where(
        _activation.c.license_id == bindparam("license_id"),
        _activation.c.host_id == bindparam("host"),
        _activation.c.token_hash == bindparam("token_hash"),
    )
    .returning(_activation.c.id)
)
_FREE_HOST = Prepared(
    delete(_activation)
    .where(_activation.c.license_id == bindparam("license_id"), _activation.c.host_id == bindparam("host"))
    .returning(_activation.c.id)
)


async def deactivate(
    db: Database, settings: Settings, key_text: str, host_text: str, token: str, ip: str | None
) -> str:
    """The installed product frees the seat its host holds, proving it with the activation token.
    An unknown key and a token that proves no activation of this host are refused (and counted
    against the caller's IP)."""
    host = validate_host_id(host_text, required=True)
    assert host is not None
    wait = await _retry_after(db, settings, ip)
    if wait:
        raise RateLimitedError(wait, "activationKey")
    activation_key = normalize_activation_key(key_text)

    async def work(tx: DriverTransaction) -> str | None:
        """The refusal's code, or None when the seat was freed."""
        key = await tx.one(_KEY_BY_ACTIVATION_KEY, {"activation_key": activation_key})
        if key is None:
            return "INVALID_KEY"
        freed = await tx.all(
            _FREE_PROVEN, {"license_id": key["license_id"], "host": host, "token_hash": token_hash(token)}
        )
        if not freed:
            return "INVALID_TOKEN"
        await audit.record(
            tx,
            "license.deactivate",
            actor=None,
            account_id=key["account_id"],
            target=("License", key["license_id"]),
            host=host,
            key=str(key["id"]),
            ip=ip,
        )
        return None

    problem = await db.driver.run(work) if activation_key else "INVALID_KEY"
    if problem is None:
        return host
    raise await _refuse_invalid(db, ip, key_text, "license.deactivate", problem)


async def deactivate_host(
    db: Database, actor: Actor, license_id: uuid.UUID | None, host_text: str
) -> tuple[License, str]:
    """From the portal: free the seat a host holds on a license (MANAGE on it; a viewer who sees
    the license is told his role cannot). A host that holds no seat is a no-op, audited too."""
    async with db.write() as session:
        license_ = await require_license(
            session, actor, license_id, LicenseAccess.MANAGE, field="licenseId", action="deactivate hosts"
        )
        host = validate_host_id(host_text, required=True)
        assert host is not None
        tx = as_driver_transaction(session)
        freed = await tx.all(_FREE_HOST, {"license_id": license_.id, "host": host})
        await audit.record(
            tx,
            "license.deactivate",
            actor=actor,
            account_id=license_.account_id,
            target=("License", license_.id),
            host=host,
            freed=bool(freed),
        )
        return license_, host
