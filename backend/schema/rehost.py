"""Re-host: inputs, results and its refusal."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.schema.common import InvalidInput, KeyRequestNotEditable, NotAllowed, NotFound, RehostRefused
from backend.schema.key_requests import KeyRequestType


@strawberry.input
class RehostRequestStartInput:
    license_key_id: strawberry.ID


@strawberry.input
class RehostRequestSetHostInput:
    key_request_id: strawberry.ID
    host_id: str


@strawberry.input
class RehostRequestConfirmInput:
    key_request_id: strawberry.ID
    idempotency_key: str


@strawberry.type
class RehostRequestStartSuccess:
    key_request: KeyRequestType


@strawberry.type
class RehostRequestSetHostSuccess:
    key_request: KeyRequestType


@strawberry.type
class RehostRequestConfirmSuccess:
    key_request: KeyRequestType


RehostRequestStartResult = Annotated[
    RehostRequestStartSuccess | RehostRefused | NotFound | NotAllowed,
    strawberry.union("RehostRequestStartResult"),
]
RehostRequestSetHostResult = Annotated[
    RehostRequestSetHostSuccess
    | RehostRefused
    | InvalidInput
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable,
    strawberry.union("RehostRequestSetHostResult"),
]
RehostRequestConfirmResult = Annotated[
    RehostRequestConfirmSuccess
    | RehostRefused
    | InvalidInput
    | NotFound
    | NotAllowed
    | KeyRequestNotEditable,
    strawberry.union("RehostRequestConfirmResult"),
]
