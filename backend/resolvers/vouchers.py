"""Voucher Center resolvers: batches, vouchers, conversions, voucherConvert, operators' voucherBatchIssue."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.errors import NotFoundError
from backend.domain.vouchers import batches, convert
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id
from backend.schema.key_requests import KeyRequestType
from backend.schema.vouchers import (
    VoucherBatchIssueInput,
    VoucherBatchIssueResult,
    VoucherBatchIssueSuccess,
    VoucherBatchType,
    VoucherConnection,
    VoucherConversionType,
    VoucherConvertInput,
    VoucherConvertResult,
    VoucherConvertSuccess,
    VoucherFilter,
    voucher_connection,
)


@strawberry.type
class Query:
    @strawberry.field(description="The account's voucher batches, newest first ([] without access).")
    async def voucher_batches(self, info: Info, account_id: strawberry.ID) -> list[VoucherBatchType]:
        ctx = info.context
        found = await batches.of_account(ctx.portal.db, ctx.actor, from_global_id(account_id, "Account"))
        return [VoucherBatchType.from_usage(usage) for usage in found]

    @strawberry.field(
        description="A batch's vouchers by their last four characters (first ≤ 100); null for a batch you cannot see."
    )
    async def vouchers(
        self,
        info: Info,
        batch_id: strawberry.ID,
        first: int = 50,
        after: str | None = None,
        filter: VoucherFilter | None = None,
    ) -> VoucherConnection | None:
        ctx = info.context
        try:
            page = await batches.vouchers(
                ctx.portal.db,
                ctx.actor,
                from_global_id(batch_id, "VoucherBatch"),
                first,
                after,
                None if filter is None else filter.state,
            )
        except NotFoundError:
            return None
        return voucher_connection(page, after)

    @strawberry.field(description="The account's voucher conversions, newest first (first ≤ 100).")
    async def voucher_conversions(
        self, info: Info, account_id: strawberry.ID, first: int = 20
    ) -> list[VoucherConversionType]:
        ctx = info.context
        found = await convert.history(ctx.portal.db, ctx.actor, from_global_id(account_id, "Account"), first)
        ttl = ctx.portal.settings.draft_ttl_days
        return [VoucherConversionType.from_conversion(c, ttl) for c in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Convert up to 10,000 voucher codes into licenses: every code is answered on its "
        "own line; the keys follow on keyRequestUpdated. The same idempotencyKey answers the same again."
    )
    async def voucher_convert(self, info: Info, input: VoucherConvertInput) -> VoucherConvertResult:
        ctx = info.context
        portal = ctx.portal
        chosen = input.target
        target = convert.Target(
            account_id=None
            if chosen is None or chosen.account_id is None
            else from_global_id(chosen.account_id, "Account"),
            email=None if chosen is None else chosen.email,
            given=chosen is not None and chosen.account_id is not None,
        )
        step = convert.convert(
            portal.db,
            portal.bus,
            portal.settings,
            ctx.actor,
            from_global_id(input.account_id, "Account"),
            input.codes,
            target,
            input.idempotency_key,
        )
        ttl = portal.settings.draft_ttl_days

        def success(done: convert.Conversion) -> VoucherConvertSuccess:
            return VoucherConvertSuccess(
                conversion=VoucherConversionType.from_conversion(done, ttl),
                key_request=KeyRequestType.from_model(done.key_request, ttl),
                replayed=done.replayed,
            )

        result: VoucherConvertResult = await run_step(step, success)
        return result

    @strawberry.mutation(
        description="Operators: a batch of vouchers for an OEM account; the codes are shown once."
    )
    async def voucher_batch_issue(self, info: Info, input: VoucherBatchIssueInput) -> VoucherBatchIssueResult:
        ctx = info.context
        new = batches.NewBatch(
            account_id=from_global_id(input.account_id, "Account"),
            product_sku=input.product_sku,
            quantity=input.quantity,
            count=input.count,
            expires_on=input.expires_on,
            maintenance_months=input.maintenance_months,
        )
        step = batches.issue(ctx.portal.db, ctx.portal.settings.secret_key, ctx.actor, new)

        def success(issued: batches.Issued) -> VoucherBatchIssueSuccess:
            usage = batches.BatchUsage(issued.batch, converted=0, void=0)
            return VoucherBatchIssueSuccess(batch=VoucherBatchType.from_usage(usage), codes=issued.codes)

        result: VoucherBatchIssueResult = await run_step(step, success)
        return result
