"""Delegations between a customer account and a partner account."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.partners import delegations as domain
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.common import DelegationRefused, InvalidInput, Node, NotFound, to_global_id

strawberry.enum(models.DelegationScope, name="DelegationScope")
strawberry.enum(models.DelegationStatus, name="DelegationStatus")


@strawberry.type(name="Delegation")
class DelegationType(Node):
    scope: models.DelegationScope
    status: models.DelegationStatus = strawberry.field(
        description="EXPIRED once the end date has passed, whatever was stored."
    )
    ends_on: date | None = strawberry.field(description="The last day the partner may work on the account.")
    created_at: datetime
    responded_at: datetime | None
    revoked_at: datetime | None
    row: strawberry.Private[models.Delegation]

    @classmethod
    def from_model(cls, row: models.Delegation) -> DelegationType:
        return cls(
            id=to_global_id("Delegation", row.id),
            scope=row.scope,
            status=domain.status_of(row),
            ends_on=domain.ends_on_of(row),
            created_at=row.created_at,
            responded_at=row.responded_at,
            revoked_at=row.revoked_at,
            row=row,
        )

    @strawberry.field
    async def customer_account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.customer_account_id))

    @strawberry.field
    async def partner_account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.partner_account_id))


@strawberry.input
class DelegationInviteInput:
    account_id: strawberry.ID = strawberry.field(description="The customer account delegating.")
    scope: models.DelegationScope
    partner_account_number: str | None = None
    partner_user_email: str | None = strawberry.field(
        default=None, description="Instead of the account number: the e-mail of one of the partner's users."
    )
    ends_on: date | None = strawberry.field(default=None, description="Last day; none: until revoked.")


@strawberry.input
class DelegationIdInput:
    delegation_id: strawberry.ID


@strawberry.type
class DelegationInviteSuccess:
    delegation: DelegationType


@strawberry.type
class DelegationAcceptSuccess:
    delegation: DelegationType


@strawberry.type
class DelegationDeclineSuccess:
    delegation: DelegationType


@strawberry.type
class DelegationRevokeSuccess:
    delegation: DelegationType


DelegationInviteResult = Annotated[
    DelegationInviteSuccess | InvalidInput | NotFound, strawberry.union("DelegationInviteResult")
]
DelegationAcceptResult = Annotated[
    DelegationAcceptSuccess | DelegationRefused | NotFound, strawberry.union("DelegationAcceptResult")
]
DelegationDeclineResult = Annotated[
    DelegationDeclineSuccess | DelegationRefused | NotFound, strawberry.union("DelegationDeclineResult")
]
DelegationRevokeResult = Annotated[
    DelegationRevokeSuccess | DelegationRefused | NotFound, strawberry.union("DelegationRevokeResult")
]
