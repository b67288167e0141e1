"""What a contract has consumed: totals by product or by month, the deployments (every license
drawn, by whom, when), and the true-up rows — each aggregated in SQL."""

from __future__ import annotations

import base64
import csv
import enum
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, case, func, or_, select, true

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import FlexCatalogItem, FlexContract, FlexDraw, FlexRole, LicenseShare, Product
from backend.domain.access import Actor, FlexPermission
from backend.domain.errors import FieldProblem, InvalidInputError
from backend.domain.flex import contracts

_draws, _products, _shares, _catalog = (
    cast(Table, m.__table__) for m in (FlexDraw, Product, LicenseShare, FlexCatalogItem)
)


class GroupBy(enum.Enum):
    PRODUCT = "PRODUCT"
    MONTH = "MONTH"


@dataclass(frozen=True)
class ConsumptionRow:
    """Drawn and returned units and points of one product or one month (by draw-down date)."""

    product_id: uuid.UUID | None
    month: str | None  # YYYY-MM
    drawn_units: int
    returned_units: int
    points: int  # net: drawn less returned
    overage_points: int


def _month(dialect: str) -> Any:
    if dialect == "sqlite":
        return func.strftime("%Y-%m", _draws.c.drawn_at)
    return func.to_char(func.timezone("UTC", _draws.c.drawn_at), "YYYY-MM")


def _sums() -> list[Any]:
    kept = _draws.c.returned_at.is_(None)
    return [
        func.sum(_draws.c.quantity).label("drawn_units"),
        func.coalesce(func.sum(case((kept, 0), else_=_draws.c.quantity)), 0)
        .cast(Integer)
        .label("returned_units"),
        func.coalesce(func.sum(case((kept, _draws.c.points), else_=0)), 0).cast(Integer).label("points"),
        func.coalesce(func.sum(case((kept, _draws.c.overage_points), else_=0)), 0)
        .cast(Integer)
        .label("overage_points"),
    ]


@cache
def _consumption(dialect: str, group_by: GroupBy) -> Prepared:
    key = _draws.c.product_id if group_by == GroupBy.PRODUCT else _month(dialect)
    return Prepared(
        select(key.label("key"), *_sums())
        .where(_draws.c.contract_id == bindparam("contract_id"))
        .group_by(key)
        .order_by(key)
    )


async def consumption(
    db: Database, actor: Actor, contract_id: uuid.UUID, group_by: GroupBy
) -> list[ConsumptionRow]:
    """Super users' view of the whole contract (others see none)."""

    async def read(tx: DriverTransaction) -> list[ConsumptionRow]:
        await contracts.load(tx, actor, contract_id, FlexPermission.ADMINISTER)
        rows = await tx.all(_consumption(tx.dialect, group_by), {"contract_id": contract_id})
        return [
            ConsumptionRow(
                product_id=row["key"] if group_by == GroupBy.PRODUCT else None,
                month=row["key"] if group_by == GroupBy.MONTH else None,
                drawn_units=int(row["drawn_units"] or 0),
                returned_units=int(row["returned_units"]),
                points=int(row["points"]),
                overage_points=int(row["overage_points"]),
            )
            for row in rows
        ]

    return await db.driver.run(read, transaction=False)


@dataclass(frozen=True)
class DeploymentFilter:
    product_id: uuid.UUID | None = None
    drawn_by: uuid.UUID | None = None
    returned: bool | None = None  # None: both


@dataclass(frozen=True)
class DeploymentPage:
    draws: list[FlexDraw]
    has_next: bool
    end_cursor: str | None
    total: int


MAX_PAGE = 100


def _cursor(draw: FlexDraw) -> str:
    return base64.urlsafe_b64encode(json.dumps([draw.drawn_at.isoformat(), str(draw.id)]).encode()).decode()


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        at, draw_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), uuid.UUID(draw_id)
    except (ValueError, TypeError):
        raise InvalidInputError(
            [FieldProblem("after", "INVALID", "This cursor is not one we gave out.")]
        ) from None


def _visible_to(role: FlexRole) -> Any:
    """Super users and viewers see every deployment; contract users their own and those shared with them."""
    if role != FlexRole.CONTRACT_USER:
        return true()
    shared = select(_shares.c.license_id).where(_shares.c.user_id == bindparam("user_id"))
    return or_(_draws.c.user_id == bindparam("user_id"), _draws.c.license_id.in_(shared))


def _deployments(role: FlexRole, keyset: bool, count: bool) -> Prepared:
    conditions = [
        _draws.c.contract_id == bindparam("contract_id"),
        _visible_to(role),
        or_(
            bindparam("product_id", type_=_draws.c.product_id.type).is_(None),
            _draws.c.product_id == bindparam("product_id", type_=_draws.c.product_id.type),
        ),
        or_(
            bindparam("drawn_by", type_=_draws.c.user_id.type).is_(None),
            _draws.c.user_id == bindparam("drawn_by", type_=_draws.c.user_id.type),
        ),
        or_(
            bindparam("returned_filter", type_=Integer).is_(None),
            case((_draws.c.returned_at.is_(None), 0), else_=1) == bindparam("returned_filter", type_=Integer),
        ),
    ]
    if count:
        return Prepared(select(func.count()).select_from(_draws).where(*conditions))
    if keyset:
        at, draw_id = (
            bindparam("after_at", type_=_draws.c.drawn_at.type),
            bindparam("after_id", type_=_draws.c.id.type),
        )
        conditions.append(or_(_draws.c.drawn_at < at, (_draws.c.drawn_at == at) & (_draws.c.id < draw_id)))
    return Prepared(
        select(_draws)
        .where(*conditions)
        .order_by(_draws.c.drawn_at.desc(), _draws.c.id.desc())
        .limit(bindparam("limit"))
    )


_DEPLOYMENTS = {
    (role, keyset, count): _deployments(role, keyset, count)
    for role in FlexRole
    for keyset in (False, True)
    for count in (False, True)
}


async def deployments(
    db: Database,
    actor: Actor,
    contract_id: uuid.UUID,
    first: int,
    after: str | None,
    where: DeploymentFilter,
) -> DeploymentPage:
    """A page of the contract's deployments the caller may see, newest first (keyset cursors)."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInputError(
            [FieldProblem("first", "RANGE", f"Ask for 1 to {MAX_PAGE} deployments at a time.")]
        )
    start = _after(after)

    async def read(tx: DriverTransaction) -> DeploymentPage:
        held = await contracts.load(tx, actor, contract_id, FlexPermission.VIEW)
        params: dict[str, Any] = {
            "contract_id": contract_id,
            "user_id": actor.user_id,
            "product_id": where.product_id,
            "drawn_by": where.drawn_by,
            "returned_filter": None if where.returned is None else int(where.returned),
            "limit": first + 1,
        }
        if start is not None:
            params["after_at"], params["after_id"] = start
        rows = await tx.all(_DEPLOYMENTS[(held.role, start is not None, False)], params)
        count = await tx.one(_DEPLOYMENTS[(held.role, False, True)], params)
        draws = [entity(FlexDraw, row) for row in rows[:first]]
        return DeploymentPage(
            draws,
            has_next=len(rows) > first,
            end_cursor=_cursor(draws[-1]) if draws else None,
            total=0 if count is None else int(next(iter(count.values()))),
        )

    return await db.driver.run(read, transaction=False)


@dataclass(frozen=True)
class TrueUpRow:
    sku: str
    product: str
    points_per_unit: int | None
    drawn_units: int
    returned_units: int
    points: int
    overage_points: int


_TRUE_UP = Prepared(
    select(_products.c.sku, _products.c.name, _catalog.c.points_per_unit, *_sums())
    .select_from(_draws)
    .join(_products, _products.c.id == _draws.c.product_id)
    .outerjoin(
        _catalog,
        (_catalog.c.contract_id == _draws.c.contract_id) & (_catalog.c.product_id == _draws.c.product_id),
    )
    .where(_draws.c.contract_id == bindparam("contract_id"))
    .group_by(_products.c.sku, _products.c.name, _catalog.c.points_per_unit)
    .order_by(_products.c.sku)
)


async def true_up(
    db: Database, actor: Actor, contract_id: uuid.UUID | None
) -> tuple[FlexContract, list[TrueUpRow]]:
    """Per product: units drawn and returned, net points and the points past the commitment."""

    async def read(tx: DriverTransaction) -> tuple[FlexContract, list[TrueUpRow]]:
        held = await contracts.load(tx, actor, contract_id, FlexPermission.ADMINISTER)
        rows = await tx.all(_TRUE_UP, {"contract_id": held.contract.id})
        return held.contract, [
            TrueUpRow(
                sku=row["sku"],
                product=row["name"],
                points_per_unit=row["points_per_unit"],
                drawn_units=int(row["drawn_units"] or 0),
                returned_units=int(row["returned_units"]),
                points=int(row["points"]),
                overage_points=int(row["overage_points"]),
            )
            for row in rows
        ]

    return await db.driver.run(read, transaction=False)


TRUE_UP_HEADER = [
    "contract",
    "sku",
    "product",
    "points_per_unit",
    "drawn_units",
    "returned_units",
    "net_units",
    "points",
    "overage_points",
]


def true_up_csv(contract: FlexContract, rows: list[TrueUpRow]) -> str:
    """The true-up as CSV: one line per product drawn, then the contract's totals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TRUE_UP_HEADER)
    for row in rows:
        writer.writerow(
            [
                contract.number,
                row.sku,
                row.product,
                "" if row.points_per_unit is None else row.points_per_unit,
                row.drawn_units,
                row.returned_units,
                row.drawn_units - row.returned_units,
                row.points,
                row.overage_points,
            ]
        )
    writer.writerow(
        [
            contract.number,
            "TOTAL",
            f"committed {contract.committed_points}",
            "",
            sum(r.drawn_units for r in rows),
            sum(r.returned_units for r in rows),
            sum(r.drawn_units - r.returned_units for r in rows),
            sum(r.points for r in rows),
            sum(r.overage_points for r in rows),
        ]
    )
    return out.getvalue()
