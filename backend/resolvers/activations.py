"""Activation by installed products (no session: the activation key is the credential, the
activation token proves a host for deactivation) and deactivation from the portal."""

from __future__ import annotations

from typing import cast

import strawberry

from backend.context import Info
from backend.domain import activations as domain
from backend.domain.errors import UserError
from backend.schema.activations import (
    ActivateInput,
    ActivateResult,
    ActivateSuccess,
    DeactivateInput,
    DeactivateResult,
    DeactivateSuccess,
    LicenseDeactivateHostInput,
    LicenseDeactivateHostResult,
    LicenseDeactivateHostSuccess,
)
from backend.schema.common import error_member, from_global_id
from backend.schema.licenses import ActivationType, LicenseType


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Activate an installed product: returns a license file bound to the host."
    )
    async def activate(self, info: Info, input: ActivateInput) -> ActivateResult:
        try:
            portal = info.context.portal
            done = await domain.activate_product(
                portal.db, portal.settings, portal.keys, input.activation_key, input.host_id, info.context.ip
            )
        except UserError as exc:
            return cast(ActivateResult, error_member(exc))
        activation = ActivationType(
            host_id=done.host_id, first_seen_at=done.first_seen_at, last_seen_at=done.last_seen_at
        )
        return ActivateSuccess(
            license_file=done.license_file, activation=activation, activation_token=done.token
        )

    @strawberry.mutation(
        description="The installed product frees the seat its host holds, with the activation token "
        "it received when the host first activated."
    )
    async def deactivate(self, info: Info, input: DeactivateInput) -> DeactivateResult:
        try:
            portal = info.context.portal
            host = await domain.deactivate(
                portal.db,
                portal.settings,
                input.activation_key,
                input.host_id,
                input.activation_token,
                info.context.ip,
            )
        except UserError as exc:
            return cast(DeactivateResult, error_member(exc))
        return DeactivateSuccess(host_id=host)

    @strawberry.mutation(
        description="Free the seat a host holds on a license, from the portal (MEMBER on the account, "
        "or a MANAGE share)."
    )
    async def license_deactivate_host(
        self, info: Info, input: LicenseDeactivateHostInput
    ) -> LicenseDeactivateHostResult:
        try:
            license_, host = await domain.deactivate_host(
                info.context.portal.db,
                info.context.actor,
                from_global_id(input.license_id, "License"),
                input.host_id,
            )
        except UserError as exc:
            return cast(LicenseDeactivateHostResult, error_member(exc))
        return LicenseDeactivateHostSuccess(host_id=host, license=LicenseType.from_model(license_))
