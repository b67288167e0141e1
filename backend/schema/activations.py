"""Activation of installed products: inputs, results and refusals."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.schema.common import ActivationRefused, InvalidInput, RateLimited
from backend.schema.licenses import ActivationType


@strawberry.input
class ActivateInput:
    activation_key: str
    host_id: str


@strawberry.input
class DeactivateInput:
    activation_key: str
    host_id: str


@strawberry.type(description="licenseFile: a JWS bound to the host (`host` claim).")
class ActivateSuccess:
    license_file: str
    activation: ActivationType


@strawberry.type
class DeactivateSuccess:
    host_id: str


ActivateResult = Annotated[
    ActivateSuccess | ActivationRefused | RateLimited | InvalidInput, strawberry.union("ActivateResult")
]
DeactivateResult = Annotated[
    DeactivateSuccess | ActivationRefused | RateLimited | InvalidInput, strawberry.union("DeactivateResult")
]
