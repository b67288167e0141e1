"""License shares: one license shared with a person outside its account, by e-mail. The share
type itself (LicenseShare) is shown on a license, so it lives with it in backend.schema.licenses;
here: the mutations' inputs and results."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.db import models
from backend.schema.common import InvalidInput, NotFound, RateLimited
from backend.schema.licenses import LicenseType


@strawberry.input
class LicenseShareInput:
    license_id: strawberry.ID
    email: str
    permission: models.SharePermission


@strawberry.type
class LicenseShareSuccess:
    license: LicenseType


@strawberry.input
class LicenseUnshareInput:
    license_id: strawberry.ID
    email: str


@strawberry.type
class LicenseUnshareSuccess:
    license: LicenseType


@strawberry.input(description="The new owner: a MEMBER or ADMIN of the license's account.")
class LicenseTransferOwnershipInput:
    license_id: strawberry.ID
    email: str


@strawberry.type
class LicenseTransferOwnershipSuccess:
    license: LicenseType


LicenseShareResult = Annotated[
    LicenseShareSuccess | InvalidInput | NotFound | RateLimited, strawberry.union("LicenseShareResult")
]
LicenseUnshareResult = Annotated[LicenseUnshareSuccess | NotFound, strawberry.union("LicenseUnshareResult")]
LicenseTransferOwnershipResult = Annotated[
    LicenseTransferOwnershipSuccess | InvalidInput | NotFound,
    strawberry.union("LicenseTransferOwnershipResult"),
]
