"""GET /api/reports/<report>.csv: each report as CSV, with the session cookie or an API token
holding reports:read — the same scope and the same rows as the `report` query. `accountId` picks
one account (an unknown or foreign one is a 404); without it, every customer account the caller
manages. `from` / `to` (YYYY-MM-DD) bound the keys-issued tables."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.domain.errors import InvalidInputError, NotFoundError
from backend.domain.reports import scope, tables
from backend.http.exports import BadRequest, _actor, _attachment, _guarded, _not_found
from backend.portal import Portal
from backend.schema.common import from_global_id
from backend.scopes import REPORTS


def _day(request: Request, name: str) -> date | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"{name} is a date: YYYY-MM-DD") from exc


def routes(portal: Portal) -> list[Route]:
    async def report_csv(request: Request) -> Response:
        actor = await _actor(portal, request, REPORTS)
        if actor is None:
            return _not_found()
        name = request.path_params["report"]
        if name not in tables.TABLES:
            return _not_found()
        try:
            start, end = _day(request, "from"), _day(request, "to")
        except BadRequest as exc:
            return PlainTextResponse(str(exc), status_code=400)
        account_text = request.query_params.get("accountId")
        account = from_global_id(account_text, "Account") if account_text else None
        try:
            decided = await scope.decide(portal.db, actor, account, chosen=bool(account_text))
            body = await tables.csv_of(portal.db, name, decided, start, end)
        except NotFoundError:
            return _not_found()
        except InvalidInputError as exc:
            return PlainTextResponse(exc.message, status_code=400)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers=_attachment(f"{name}-{decided.on.isoformat()}.csv"),
        )

    return [Route("/api/reports/{report}.csv", _guarded(report_csv), methods=["GET"])]
