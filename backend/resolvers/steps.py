"""The shape every mutation shares: run a domain step, answer its `<Mutation>Success` or the
UserError member the domain raised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from backend.context import Info
from backend.db.models import KeyRequest
from backend.domain.errors import UserError
from backend.domain.key_requests.get_a_key import Drafted
from backend.domain.key_requests.pipeline import Confirmed
from backend.schema.common import error_member
from backend.schema.key_requests import KeyRequestType

T = TypeVar("T")


async def run_step(step: Awaitable[T], success: Callable[[T], Any]) -> Any:
    """The success member built from the step's result, or the error member of its UserError."""
    try:
        result = await step
    except UserError as exc:
        return error_member(exc)
    return success(result)


async def key_request_step(
    info: Info, step: Awaitable[KeyRequest | Drafted | Confirmed], success: type
) -> Any:
    """A key-request step's answer. A Get a Key step hands over the serials it holds, so the
    answer's loaders show them without reading them again."""
    ttl = info.context.portal.settings.draft_ttl_days

    def answer(result: KeyRequest | Drafted | Confirmed) -> Any:
        if isinstance(result, Drafted):
            info.context.loaders.prime_serials(result.request.id, result.serials)
        row = result if isinstance(result, KeyRequest) else result.request
        return success(key_request=KeyRequestType.from_model(row, ttl))

    return await run_step(step, answer)
