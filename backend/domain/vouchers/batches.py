"""Voucher batches: operators issue them to OEM accounts (the codes are shown once, at issue); the
OEM's users see their batches with how many were converted, and page through the vouchers of one
batch by their last four characters."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, insert, select

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    License,
    Product,
    Voucher,
    VoucherBatch,
    VoucherState,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor, Permission, grant, require, require_operator
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.vouchers import codes

MAX_COUNT = 100_000
MAX_QUANTITY = 100_000
MAX_PAGE = 100
EXPIRING_SOON = timedelta(days=30)
# Vouchers are written in chunks, each reported to the caller's progress bar.
CHUNK = 1_000

_batches, _vouchers, _products, _accounts, _licenses = (
    cast(Table, m.__table__) for m in (VoucherBatch, Voucher, Product, Account, License)
)


@dataclass(frozen=True)
class NewBatch:
    account_id: uuid.UUID | None
    product_sku: str
    quantity: int
    count: int
    expires_on: date | None = None
    maintenance_months: int = 12


@dataclass(frozen=True)
class Issued:
    batch: VoucherBatch
    codes: list[str]


@dataclass(frozen=True)
class BatchUsage:
    """A batch and what became of its vouchers."""

    batch: VoucherBatch
    converted: int
    void: int

    @property
    def expired(self) -> bool:
        return is_expired(self.batch, date.today())

    @property
    def available(self) -> int:
        return 0 if self.expired else self.batch.count - self.converted - self.void

    @property
    def expiring_soon(self) -> bool:
        expires = self.batch.expires_on
        return (
            expires is not None
            and not self.expired
            and self.available > 0
            and expires - date.today() <= EXPIRING_SOON
        )


def is_expired(batch: VoucherBatch, today: date) -> bool:
    return batch.expires_on is not None and batch.expires_on < today


_ACCOUNT = Prepared(select(_accounts).where(_accounts.c.id == bindparam("account_id")))
_PRODUCT = Prepared(select(_products).where(_products.c.sku == bindparam("sku")))
_NEW_BATCH = Prepared(
    insert(_batches).returning(*_batches.c),
    [
        "id",
        "account_id",
        "product_id",
        "quantity",
        "count",
        "maintenance_months",
        "expires_on",
        "created_by_user_id",
        "created_at",
    ],
)
_NEW_VOUCHER = Prepared(insert(_vouchers), ["id", "batch_id", "code_hash", "last_four", "state"])


def _validate(new: NewBatch, today: date) -> list[FieldProblem]:
    problems = []
    if not 1 <= new.quantity <= MAX_QUANTITY:
        problems.append(
            FieldProblem("quantity", "RANGE", f"Each voucher is for 1 to {MAX_QUANTITY:,} seats.")
        )
    if not 1 <= new.count <= MAX_COUNT:
        problems.append(FieldProblem("count", "RANGE", f"Issue 1 to {MAX_COUNT:,} vouchers at a time."))
    if not 1 <= new.maintenance_months <= 120:
        problems.append(FieldProblem("maintenanceMonths", "RANGE", "From 1 to 120 months of maintenance."))
    if new.expires_on is not None and new.expires_on <= today:
        problems.append(FieldProblem("expiresOn", "PAST", "Choose an expiry date after today."))
    return problems


def _random_code(_position: int) -> str:
    return codes.new_code()


async def issue(
    db: Database,
    secret_key: str,
    actor: Actor | None,
    new: NewBatch,
    progress: Callable[[int], None] | None = None,
    make_code: Callable[[int], str] = _random_code,
) -> Issued:
    """A batch of `count` new vouchers for an OEM account (operators; the CLI passes no actor). The
    codes are returned once; only their keyed hashes (with `secret_key`) are stored. `progress`
    hears how many vouchers are written so far; `make_code` makes the code at each position (the
    demo's are derived, so it can print them again)."""
    today = date.today()

    async def work(tx: DriverTransaction) -> Issued:
        if actor is not None:
            await require_operator(tx, actor, "accountId")
        problems = _validate(new, today)
        account = None if new.account_id is None else await tx.one(_ACCOUNT, {"account_id": new.account_id})
        if account is None or account["kind"] != AccountKind.OEM:
            problems.append(FieldProblem("accountId", "NOT_OEM", "Choose an OEM account."))
        product = await tx.one(_PRODUCT, {"sku": new.product_sku.strip().upper()})
        if product is None:
            problems.append(FieldProblem("productSku", "UNKNOWN", "No product has this SKU."))
        if problems:
            raise InvalidInputError(problems)
        assert product is not None
        row = await tx.one(
            _NEW_BATCH,
            {
                "id": uuid.uuid4(),
                "account_id": new.account_id,
                "product_id": product["id"],
                "quantity": new.quantity,
                "count": new.count,
                "maintenance_months": new.maintenance_months,
                "expires_on": new.expires_on,
                "created_by_user_id": None if actor is None else actor.user_id,
                "created_at": utcnow(),
            },
        )
        assert row is not None
        batch = entity(VoucherBatch, row)
        issued: list[str] = []
        while len(issued) < new.count:
            chunk = [make_code(len(issued) + i) for i in range(min(CHUNK, new.count - len(issued)))]
            await tx.many(
                _NEW_VOUCHER,
                [
                    {
                        "id": uuid.uuid4(),
                        "batch_id": batch.id,
                        "code_hash": codes.code_hash(secret_key, code.replace("-", "")),
                        "last_four": code[-4:],
                        "state": VoucherState.AVAILABLE,
                    }
                    for code in chunk
                ],
            )
            issued.extend(chunk)
            if progress is not None:
                progress(len(issued))
        await audit.record(
            tx,
            "voucher.batch_issue",
            actor=actor,
            account_id=batch.account_id,
            target=("VoucherBatch", batch.id),
            sku=product["sku"],
            quantity=batch.quantity,
            count=batch.count,
            expires_on=None if batch.expires_on is None else batch.expires_on.isoformat(),
        )
        return Issued(batch, issued)

    return await db.driver.run(work)


_converted = func.count(case((_vouchers.c.state == VoucherState.CONVERTED, 1)))
_void = func.count(case((_vouchers.c.state == VoucherState.VOID, 1)))


def _usage(where: Any) -> Prepared:
    return Prepared(
        select(_batches, _converted.label("converted"), _void.label("void"))
        .outerjoin(_vouchers, _vouchers.c.batch_id == _batches.c.id)
        .where(where)
        .group_by(*_batches.c)
        .order_by(_batches.c.created_at.desc(), _batches.c.id)
    )


_OF_ACCOUNT = _usage(_batches.c.account_id == bindparam("account_id"))
_ONE = _usage(_batches.c.id == bindparam("batch_id"))


def _batch_usage(row: Any) -> BatchUsage:
    return BatchUsage(entity(VoucherBatch, row), row["converted"], row["void"])


async def of_account(db: Database, actor: Actor, account_id: uuid.UUID | None) -> list[BatchUsage]:
    """The account's batches, newest first; none for an account the caller cannot see."""
    if account_id is None:
        return []

    async def read(tx: DriverTransaction) -> list[BatchUsage]:
        found = await grant(tx, actor.user_id, account_id)
        if found is None:
            return []
        return [_batch_usage(row) for row in await tx.all(_OF_ACCOUNT, {"account_id": account_id})]

    return await db.driver.run(read, transaction=False)


async def load(
    tx: DriverTransaction, actor: Actor, batch_id: uuid.UUID | None, field: str = "batchId"
) -> BatchUsage:
    """A batch the caller may see (else the unknown-id answer)."""
    row = None if batch_id is None else await tx.one(_ONE, {"batch_id": batch_id})
    if row is None:
        raise NotFoundError(field, "voucher batch")
    await require(tx, actor, row["account_id"], Permission.VIEW, field=field, what="voucher batch")
    return _batch_usage(row)


async def usage(db: Database, actor: Actor, batch_id: uuid.UUID | None) -> BatchUsage | None:
    async def read(tx: DriverTransaction) -> BatchUsage | None:
        try:
            return await load(tx, actor, batch_id)
        except NotFoundError:
            return None

    return await db.driver.run(read, transaction=False)


@dataclass(frozen=True)
class VoucherPage:
    vouchers: list[tuple[Voucher, uuid.UUID | None]]  # with the license it became
    batch: BatchUsage
    has_next: bool
    end_cursor: str | None
    total: int

    def shown_state(self, voucher: Voucher) -> VoucherState:
        """An available voucher of an expired batch shows as EXPIRED."""
        if voucher.state == VoucherState.AVAILABLE and self.batch.expired:
            return VoucherState.EXPIRED
        return voucher.state


def _cursor(voucher: Voucher) -> str:
    return base64.urlsafe_b64encode(voucher.id.bytes).decode()


def _after(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise InvalidInputError(
            [FieldProblem("after", "INVALID", "This cursor is not one we gave out.")]
        ) from None


def _conditions(with_state: bool) -> list[Any]:
    conditions = [_vouchers.c.batch_id == bindparam("batch_id")]
    if with_state:
        conditions.append(_vouchers.c.state == bindparam("state"))
    return conditions


@cache
def _page(with_state: bool, keyset: bool) -> Prepared:
    conditions = _conditions(with_state)
    if keyset:
        conditions.append(_vouchers.c.id > bindparam("after_id"))
    return Prepared(
        select(_vouchers, _licenses.c.id.label("license_id"))
        .outerjoin(_licenses, _licenses.c.voucher_id == _vouchers.c.id)
        .where(*conditions)
        .order_by(_vouchers.c.id)
        .limit(bindparam("limit"))
    )


@cache
def _count(with_state: bool) -> Prepared:
    return Prepared(
        select(func.count().label("total")).select_from(_vouchers).where(*_conditions(with_state))
    )


async def vouchers(
    db: Database,
    actor: Actor,
    batch_id: uuid.UUID | None,
    first: int,
    after: str | None,
    state: VoucherState | None,
) -> VoucherPage:
    """A page of a batch's vouchers (keyset cursors), optionally of one shown state."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInputError(
            [FieldProblem("first", "RANGE", f"Ask for 1 to {MAX_PAGE} vouchers at a time.")]
        )
    start = _after(after)

    async def read(tx: DriverTransaction) -> VoucherPage:
        batch = await load(tx, actor, batch_id)
        stored: VoucherState | None = state
        if state in (VoucherState.AVAILABLE, VoucherState.EXPIRED):
            # Expiry belongs to the batch: its available vouchers are all one or all the other.
            shows_expired = batch.expired
            if (state == VoucherState.EXPIRED) != shows_expired:
                return VoucherPage([], batch, False, None, 0)
            stored = VoucherState.AVAILABLE
        params: dict[str, Any] = {
            "batch_id": batch.batch.id,
            "state": stored,
            "after_id": start,
            "limit": first + 1,
        }
        rows = await tx.all(_page(stored is not None, start is not None), params)
        count = await tx.one(_count(stored is not None), params)
        found = [(entity(Voucher, row), row["license_id"]) for row in rows[:first]]
        return VoucherPage(
            found,
            batch,
            has_next=len(rows) > first,
            end_cursor=_cursor(found[-1][0]) if found else None,
            total=0 if count is None else int(count["total"]),
        )

    return await db.driver.run(read, transaction=False)
