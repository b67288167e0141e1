"""Enterprise Flexible resolvers: contracts, operators' set-up, roles, draw-down steps, returns."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.db.models import FlexContract
from backend.domain.flex import contracts, drawdown
from backend.resolvers.steps import key_request_step, run_step
from backend.schema.common import from_global_id
from backend.schema.flex import (
    FlexCartLineType,
    FlexCatalogSetInput,
    FlexCatalogSetResult,
    FlexCatalogSetSuccess,
    FlexContractCreateInput,
    FlexContractCreateResult,
    FlexContractCreateSuccess,
    FlexContractType,
    FlexDeploymentType,
    FlexReturnInput,
    FlexReturnResult,
    FlexReturnSuccess,
    FlexRoleSetInput,
    FlexRoleSetResult,
    FlexRoleSetSuccess,
)
from backend.schema.flex_drawdown import (
    FlexDrawDownSetItemsInput,
    FlexDrawDownSetItemsResult,
    FlexDrawDownSetItemsSuccess,
    FlexDrawDownStartInput,
    FlexDrawDownStartResult,
    FlexDrawDownStartSuccess,
)
from backend.schema.key_requests import KeyRequestType


async def _contract(info: Info, contract: FlexContract) -> FlexContractType:
    role = await info.context.loaders.flex_role.load((info.context.actor.user_id, contract.id))
    return FlexContractType.from_model(contract, role)


@strawberry.type
class Query:
    @strawberry.field(description="The account's Enterprise Flexible contracts you hold a role on.")
    async def flex_contracts(self, info: Info, account_id: strawberry.ID) -> list[FlexContractType]:
        ctx = info.context
        held = await contracts.visible(ctx.portal.db, ctx.actor, from_global_id(account_id, "Account"))
        return [FlexContractType.from_model(h.contract, h.role) for h in held]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Operators: a contract for a customer account.")
    async def flex_contract_create(
        self, info: Info, input: FlexContractCreateInput
    ) -> FlexContractCreateResult:
        ctx = info.context
        new = contracts.NewContract(
            account_id=from_global_id(input.account_id, "Account"),
            number=input.number,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            committed_points=input.committed_points,
            overage=input.overage_policy,
            overage_percent=input.overage_percent,
        )
        step = contracts.create(ctx.portal.db, ctx.actor, new)
        result: FlexContractCreateResult = await run_step(
            step, lambda c: FlexContractCreateSuccess(contract=FlexContractType.from_model(c, None))
        )
        return result

    @strawberry.mutation(
        description="Operators: price a product in a contract's catalog (null takes it out)."
    )
    async def flex_catalog_set(self, info: Info, input: FlexCatalogSetInput) -> FlexCatalogSetResult:
        ctx = info.context
        step = contracts.set_catalog_price(
            ctx.portal.db,
            ctx.actor,
            from_global_id(input.contract_id, "FlexContract"),
            from_global_id(input.product_id, "Product"),
            input.points_per_unit,
        )
        result: FlexCatalogSetResult = await run_step(
            step, lambda c: FlexCatalogSetSuccess(contract=FlexContractType.from_model(c, None))
        )
        return result

    @strawberry.mutation(description="Super users: give a member of the account a role on the contract.")
    async def flex_role_set(self, info: Info, input: FlexRoleSetInput) -> FlexRoleSetResult:
        ctx = info.context

        async def answer() -> FlexRoleSetSuccess:
            contract = await contracts.set_role(
                ctx.portal.db,
                ctx.actor,
                from_global_id(input.contract_id, "FlexContract"),
                from_global_id(input.user_id, "User"),
                input.role,
            )
            return FlexRoleSetSuccess(contract=await _contract(info, contract))

        result: FlexRoleSetResult = await run_step(answer(), lambda success: success)
        return result

    @strawberry.mutation(description="Start a draw-down (a key request of kind FLEX) on an active contract.")
    async def flex_draw_down_start(
        self, info: Info, input: FlexDrawDownStartInput
    ) -> FlexDrawDownStartResult:
        ctx = info.context
        step = drawdown.start(ctx.portal.db, ctx.actor, from_global_id(input.contract_id, "FlexContract"))
        result: FlexDrawDownStartResult = await key_request_step(info, step, FlexDrawDownStartSuccess)
        return result

    @strawberry.mutation(
        description="Set the draw-down's cart: catalog products, quantities ≥ 1. Answers with its cost and what remains."
    )
    async def flex_draw_down_set_items(
        self, info: Info, input: FlexDrawDownSetItemsInput
    ) -> FlexDrawDownSetItemsResult:
        ctx = info.context
        portal = ctx.portal
        step = drawdown.set_items(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.key_request_id, "KeyRequest"),
            [(from_global_id(item.product_id, "Product"), item.quantity) for item in input.items],
        )

        def success(cart: drawdown.Cart) -> FlexDrawDownSetItemsSuccess:
            return FlexDrawDownSetItemsSuccess(
                key_request=KeyRequestType.from_model(cart.request, portal.settings.draft_ttl_days),
                items=[
                    FlexCartLineType(
                        quantity=line.quantity,
                        points_per_unit=line.points_per_unit,
                        product_id=line.product.id,
                    )
                    for line in cart.lines
                ],
                cost_points=cart.cost_points,
                remaining_points=cart.remaining_after_points,
            )

        result: FlexDrawDownSetItemsResult = await run_step(step, success)
        return result

    @strawberry.mutation(
        description="Return a draw-down within 30 days: its keys are revoked and its points credited back."
    )
    async def flex_return(self, info: Info, input: FlexReturnInput) -> FlexReturnResult:
        ctx = info.context
        step = drawdown.return_license(
            ctx.portal.db, ctx.portal.bus, ctx.actor, from_global_id(input.license_id, "License")
        )

        async def answer() -> FlexReturnSuccess:
            returned = await step
            return FlexReturnSuccess(
                deployment=FlexDeploymentType.from_model(returned.draw),
                contract=await _contract(info, returned.contract),
            )

        result: FlexReturnResult = await run_step(answer(), lambda success: success)
        return result
