"""Voucher Center: batches, vouchers, conversions and their per-line answers. Conversions show
their KeyRequest, so this module sits above backend.schema.key_requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.vouchers import batches, convert
from backend.schema.account_refs import AccountRef, AccountRow, UserRef, UserRow
from backend.schema.catalog import ProductType
from backend.schema.common import InvalidInput, Node, NotAllowed, NotFound, to_global_id
from backend.schema.key_requests import KeyRequestType
from backend.schema.licenses import LicenseType, PageInfo

strawberry.enum(
    models.VoucherState,
    name="VoucherState",
    description="EXPIRED: an available voucher of a batch past its expiry date.",
)
strawberry.enum(
    convert.Result,
    name="VoucherResult",
    description="One line's outcome. CONVERTED: a license was made. ALREADY_CONVERTED: converted "
    "earlier (convertedAt says when, if known). EXPIRED: the batch expired. VOID: withdrawn by the "
    "vendor. TYPO: the check character, length or characters are wrong. UNKNOWN: no voucher of this "
    "account has the code. DUPLICATE: the code is on an earlier line. RATE_LIMITED: too many unknown "
    "codes; retryAfter seconds.",
)


async def _license(info: Info, license_id: uuid.UUID | None) -> LicenseType | None:
    if license_id is None:
        return None
    return LicenseType.from_model(await info.context.loaders.license.load(license_id))


@strawberry.type(name="Voucher")
class VoucherType:
    id: strawberry.ID
    last_four: str = strawberry.field(description="The code's last four characters.")
    state: models.VoucherState
    converted_at: datetime | None
    license_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The license it was converted into.")
    async def license(self, info: Info) -> LicenseType | None:
        return await _license(info, self.license_id)


@strawberry.type(name="VoucherConnection")
class VoucherConnection:
    nodes: list[VoucherType]
    page_info: PageInfo
    total_count: int


@strawberry.input(name="VoucherFilter")
class VoucherFilter:
    state: models.VoucherState | None = None


def voucher_connection(page: batches.VoucherPage, after: str | None) -> VoucherConnection:
    return VoucherConnection(
        nodes=[
            VoucherType(
                id=to_global_id("Voucher", voucher.id),
                last_four=voucher.last_four,
                state=page.shown_state(voucher),
                converted_at=voucher.converted_at,
                license_id=license_id,
            )
            for voucher, license_id in page.vouchers
        ],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=None,
            end_cursor=page.end_cursor,
        ),
        total_count=page.total,
    )


@strawberry.type(name="VoucherBatch")
class VoucherBatchType(Node):
    quantity: int = strawberry.field(description="Seats each voucher converts into.")
    count: int = strawberry.field(description="Vouchers in the batch.")
    converted: int
    available: int = strawberry.field(description="Neither converted, void nor expired.")
    maintenance_months: int
    expires_on: date | None = strawberry.field(description="Null: the vouchers never expire.")
    expiring_soon: bool = strawberry.field(
        description="Expires within 30 days with vouchers still available."
    )
    created_at: datetime
    row: strawberry.Private[models.VoucherBatch]

    @classmethod
    def from_usage(cls, usage: batches.BatchUsage) -> VoucherBatchType:
        batch = usage.batch
        return cls(
            id=to_global_id("VoucherBatch", batch.id),
            quantity=batch.quantity,
            count=batch.count,
            converted=usage.converted,
            available=usage.available,
            maintenance_months=batch.maintenance_months,
            expires_on=batch.expires_on,
            expiring_soon=usage.expiring_soon,
            created_at=batch.created_at,
            row=batch,
        )

    @strawberry.field
    async def product(self, info: Info) -> ProductType:
        return ProductType.from_model(await info.context.loaders.product.load(self.row.product_id))

    @strawberry.field
    async def account(self, info: Info) -> AccountRef:
        return AccountRow.from_model(await info.context.loaders.account.load(self.row.account_id))

    @strawberry.field(description="The batch's vouchers by their last four characters (first ≤ 100).")
    async def vouchers(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: VoucherFilter | None = None,
    ) -> VoucherConnection:
        page = await batches.vouchers(
            info.context.portal.db,
            info.context.actor,
            self.row.id,
            first,
            after,
            None if filter is None else filter.state,
        )
        return voucher_connection(page, after)


@strawberry.type(name="VoucherConversionLine")
class VoucherConversionLineType:
    line: int = strawberry.field(description="1-based position in the codes sent.")
    last_four: str | None = strawberry.field(
        description="The code's last four characters as read; null for an empty line."
    )
    result: convert.Result
    message: str = strawberry.field(description="One sentence for the user.")
    converted_at: datetime | None
    retry_after: int | None = strawberry.field(description="RATE_LIMITED: seconds to wait.")
    license_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_line(cls, line: convert.Line) -> VoucherConversionLineType:
        return cls(
            line=line.line,
            last_four=line.last_four,
            result=line.result,
            message=line.message,
            converted_at=line.converted_at,
            retry_after=line.retry_after,
            license_id=line.license_id,
        )

    @strawberry.field(description="CONVERTED: the new license.")
    async def license(self, info: Info) -> LicenseType | None:
        return await _license(info, self.license_id)


@strawberry.type(name="VoucherConversion")
class VoucherConversionType(Node):
    created_at: datetime
    total: int = strawberry.field(description="Lines sent.")
    converted_count: int
    target_email: str | None = strawberry.field(description="Set when the licenses went to an e-mail.")
    conversion: strawberry.Private[convert.Conversion]
    ttl_days: strawberry.Private[int]

    @classmethod
    def from_conversion(cls, conversion: convert.Conversion, ttl_days: int) -> VoucherConversionType:
        record = conversion.record
        return cls(
            id=to_global_id("VoucherConversion", record.key_request_id),
            created_at=record.created_at,
            total=record.total,
            converted_count=record.converted,
            target_email=record.target_email,
            conversion=conversion,
            ttl_days=ttl_days,
        )

    @strawberry.field
    async def requested_by(self, info: Info) -> UserRef:
        return UserRow.from_model(await info.context.loaders.user.load(self.conversion.record.user_id))

    @strawberry.field(description="Where the licenses went.")
    async def target_account(self, info: Info) -> AccountRef:
        account = await info.context.loaders.account.load(self.conversion.record.target_account_id)
        return AccountRow.from_model(account)

    @strawberry.field
    def key_request(self) -> KeyRequestType:
        return KeyRequestType.from_model(self.conversion.key_request, self.ttl_days)

    @strawberry.field(description="Every line's answer, in the order sent.")
    async def lines(self, info: Info) -> list[VoucherConversionLineType]:
        lines = self.conversion.lines
        if lines is None:
            lines = await info.context.loaders.voucher_lines.load(self.conversion.record.key_request_id)
        return [VoucherConversionLineType.from_line(line) for line in lines]


@strawberry.input(description="At most one: none sends the licenses to the converting account itself.")
class VoucherTargetInput:
    account_id: strawberry.ID | None = None
    email: str | None = strawberry.field(
        default=None, description="An end customer: their own account, which they claim on sign-in."
    )


@strawberry.input
class VoucherConvertInput:
    account_id: strawberry.ID
    codes: list[str] = strawberry.field(description="1 to 10,000 codes, one per line of the answer.")
    idempotency_key: str
    target: VoucherTargetInput | None = None


@strawberry.type
class VoucherConvertSuccess:
    conversion: VoucherConversionType
    key_request: KeyRequestType
    replayed: bool = strawberry.field(description="True: the first answer for this idempotency key.")


@strawberry.input
class VoucherBatchIssueInput:
    account_id: strawberry.ID
    product_sku: str
    quantity: int
    count: int
    expires_on: date | None = None
    maintenance_months: int = 12


@strawberry.type
class VoucherBatchIssueSuccess:
    batch: VoucherBatchType
    codes: list[str] = strawberry.field(description="The codes, shown this once and never again.")


VoucherConvertResult = Annotated[
    VoucherConvertSuccess | InvalidInput | NotFound | NotAllowed, strawberry.union("VoucherConvertResult")
]
VoucherBatchIssueResult = Annotated[
    VoucherBatchIssueSuccess | InvalidInput | NotFound | NotAllowed,
    strawberry.union("VoucherBatchIssueResult"),
]
