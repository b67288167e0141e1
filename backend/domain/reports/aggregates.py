"""The reports themselves: each is one statement that groups in the database (GROUP BY over the
licenses of the accounts in scope), never rows pulled into Python; Python only fills the gaps a
chart needs (a month or a day with nothing in it) and names what the statement counted.

Every statement takes the scope's account ids as one list parameter (`ids_match`), so a report
over one account and over a partner's 1,000 customers is the same single statement."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, case, extract, func, literal_column, select, union_all

from backend.db.driver import DriverTransaction, Prepared, ids_match
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    Activation,
    KeyRequest,
    KeyRequestKind,
    License,
    LicenseKey,
    LicenseState,
    Product,
)
from backend.domain.errors import FieldProblem, InvalidInputError
from backend.domain.licenses.finding import STATUS_ORDER, LicenseStatus, status_rank
from backend.domain.reports.scope import Scope

_licenses, _products, _keys, _requests, _activations, _accounts = (
    cast(Table, m.__table__) for m in (License, Product, LicenseKey, KeyRequest, Activation, Account)
)

MONTHS_AHEAD = 12  # maintenance ending: this month and the eleven after it
DEFAULT_DAYS = 30  # keys issued: the last 30 days, today included
MAX_DAYS = 366  # the longest keys-issued range: a year, leap day included
# The days a range may name: the defaults (±29 days) and the midnight after the last day stay
# inside Python's dates, which end at 9999-12-31 (an OverflowError, a 500 in effect, otherwise).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
ENDING_WITHIN_DAYS = 90  # the portfolio's "maintenance ending soon"
T = TypeVar("T")


@dataclass(frozen=True)
class ProductRef:
    product_id: uuid.UUID
    sku: str
    name: str
    version: str


def _product(row: Any) -> ProductRef:
    return ProductRef(row["product_id"], row["sku"], row["name"], row["version"])


# ---------------------------------------------------------------- licenses by product and status


@dataclass(frozen=True)
class ProductStatusRow:
    product: ProductRef
    status: LicenseStatus
    licenses: int
    seats: int


@lru_cache(maxsize=4)
def _by_product(dialect: str, on: date) -> Prepared:
    """Built once a day: the status rule (finding.status_rank) carries the day in its conditions."""
    ranked = (
        select(
            _licenses.c.product_id.label("product_id"),
            status_rank(on).label("rank"),
            _licenses.c.quantity.label("quantity"),
        )
        .where(ids_match(_licenses.c.account_id, dialect))
        .subquery()
    )
    # Grouped in a subquery of its own, then joined to the products: PostgreSQL cannot match a GROUP
    # BY expression that carries parameters with the same expression in the select list.
    grouped = (
        select(
            ranked.c.product_id,
            ranked.c.rank,
            func.count().label("licenses"),
            func.sum(ranked.c.quantity).label("seats"),
        )
        .group_by(ranked.c.product_id, ranked.c.rank)
        .subquery()
    )
    return Prepared(
        select(
            grouped.c.product_id,
            _products.c.sku,
            _products.c.name,
            _products.c.version,
            grouped.c.rank,
            grouped.c.licenses,
            grouped.c.seats,
        )
        .join(_products, _products.c.id == grouped.c.product_id)
        .order_by(_products.c.sku, grouped.c.rank)
    )


async def licenses_by_product(db: Database, scope: Scope) -> list[ProductStatusRow]:
    """Licenses and seats per product and status (the status every license page shows)."""

    async def read(tx: DriverTransaction) -> list[ProductStatusRow]:
        rows = await tx.all(_by_product(tx.dialect, scope.on), {"ids": list(scope.account_ids)})
        return [
            ProductStatusRow(
                _product(row), STATUS_ORDER[int(row["rank"])], int(row["licenses"]), int(row["seats"] or 0)
            )
            for row in rows
        ]

    return await _run(db, scope, read, [])


# ---------------------------------------------------------------- maintenance ending by month


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    licenses: int
    seats: int


@cache
def _maintenance(dialect: str) -> Prepared:
    until = _licenses.c.maintenance_until
    ending = (
        select(
            extract("year", until).label("year"),
            extract("month", until).label("month"),
            _licenses.c.quantity.label("quantity"),
        )
        .where(
            ids_match(_licenses.c.account_id, dialect),
            _licenses.c.state == LicenseState.CURRENT,
            until >= bindparam("start", type_=until.type),
            until < bindparam("end", type_=until.type),
        )
        .subquery()
    )
    return Prepared(
        select(
            ending.c.year,
            ending.c.month,
            func.count().label("licenses"),
            func.sum(ending.c.quantity).label("seats"),
        ).group_by(ending.c.year, ending.c.month)
    )


def _months(on: date) -> list[date]:
    """The first day of this month and of each month after it, MONTHS_AHEAD + 1 of them (the
    last one ends the window)."""
    firsts = []
    year, month = on.year, on.month
    for _ in range(MONTHS_AHEAD + 1):
        firsts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return firsts


async def maintenance_by_month(db: Database, scope: Scope) -> list[MonthRow]:
    """Current licenses whose maintenance ends from today to the end of the twelfth month (this
    month is the first): every month listed, with zeros where nothing ends."""
    firsts = _months(scope.on)

    async def read(tx: DriverTransaction) -> list[MonthRow]:
        params = {"ids": list(scope.account_ids), "start": scope.on, "end": firsts[-1]}
        counted = {
            (int(row["year"]), int(row["month"])): row
            for row in await tx.all(_maintenance(tx.dialect), params)
        }
        rows = []
        for first in firsts[:-1]:
            row = counted.get((first.year, first.month))
            rows.append(
                MonthRow(
                    f"{first:%Y-%m}",
                    0 if row is None else int(row["licenses"]),
                    0 if row is None else int(row["seats"] or 0),
                )
            )
        return rows

    return await _run(db, scope, read, [MonthRow(f"{f:%Y-%m}", 0, 0) for f in firsts[:-1]])


# ---------------------------------------------------------------- keys issued


@dataclass(frozen=True)
class DayRow:
    day: date
    keys: int


@dataclass(frozen=True)
class KindRow:
    kind: KeyRequestKind | None  # None: a key signed outside any key request (an import)
    keys: int


@dataclass(frozen=True)
class KeysIssued:
    start: date
    end: date  # inclusive
    by_day: list[DayRow]
    by_kind: list[KindRow]

    @property
    def total(self) -> int:
        return sum(row.keys for row in self.by_day)


def key_range(start: date | None, end: date | None, on: date) -> tuple[date, date]:
    """The days asked for (both inclusive, UTC): by default the last DEFAULT_DAYS days up to
    today; one given alone counts DEFAULT_DAYS from or up to it. At most MAX_DAYS days."""
    for name, day in (("from", start), ("to", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            message = f"Choose a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."
            raise InvalidInputError([FieldProblem(name, "RANGE", message)])
    if start is None and end is None:
        end = on
    if start is None:
        assert end is not None
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if end is None:
        end = start + timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidInputError([FieldProblem("to", "RANGE", "The range ends before it starts.")])
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInputError([FieldProblem("to", "RANGE", f"Ask for at most {MAX_DAYS} days at a time.")])
    return start, end


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _issued_day(dialect: str) -> Any:
    issued = _keys.c.issued_at
    if dialect == "sqlite":  # stored as naive UTC text: its date part
        return func.date(issued)
    return func.date(func.timezone("UTC", issued))


@cache
def _keys_issued(dialect: str) -> Prepared:
    issued = _keys.c.issued_at
    keyed = (
        select(_issued_day(dialect).label("day"), _requests.c.kind.label("kind"))
        .select_from(
            _keys.join(_licenses, _licenses.c.id == _keys.c.license_id).outerjoin(
                _requests, _requests.c.id == _keys.c.key_request_id
            )
        )
        .where(
            ids_match(_licenses.c.account_id, dialect),
            issued >= bindparam("since", type_=issued.type),
            issued < bindparam("until", type_=issued.type),
        )
        .subquery()
    )
    return Prepared(
        select(keyed.c.day, keyed.c.kind, func.count().label("keys")).group_by(keyed.c.day, keyed.c.kind)
    )


def _kind_order(kind: KeyRequestKind | None) -> int:
    return len(KeyRequestKind) if kind is None else list(KeyRequestKind).index(kind)


async def keys_issued(db: Database, scope: Scope, start: date | None, end: date | None) -> KeysIssued:
    """Keys signed per day (every day of the range, zeros included) and per kind of key request
    (every kind, zeros included; keys of no request only when there are some)."""
    first, last = key_range(start, end, scope.on)

    async def read(tx: DriverTransaction) -> list[Mapping[str, Any]]:
        params = {
            "ids": list(scope.account_ids),
            "since": _midnight(first),
            "until": _midnight(last + timedelta(days=1)),
        }
        return await tx.all(_keys_issued(tx.dialect), params)

    rows: list[Mapping[str, Any]] = await _run(db, scope, read, [])
    days: dict[date, int] = defaultdict(int)
    kinds: dict[KeyRequestKind | None, int] = dict.fromkeys(KeyRequestKind, 0)
    for row in rows:
        raw = row["day"]
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        kind = None if row["kind"] is None else KeyRequestKind(row["kind"])
        days[day] += int(row["keys"])
        kinds[kind] = kinds.get(kind, 0) + int(row["keys"])
    return KeysIssued(
        first,
        last,
        [
            DayRow(first + timedelta(days=n), days.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)
        ],
        [KindRow(kind, keys) for kind, keys in sorted(kinds.items(), key=lambda kv: _kind_order(kv[0]))],
    )


# ---------------------------------------------------------------- activations by product


@dataclass(frozen=True)
class ActivationRow:
    product: ProductRef
    seats: int  # of current licenses
    activations: int  # hosts holding a seat
    activated_licenses: int  # licenses with at least one host


@cache
def _activations_by_product(dialect: str) -> Prepared:
    in_scope = ids_match(_licenses.c.account_id, dialect)
    zero: Any = literal_column("0")
    # Seats from the licenses, hosts from the activations, each grouped by product, then added up:
    # a product with seats and no host (or hosts left on a superseded license) still has its row.
    seats = (
        select(
            _licenses.c.product_id.label("product_id"),
            func.sum(_licenses.c.quantity).label("seats"),
            zero.label("activations"),
            zero.label("activated_licenses"),
        )
        .where(in_scope, _licenses.c.state == LicenseState.CURRENT)
        .group_by(_licenses.c.product_id)
    )
    hosts = (
        select(
            _licenses.c.product_id.label("product_id"),
            zero.label("seats"),
            func.count().label("activations"),
            func.count(_activations.c.license_id.distinct()).label("activated_licenses"),
        )
        .select_from(_activations.join(_licenses, _licenses.c.id == _activations.c.license_id))
        .where(in_scope)
        .group_by(_licenses.c.product_id)
    )
    both = union_all(seats, hosts).subquery()
    summed = (
        select(
            both.c.product_id,
            func.sum(both.c.seats).label("seats"),
            func.sum(both.c.activations).label("activations"),
            func.sum(both.c.activated_licenses).label("activated_licenses"),
        )
        .group_by(both.c.product_id)
        .subquery()
    )
    return Prepared(
        select(
            summed.c.product_id,
            _products.c.sku,
            _products.c.name,
            _products.c.version,
            summed.c.seats,
            summed.c.activations,
            summed.c.activated_licenses,
        )
        .join(_products, _products.c.id == summed.c.product_id)
        .order_by(_products.c.sku)
    )


async def activations_by_product(db: Database, scope: Scope) -> list[ActivationRow]:
    """Per product: the seats of current licenses, the hosts activated and the licenses in use."""

    async def read(tx: DriverTransaction) -> list[ActivationRow]:
        rows = await tx.all(_activations_by_product(tx.dialect), {"ids": list(scope.account_ids)})
        return [
            ActivationRow(
                _product(row),
                int(row["seats"] or 0),
                int(row["activations"] or 0),
                int(row["activated_licenses"] or 0),
            )
            for row in rows
        ]

    return await _run(db, scope, read, [])


# ---------------------------------------------------------------- portfolio


@dataclass(frozen=True)
class PortfolioRow:
    account_id: uuid.UUID
    name: str
    number: str
    kind: AccountKind
    licenses: int  # every license, whatever its status
    active: int  # current with maintenance in force (ACTIVE and EXPIRING)
    maintenance_ending: int  # current, maintenance ending within ENDING_WITHIN_DAYS days
    keys_issued: int  # keys signed in the last DEFAULT_DAYS days, today included


@cache
def _portfolio(dialect: str) -> Prepared:
    zero: Any = literal_column("0")
    until = _licenses.c.maintenance_until
    current = _licenses.c.state == LicenseState.CURRENT
    on = bindparam("on", type_=until.type)
    counted = (
        select(
            _licenses.c.account_id.label("account_id"),
            func.count().label("licenses"),
            func.sum(case((and_(current, until >= on), 1), else_=0)).label("active"),
            func.sum(
                case(
                    (and_(current, until >= on, until <= bindparam("horizon", type_=until.type)), 1), else_=0
                )
            ).label("ending"),
            zero.label("issued"),
        )
        .where(ids_match(_licenses.c.account_id, dialect))
        .group_by(_licenses.c.account_id)
    )
    issued = (
        select(
            _licenses.c.account_id.label("account_id"),
            zero.label("licenses"),
            zero.label("active"),
            zero.label("ending"),
            func.count().label("issued"),
        )
        .select_from(_keys.join(_licenses, _licenses.c.id == _keys.c.license_id))
        .where(
            ids_match(_licenses.c.account_id, dialect),
            _keys.c.issued_at >= bindparam("since", type_=_keys.c.issued_at.type),
        )
        .group_by(_licenses.c.account_id)
    )
    both = union_all(counted, issued).subquery()
    summed = (
        select(
            both.c.account_id,
            func.sum(both.c.licenses).label("licenses"),
            func.sum(both.c.active).label("active"),
            func.sum(both.c.ending).label("ending"),
            func.sum(both.c.issued).label("issued"),
        )
        .group_by(both.c.account_id)
        .subquery()
    )
    # Every account in scope, those without a license too.
    return Prepared(
        select(
            _accounts.c.id,
            _accounts.c.name,
            _accounts.c.number,
            _accounts.c.kind,
            summed.c.licenses,
            summed.c.active,
            summed.c.ending,
            summed.c.issued,
        )
        .outerjoin(summed, summed.c.account_id == _accounts.c.id)
        .where(ids_match(_accounts.c.id, dialect))
        .order_by(_accounts.c.name, _accounts.c.id)
    )


async def portfolio(db: Database, scope: Scope) -> list[PortfolioRow]:
    """One row per account in scope, by name: what a partner checks across its customers."""

    async def read(tx: DriverTransaction) -> list[PortfolioRow]:
        params = {
            "ids": list(scope.account_ids),
            "on": scope.on,
            "horizon": scope.on + timedelta(days=ENDING_WITHIN_DAYS),
            "since": _midnight(scope.on - timedelta(days=DEFAULT_DAYS - 1)),
        }
        return [
            PortfolioRow(
                row["id"],
                row["name"],
                row["number"],
                AccountKind(row["kind"]),
                int(row["licenses"] or 0),
                int(row["active"] or 0),
                int(row["ending"] or 0),
                int(row["issued"] or 0),
            )
            for row in await tx.all(_portfolio(tx.dialect), params)
        ]

    return await _run(db, scope, read, [])


async def _run(db: Database, scope: Scope, read: Callable[[DriverTransaction], Awaitable[T]], empty: T) -> T:
    """A report's statement as one autocommit read; no statement at all over no accounts."""
    if not scope.account_ids:
        return empty
    return await db.driver.run(read, transaction=False)
