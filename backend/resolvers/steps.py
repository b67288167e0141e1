"""The shape every wizard mutation shares: run a domain step, answer `<Mutation>Success { keyRequest }`
or the UserError member the domain raised."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from backend.context import Info
from backend.db.models import KeyRequest
from backend.domain.errors import UserError
from backend.domain.pipeline import Confirmed
from backend.schema.common import error_member
from backend.schema.key_requests import KeyRequestType


async def key_request_step(info: Info, step: Awaitable[KeyRequest | Confirmed], success: type) -> Any:
    try:
        result = await step
    except UserError as exc:
        return error_member(exc)
    row = result.request if isinstance(result, Confirmed) else result
    return success(key_request=KeyRequestType.from_model(row, info.context.portal.settings.draft_ttl_days))
