"""A partner's customer accounts: the managedAccounts connection and account summaries."""

from __future__ import annotations

from datetime import date

import strawberry

from backend.db import models
from backend.domain.licenses.finding import STATUS_ORDER, LicenseStatus
from backend.domain.partners import managed as domain
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.delegations import DelegationType
from backend.schema.licenses import PageInfo


@strawberry.type
class StatusCount:
    status: LicenseStatus
    count: int


@strawberry.type(description="An account's licenses at a glance.")
class AccountSummary:
    total_licenses: int
    by_status: list[StatusCount] = strawberry.field(description="Every status, in the status order.")
    next_maintenance_end: date | None = strawberry.field(
        description="The soonest maintenance end among current licenses not yet past it."
    )
    open_key_requests: int = strawberry.field(description="Drafts still alive and requests being fulfilled.")

    @classmethod
    def from_domain(cls, summary: domain.Summary) -> AccountSummary:
        return cls(
            total_licenses=summary.total,
            by_status=[StatusCount(status=s, count=summary.by_status.get(s, 0)) for s in STATUS_ORDER],
            next_maintenance_end=summary.next_maintenance_end,
            open_key_requests=summary.open_key_requests,
        )


@strawberry.input
class ManagedAccountFilter:
    name: str | None = strawberry.field(default=None, description="Part of the account name.")
    expiring_within_days: int | None = strawberry.field(
        default=None, description="Accounts with a current license whose maintenance ends within N days."
    )
    product_sku: str | None = strawberry.field(default=None, description="Accounts holding this product.")

    def to_domain(self) -> domain.ManagedFilter:
        return domain.ManagedFilter(self.name, self.expiring_within_days, self.product_sku)


@strawberry.type
class ManagedAccountEdge:
    cursor: str
    node: AccountRef
    delegation: DelegationType = strawberry.field(description="The delegation that lets you in.")

    @strawberry.field
    def scope(self) -> models.DelegationScope:
        return self.delegation.scope


@strawberry.type
class ManagedAccountConnection:
    edges: list[ManagedAccountEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: domain.ManagedPage) -> ManagedAccountConnection:
        edges = [
            ManagedAccountEdge(
                cursor=domain.encode_cursor(m.account),
                node=AccountRow.from_model(m.account),
                delegation=DelegationType.from_model(m.delegation),
            )
            for m in page.rows
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )
