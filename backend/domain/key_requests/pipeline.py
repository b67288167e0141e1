"""The one key-request pipeline every door shares: drafts and their confirmation.

A door (Get a Key, Version Upgrade, re-host) fills a KeyRequest with its own steps, each in one
transaction on a DriverTransaction: load() checks access, touch() keeps the draft alive and audits
the step. Confirmation runs begin_confirm() and mark_submitted() (the request leaves DRAFT with a
conditional UPDATE), the door changes the entitlement in the same transaction, and submit() links
the licenses to sign, enqueues fulfilment (key_requests/fulfilment.py) and audits. Subscribers are
told after each commit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import (
    FlexCartLine,
    KeyRequest,
    KeyRequestKind,
    KeyRequestLicense,
    KeyRequestRenewal,
    KeyRequestSerial,
    KeyRequestStatus,
    SupportRegistration,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor, Grant, Permission, allows, may, own_role_of, require, role_label
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    KeyRequestStateError,
    NotAllowedError,
    NotFoundError,
)
from backend.events import EventBus
from backend.jobs import enqueue

FULFIL = "fulfil_key_request"
# What a viewer is told he cannot do on a key request or account he sees ("Your role (Viewer)
# cannot request keys.").
REQUEST_KEYS = "request keys"
T = TypeVar("T")
# One kind, or the kinds a step shared by several doors accepts (keyRequestSetRegistration).
Kinds = KeyRequestKind | frozenset[KeyRequestKind]


def _of_kind(kind: str, kinds: Kinds | None) -> bool:
    if kinds is None:
        return True
    return kind in kinds if isinstance(kinds, frozenset) else kind == kinds


def topic(key_request_id: uuid.UUID) -> str:
    return f"keyRequest:{key_request_id}"


def is_expired(request: KeyRequest, ttl_days: int, now: datetime | None = None) -> bool:
    return request.status == KeyRequestStatus.DRAFT and request.updated_at + timedelta(days=ttl_days) < (
        now or utcnow()
    )


def expires_at(request: KeyRequest, ttl_days: int) -> datetime:
    return request.updated_at + timedelta(days=ttl_days)


def publish_after_commit(tx: DriverTransaction, bus: EventBus, key_request_id: uuid.UUID) -> None:
    """Tell the request's subscribers once this transaction has committed."""

    async def publish() -> None:
        await bus.publish(topic(key_request_id))

    tx.after_commit(publish)


_key_requests = cast(Table, KeyRequest.__table__)
# The request with the reader's own role on its account, in one statement: every step starts here.
_VIEW = Prepared(
    select(_key_requests, own_role_of(_key_requests.c.account_id).label("own_role")).where(
        _key_requests.c.id == bindparam("key_request_id")
    )
)
_LOCK_VIEW = Prepared(
    select(_key_requests, own_role_of(_key_requests.c.account_id).label("own_role"))
    .where(_key_requests.c.id == bindparam("key_request_id"))
    .with_for_update(of=_key_requests)
)


async def view(db: Database, actor: Actor, key_request_id: uuid.UUID | None) -> KeyRequest | None:
    """The key request if the actor may see it, else None (unknown and foreign look alike): one
    read with the actor's own role on its account; delegations are read only without one."""
    if key_request_id is None:
        return None
    params = {"key_request_id": key_request_id, "user_id": actor.user_id}

    async def read(tx: DriverTransaction) -> KeyRequest | None:
        row = await tx.one(_VIEW, params)
        if row is None or not await may(
            tx, actor, row["account_id"], Permission.VIEW, own_role=row["own_role"]
        ):
            return None
        return entity(KeyRequest, row)

    return await db.driver.run(read, transaction=False)


_NEW_DRAFT = Prepared(
    insert(_key_requests).returning(*_key_requests.c),
    [
        "id",
        "account_id",
        "user_id",
        "kind",
        "status",
        "license_id",
        "source_key_id",
        "notification_id",
        "flex_contract_id",
        "created_at",
        "updated_at",
    ],
)


async def new_draft(
    tx: DriverTransaction,
    actor: Actor,
    grant: Grant,
    account_id: uuid.UUID,
    kind: KeyRequestKind,
    action: str,
    *,
    license_id: uuid.UUID | None = None,
    source_key_id: uuid.UUID | None = None,
    notification_id: uuid.UUID | None = None,
    flex_contract_id: uuid.UUID | None = None,
    **audit_data: Any,
) -> KeyRequest:
    """A new draft of `kind` on the account (the door has checked the actor's grant and what the
    draft starts from), audited as `action`."""
    now = utcnow()
    row = await tx.one(
        _NEW_DRAFT,
        {
            "id": uuid.uuid4(),
            "account_id": account_id,
            "user_id": actor.user_id,
            "kind": kind,
            "status": KeyRequestStatus.DRAFT,
            "license_id": license_id,
            "source_key_id": source_key_id,
            "notification_id": notification_id,
            "flex_contract_id": flex_contract_id,
            "created_at": now,
            "updated_at": now,
        },
    )
    assert row is not None
    request = entity(KeyRequest, row)
    await record(tx, action, actor, grant, account_id, request.id, **audit_data)
    return request


async def load(
    tx: DriverTransaction,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    permission: Permission,
    *,
    kind: Kinds | None = None,
    field: str = "keyRequestId",
    for_update: bool = False,
) -> tuple[KeyRequest, Grant]:
    """The key request (of `kind`) and the actor's grant on its account, if that allows
    `permission`; else NotFound, exactly as for an unknown id. One statement when the actor is a
    member of the account."""
    if key_request_id is None:
        raise NotFoundError(field, "key request")
    params = {"key_request_id": key_request_id, "user_id": actor.user_id}
    row = await tx.one(_LOCK_VIEW if for_update else _VIEW, params)
    if row is None or not _of_kind(row["kind"], kind):
        raise NotFoundError(field, "key request")
    if row["kind"] == KeyRequestKind.FLEX and permission == Permission.REQUEST_KEYS:
        # A draw-down's right to draw is the caller's role on its contract, which the door checks
        # (a super user may permission an account viewer to draw): here, seeing the account.
        permission = Permission.VIEW
    grant = await require(
        tx,
        actor,
        row["account_id"],
        permission,
        field=field,
        what="key request",
        own_role=row["own_role"],
        action=REQUEST_KEYS if permission == Permission.REQUEST_KEYS else None,
    )
    return entity(KeyRequest, row), grant


async def load_draft(
    tx: DriverTransaction,
    ttl_days: int,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    kind: Kinds,
) -> tuple[KeyRequest, Grant]:
    """A draft the actor may fill in, still open for changes."""
    request, grant = await load(tx, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind)
    ensure_editable(request, ttl_days)
    return request, grant


async def change_draft(
    db: Database,
    ttl_days: int,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    kind: Kinds,
    change: Callable[[DriverTransaction, KeyRequest, Grant], Awaitable[T]],
) -> T:
    """One wizard step, in one transaction: the draft the actor may fill in (else the unknown-id,
    NOT_EDITABLE or EXPIRED answer), then the door's `change` to it."""

    async def work(tx: DriverTransaction) -> T:
        request, grant = await load_draft(tx, ttl_days, actor, key_request_id, kind)
        return await change(tx, request, grant)

    return await db.driver.run(work)


def ensure_editable(request: KeyRequest, ttl_days: int) -> None:
    if request.status != KeyRequestStatus.DRAFT:
        raise KeyRequestStateError(
            "NOT_EDITABLE", "This key request has been submitted and can no longer change."
        )
    if is_expired(request, ttl_days):
        raise KeyRequestStateError(
            "EXPIRED", "This draft expired after 7 days without changes. Start a new one."
        )


async def record(
    tx: DriverTransaction,
    action: str,
    actor: Actor,
    grant: Grant,
    account_id: uuid.UUID,
    key_request_id: uuid.UUID,
    **data: Any,
) -> None:
    """The audit event of a key-request step (the grant names the account acted from)."""
    await audit.record(
        tx,
        action,
        actor=actor,
        account_id=account_id,
        actor_account_id=grant.acting_account_id,
        target=("KeyRequest", key_request_id),
        **data,
    )


def _changes(**values: Any) -> Prepared:
    """UPDATE of the request's `values` (bind names) and updated_at, returning the request."""
    return Prepared(
        update(_key_requests)
        .where(_key_requests.c.id == bindparam("key_request_id"))
        .values(
            **{name: bindparam("set_" + name, type_=_key_requests.c[name].type) for name in values},
            updated_at=bindparam("now"),
        )
        .returning(*_key_requests.c)
    )


_CHANGE: dict[frozenset[str], Prepared] = {}


async def touch(
    tx: DriverTransaction,
    bus: EventBus,
    actor: Actor,
    request: KeyRequest,
    grant: Grant,
    action: str,
    *,
    changes: dict[str, Any] | None = None,
    **audit_data: Any,
) -> KeyRequest:
    """A draft step succeeded: write its `changes` to the request's columns, keep the draft alive,
    audit the step and tell subscribers after the commit. Returns the request as changed."""
    columns = frozenset(changes or ())
    statement = _CHANGE.get(columns)
    if statement is None:
        statement = _CHANGE[columns] = _changes(**dict.fromkeys(columns))
    params = {"set_" + name: value for name, value in (changes or {}).items()}
    row = await tx.one(statement, {"key_request_id": request.id, "now": utcnow(), **params})
    assert row is not None
    await record(tx, action, actor, grant, request.account_id, request.id, **audit_data)
    publish_after_commit(tx, bus, request.id)
    return entity(KeyRequest, row)


# What a draft holds besides its row (SQLite does not cascade: deleted explicitly, children first).
_DRAFT_PARTS = [
    Prepared(delete(table).where(table.c.key_request_id == bindparam("key_request_id")))
    for table in (
        cast(Table, model.__table__) for model in (KeyRequestSerial, KeyRequestRenewal, FlexCartLine)
    )
]
_DELETE_DRAFT = Prepared(
    delete(_key_requests)
    .where(
        _key_requests.c.id == bindparam("key_request_id"), _key_requests.c.status == KeyRequestStatus.DRAFT
    )
    .returning(_key_requests.c.id)
)


async def discard(db: Database, bus: EventBus, actor: Actor, key_request_id: uuid.UUID | None) -> KeyRequest:
    """Delete a draft of any kind (its serials stay unregistered, nothing was issued): its creator,
    or an admin of its account; a submitted request cannot be discarded. Audited."""

    async def work(tx: DriverTransaction) -> KeyRequest:
        request, grant = await load(tx, actor, key_request_id, Permission.VIEW, for_update=True)
        if request.user_id != actor.user_id and not allows(grant.role, Permission.ADMINISTER):
            raise NotAllowedError("keyRequestId", role_label(grant.role), "discard another user's draft")
        if request.status != KeyRequestStatus.DRAFT:
            raise KeyRequestStateError(
                "NOT_EDITABLE", "This key request has been submitted: only drafts can be discarded."
            )
        for part in _DRAFT_PARTS:
            await tx.one(part, {"key_request_id": request.id})
        if await tx.one(_DELETE_DRAFT, {"key_request_id": request.id}) is None:
            raise KeyRequestStateError("NOT_EDITABLE", "This key request has been submitted meanwhile.")
        await record(
            tx, "key_request.discard", actor, grant, request.account_id, request.id, kind=request.kind.value
        )
        publish_after_commit(tx, bus, request.id)
        return request

    return await db.driver.run(work)


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
    tx: DriverTransaction,
    ttl_days: int,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
    kind: Kinds,
) -> tuple[KeyRequest, Grant] | Confirmed:
    """Lock the draft for confirmation; a retry with the same idempotency key gets the earlier result."""
    request, grant = await load(
        tx, actor, key_request_id, Permission.REQUEST_KEYS, kind=kind, for_update=True
    )
    if request.status != KeyRequestStatus.DRAFT:
        if request.idempotency_key == idempotency_key:
            return Confirmed(request, replayed=True)
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    ensure_editable(request, ttl_days)
    return request, grant


async def confirm_draft(
    db: Database,
    ttl_days: int,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
    kind: Kinds,
    commit: Callable[[DriverTransaction, KeyRequest, Grant, str], Awaitable[Confirmed]],
) -> Confirmed:
    """Confirm a draft, in one transaction: lock it (a retry with the same idempotency key gets the
    earlier result), then the door's `commit` changes the entitlement, calls mark_submitted() and
    ends with submit()."""
    key = validate_idempotency_key(idempotency_key)

    async def work(tx: DriverTransaction) -> Confirmed:
        begun = await begin_confirm(tx, ttl_days, actor, key_request_id, key, kind)
        if isinstance(begun, Confirmed):
            return begun
        request, grant = begun
        return await commit(tx, request, grant, key)

    return await db.driver.run(work)


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
    ["id", "account_id", "license_id", "data", "created_at", "entered_by_user_id", "entered_at"],
)


async def mark_submitted(tx: DriverTransaction, request: KeyRequest, idempotency_key: str) -> KeyRequest:
    """Move the request out of DRAFT (of two confirms racing here only one succeeds): the request
    as submitted."""
    row = await tx.one(_SUBMIT, {"key_request_id": request.id, "key": idempotency_key, "now": utcnow()})
    if row is None:
        raise KeyRequestStateError("ALREADY_CONFIRMED", "This key request has already been confirmed.")
    return entity(KeyRequest, row)


async def add_registration(
    tx: DriverTransaction,
    account_id: uuid.UUID,
    license_id: uuid.UUID,
    data: dict[str, Any],
    entered_by: uuid.UUID | None = None,
) -> None:
    """The license's support registration, as `entered_by` typed it (the request's user)."""
    now = utcnow()
    await tx.one(
        REGISTER,
        {
            "id": uuid.uuid4(),
            "account_id": account_id,
            "license_id": license_id,
            "data": data,
            "created_at": now,
            "entered_by_user_id": entered_by,
            "entered_at": now,
        },
    )


async def submit(
    tx: DriverTransaction,
    bus: EventBus,
    actor: Actor,
    grant: Grant,
    request: KeyRequest,
    license_ids: list[uuid.UUID],
    action: str,
    **audit_data: Any,
) -> Confirmed:
    """Link the licenses to sign, enqueue fulfilment and audit; after the commit a worker is woken
    and subscribers are told."""
    await tx.many(
        LINK,
        [
            {"key_request_id": request.id, "license_id": license_id, "position": position}
            for position, license_id in enumerate(license_ids)
        ],
    )
    await enqueue(tx, bus, FULFIL, {"key_request_id": str(request.id)})
    await record(tx, action, actor, grant, request.account_id, request.id, **audit_data)
    publish_after_commit(tx, bus, request.id)
    return Confirmed(request, replayed=False)
