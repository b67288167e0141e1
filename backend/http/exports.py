"""GET downloads with the session cookie or an API token (licenses:read): the CSV export of a filter, a zip of license files, one
license file, an Enterprise Flexible contract's true-up CSV. Same access rules as GraphQL; an unknown or foreign id is a 404."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from backend.auth.tokens import SESSION_COOKIE
from backend.db.models import User
from backend.domain.access import Actor, require_scope
from backend.domain.accounts.users import user_for_session
from backend.domain.errors import FlexRefusedError, InvalidInputError, MissingScopeError, NotFoundError
from backend.domain.flex import consumption
from backend.domain.licenses import exports, finding
from backend.domain.tokens.api_tokens import SCOPES
from backend.http.bearer import BearerRefused, bearer_user
from backend.portal import Portal
from backend.schema.common import from_global_id

LICENSES = SCOPES[0]  # licenses:read opens the license downloads to API tokens


class ClosedToTokens(Exception):
    """No scope opens this download to API tokens."""


class BadRequest(Exception):
    pass


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404)


async def _actor(portal: Portal, request: Request, scope: str | None) -> Actor | None:
    """The signed-in user: by the session cookie, or by an API token that holds `scope` (None: no
    scope opens the endpoint to tokens). BearerRefused / MissingScopeError are answered by
    _guarded."""
    ip = request.client.host if request.client else None
    found = await bearer_user(portal.db, request, ip)
    if found is not None:
        actor = Actor(found.user.id, ip, found.scopes)
        if scope is None:
            raise ClosedToTokens()
        require_scope(actor, scope)
        return actor
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    user: User | None = await user_for_session(portal.db, token)
    if user is None:
        return None
    return Actor(user.id, request.client.host if request.client else None)


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadRequest("not JSON") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("expected a JSON object")
    return value


def parse_filter(text: str | None) -> finding.Filter:
    """A LicenseFilter as JSON, with the GraphQL input's field names."""
    data = _json(text)
    statuses = data.get("status") or []
    if isinstance(statuses, str):
        statuses = [statuses]
    try:
        status = tuple(finding.LicenseStatus[s] for s in statuses)
        days = data.get("expiringWithinDays")
        custom = tuple(
            finding.CustomFilter(from_global_id(str(c["fieldId"]), "CustomField"), str(c["value"]))
            for c in data.get("customFields") or []
        )
    except (KeyError, TypeError) as exc:
        raise BadRequest("bad filter") from exc
    if days is not None and not isinstance(days, int):
        raise BadRequest("expiringWithinDays must be a number")
    sku, search = data.get("productSku"), data.get("search")
    return finding.Filter(
        product_sku=str(sku) if sku else None,
        statuses=status,
        expiring_within_days=days,
        search=str(search) if search else None,
        custom=custom,
    )


def parse_order(text: str | None) -> finding.Order:
    data = _json(text)
    if not data:
        return finding.DEFAULT_ORDER
    try:
        field = finding.SortField[data["field"]]
        direction = data.get("direction") or "ASC"
        if direction not in ("ASC", "DESC"):
            raise BadRequest("direction is ASC or DESC")
    except (KeyError, TypeError) as exc:
        raise BadRequest("bad orderBy") from exc
    custom = data.get("customFieldId")
    return finding.Order(
        field=field,
        descending=direction == "DESC",
        custom_field_id=from_global_id(str(custom), "CustomField") if custom else None,
    )


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"}


def _guarded(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except BearerRefused as refused:
            return refused.response()
        except MissingScopeError as exc:
            return PlainTextResponse(exc.message, status_code=403)
        except ClosedToTokens:
            return PlainTextResponse("API tokens cannot download this: use the portal.", status_code=403)

    return guarded


def routes(portal: Portal) -> list[Route]:
    async def export_csv(request: Request) -> Response:
        actor = await _actor(portal, request, LICENSES)
        if actor is None:
            return _not_found()
        try:
            flt = parse_filter(request.query_params.get("filter"))
            order = parse_order(request.query_params.get("orderBy"))
        except BadRequest as exc:
            return PlainTextResponse(str(exc), status_code=400)
        account = from_global_id(request.query_params.get("accountId", ""), "Account")
        try:
            export = await exports.prepare_csv(portal.db, actor, account, flt, order)
        except NotFoundError:
            return _not_found()
        return StreamingResponse(
            exports.stream_csv(portal.db, export),
            media_type="text/csv; charset=utf-8",
            headers=_attachment("licenses.csv"),
        )

    async def files_zip(request: Request) -> Response:
        actor = await _actor(portal, request, LICENSES)
        if actor is None:
            return _not_found()
        raw = [i for i in request.query_params.get("ids", "").split(",") if i.strip()]
        ids: list[uuid.UUID | None] = [from_global_id(i.strip(), "License") for i in raw]
        account_text = request.query_params.get("accountId")
        account = from_global_id(account_text, "Account") if account_text else None
        if account_text and account is None:
            return _not_found()
        try:
            body = await exports.license_files_zip(portal.db, actor, ids, account)
        except InvalidInputError as exc:
            return PlainTextResponse(exc.message, status_code=400)
        except NotFoundError:
            return _not_found()
        return Response(body, media_type="application/zip", headers=_attachment("license-files.zip"))

    async def license_file(request: Request) -> Response:
        actor = await _actor(portal, request, LICENSES)
        if actor is None:
            return _not_found()
        license_id = from_global_id(request.path_params["license_id"], "License")
        try:
            name, content = await exports.license_file(portal.db, actor, license_id)
        except NotFoundError:
            return _not_found()
        return Response(content + "\n", media_type="application/jwt", headers=_attachment(name))

    async def flex_true_up(request: Request) -> Response:
        actor = await _actor(portal, request, None)
        if actor is None:
            return _not_found()
        contract_id = from_global_id(request.path_params["contract_id"], "FlexContract")
        try:
            contract, rows = await consumption.true_up(portal.db, actor, contract_id)
        except NotFoundError:
            return _not_found()
        except FlexRefusedError as exc:
            return PlainTextResponse(exc.message, status_code=403)
        return Response(
            consumption.true_up_csv(contract, rows),
            media_type="text/csv; charset=utf-8",
            headers=_attachment(f"{contract.number}-true-up.csv"),
        )

    return [
        Route("/exports/flex/{contract_id}/true-up.csv", _guarded(flex_true_up), methods=["GET"]),
        Route("/api/licenses/export.csv", _guarded(export_csv), methods=["GET"]),
        Route("/api/licenses/files.zip", _guarded(files_zip), methods=["GET"]),
        Route("/api/licenses/{license_id}/license.lic", _guarded(license_file), methods=["GET"]),
    ]
