"""Each report as a CSV table: the rows the GraphQL fields answer, one line each, under a header a
spreadsheet or a script reads (`GET /api/reports/<name>.csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.db.engine import Database
from backend.domain.reports import aggregates
from backend.domain.reports.scope import Scope
from backend.domain.spreadsheet import safe_row

Rows = Callable[[Database, Scope, date | None, date | None], Awaitable[list[list[Any]]]]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Rows


async def _licenses_by_product(
    db: Database, scope: Scope, _start: date | None, _end: date | None
) -> list[list[Any]]:
    return [
        [r.product.sku, r.product.name, r.product.version, r.status.value, r.licenses, r.seats]
        for r in await aggregates.licenses_by_product(db, scope)
    ]


async def _maintenance_by_month(
    db: Database, scope: Scope, _start: date | None, _end: date | None
) -> list[list[Any]]:
    return [[r.month, r.licenses, r.seats] for r in await aggregates.maintenance_by_month(db, scope)]


async def _keys_by_day(db: Database, scope: Scope, start: date | None, end: date | None) -> list[list[Any]]:
    found = await aggregates.keys_issued(db, scope, start, end)
    return [[r.day.isoformat(), r.keys] for r in found.by_day]


async def _keys_by_kind(db: Database, scope: Scope, start: date | None, end: date | None) -> list[list[Any]]:
    found = await aggregates.keys_issued(db, scope, start, end)
    # An empty kind: keys signed outside any key request, as GraphQL's null says.
    return [["" if r.kind is None else r.kind.value, r.keys] for r in found.by_kind]


async def _activations_by_product(
    db: Database, scope: Scope, _start: date | None, _end: date | None
) -> list[list[Any]]:
    return [
        [r.product.sku, r.product.name, r.product.version, r.seats, r.activations, r.activated_licenses]
        for r in await aggregates.activations_by_product(db, scope)
    ]


async def _portfolio(db: Database, scope: Scope, _start: date | None, _end: date | None) -> list[list[Any]]:
    return [
        [r.number, r.name, r.licenses, r.active, r.maintenance_ending, r.keys_issued]
        for r in await aggregates.portfolio(db, scope)
    ]


TABLES: dict[str, Table] = {
    "licenses-by-product": Table(
        ["sku", "product", "version", "status", "licenses", "seats"], _licenses_by_product
    ),
    "maintenance-by-month": Table(["month", "licenses", "seats"], _maintenance_by_month),
    "keys-issued-by-day": Table(["day", "keys"], _keys_by_day),
    "keys-issued-by-kind": Table(["kind", "keys"], _keys_by_kind),
    "activations-by-product": Table(
        ["sku", "product", "version", "seats", "activations", "activated_licenses"], _activations_by_product
    ),
    "portfolio": Table(
        [
            "account_number",
            "account",
            "licenses",
            "active",
            "maintenance_ending_90_days",
            "keys_issued_30_days",
        ],
        _portfolio,
    ),
}


def as_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


async def csv_of(db: Database, name: str, scope: Scope, start: date | None, end: date | None) -> str:
    """The named report as CSV (KeyError for a name that is none of TABLES; InvalidInputError for
    a keys-issued range out of bounds)."""
    table = TABLES[name]
    return as_csv(table.header, await table.rows(db, scope, start, end))
