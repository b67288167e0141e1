"""Enterprise Flexible: contracts, their catalog, consumption and deployments. The draw-down's
inputs and results (which show a KeyRequest) are in backend.schema.flex_drawdown."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.flex import consumption, contracts
from backend.domain.flex.drawdown import return_closes
from backend.schema.account_refs import AccountRef, AccountRow, UserRef, UserRow
from backend.schema.catalog import ProductType
from backend.schema.common import (
    FlexRefused,
    FlexReturnWindowClosed,
    InvalidInput,
    Node,
    NotFound,
    from_global_id,
    to_global_id,
)
from backend.schema.licenses import LicenseType, PageInfo

strawberry.enum(
    models.FlexRole,
    name="FlexRole",
    description="SUPER_USER, CONTRACT_USER; VIEWER: a partner under a VIEW delegation.",
)
strawberry.enum(
    models.FlexOverage,
    name="FlexOveragePolicy",
    description="HARD: never past the commitment; SOFT: up to overagePercent past it.",
)
strawberry.enum(contracts.FlexStatus, name="FlexContractStatus")
strawberry.enum(consumption.GroupBy, name="FlexConsumptionGroupBy")


@strawberry.type(name="FlexCatalogItem")
class FlexCatalogItemType:
    points_per_unit: int
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.product_id))


@strawberry.type(
    name="FlexConsumption", description="Drawn and returned units and net points of one product or month."
)
class FlexConsumptionType:
    month: str | None = strawberry.field(description="YYYY-MM (groupBy MONTH), by draw-down date in UTC.")
    drawn_units: int
    returned_units: int
    points: int = strawberry.field(description="Points of what was drawn and not returned.")
    overage_points: int
    product_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="groupBy PRODUCT")
    async def product(self, info: Info) -> ProductType | None:
        if self.product_id is None:
            return None
        return ProductType.from_model(await info.context.loaders.product.load(self.product_id))


@strawberry.type(name="FlexDeployment", description="A license drawn from a contract.")
class FlexDeploymentType:
    id: strawberry.ID = strawberry.field(description="Stable within the contract (the license is the node).")
    quantity: int
    points: int
    overage_points: int
    drawn_at: datetime
    returned_at: datetime | None
    row: strawberry.Private[models.FlexDraw]

    @classmethod
    def from_model(cls, row: models.FlexDraw) -> FlexDeploymentType:
        return cls(
            id=to_global_id("FlexDeployment", row.id),
            quantity=row.quantity,
            points=row.points,
            overage_points=row.overage_points,
            drawn_at=row.drawn_at,
            returned_at=row.returned_at,
            row=row,
        )

    @strawberry.field(description="Until when flexReturn takes it back (30 days after the draw-down).")
    def returnable_until(self) -> datetime:
        return return_closes(self.row)

    @strawberry.field
    async def license(self, info: Info) -> LicenseType:
        return LicenseType.from_model(await info.context.loaders.license.load(self.row.license_id))

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.product_id))

    @strawberry.field(description="The user who drew it down.")
    async def drawn_by(self, info: Info) -> UserRef:
        return UserRow.from_model(await info.context.loaders.user.load(self.row.user_id))

    @strawberry.field(
        description="The partner account it was drawn from, when a partner acted for the customer."
    )
    async def acting_account(self, info: Info) -> AccountRef | None:
        if self.row.acting_account_id is None:
            return None
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.acting_account_id))

    @strawberry.field
    async def contract_number(self, info: Info) -> str:
        return (await info.context.loaders.flex_contract.load(self.row.contract_id)).number


@strawberry.type(name="FlexDeploymentConnection")
class FlexDeploymentConnection:
    nodes: list[FlexDeploymentType]
    page_info: PageInfo
    total_count: int


@strawberry.input(name="FlexDeploymentFilter")
class FlexDeploymentFilter:
    product_id: strawberry.ID | None = None
    drawn_by: strawberry.ID | None = strawberry.field(default=None, description="A user id.")
    returned: bool | None = strawberry.field(
        default=None, description="true: returned only; false: kept only."
    )


@strawberry.type(name="FlexRoleHolder")
class FlexRoleHolderType:
    role: models.FlexRole
    by_account_role: bool = strawberry.field(
        description="An account admin: super user by their account role."
    )
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def user(self, info: Info) -> UserRef:
        return UserRow.from_model(await info.context.loaders.user.load(self.user_id))


@strawberry.type(name="FlexContract")
class FlexContractType(Node):
    number: str
    starts_on: date
    ends_on: date
    committed_points: int
    consumed_points: int
    overage_policy: models.FlexOverage
    overage_percent: int
    my_role: models.FlexRole | None = strawberry.field(description="Your role on this contract.")
    row: strawberry.Private[models.FlexContract]

    @classmethod
    def from_model(cls, row: models.FlexContract, role: models.FlexRole | None) -> FlexContractType:
        return cls(
            id=to_global_id("FlexContract", row.id),
            number=row.number,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            committed_points=row.committed_points,
            consumed_points=row.consumed_points,
            overage_policy=row.overage_policy,
            overage_percent=row.overage_percent,
            my_role=role,
            row=row,
        )

    @strawberry.field
    def status(self) -> contracts.FlexStatus:
        return contracts.status(self.row, contracts.today())

    @strawberry.field(description="Committed less consumed: negative while in overage.")
    def remaining_points(self) -> int:
        return self.row.committed_points - self.row.consumed_points

    @strawberry.field(description="What can still be drawn under the overage policy.")
    def drawable_points(self) -> int:
        return contracts.drawable_points(self.row)

    @strawberry.field(description="The most the policy lets the contract consume.")
    def ceiling_points(self) -> int:
        return contracts.ceiling_points(self.row)

    @strawberry.field
    async def account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.account_id))

    @strawberry.field
    async def catalog(self, info: Info) -> list[FlexCatalogItemType]:
        items = await info.context.loaders.flex_catalog.load(self.row.id)
        return [
            FlexCatalogItemType(points_per_unit=i.points_per_unit, product_id=i.product_id) for i in items
        ]

    @strawberry.field(description="Super users: the contract's consumption by product or by month.")
    async def consumption(self, info: Info, group_by: consumption.GroupBy) -> list[FlexConsumptionType]:
        if self.my_role != models.FlexRole.SUPER_USER:
            return []
        rows = await consumption.consumption(
            info.context.portal.db, info.context.actor, self.row.id, group_by
        )
        return [
            FlexConsumptionType(
                month=r.month,
                drawn_units=r.drawn_units,
                returned_units=r.returned_units,
                points=r.points,
                overage_points=r.overage_points,
                product_id=r.product_id,
            )
            for r in rows
        ]

    @strawberry.field(
        description="The contract catalog of what was deployed, newest first: every license drawn (super users "
        "and viewers), or your own and those shared with you (contract users). first ≤ 100."
    )
    async def deployments(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: FlexDeploymentFilter | None = None,
    ) -> FlexDeploymentConnection:
        where = consumption.DeploymentFilter(
            product_id=None
            if filter is None or filter.product_id is None
            else from_global_id(filter.product_id, "Product"),
            drawn_by=None
            if filter is None or filter.drawn_by is None
            else from_global_id(filter.drawn_by, "User"),
            returned=None if filter is None else filter.returned,
        )
        page = await consumption.deployments(
            info.context.portal.db, info.context.actor, self.row.id, first, after, where
        )
        return FlexDeploymentConnection(
            nodes=[FlexDeploymentType.from_model(d) for d in page.draws],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=None,
                end_cursor=page.end_cursor,
            ),
            total_count=page.total,
        )

    @strawberry.field(
        description="Who holds a role on the contract (super users see it; others get an empty list)."
    )
    async def roles(self, info: Info) -> list[FlexRoleHolderType]:
        if self.my_role != models.FlexRole.SUPER_USER:
            return []
        holders = await info.context.loaders.flex_role_holders.load(self.row.id)
        return [
            FlexRoleHolderType(role=h.role, by_account_role=h.by_account_role, user_id=h.user_id)
            for h in holders
        ]


@strawberry.type(name="FlexCartLine", description="A line of a draw-down's cart.")
class FlexCartLineType:
    quantity: int
    points_per_unit: int | None = strawberry.field(description="Null when the product left the catalog.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def points(self) -> int:
        return self.quantity * (self.points_per_unit or 0)

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.product_id))


# Operators.
@strawberry.input
class FlexContractCreateInput:
    account_id: strawberry.ID
    number: str
    starts_on: date
    ends_on: date
    committed_points: int
    overage_policy: models.FlexOverage = models.FlexOverage.HARD
    overage_percent: int = 0


@strawberry.input
class FlexCatalogSetInput:
    contract_id: strawberry.ID
    product_id: strawberry.ID
    points_per_unit: int | None = strawberry.field(description="Null takes the product out of the catalog.")


@strawberry.input
class FlexRoleSetInput:
    contract_id: strawberry.ID
    user_id: strawberry.ID
    role: models.FlexRole | None = strawberry.field(
        description="SUPER_USER or CONTRACT_USER; null takes the role away."
    )


@strawberry.input
class FlexReturnInput:
    license_id: strawberry.ID


@strawberry.type
class FlexContractCreateSuccess:
    contract: FlexContractType


@strawberry.type
class FlexCatalogSetSuccess:
    contract: FlexContractType


@strawberry.type
class FlexRoleSetSuccess:
    contract: FlexContractType


@strawberry.type
class FlexReturnSuccess:
    deployment: FlexDeploymentType
    contract: FlexContractType


FlexContractCreateResult = Annotated[
    FlexContractCreateSuccess | InvalidInput | NotFound, strawberry.union("FlexContractCreateResult")
]
FlexCatalogSetResult = Annotated[
    FlexCatalogSetSuccess | InvalidInput | NotFound, strawberry.union("FlexCatalogSetResult")
]
FlexRoleSetResult = Annotated[
    FlexRoleSetSuccess | InvalidInput | NotFound | FlexRefused, strawberry.union("FlexRoleSetResult")
]
FlexReturnResult = Annotated[
    FlexReturnSuccess | NotFound | FlexRefused | FlexReturnWindowClosed, strawberry.union("FlexReturnResult")
]
