"""GraphQL over HTTP (the specification's `application/graphql-response+json`): a client that
asks for it gets that media type and the status codes the specification gives — a request that
never ran (a parse or validation error, a refusal before execution such as the node limit) is a
4xx without a `data` entry: 403 for a CSRF or scope refusal, 429 over the points budget, else
400. A client that asks for `application/json` keeps the older convention (200 with errors),
except for the 401 of a bad token and the 429 of the budget, which every caller gets."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

MEDIA_TYPE = "application/graphql-response+json"
FORBIDDEN_CODES = frozenset({"CSRF_FAILED", "FORBIDDEN"})


def wants_graphql_response(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media == MEDIA_TYPE and not any(p.replace(" ", "") in ("q=0", "q=0.0") for p in params):
            return True
    return False


class SubResponse(Response):
    """strawberry's per-request response (headers and status set while executing), knowing what
    the client accepts."""

    graphql_response = False


def request_error_status(data: dict[str, Any]) -> int | None:
    """The 4xx of a result that never executed (no data, no error with a path), else None."""
    errors = data.get("errors") or []
    if data.get("data") is not None or not errors or any(e.get("path") for e in errors):
        return None
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if "RATE_LIMITED" in codes:
        return 429
    if codes & FORBIDDEN_CODES:
        return 403
    return 400


def finish(response: Response, data: Any, sub_response: Response) -> Response:
    """Apply the specification to strawberry's finished response (a batch stays as it is)."""
    if not (
        isinstance(sub_response, SubResponse) and sub_response.graphql_response and isinstance(data, dict)
    ):
        return response
    response.headers["content-type"] = f"{MEDIA_TYPE}; charset=utf-8"
    status = request_error_status(data)
    if status is not None and response.status_code == 200:
        response.status_code = status
    return response
