"""Manage My Licenses: find licenses (one account's, or those shared with me), one license, and
acting on a selection (custom values, support registration)."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain.errors import UserError
from backend.domain.licenses import custom_fields, finding
from backend.schema.common import error_member, from_global_id
from backend.schema.custom_fields import CustomValueRejected
from backend.schema.licenses import (
    LicenseConnection,
    LicenseFilter,
    LicenseOrder,
    LicensesSetCustomValuesInput,
    LicensesSetCustomValuesResult,
    LicensesSetCustomValuesSuccess,
    LicensesSetRegistrationInput,
    LicensesSetRegistrationResult,
    LicensesSetRegistrationSuccess,
    LicenseType,
    order_to_domain,
    shown,
)


@strawberry.type
class Query:
    @strawberry.field(description="One license: for members of its account and the people it is shared with.")
    async def license(self, info: Info, id: strawberry.ID) -> LicenseType | None:
        async with info.context.loaders.session() as session:
            row = await finding.visible_license(session, info.context.actor, from_global_id(id, "License"))
        return None if row is None else LicenseType.from_model(row)

    @strawberry.field(description="Licenses of an account, newest first (at most 100).")
    async def account_licenses(
        self, info: Info, account_id: strawberry.ID, first: int = 50
    ) -> list[LicenseType]:
        async with info.context.loaders.session() as session:
            rows = await finding.newest_licenses(
                session, info.context.actor, from_global_id(account_id, "Account"), first
            )
        return [LicenseType.from_model(r) for r in rows]

    @strawberry.field(
        description="An account's licenses, filtered and ordered, in keyset pages (first ≤ 100); an "
        "unknown or foreign account gives an empty connection."
    )
    async def licenses(
        self,
        info: Info,
        account_id: strawberry.ID,
        first: int | None = 50,
        after: str | None = None,
        filter: LicenseFilter | None = None,
        order_by: LicenseOrder | None = None,
    ) -> LicenseConnection:
        actor = info.context.actor
        account = from_global_id(account_id, "Account")
        if account is None:
            return LicenseConnection.empty()
        async with info.context.loaders.session() as session:
            found = await finding.account_page(
                session,
                actor,
                account,
                first,
                after,
                filter.to_domain() if filter else None,
                order_to_domain(order_by),
            )
            if found is None:
                return LicenseConnection.empty()
            page, role = found
            await info.context.loaders.read_shown(session, [page], shown(info))
        info.context.loaders.account_role.prime((actor.user_id, account), role)
        for product in page.products.values():
            info.context.loaders.product.prime(product.id, product)
        return LicenseConnection.from_page(page)

    @strawberry.field(
        description="Licenses shared with the signed-in user on accounts they are not a member of."
    )
    async def shared_with_me(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: LicenseFilter | None = None,
    ) -> LicenseConnection:
        actor = info.context.actor
        async with info.context.loaders.session() as session:
            query = await finding.prepare(
                session, finding.Scope(shared_with=actor.user_id), filter.to_domain() if filter else None
            )
            page = await finding.page(session, query, finding.clamp(first), after)
            await info.context.loaders.read_shown(session, [page], shown(info))
        for product in page.products.values():
            info.context.loaders.product.prime(product.id, product)
        return LicenseConnection.from_page(page)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Set or clear custom values on 1..500 licenses at once, all or nothing (MEMBER on "
        "the account, or a MANAGE share)."
    )
    async def licenses_set_custom_values(
        self, info: Info, input: LicensesSetCustomValuesInput
    ) -> LicensesSetCustomValuesResult:
        try:
            rows = await custom_fields.set_values(
                info.context.portal.db,
                info.context.actor,
                [from_global_id(i, "License") for i in input.license_ids],
                [
                    custom_fields.ValueInput(from_global_id(v.field_id, "CustomField"), v.value)
                    for v in input.values
                ],
            )
        except custom_fields.CustomValueRejectedError as exc:
            return CustomValueRejected.from_error(exc)
        except UserError as exc:
            return cast(LicensesSetCustomValuesResult, error_member(exc))
        return LicensesSetCustomValuesSuccess(licenses=[LicenseType.from_model(r) for r in rows])

    @strawberry.mutation(description="The same support registration on 1..500 licenses, all or nothing.")
    async def licenses_set_registration(
        self, info: Info, input: LicensesSetRegistrationInput
    ) -> LicensesSetRegistrationResult:
        try:
            rows = await finding.set_registration(
                info.context.portal.db,
                info.context.actor,
                [from_global_id(i, "License") for i in input.license_ids],
                input.registration.to_data(),
            )
        except UserError as exc:
            return cast(LicensesSetRegistrationResult, error_member(exc))
        return LicensesSetRegistrationSuccess(licenses=[LicenseType.from_model(r) for r in rows])
