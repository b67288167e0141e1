"""Reports: `report(accountId)` decides which accounts a report covers once; each field below is one
aggregate over them (backend.domain.reports). Flat rows of plain numbers, so a chart and a
reporting script read them alike; the same rows are the CSV downloads."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.licenses.finding import LicenseStatus
from backend.domain.reports import aggregates
from backend.domain.reports.scope import Scope
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.catalog import ProductType
from backend.schema.common import to_global_id


async def _product(info: Info, product_id: uuid.UUID) -> ProductType:
    return ProductType.from_model(await info.context.loaders.product.load(product_id))


@strawberry.type(name="LicensesByProductRow", description="Licenses of one product in one status.")
class LicensesByProductRow:
    status: LicenseStatus
    licenses: int
    seats: int = strawberry.field(description="The licenses' quantities added up.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return await _product(info, self.product_id)


@strawberry.type(
    name="MaintenanceMonth",
    description="Current licenses whose maintenance ends in this month (this month: from today).",
)
class MaintenanceMonth:
    month: str = strawberry.field(description="YYYY-MM")
    licenses: int
    seats: int


@strawberry.type(name="KeysIssuedDay")
class KeysIssuedDay:
    day: date = strawberry.field(description="A UTC day.")
    keys: int


@strawberry.type(name="KeysIssuedKind")
class KeysIssuedKind:
    kind: models.KeyRequestKind | None = strawberry.field(
        description="The kind of key request that signed them; null: signed outside any key request (imported)."
    )
    keys: int


@strawberry.type(
    name="KeysIssuedReport", description="Keys signed from `from` to `to` (UTC days, both included)."
)
class KeysIssuedReport:
    from_: date = strawberry.field(name="from")
    to: date
    total: int
    by_day: list[KeysIssuedDay] = strawberry.field(
        description="Every day of the range, days without keys included."
    )
    by_kind: list[KeysIssuedKind] = strawberry.field(
        description="Every kind of key request, in a fixed order."
    )


@strawberry.type(name="ActivationsByProductRow")
class ActivationsByProductRow:
    seats: int = strawberry.field(description="Seats of current licenses of the product.")
    activations: int = strawberry.field(description="Hosts holding a seat.")
    activated_licenses: int = strawberry.field(description="Licenses with at least one host.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return await _product(info, self.product_id)


@strawberry.type(
    name="PortfolioRow", description="One account of the report: what a partner checks per customer."
)
class PortfolioRow:
    account: AccountRef
    licenses: int = strawberry.field(description="Every license, whatever its status.")
    active: int = strawberry.field(description="Current licenses in maintenance (ACTIVE and EXPIRING).")
    maintenance_ending_90_days: int = strawberry.field(
        name="maintenanceEnding90Days", description="Current licenses whose maintenance ends within 90 days."
    )
    keys_issued_30_days: int = strawberry.field(
        name="keysIssued30Days", description="Keys signed in the last 30 days, today included."
    )


@strawberry.type(
    name="Report",
    description="Reports over one account, or over every customer account you manage as a partner. "
    "Each field is one aggregate, computed when asked for.",
)
class ReportType:
    scope: strawberry.Private[Scope]

    @strawberry.field(description="The UTC day the report is as of.")
    def as_of(self) -> date:
        return self.scope.on

    @strawberry.field(description="True when no account was chosen: every customer account you manage.")
    def managed(self) -> bool:
        return self.scope.managed

    @strawberry.field(description="How many accounts the report covers.")
    def account_count(self) -> int:
        return len(self.scope.account_ids)

    @strawberry.field(description="Licenses and seats per product and status, by SKU.")
    async def licenses_by_product(self, info: Info) -> list[LicensesByProductRow]:
        rows = await aggregates.licenses_by_product(info.context.portal.db, self.scope)
        return [
            LicensesByProductRow(
                status=r.status, licenses=r.licenses, seats=r.seats, product_id=r.product.product_id
            )
            for r in rows
        ]

    @strawberry.field(
        description="Current licenses whose maintenance ends in each of the next 12 months (this month first, "
        "from today); every month listed."
    )
    async def maintenance_by_month(self, info: Info) -> list[MaintenanceMonth]:
        rows = await aggregates.maintenance_by_month(info.context.portal.db, self.scope)
        return [MaintenanceMonth(month=r.month, licenses=r.licenses, seats=r.seats) for r in rows]

    @strawberry.field(
        description="Keys signed per day and per kind of request. Default: the last 30 days, today included; "
        "at most 366 days."
    )
    async def keys_issued(
        self,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> KeysIssuedReport:
        found = await aggregates.keys_issued(info.context.portal.db, self.scope, from_, to)
        return KeysIssuedReport(
            from_=found.start,
            to=found.end,
            total=found.total,
            by_day=[KeysIssuedDay(day=r.day, keys=r.keys) for r in found.by_day],
            by_kind=[KeysIssuedKind(kind=r.kind, keys=r.keys) for r in found.by_kind],
        )

    @strawberry.field(description="Per product: seats of current licenses, hosts activated, licenses in use.")
    async def activations_by_product(self, info: Info) -> list[ActivationsByProductRow]:
        rows = await aggregates.activations_by_product(info.context.portal.db, self.scope)
        return [
            ActivationsByProductRow(
                seats=r.seats,
                activations=r.activations,
                activated_licenses=r.activated_licenses,
                product_id=r.product.product_id,
            )
            for r in rows
        ]

    @strawberry.field(
        description="One row per account, by name: licenses, active, maintenance ending within 90 days, "
        "keys issued in 30 days (a partner's portfolio across its customers)."
    )
    async def portfolio(self, info: Info) -> list[PortfolioRow]:
        rows = await aggregates.portfolio(info.context.portal.db, self.scope)
        return [
            PortfolioRow(
                account=AccountRow(
                    id=to_global_id("Account", r.account_id),
                    name=r.name,
                    number=r.number,
                    kind=r.kind,
                    account_id=r.account_id,
                ),
                licenses=r.licenses,
                active=r.active,
                maintenance_ending_90_days=r.maintenance_ending,
                keys_issued_30_days=r.keys_issued,
            )
            for r in rows
        ]
