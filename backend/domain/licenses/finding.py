"""Finding licenses: the one status rule (in Python for one row, in SQL for filters and sorting),
filters, orders and keyset pages (cursor = opaque base64 of the sort values and the id; never
OFFSET), and the count of everything a filter matches."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    and_,
    any_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    CustomField,
    CustomFieldType,
    KeyStatus,
    License,
    LicenseCustomValue,
    LicenseKey,
    LicenseModel,
    LicenseSerial,
    LicenseShare,
    LicenseState,
    Membership,
    Product,
    Role,
    Serial,
    SupportRegistration,
    utcnow,
)
from backend.domain import audit
from backend.domain import serials as serial_numbers
from backend.domain.access import Actor, LicenseAccess, Permission, allows, may, require_licenses, role_on
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.key_requests.registration import validate_registration
from backend.keys import normalize_activation_key

EXPIRING_WITHIN_DAYS = 60
MAX_PAGE = 100
MAX_BULK = 500


class LicenseStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    EXPIRING = "EXPIRING"
    MAINTENANCE_LAPSED = "MAINTENANCE_LAPSED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"
    REVOKED = "REVOKED"


STATUS_ORDER = list(LicenseStatus)


def today() -> date:
    return utcnow().date()


def license_status(
    state: LicenseState, maintenance_until: date, model: LicenseModel, on: date
) -> LicenseStatus:
    """The status a user sees, from the stored state, the maintenance end and the license model."""
    if state == LicenseState.SUPERSEDED:
        return LicenseStatus.SUPERSEDED
    if state == LicenseState.REVOKED:
        return LicenseStatus.REVOKED
    if maintenance_until < on:
        return (
            LicenseStatus.EXPIRED if model == LicenseModel.SUBSCRIPTION else LicenseStatus.MAINTENANCE_LAPSED
        )
    if maintenance_until <= on + timedelta(days=EXPIRING_WITHIN_DAYS):
        return LicenseStatus.EXPIRING
    return LicenseStatus.ACTIVE


def _subscription() -> ColumnElement[bool]:
    return License.product_id.in_(
        select(Product.id).where(Product.license_model == LicenseModel.SUBSCRIPTION).scalar_subquery()
    )


def status_condition(status: LicenseStatus, on: date) -> ColumnElement[bool]:
    """The same rule as license_status() as a SQL condition (served by the index on
    (account_id, state, maintenance_until))."""
    current = License.state == LicenseState.CURRENT
    horizon = on + timedelta(days=EXPIRING_WITHIN_DAYS)
    if status == LicenseStatus.SUPERSEDED:
        return License.state == LicenseState.SUPERSEDED
    if status == LicenseStatus.REVOKED:
        return License.state == LicenseState.REVOKED
    if status == LicenseStatus.EXPIRED:
        return and_(current, License.maintenance_until < on, _subscription())
    if status == LicenseStatus.MAINTENANCE_LAPSED:
        return and_(current, License.maintenance_until < on, ~_subscription())
    if status == LicenseStatus.EXPIRING:
        return and_(current, License.maintenance_until >= on, License.maintenance_until <= horizon)
    return and_(current, License.maintenance_until > horizon)


def status_rank(on: date) -> ColumnElement[int]:
    """The status as its position in STATUS_ORDER, for sorting."""
    horizon = on + timedelta(days=EXPIRING_WITHIN_DAYS)
    rank = {s: STATUS_ORDER.index(s) for s in STATUS_ORDER}
    return case(
        (License.state == LicenseState.SUPERSEDED, rank[LicenseStatus.SUPERSEDED]),
        (License.state == LicenseState.REVOKED, rank[LicenseStatus.REVOKED]),
        (
            and_(License.maintenance_until < on, _subscription()),
            rank[LicenseStatus.EXPIRED],
        ),
        (License.maintenance_until < on, rank[LicenseStatus.MAINTENANCE_LAPSED]),
        (License.maintenance_until <= horizon, rank[LicenseStatus.EXPIRING]),
        else_=rank[LicenseStatus.ACTIVE],
    )


# ---------------------------------------------------------------- custom values (parsing)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        return None
    return value


def number_text(value: Decimal) -> str:
    """Canonical text: no exponent, no trailing zeros ("12.50" -> "12.5", "1E3" -> "1000")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- filters and orders


class SortField(enum.Enum):
    CREATED_AT = "CREATED_AT"
    MAINTENANCE_UNTIL = "MAINTENANCE_UNTIL"
    PRODUCT = "PRODUCT"
    QUANTITY = "QUANTITY"
    STATUS = "STATUS"
    CUSTOM_FIELD = "CUSTOM_FIELD"


@dataclass(frozen=True)
class CustomFilter:
    field_id: uuid.UUID | None
    value: str


@dataclass(frozen=True)
class Filter:
    product_sku: str | None = None
    statuses: tuple[LicenseStatus, ...] = ()
    expiring_within_days: int | None = None
    search: str | None = None
    custom: tuple[CustomFilter, ...] = ()


@dataclass(frozen=True)
class Order:
    field: SortField = SortField.CREATED_AT
    descending: bool = True
    custom_field_id: uuid.UUID | None = None


DEFAULT_ORDER = Order()


@dataclass(frozen=True)
class Scope:
    """Whose licenses: one account's (the caller checked access), or those shared with a user on
    accounts they are not a member of."""

    account_id: uuid.UUID | None = None
    shared_with: uuid.UUID | None = None
    # Several accounts at once (each paged on its own by first_pages; the caller checked access).
    account_ids: tuple[uuid.UUID, ...] = ()


@dataclass
class Query:
    """A filter and an order made ready to page through (custom fields looked up once)."""

    where: list[ColumnElement[bool]]
    keys: list[tuple[Any, bool]]  # (column expression, descending), License.id last
    outer: list[tuple[Any, ColumnElement[bool]]] = field(default_factory=list)
    tag: str = ""

    def base(self, *columns: Any) -> Select[Any]:
        # Every page reads its products in the same statement (they give status and the product).
        stmt = select(*columns).select_from(License).join(Product, Product.id == License.product_id)
        for target, on in self.outer:
            stmt = stmt.outerjoin(target, on)
        return stmt.where(*self.where)


MAX_SEARCH = 200
MAX_DAYS = 3650


def bounded_days(days: int, field: str = "filter.expiringWithinDays") -> int:
    """A number of days ahead that a date can hold (negative counts as today)."""
    if days > MAX_DAYS:
        raise InvalidInputError([FieldProblem(field, "RANGE", f"Look at most {MAX_DAYS:,} days ahead.")])
    return max(0, days)


def like_escape(text: str) -> str:
    """Text for a LIKE pattern escaped with a backslash: its wildcards match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(term: str) -> ColumnElement[bool]:
    """An exact, indexed lookup when the term is a whole serial number or activation key;
    otherwise a substring of search_text."""
    parsed = serial_numbers.parse(term)
    if parsed.problem is None:
        return License.id.in_(
            select(LicenseSerial.license_id)
            .join(Serial, Serial.id == LicenseSerial.serial_id)
            .where(Serial.number == parsed.number)
            .scalar_subquery()
        )
    key = normalize_activation_key(term)
    if key is not None:
        return License.id.in_(
            select(LicenseKey.license_id).where(LicenseKey.activation_key == key).scalar_subquery()
        )
    return License.search_text.like(f"%{like_escape(term.strip().lower())}%", escape="\\")


def _custom_condition(field_row: CustomField, value: str) -> ColumnElement[bool]:
    column: ColumnElement[bool]
    if field_row.type == CustomFieldType.TEXT:
        column = func.lower(LicenseCustomValue.value_text) == value.strip().lower()
    elif field_row.type == CustomFieldType.CHOICE:
        column = LicenseCustomValue.value_text == value.strip()
    elif field_row.type == CustomFieldType.NUMBER:
        number = parse_number(value)
        if number is None:
            return false()
        column = LicenseCustomValue.value_number == float(number)
    else:
        day = parse_date(value)
        if day is None:
            return false()
        column = LicenseCustomValue.value_date == day
    return License.id.in_(
        select(LicenseCustomValue.license_id)
        .where(LicenseCustomValue.field_id == field_row.id, column)
        .scalar_subquery()
    )


async def _fields(session: AsyncSession, scope: Scope, ids: set[uuid.UUID]) -> dict[uuid.UUID, CustomField]:
    if not ids:
        return {}
    stmt = select(CustomField).where(CustomField.id.in_(ids))
    if scope.account_id is not None:
        stmt = stmt.where(CustomField.account_id == scope.account_id)
    elif scope.account_ids:
        stmt = stmt.where(CustomField.account_id.in_(scope.account_ids))
    return {row.id: row for row in await session.scalars(stmt)}


def scope_condition(scope: Scope) -> ColumnElement[bool]:
    if scope.account_id is not None:
        return License.account_id == scope.account_id
    if scope.account_ids:
        return License.account_id.in_(scope.account_ids)
    if scope.shared_with is not None:
        return and_(
            License.id.in_(
                select(LicenseShare.license_id)
                .where(LicenseShare.user_id == scope.shared_with)
                .scalar_subquery()
            ),
            License.account_id.not_in(
                select(Membership.account_id).where(Membership.user_id == scope.shared_with).scalar_subquery()
            ),
        )
    return false()


async def prepare(
    session: AsyncSession,
    scope: Scope,
    flt: Filter | None = None,
    order: Order | None = None,
    on: date | None = None,
) -> Query:
    flt = flt or Filter()
    order = order or DEFAULT_ORDER
    on = on or today()
    wanted = {c.field_id for c in flt.custom if c.field_id is not None}
    if order.field == SortField.CUSTOM_FIELD and order.custom_field_id is not None:
        wanted.add(order.custom_field_id)
    fields = await _fields(session, scope, wanted)

    where: list[ColumnElement[bool]] = [scope_condition(scope)]
    if flt.product_sku:
        where.append(
            License.product_id.in_(
                select(Product.id)
                .where(func.upper(Product.sku) == flt.product_sku.strip().upper())
                .scalar_subquery()
            )
        )
    if flt.statuses:
        where.append(or_(*(status_condition(s, on) for s in dict.fromkeys(flt.statuses))))
    if flt.expiring_within_days is not None:
        days = bounded_days(flt.expiring_within_days)
        where.append(
            and_(
                License.state == LicenseState.CURRENT,
                License.maintenance_until >= on,
                License.maintenance_until <= on + timedelta(days=days),
            )
        )
    if flt.search and len(flt.search) > MAX_SEARCH:
        raise InvalidInputError(
            [FieldProblem("filter.search", "TOO_LONG", f"Search for at most {MAX_SEARCH} characters.")]
        )
    if flt.search and flt.search.strip():
        where.append(search_condition(flt.search))
    for custom in flt.custom:
        field_row = fields.get(custom.field_id) if custom.field_id else None
        where.append(false() if field_row is None else _custom_condition(field_row, custom.value))

    desc = order.descending
    query = Query(where=where, keys=[], tag=f"{order.field.value}:{int(desc)}:{order.custom_field_id or ''}")
    if order.field == SortField.CREATED_AT:
        query.keys = [(License.created_at, desc)]
    elif order.field == SortField.MAINTENANCE_UNTIL:
        query.keys = [(License.maintenance_until, desc)]
    elif order.field == SortField.QUANTITY:
        query.keys = [(License.quantity, desc)]
    elif order.field == SortField.STATUS:
        query.keys = [(status_rank(on), desc)]
    elif order.field == SortField.PRODUCT:
        query.keys = [(Product.name, desc), (Product.version, desc)]
    else:
        field_row = fields.get(order.custom_field_id) if order.custom_field_id else None
        if field_row is None:
            query.keys = [(License.created_at, desc)]
        else:
            value = {
                CustomFieldType.NUMBER: LicenseCustomValue.value_number,
                CustomFieldType.DATE: LicenseCustomValue.value_date,
            }.get(field_row.type, LicenseCustomValue.value_text)
            query.outer.append(
                (
                    LicenseCustomValue,
                    and_(
                        LicenseCustomValue.license_id == License.id,
                        LicenseCustomValue.field_id == field_row.id,
                    ),
                )
            )
            # Licenses without a value sort last, in either direction.
            missing = case((value.is_(None), 1), else_=0)
            query.keys = [(missing, False), (value, desc)]
    query.keys.append((License.id, desc))
    return query


# ---------------------------------------------------------------- keyset pages


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "u" in value:
            return uuid.UUID(value["u"])
    return value


def encode_cursor(query: Query, values: tuple[Any, ...]) -> str:
    raw = json.dumps({"o": query.tag, "k": [_encode_value(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(query: Query, cursor: str | None) -> list[Any] | None:
    """The sort values a cursor carries; None (from the start) for a cursor of another order or
    one that does not decode."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data.get("o") != query.tag or len(data["k"]) != len(query.keys):
            return None
        return [_decode_value(v) for v in data["k"]]
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        return None


def _after(query: Query, values: list[Any]) -> ColumnElement[bool]:
    keys = query.keys
    directions = {desc for _, desc in keys}
    if len(directions) == 1 and all(v is not None for v in values):
        # One direction, no nulls: a row-value comparison the (account_id, …, id) indexes serve.
        left = tuple_(*(expr for expr, _ in keys))
        right = tuple_(*(literal(v, type_=expr.type) for (expr, _), v in zip(keys, values, strict=True)))
        return left < right if directions == {True} else left > right
    alternatives: list[ColumnElement[bool]] = []
    for i, ((expr, desc), value) in enumerate(zip(keys, values, strict=True)):
        if value is None:
            continue  # every row still to come has a null here too: the next key decides
        equal = [e.is_(None) if v is None else e == v for (e, _), v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append(and_(*equal, expr < value if desc else expr > value))
    return or_(*alternatives) if alternatives else false()


@dataclass(frozen=True, slots=True)
class LicenseRow:
    """A license as list pages read it: the columns every field of the License type reads, as
    plain values (no ORM entity: a page of many accounts holds thousands, and mapping each row to
    an entity cost more than the query)."""

    id: uuid.UUID
    account_id: uuid.UUID
    product_id: uuid.UUID
    owner_user_id: uuid.UUID | None
    quantity: int
    maintenance_until: date
    host_id: str | None
    state: LicenseState
    created_at: datetime


LICENSE_COLUMNS = tuple(getattr(License, f.name) for f in dataclasses.fields(LicenseRow))
# Then the product's, all but the id (the license's product_id).
PRODUCT_COLUMNS = tuple(c for c in Product.__table__.columns if c.key != "id")


def page_statement(query: Query, size: int, values: list[Any] | None = None) -> Select[Any]:
    """One page (and one row more, to tell whether another page follows) after the cursor values."""
    stmt = query.base(*LICENSE_COLUMNS, *PRODUCT_COLUMNS, *(expr for expr, _ in query.keys))
    if values is not None:
        stmt = stmt.where(_after(query, values))
    return stmt.order_by(*(expr.desc() if desc else expr.asc() for expr, desc in query.keys)).limit(size + 1)


def count_statement(query: Query) -> Select[Any]:
    # The joins only serve the page: the count needs the conditions alone.
    return select(func.count()).select_from(License).where(*query.where)


@dataclass
class Page:
    rows: list[tuple[LicenseRow, tuple[Any, ...]]]  # (license, its sort values: see cursor())
    products: dict[uuid.UUID, Product]
    has_next: bool
    has_previous: bool
    query: Query

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index`, encoded when asked for (most pages show none)."""
        return encode_cursor(self.query, self.rows[index][1])


def _page(
    query: Query, rows: Sequence[Any], size: int, has_previous: bool, products: dict[uuid.UUID, Product]
) -> Page:
    """A page from rows of page_statement()'s shape: license columns, product columns, sort values
    (any columns after those are left out). `products` is shared between the pages of one
    statement: one Product object per product."""
    width, product_width = len(LICENSE_COLUMNS), len(PRODUCT_COLUMNS)
    keys = slice(width + product_width, width + product_width + len(query.keys))
    edges: list[tuple[LicenseRow, tuple[Any, ...]]] = []
    mine: dict[uuid.UUID, Product] = {}
    for row in rows[:size]:
        license_ = LicenseRow(*row[:width])
        product = products.get(license_.product_id)
        if product is None:
            values = row[width : width + product_width]
            product = Product(
                id=license_.product_id, **{c.key: v for c, v in zip(PRODUCT_COLUMNS, values, strict=True)}
            )
            products[product.id] = product
        mine[product.id] = product
        edges.append((license_, tuple(row[keys])))
    return Page(edges, mine, len(rows) > size, has_previous, query)


def clamp(first: int | None, limit: int = MAX_PAGE) -> int:
    return max(1, min(first if first is not None else 50, limit))


async def page(
    session: AsyncSession, query: Query, first: int, after: str | None = None, *, limit: int = MAX_PAGE
) -> Page:
    size = clamp(first, limit)
    values = decode_cursor(query, after)
    rows = (await session.execute(page_statement(query, size, values))).all()
    return _page(query, rows, size, values is not None, {})


async def first_pages(
    session: AsyncSession, account_ids: list[uuid.UUID], query: Query, first: int
) -> dict[uuid.UUID, tuple[Page, int]]:
    """The first page of each account and the account's total, for a query prepared with
    Scope(account_ids=…): one statement for any number of accounts (a window per account ranks
    its licenses and counts them)."""
    size = clamp(first)
    keys = [expr.label(f"k{i}") for i, (expr, _) in enumerate(query.keys)]
    order = [expr.desc() if desc else expr.asc() for expr, desc in query.keys]
    ranked = query.base(
        License.id.label("license_id"),
        func.row_number().over(partition_by=License.account_id, order_by=order).label("n"),
        func.count().over(partition_by=License.account_id).label("total"),
        *keys,
    ).subquery()
    stmt = (
        select(
            *LICENSE_COLUMNS,
            *PRODUCT_COLUMNS,
            *(ranked.c[f"k{i}"] for i in range(len(keys))),
            ranked.c.total,
        )
        .join(ranked, ranked.c.license_id == License.id)
        .join(Product, Product.id == License.product_id)
        .where(ranked.c.n <= size + 1)
        .order_by(License.account_id, ranked.c.n)
    )
    grouped: dict[uuid.UUID, list[Any]] = {account_id: [] for account_id in account_ids}
    totals: dict[uuid.UUID, int] = {}
    for row in (await session.execute(stmt)).all():
        grouped[row.account_id].append(row)
        totals[row.account_id] = int(row.total)
    products: dict[uuid.UUID, Product] = {}
    return {
        account_id: (_page(query, rows, size, False, products), totals.get(account_id, 0))
        for account_id, rows in grouped.items()
    }


async def count(session: AsyncSession, query: Query) -> int:
    total = await session.scalar(count_statement(query))
    return int(total or 0)


# ---------------------------------------------------------------- what list pages show of each license


def _among(
    session: AsyncSession, column: InstrumentedAttribute[uuid.UUID], ids: Sequence[uuid.UUID]
) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `column = ANY(:ids)`, one array parameter: a page's
    thousands of ids compile, travel and plan as one value, and the statement stays the same
    text (one prepared statement) however many there are."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))
    return column.in_(ids)


@dataclass(frozen=True)
class Shown:
    """What a page's licenses will be asked for besides their own columns and product: read with
    the page, so each license's field finds it there (see Loaders.read_shown)."""

    keys: bool = False
    custom_values: bool = False


@dataclass(frozen=True, slots=True)
class KeyRow:
    """A signed key as license lists show it: the columns of the LicenseKey type but the license
    file, which is large and read on its own when asked for (license_files())."""

    id: uuid.UUID
    license_id: uuid.UUID
    activation_key: str
    kid: str
    host_id: str | None
    status: KeyStatus
    issued_at: datetime


KEY_COLUMNS = tuple(getattr(LicenseKey, f.name) for f in dataclasses.fields(KeyRow))


async def keys_of(
    session: AsyncSession, license_ids: Sequence[uuid.UUID]
) -> defaultdict[uuid.UUID, list[KeyRow]]:
    """Each license's keys, oldest first (an empty list for a license without keys)."""
    grouped: defaultdict[uuid.UUID, list[KeyRow]] = defaultdict(list)
    rows = await session.execute(
        select(*KEY_COLUMNS)
        .where(_among(session, LicenseKey.license_id, license_ids))
        .order_by(LicenseKey.issued_at, LicenseKey.id)
    )
    for row in rows:
        key = KeyRow(*row)
        grouped[key.license_id].append(key)
    return grouped


async def license_files(session: AsyncSession, key_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(LicenseKey.id, LicenseKey.license_file).where(LicenseKey.id.in_(key_ids))
    )
    return {key_id: text for key_id, text in rows}


async def custom_values_of(
    session: AsyncSession, license_ids: Sequence[uuid.UUID]
) -> defaultdict[uuid.UUID, list[tuple[CustomField, str]]]:
    """Each license's custom values with their fields, by field position (an empty list for a
    license without values). The values are read as three plain columns and the few fields they
    belong to in a statement of their own: a page of licenses has thousands of values but a
    few fields per account, and the field's columns on every value's row cost most of the time."""
    rows = (
        await session.execute(
            select(LicenseCustomValue.license_id, LicenseCustomValue.field_id, LicenseCustomValue.value_text)
            .join(CustomField, CustomField.id == LicenseCustomValue.field_id)
            .where(_among(session, LicenseCustomValue.license_id, license_ids))
            .order_by(CustomField.position, CustomField.created_at, CustomField.id)
        )
    ).all()
    grouped: defaultdict[uuid.UUID, list[tuple[CustomField, str]]] = defaultdict(list)
    if not rows:
        return grouped
    field_ids = {field_id for _, field_id, _ in rows}
    fields = {
        f.id: f for f in await session.scalars(select(CustomField).where(CustomField.id.in_(field_ids)))
    }
    for license_id, field_id, value in rows:
        grouped[license_id].append((fields[field_id], value or ""))
    return grouped


# ---------------------------------------------------------------- acting on many licenses


async def set_registration(
    db: Database, actor: Actor, license_ids: list[uuid.UUID | None], data: dict[str, Any]
) -> list[License]:
    """The same support registration on every license (1..500), all or nothing."""
    if not license_ids:
        raise InvalidInputError([FieldProblem("licenseIds", "REQUIRED", "Select at least one license.")])
    if len(license_ids) > MAX_BULK:
        raise InvalidInputError(
            [FieldProblem("licenseIds", "TOO_MANY", f"At most {MAX_BULK} licenses at once.")]
        )
    clean = validate_registration(data)
    async with db.write() as session:
        licenses = await require_licenses(
            session, actor, license_ids, LicenseAccess.MANAGE, field="licenseIds", for_update=True
        )
        ids = [row.id for row in licenses]
        have = set(
            await session.scalars(
                select(SupportRegistration.license_id).where(SupportRegistration.license_id.in_(ids))
            )
        )
        if have:
            await session.execute(
                update(SupportRegistration)
                .where(SupportRegistration.license_id.in_(have))
                .values(data=clean, entered_by_user_id=actor.user_id, entered_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        now = utcnow()
        missing = [row for row in licenses if row.id not in have]
        if missing:
            await session.execute(
                insert(SupportRegistration),
                [
                    {
                        "id": uuid.uuid4(),
                        "account_id": row.account_id,
                        "license_id": row.id,
                        "data": clean,
                        "created_at": now,
                        "entered_by_user_id": actor.user_id,
                        "entered_at": now,
                    }
                    for row in missing
                ],
            )
        tx = as_driver_transaction(session)
        for row in licenses:
            await audit.record(
                tx,
                "license.registration",
                actor=actor,
                account_id=row.account_id,
                target=("License", row.id),
                company=clean["company"],
                technicalContact=clean["technicalContact"]["email"],
            )
        return licenses


# ---------------------------------------------------------------- reads behind the top-level queries


async def visible_license(
    session: AsyncSession, actor: Actor, license_id: uuid.UUID | None
) -> License | None:
    """The license if the actor may see it (a role on its account, or a share); else None: unknown
    and foreign look alike."""
    try:
        return (await require_licenses(session, actor, [license_id], LicenseAccess.VIEW, field="id"))[0]
    except NotFoundError:
        return None


async def newest_licenses(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID | None, first: int
) -> list[License]:
    """An account's newest licenses (at most MAX_PAGE); none for an account the actor may not see."""
    if not await may(as_driver_transaction(session), actor, account_id, Permission.VIEW):
        return []
    rows = await session.scalars(
        select(License)
        .where(License.account_id == account_id)
        .order_by(License.created_at.desc(), License.id)
        .limit(clamp(first))
    )
    return list(rows)


async def account_page(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    first: int | None,
    after: str | None,
    flt: Filter | None,
    order: Order | None,
) -> tuple[Page, Role] | None:
    """One page of an account's licenses and the actor's role there; None when the actor may not
    see the account."""
    role = await role_on(as_driver_transaction(session), actor.user_id, account_id)
    if role is None or not allows(role, Permission.VIEW):
        return None
    query = await prepare(session, Scope(account_id=account_id), flt, order)
    return await page(session, query, clamp(first), after), role
