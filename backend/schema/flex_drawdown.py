"""Enterprise Flexible draw-downs: the inputs and results of the steps that show a KeyRequest
(registration and confirm are keyRequestSetRegistration and keyRequestConfirm)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.schema.common import (
    FlexContractNotActive,
    FlexRefused,
    InvalidInput,
    KeyRequestNotEditable,
    NotFound,
)
from backend.schema.flex import FlexCartLineType
from backend.schema.key_requests import KeyRequestType


@strawberry.input
class FlexDrawDownStartInput:
    contract_id: strawberry.ID


@strawberry.input
class FlexItemInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.input
class FlexDrawDownSetItemsInput:
    key_request_id: strawberry.ID
    items: list[FlexItemInput]


@strawberry.type
class FlexDrawDownStartSuccess:
    key_request: KeyRequestType


@strawberry.type(description="The cart as set, what it costs and what would remain after it.")
class FlexDrawDownSetItemsSuccess:
    key_request: KeyRequestType
    items: list[FlexCartLineType]
    cost_points: int
    remaining_points: int = strawberry.field(
        description="Points the contract could still draw after this cart; negative: the cart does not fit."
    )


FlexDrawDownStartResult = Annotated[
    FlexDrawDownStartSuccess | NotFound | FlexRefused | FlexContractNotActive,
    strawberry.union("FlexDrawDownStartResult"),
]
FlexDrawDownSetItemsResult = Annotated[
    FlexDrawDownSetItemsSuccess | InvalidInput | NotFound | KeyRequestNotEditable | FlexRefused,
    strawberry.union("FlexDrawDownSetItemsResult"),
]
