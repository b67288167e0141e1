"""Operators upload a release's files: POST /releases/{release id}/files, multipart/form-data, with
the session cookie and the CSRF header the SPA sends on mutations. The body is parsed as it arrives
(python-multipart's streaming parser over Starlette's request.stream()) and each file part goes to
storage chunk by chunk while its SHA-256 is computed: an installer is never held whole in memory.
Answers JSON {id, name, size, sha256} (and `files`, one entry per file part sent)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.auth.tokens import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_ok
from backend.domain.access import Actor
from backend.domain.accounts.users import user_for_session
from backend.domain.errors import InvalidInputError, UserError
from backend.domain.releases import publishing
from backend.domain.releases.storage import storage_for
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id

# Form fields other than files are not read; a part header longer than this is refused.
MAX_HEADER_BYTES = 4096

Event = tuple[str, Any]


class BadUpload(Exception):
    pass


async def multipart_events(request: Request, boundary: bytes) -> AsyncIterator[Event]:
    """The body's parts as events — ("headers", {name: value}), ("data", bytes), ("end", None) — as
    the bytes arrive: at most one network chunk's worth is held at a time."""
    pending: list[Event] = []
    header: dict[str, bytes] = {"field": b"", "value": b""}
    headers: dict[str, str] = {}

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        headers[header["field"].decode("latin-1").lower()] = header["value"].decode("utf-8", "replace")
        header["field"] = header["value"] = b""

    def on_headers_finished() -> None:
        pending.append(("headers", dict(headers)))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        pending.append(("data", bytes(data[start:end])))

    def on_part_end() -> None:
        pending.append(("end", None))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
        max_header_size=MAX_HEADER_BYTES,
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            while pending:
                yield pending.pop(0)
        parser.finalize()
    except ValueError as exc:  # python-multipart's parse errors derive from ValueError
        raise BadUpload("The multipart body is malformed.") from exc
    while pending:
        yield pending.pop(0)


def _filename(disposition: str) -> str | None:
    kind, options = parse_options_header(disposition)
    if kind != b"form-data":
        return None
    name = options.get(b"filename")
    return None if name is None else name.decode("utf-8", "replace")


def _error(status: int, exc: UserError | str) -> Response:
    if isinstance(exc, str):
        return JSONResponse({"error": exc}, status_code=status)
    body: dict[str, Any] = {"error": exc.message, "code": exc.code, "field": exc.field}
    if isinstance(exc, InvalidInputError):
        body["fieldErrors"] = [{"field": p.field, "code": p.code, "message": p.message} for p in exc.problems]
    return JSONResponse(body, status_code=status)


def _release_id(text: str) -> uuid.UUID | None:
    found = from_global_id(text, "Release")
    if found is not None:
        return found
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def routes(portal: Portal) -> list[Route]:
    async def upload(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        user = None if not token else await user_for_session(portal.db, token)
        if token is None or user is None:
            return _error(401, "Sign in to continue.")
        csrf = csrf_ok(
            portal.settings.secret_key,
            token,
            request.cookies.get(CSRF_COOKIE),
            request.headers.get(CSRF_HEADER),
        )
        if not csrf:
            return _error(403, "Missing or invalid CSRF token.")
        kind, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            return _error(415, "Send the files as multipart/form-data.")
        actor = Actor(user.id, request.client.host if request.client else None)
        release_id = _release_id(request.path_params["release_id"])
        storage = storage_for(portal.settings)
        added = []
        events = multipart_events(request, boundary)
        try:
            async for event, value in events:
                if event != "headers":
                    continue
                name = _filename(value.get("content-disposition", ""))
                if name is None:
                    continue  # a plain form field: its data events are skipped above

                async def body() -> AsyncIterator[bytes]:
                    async for part_event, data in events:
                        if part_event == "end":
                            return
                        yield data

                added.append(
                    await publishing.add_file(
                        portal.db, storage, actor, release_id, name, body(), value.get("content-type")
                    )
                )
        except BadUpload as exc:
            return _error(400, str(exc))
        except InvalidInputError as exc:
            return _error(400, exc)
        except UserError as exc:  # an unknown, foreign or withdrawn release; not an operator
            return _error(404, exc)
        if not added:
            return _error(400, "The body holds no file.")
        files = [
            {"id": to_global_id("ReleaseFile", f.id), "name": f.name, "size": f.size, "sha256": f.sha256}
            for f in added
        ]
        return JSONResponse({**files[0], "files": files}, status_code=201)

    return [Route("/releases/{release_id}/files", upload, methods=["POST"])]
