"""Get a Key: serial numbers from a license certificate in, keys out.

NEW serials create licenses; RENEWAL serials extend maintenance on a license of the same product
on this account (the user picks the target). Confirmation goes through the shared pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity, ids_match, prefixed
from backend.db.engine import Database
from backend.db.models import (
    KeyRequest,
    KeyRequestKind,
    KeyRequestRenewal,
    KeyRequestSerial,
    KeyRequestStatus,
    License,
    LicenseSerial,
    LicenseState,
    Locking,
    Membership,
    Product,
    Serial,
    SerialKind,
    SerialStatus,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Grant, Permission, require
from backend.domain.dates import add_months
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    KeyRequestStateError,
    NotFoundError,
    SerialProblem,
    SerialsRejectedError,
)
from backend.domain.key_requests.pipeline import (
    REQUEST_KEYS,
    Confirmed,
    add_registration,
    change_draft,
    mark_submitted,
    new_draft,
    submit,
    touch,
)
from backend.domain.key_requests.registration import validate_step
from backend.domain.licenses import search
from backend.domain.licenses.provenance import owner_for
from backend.domain.serials import display, parse
from backend.events import EventBus

MAX_SERIALS = 50
GET_A_KEY = KeyRequestKind.NEW

PROBLEM_TEXT = {
    "MALFORMED": "A serial number is one letter followed by ten digits, e.g. M123-456-7890.",
    "UNKNOWN_PREFIX": "Our serial numbers start with M (new purchase), R (renewal) or U (upgrade): "
    "check the first letter against your license certificate.",
    "CHECK_DIGIT": "The check digit does not match: please check the number for a typo.",
    "UNKNOWN": "We do not know this serial number. Check it against your license certificate.",
    "ALREADY_REGISTERED": "This serial number has already been registered.",
    "VOID": "This serial number has been voided. Contact your reseller.",
    "NOT_ELIGIBLE": "This is an upgrade serial: use Version Upgrade with your notification ID.",
    "RATE_LIMITED": "Too many unrecognised serial numbers. Please wait a few minutes and try again.",
}


_key_requests, _request_serials, _serials, _products, _licenses = (
    cast(Table, model.__table__) for model in (KeyRequest, KeyRequestSerial, Serial, Product, License)
)
_empty = _key_requests.alias("empty")
# The user's own untouched draft on the account (newest), kept alive; or nothing.
_REUSE_EMPTY_DRAFT = Prepared(
    update(_key_requests)
    .where(
        _key_requests.c.id
        == select(_empty.c.id)
        .where(
            _empty.c.account_id == bindparam("for_account"),
            _empty.c.user_id == bindparam("for_user"),
            _empty.c.kind == GET_A_KEY,
            _empty.c.status == KeyRequestStatus.DRAFT,
            _empty.c.registration.is_(None),
            ~exists().where(_request_serials.c.key_request_id == _empty.c.id),
        )
        .order_by(_empty.c.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    .values(updated_at=bindparam("now"))
    .returning(*_key_requests.c)
)
# A request's serials with their products, in entry order.
SerialsHeld = list[tuple[Serial, Product]]


@dataclass(frozen=True)
class Drafted:
    """A Get a Key step's result: the request as the step left it, and the serials (with their
    products) it holds as of the step's commit, so the answer can show them without reading them
    again."""

    request: KeyRequest
    serials: SerialsHeld


async def start(db: Database, actor: Actor, account_id: uuid.UUID | None) -> Drafted:
    """A new draft — or the user's own untouched one on this account, so reopening the wizard does
    not pile up empty drafts."""
    if account_id is None:
        raise NotFoundError("accountId", "account")

    async def work(tx: DriverTransaction) -> KeyRequest:
        grant = await require(
            tx,
            actor,
            account_id,
            Permission.REQUEST_KEYS,
            field="accountId",
            what="account",
            action=REQUEST_KEYS,
        )
        params = {"for_account": account_id, "for_user": actor.user_id, "now": utcnow()}
        empty = await tx.one(_REUSE_EMPTY_DRAFT, params)
        if empty is not None:
            return entity(KeyRequest, empty)
        return await new_draft(tx, actor, grant, account_id, GET_A_KEY, "key_request.start")

    # New, or reused only while it holds no serial.
    return Drafted(await db.driver.run(work), [])


@cache
def serials_of_requests(dialect: str) -> Prepared:
    """Key requests' serials with their products, in entry order (parameter `ids`)."""
    return Prepared(
        select(_request_serials.c.key_request_id, *prefixed(_serials, "s_"), *prefixed(_products, "p_"))
        .join(_serials, _serials.c.id == _request_serials.c.serial_id)
        .join(_products, _products.c.id == _serials.c.product_id)
        .where(ids_match(_request_serials.c.key_request_id, dialect))
        .order_by(_request_serials.c.position)
    )


def serial_and_product(row: Mapping[str, Any]) -> tuple[Serial, Product]:
    return entity(Serial, row, "s_"), entity(Product, row, "p_")


async def serial_rows(tx: DriverTransaction, key_request_id: uuid.UUID) -> SerialsHeld:
    """The request's serials with their products, in entry order."""
    return [
        serial_and_product(row)
        for row in await tx.all(serials_of_requests(tx.dialect), {"ids": [key_request_id]})
    ]


def _problem(number: str, code: str, message: str | None = None) -> SerialProblem:
    return SerialProblem(number, code, message or PROBLEM_TEXT[code])


@cache
def _serials_numbered(dialect: str) -> Prepared:
    """Serials by number with their products (parameter `numbers`)."""
    return Prepared(
        select(*prefixed(_serials, "s_"), *prefixed(_products, "p_"))
        .join(_products, _products.c.id == _serials.c.product_id)
        .where(ids_match(_serials.c.number, dialect, "numbers"))
    )


_MY_ACCOUNTS = Prepared(select(Membership.account_id).where(Membership.user_id == bindparam("user_id")))
_ADD_SERIAL = Prepared(insert(_request_serials), ["key_request_id", "serial_id", "position"])


async def enter_serials(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    raw: list[str],
) -> Drafted:
    entries = [text for text in raw if text.strip()]
    if not 1 <= len(entries) <= MAX_SERIALS:
        raise InvalidInputError(
            [FieldProblem("serialNumbers", "COUNT", f"Enter between 1 and {MAX_SERIALS} serial numbers.")]
        )
    buckets = [f"serial:user:{actor.user_id}", f"serial:ip:{actor.ip}"]
    parsed = [parse(text) for text in entries]
    wanted = list({p.number for p in parsed if p.problem is None})

    async def change(
        tx: DriverTransaction, request: KeyRequest, grant: Grant
    ) -> tuple[KeyRequest, list[SerialProblem], SerialsHeld]:
        """The request, the rejected serials, and the serials it holds afterwards."""
        if await ratelimit.retry_after(
            tx, buckets[:1], settings.serial_failures
        ) or await ratelimit.retry_after(tx, buckets[1:], settings.serial_failures_per_ip):
            raise SerialsRejectedError([_problem(text.strip(), "RATE_LIMITED") for text in entries])
        rows = await tx.all(_serials_numbered(tx.dialect), {"numbers": wanted}) if wanted else []
        product_of: dict[uuid.UUID, Product] = {}
        found: dict[str, Serial] = {}
        for match, product in map(serial_and_product, rows):
            found[match.number] = match
            product_of[match.id] = product
        if any(serial.holder_account_id for serial in found.values()):
            mine = {row["account_id"] for row in await tx.all(_MY_ACCOUNTS, {"user_id": actor.user_id})}
            # A partner's held serial is an unknown number to anyone outside that partner.
            found = {n: s for n, s in found.items() if s.holder_account_id in (None, *mine)}
        held = await serial_rows(tx, request.id)
        existing = {serial.id for serial, _ in held}
        problems: list[SerialProblem] = []
        accepted: list[Serial] = []
        taken: set[str] = set()
        for text, item in zip(entries, parsed, strict=True):
            if item.number in taken:
                continue  # the same serial twice in one paste: take it once
            taken.add(item.number)
            serial = found.get(item.number)
            if item.problem:
                problems.append(_problem(text.strip(), item.problem))
            elif serial is None:
                problems.append(_problem(text.strip(), "UNKNOWN"))
            elif serial.status == SerialStatus.VOID:
                problems.append(_problem(text.strip(), "VOID"))
            elif serial.status == SerialStatus.REGISTERED:
                problems.append(_problem(text.strip(), "ALREADY_REGISTERED"))
            elif serial.kind == SerialKind.UPGRADE:
                problems.append(_problem(text.strip(), "NOT_ELIGIBLE"))
            elif serial.id not in existing:
                accepted.append(serial)
        if problems:
            return request, problems, held
        if len(existing) + len(accepted) > MAX_SERIALS:
            raise InvalidInputError(
                [
                    FieldProblem(
                        "serialNumbers", "COUNT", f"A key request holds at most {MAX_SERIALS} serials."
                    )
                ]
            )
        await tx.many(
            _ADD_SERIAL,
            [
                {"key_request_id": request.id, "serial_id": serial.id, "position": len(existing) + offset}
                for offset, serial in enumerate(accepted)
            ],
        )
        touched = await touch(
            tx, bus, actor, request, grant, "key_request.serials_added", serials=[s.number for s in accepted]
        )
        return touched, [], held + [(serial, product_of[serial.id]) for serial in accepted]

    request, problems, held = await change_draft(
        db, settings.draft_ttl_days, actor, key_request_id, GET_A_KEY, change
    )
    if not problems:
        return Drafted(request, held)

    # Rejected: nothing was added (that transaction rolled back); count the failures on their own.
    async def count_failures(tx: DriverTransaction) -> None:
        await ratelimit.hit(tx, buckets, times=len(problems))
        await audit.record(
            tx,
            "key_request.serials_rejected",
            actor=actor,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            problems=[{"serial": p.serial_number, "code": p.code} for p in problems],
        )

    await db.driver.run(count_failures)
    raise SerialsRejectedError(problems)


_LINK_OF_NUMBER = Prepared(
    select(_request_serials.c.serial_id)
    .join(_serials, _serials.c.id == _request_serials.c.serial_id)
    .where(
        _request_serials.c.key_request_id == bindparam("key_request_id"),
        _serials.c.number == bindparam("number"),
    )
)
_renewals = cast(Table, KeyRequestRenewal.__table__)
_UNSELECT_RENEWAL = Prepared(
    delete(_renewals).where(
        _renewals.c.key_request_id == bindparam("key_request_id"),
        _renewals.c.serial_id == bindparam("serial_id"),
    )
)
_REMOVE_SERIAL = Prepared(
    delete(_request_serials).where(
        _request_serials.c.key_request_id == bindparam("key_request_id"),
        _request_serials.c.serial_id == bindparam("serial_id"),
    )
)


async def remove_serial(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    number: str,
) -> Drafted:
    target = parse(number).number

    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> Drafted:
        link = await tx.one(_LINK_OF_NUMBER, {"key_request_id": request.id, "number": target})
        if link is None:
            raise NotFoundError("serialNumber", "serial number in this request")
        params = {"key_request_id": request.id, "serial_id": link["serial_id"]}
        await tx.one(_UNSELECT_RENEWAL, params)
        await tx.one(_REMOVE_SERIAL, params)
        touched = await touch(tx, bus, actor, request, grant, "key_request.serial_removed", serial=target)
        return Drafted(touched, await serial_rows(tx, request.id))

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, GET_A_KEY, change)


def renewed_until(current_end: date, months: int, today: date) -> date:
    """Extend from the later of today and the current end, so no paid time is lost."""
    return add_months(max(today, current_end), months)


def requires_host(products: list[Product]) -> bool:
    return any(p.locking == Locking.HOST for p in products)


def needs_registration(serials: list[Serial]) -> bool:
    """Only new purchases need a support registration; renewals keep their license's."""
    return any(s.kind == SerialKind.NEW for s in serials)


@cache
def _renewal_candidates(dialect: str) -> Prepared:
    return Prepared(
        select(_licenses)
        .where(
            ids_match(_licenses.c.account_id, dialect, "account_ids"),
            ids_match(_licenses.c.product_id, dialect, "product_ids"),
            _licenses.c.state == LicenseState.CURRENT,
        )
        .order_by(_licenses.c.maintenance_until, _licenses.c.created_at)
    )


async def renewal_candidates(
    tx: DriverTransaction, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], list[License]]:
    """For each (account, product): the account's current licenses of that product, which a
    renewal serial of it can extend; soonest maintenance end first."""
    found: dict[tuple[uuid.UUID, uuid.UUID], list[License]] = {pair: [] for pair in pairs}
    if not pairs:
        return found
    params = {"account_ids": list({a for a, _ in pairs}), "product_ids": list({p for _, p in pairs})}
    for row in await tx.all(_renewal_candidates(tx.dialect), params):
        pair = (row["account_id"], row["product_id"])
        if pair in found:
            found[pair].append(entity(License, row))
    return found


_LICENSE = Prepared(select(_licenses).where(_licenses.c.id == bindparam("license_id")))
_SELECT_RENEWAL = Prepared(insert(_renewals), ["key_request_id", "serial_id", "license_id"])


async def select_renewals(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    targets: list[tuple[str, uuid.UUID | None]],
) -> Drafted:
    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> Drafted:
        held = await serial_rows(tx, request.id)
        renewals = {s.number: s for s, _ in held if s.kind == SerialKind.RENEWAL}
        problems: list[FieldProblem] = []
        chosen: list[tuple[Serial, uuid.UUID]] = []
        for index, (number, license_id) in enumerate(targets):
            serial = renewals.get(parse(number).number)
            if serial is None:
                problems.append(
                    FieldProblem(
                        f"renewals.{index}.serialNumber",
                        "NOT_IN_REQUEST",
                        "This renewal serial is not in the request.",
                    )
                )
                continue
            row = await tx.one(_LICENSE, {"license_id": license_id}) if license_id else None
            if row is None or row["account_id"] != request.account_id:
                raise NotFoundError(f"renewals.{index}.licenseId", "license")
            if row["product_id"] != serial.product_id:
                problems.append(
                    FieldProblem(
                        f"renewals.{index}.licenseId",
                        "PRODUCT_MISMATCH",
                        "This renewal is for another product: choose a license of the same product.",
                    )
                )
            elif row["state"] != LicenseState.CURRENT:
                problems.append(
                    FieldProblem(
                        f"renewals.{index}.licenseId",
                        "NOT_RENEWABLE",
                        "This license can no longer be renewed.",
                    )
                )
            elif row["quantity"] != serial.quantity:
                problems.append(
                    FieldProblem(
                        f"renewals.{index}.licenseId",
                        "QUANTITY_MISMATCH",
                        f"This renewal covers {serial.quantity} seats and the license has "
                        f"{row['quantity']} seats: choose a license with {serial.quantity} seats, "
                        "or ask your reseller for a renewal of the license's seats.",
                    )
                )
            else:
                chosen.append((serial, row["id"]))
        if problems:
            raise InvalidInputError(problems)
        for serial, license_id in chosen:
            await tx.one(_UNSELECT_RENEWAL, {"key_request_id": request.id, "serial_id": serial.id})
            await tx.one(
                _SELECT_RENEWAL,
                {"key_request_id": request.id, "serial_id": serial.id, "license_id": license_id},
            )
        touched = await touch(
            tx,
            bus,
            actor,
            request,
            grant,
            "key_request.renewals_selected",
            renewals={serial.number: str(license_id) for serial, license_id in chosen},
        )
        return Drafted(touched, held)

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, GET_A_KEY, change)


async def registration_step(
    tx: DriverTransaction,
    bus: EventBus,
    actor: Actor,
    request: KeyRequest,
    grant: Grant,
    registration: dict[str, Any],
    host_id: str | None,
) -> Drafted:
    """Get a Key's half of keyRequestSetRegistration (key_requests/doors.py): the support
    registration, and the host ID when a new purchase is host-locked."""
    rows = await serial_rows(tx, request.id)
    if not rows:
        raise KeyRequestStateError("INCOMPLETE", "Add at least one serial number first.", "serialNumbers")
    new_products = [p for s, p in rows if s.kind == SerialKind.NEW]
    cleaned, host = validate_step(registration, host_id, host_required=requires_host(new_products))
    touched = await touch(
        tx,
        bus,
        actor,
        request,
        grant,
        "key_request.registration_set",
        changes={"registration": cleaned, "host_id": host},
    )
    return Drafted(touched, rows)


_RENEWAL_TARGETS = Prepared(
    select(KeyRequestRenewal.serial_id, KeyRequestRenewal.license_id).where(
        KeyRequestRenewal.key_request_id == bindparam("key_request_id")
    )
)
_LOCK_LICENSE = Prepared(select(_licenses).where(_licenses.c.id == bindparam("license_id")).with_for_update())
_RENEW = Prepared(
    update(_licenses)
    .where(_licenses.c.id == bindparam("renewed_id"))
    .values(maintenance_until=bindparam("until"))
)
NEW_LICENSE = Prepared(
    insert(_licenses),
    [
        "id",
        "account_id",
        "product_id",
        "owner_user_id",
        "origin_serial_id",
        "key_request_id",
        "quantity",
        "maintenance_until",
        "host_id",
        "state",
        "search_text",
        "created_at",
    ],
)
LICENSE_SERIAL = Prepared(insert(cast(Table, LicenseSerial.__table__)), ["license_id", "serial_id", "at"])


@cache
def _register_serials(dialect: str) -> Prepared:
    # Register each serial at most once, whichever request gets there first.
    return Prepared(
        update(_serials)
        .where(
            ids_match(_serials.c.id, dialect, "serial_ids"), _serials.c.status == SerialStatus.UNREGISTERED
        )
        .values(status=SerialStatus.REGISTERED, registered_at=bindparam("now"))
        .returning(_serials.c.id)
    )


async def commit(
    tx: DriverTransaction,
    bus: EventBus,
    _settings: Settings,
    actor: Actor,
    request: KeyRequest,
    grant: Grant,
    key: str,
) -> Confirmed:
    """Get a Key's half of keyRequestConfirm (key_requests/doors.py): register the serials, create
    or renew the licenses, submit."""
    rows = await serial_rows(tx, request.id)
    serials = [s for s, _ in rows]
    if not rows:
        raise KeyRequestStateError("INCOMPLETE", "Add at least one serial number first.", "serialNumbers")
    targets: dict[uuid.UUID, uuid.UUID] = {}
    if any(s.kind == SerialKind.RENEWAL for s in serials):
        targets = {
            row["serial_id"]: row["license_id"]
            for row in await tx.all(_RENEWAL_TARGETS, {"key_request_id": request.id})
        }
    if any(s.kind == SerialKind.RENEWAL and s.id not in targets for s in serials):
        raise KeyRequestStateError("INCOMPLETE", "Choose the license each renewal extends.", "renewals")
    if needs_registration(serials) and request.registration is None:
        raise KeyRequestStateError("INCOMPLETE", "Enter the support registration first.", "registration")
    if requires_host([p for s, p in rows if s.kind == SerialKind.NEW]) and not request.host_id:
        raise KeyRequestStateError("INCOMPLETE", "Enter the host ID for the host-locked product.", "hostId")

    submitted_request = await mark_submitted(tx, request, key)
    now = submitted_request.submitted_at
    assert now is not None
    registered = {
        row["id"]
        for row in await tx.all(
            _register_serials(tx.dialect), {"serial_ids": [s.id for s in serials], "now": now}
        )
    }
    lost = [serial for serial in serials if serial.id not in registered]
    if lost:
        raise SerialsRejectedError(
            [_problem(display(serial.number), "ALREADY_REGISTERED") for serial in lost]
        )

    today = now.date()
    license_ids: list[uuid.UUID] = []
    renewed: list[uuid.UUID] = []
    for serial, product in rows:
        if serial.kind == SerialKind.RENEWAL:
            row = await tx.one(_LOCK_LICENSE, {"license_id": targets[serial.id]})
            license_ = None if row is None else entity(License, row)
            if (
                license_ is None
                or license_.state != LicenseState.CURRENT
                or license_.account_id != request.account_id
                or license_.quantity != serial.quantity
            ):
                raise KeyRequestStateError(
                    "INCOMPLETE", "A chosen license can no longer be renewed.", "renewals"
                )
            until = renewed_until(license_.maintenance_until, serial.maintenance_months, today)
            await tx.one(_RENEW, {"renewed_id": license_.id, "until": until})
            license_id = license_.id
            renewed.append(license_id)
        else:
            license_id = uuid.uuid4()
            await tx.one(
                NEW_LICENSE,
                {
                    "id": license_id,
                    "account_id": request.account_id,
                    "product_id": product.id,
                    "owner_user_id": owner_for(grant.acting_account_id, request.account_id, actor.user_id),
                    "origin_serial_id": serial.id,
                    "key_request_id": request.id,
                    "quantity": serial.quantity,
                    "maintenance_until": add_months(today, serial.maintenance_months),
                    "host_id": request.host_id if product.locking == Locking.HOST else None,
                    "state": LicenseState.CURRENT,
                    # All of a new license's search text is known here: its serial and product.
                    "search_text": search.compose([serial.number], [], (product.sku, product.name), []),
                    "created_at": now,
                },
            )
            assert request.registration is not None
            await add_registration(tx, request.account_id, license_id, request.registration, request.user_id)
        await tx.one(LICENSE_SERIAL, {"license_id": license_id, "serial_id": serial.id, "at": now})
        if license_id not in license_ids:
            license_ids.append(license_id)
    await search.refresh(tx, renewed)
    return await submit(
        tx,
        bus,
        actor,
        grant,
        submitted_request,
        license_ids,
        "key_request.confirm",
        serials=[s.number for s in serials],
    )
