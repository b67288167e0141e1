"""Activation by installed products: no session needed, the activation key is the credential."""

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
)
from backend.schema.common import error_member
from backend.schema.licenses import ActivationType


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
        return ActivateSuccess(license_file=done.license_file, activation=activation)

    @strawberry.mutation(description="Free the seat a host holds.")
    async def deactivate(self, info: Info, input: DeactivateInput) -> DeactivateResult:
        try:
            portal = info.context.portal
            host = await domain.deactivate(
                portal.db, portal.settings, input.activation_key, input.host_id, info.context.ip
            )
        except UserError as exc:
            return cast(DeactivateResult, error_member(exc))
        return DeactivateSuccess(host_id=host)
