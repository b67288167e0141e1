"""Activation of installed products: inputs, results and refusals."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.schema.common import ActivationRefused, InvalidInput, NotAllowed, NotFound, RateLimited
from backend.schema.licenses import ActivationType, LicenseType


@strawberry.input
class ActivateInput:
    activation_key: str
    host_id: str


@strawberry.input
class DeactivateInput:
    activation_key: str
    host_id: str
    activation_token: str = strawberry.field(
        description="The token `activate` returned when this host first activated: the proof that "
        "the caller is that host."
    )


@strawberry.input
class LicenseDeactivateHostInput:
    license_id: strawberry.ID
    host_id: str


@strawberry.type(description="licenseFile: a JWS bound to the host (`host` claim).")
class ActivateSuccess:
    license_file: str
    activation: ActivationType
    activation_token: str | None = strawberry.field(
        description="Returned once, when the host first activates: keep it to deactivate this host "
        "later. Null when the host had activated before (its first token still holds)."
    )


@strawberry.type
class DeactivateSuccess:
    host_id: str


@strawberry.type
class LicenseDeactivateHostSuccess:
    host_id: str
    license: LicenseType


ActivateResult = Annotated[
    ActivateSuccess | ActivationRefused | RateLimited | InvalidInput, strawberry.union("ActivateResult")
]
DeactivateResult = Annotated[
    DeactivateSuccess | ActivationRefused | RateLimited | InvalidInput, strawberry.union("DeactivateResult")
]
LicenseDeactivateHostResult = Annotated[
    LicenseDeactivateHostSuccess | NotFound | NotAllowed | InvalidInput,
    strawberry.union("LicenseDeactivateHostResult"),
]
