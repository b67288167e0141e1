"""GET/HEAD /downloads/{file id}/{name}: a release file by its signed link (domain/releases/links.py).

The link is the proof of entitlement (checked when it was made), so the route only checks the
signature, the expiry, that the user still exists and that neither the file nor its release was
withdrawn — in one short read — and then streams without a database session. Resumable: Range
(one range) → 206, If-Range, ETag = the file's SHA-256, If-None-Match → 304. Behind nginx
(PORTAL_DOWNLOADS_ACCEL) the answer is an X-Accel-Redirect and nginx sends the bytes; on S3 storage
a portal link is answered with a redirect to the store's presigned URL. Every GET with a valid link
is audited in file_downloads (HEAD sends no file and is not).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from backend.db.models import FileDownload, Release, ReleaseFile, User
from backend.domain.releases import links
from backend.domain.releases.storage import LocalStorage, local_root
from backend.portal import Portal

log = logging.getLogger(__name__)

INVALID_LINK = "This download link has expired or is not valid. Go back to Downloads for a new one."
WITHDRAWN = "This file has been withdrawn and can no longer be downloaded. Go back to Downloads for the current releases."
UNREADABLE = "This file cannot be read right now. Please try again in a few minutes."
# One read and one send per 512 KiB. Measured against nginx's sendfile (docs/performance.md): 64 KiB
# spends the time in the event loop (0.28x with 8 clients); 2 MiB and more copy through buffers past
# the CPU's cache and cost memory per connection (+58 MB RSS with 8 clients); 512 KiB kept one client
# at nginx's rate and 8 clients at 0.6x, +20 MB.
CHUNK_BYTES = 512 * 1024


@dataclass(frozen=True)
class Served:
    """The file row as the route needs it, read in one statement."""

    file_id: uuid.UUID
    name: str
    size: int
    sha256: str
    content_type: str
    withdrawn: bool


# ------------------------------------------------------------------ HTTP semantics (RFC 9110)


class Unsatisfiable(Exception):
    """A syntactically valid Range that selects no byte of the file: 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte of a single `bytes=` range; None to send the whole file
    (no Range, a malformed one, another unit, or several ranges — the server may ignore a Range)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    first_text, last_text = first_text.strip(), last_text.strip()
    if (first_text and not first_text.isdigit()) or (last_text and not last_text.isdigit()):
        return None
    if not first_text:  # bytes=-N: the last N bytes
        if not last_text:
            return None
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    if first >= size:
        raise Unsatisfiable
    return first, min(int(last_text), size - 1) if last_text else size - 1


def _etag_list(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison) says the client already has these bytes."""
    if not header:
        return False
    tags = _etag_list(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def if_range_holds(header: str | None, etag: str) -> bool:
    """If-Range: honour the Range only when the client's copy is this file (strong comparison).
    A date never matches: the route sends no Last-Modified, so the whole file goes out again."""
    return header is None or header.strip() == etag


def content_disposition(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}"


# ------------------------------------------------------------------ the streamed body


class FileStream(Response):
    """Bytes first..last of a file, read off the event loop in CHUNK_BYTES pieces; counts what was
    handed to the server, so an interrupted download is audited with the bytes it got."""

    def __init__(self, path: Path, first: int, last: int, status_code: int, headers: dict[str, str]) -> None:
        super().__init__(status_code=status_code, headers=headers)
        self.path, self.first, self.last = path, first, last
        self.bytes_sent = 0
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handle: BinaryIO = await asyncio.to_thread(open, self.path, "rb")
        # uvicorn drops what is sent after the client went away without a word: watch for the
        # disconnect, or an abandoned download would read the rest of the file for no one.
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            self.started = True
            await send(
                {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            if scope["method"] == "HEAD":  # the GET's headers, length included, and no body
                await send({"type": "http.response.body", "body": b""})
                return
            await asyncio.to_thread(handle.seek, self.first)
            remaining = self.last - self.first + 1
            while not gone.is_set():
                chunk = (
                    await asyncio.to_thread(handle.read, min(CHUNK_BYTES, remaining)) if remaining else b""
                )
                remaining -= len(chunk)
                # The last message says so; a file that shrank under us ends short rather than hangs.
                done = not chunk or remaining <= 0
                await send({"type": "http.response.body", "body": chunk, "more_body": not done})
                if gone.is_set():
                    break
                self.bytes_sent += len(chunk)
                if done:
                    break
        finally:
            watcher.cancel()
            await asyncio.to_thread(handle.close)


@dataclass
class Answer:
    """The response, and what the audit row says about it: behind nginx the portal's own answer is
    an empty redirect, and the status and length are those nginx will send."""

    response: Response
    status: int
    accel_bytes: int = 0

    @property
    def bytes_sent(self) -> int:
        return self.response.bytes_sent if isinstance(self.response, FileStream) else self.accel_bytes


# ------------------------------------------------------------------ the route


async def _load(portal: Portal, file_id: uuid.UUID, user_id: uuid.UUID) -> Served | None:
    """The file and whether it or its release is withdrawn; None when the file or the link's user
    is gone. One statement in one short read; the session is closed before any byte is sent."""
    user_exists = select(User.id).where(User.id == user_id).exists()
    statement = (
        select(
            ReleaseFile.name,
            ReleaseFile.size,
            ReleaseFile.sha256,
            ReleaseFile.content_type,
            ReleaseFile.withdrawn_at,
            Release.withdrawn_at,
        )
        .join(Release, Release.id == ReleaseFile.release_id)
        .where(ReleaseFile.id == file_id, user_exists)
    )
    async with portal.db.read() as session:
        row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    name, size, sha256, content_type, file_withdrawn, release_withdrawn = row
    return Served(
        file_id=file_id,
        name=name,
        size=size,
        sha256=sha256,
        content_type=content_type,
        withdrawn=file_withdrawn is not None or release_withdrawn is not None,
    )


async def _audit(
    portal: Portal, request: Request, claims: links.LinkClaims, status: int, bytes_sent: int
) -> None:
    rng = request.headers.get("range")
    row = FileDownload(
        file_id=claims.file_id,
        user_id=claims.user_id,
        account_id=claims.account_id,
        range_header=rng[:200] if rng else None,
        bytes_sent=bytes_sent,
        status=status,
        client_ip=request.client.host if request.client else None,
    )
    try:
        async with portal.db.write() as session:
            session.add(row)
    except Exception:  # the bytes went out; a failed audit write must not turn into a 500 now
        log.exception("could not audit the download of file %s by user %s", claims.file_id, claims.user_id)


class DownloadEndpoint:
    """The route as a plain ASGI app: the audit row is written once the body is sent (or the client
    went away), which a Starlette endpoint that returns a Response cannot observe."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.local = LocalStorage(local_root(portal.settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        portal = self.portal
        claims = links.verify(portal.settings, request.path_params["file_id"], dict(request.query_params))
        served = await _load(portal, claims.file_id, claims.user_id) if claims else None
        if claims is None or served is None:
            refused = PlainTextResponse(INVALID_LINK, status_code=403, headers={"Cache-Control": "no-store"})
            await refused(scope, receive, send)
            return
        answer = self.answer(request, served)
        try:
            try:
                await answer.response(scope, receive, send)
            except OSError:
                stream = answer.response
                if not isinstance(stream, FileStream) or stream.started:
                    return  # mid-body: the connection ends short, and the client resumes
                # The row names bytes storage cannot give (a lost disk, a wrong PORTAL_DATA_DIR).
                log.exception("release file %s (%s) cannot be read", served.file_id, served.sha256)
                answer = Answer(
                    PlainTextResponse(UNREADABLE, status_code=503, headers={"Retry-After": "300"}), 503
                )
                await answer.response(scope, receive, send)
        finally:
            if request.method == "GET":
                # Shielded: a cancelled request still leaves its audit row.
                await asyncio.shield(_audit(portal, request, claims, answer.status, answer.bytes_sent))

    def answer(self, request: Request, served: Served) -> Answer:
        settings = self.portal.settings
        if served.withdrawn:
            return Answer(
                PlainTextResponse(WITHDRAWN, status_code=410, headers={"Cache-Control": "no-store"}), 410
            )
        etag = f'"{served.sha256}"'
        common = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, no-transform"}
        if none_match(request.headers.get("if-none-match"), etag):
            return Answer(Response(status_code=304, headers=common), 304)
        if settings.storage_url and settings.storage_url.startswith("s3://"):
            # A portal link on S3 storage (made before the switch): the store sends the bytes.
            from backend.domain.releases.s3 import s3_storage

            url = s3_storage(settings.storage_url).presigned_get(
                served.sha256, served.name, served.content_type, links.LINK_SECONDS
            )
            return Answer(RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"}), 302)
        size = served.size
        try:
            wanted = parse_range(request.headers.get("range"), size)
        except Unsatisfiable:
            return Answer(
                Response(status_code=416, headers={**common, "Content-Range": f"bytes */{size}"}), 416
            )
        if not if_range_holds(request.headers.get("if-range"), etag):
            wanted = None
        status = 206 if wanted else 200
        first, last = wanted if wanted else (0, size - 1)
        headers = {
            **common,
            "Content-Type": served.content_type,
            "Content-Disposition": content_disposition(served.name),
        }
        if settings.downloads_accel:
            # nginx sends the bytes and answers the Range itself (docs/downloads.md).
            accel = settings.downloads_accel.rstrip("/") + "/"
            del headers["Accept-Ranges"]  # nginx says it itself (twice would read "bytes, bytes")
            headers["X-Accel-Redirect"] = f"{accel}{served.sha256[:2]}/{served.sha256}"
            return Answer(Response(status_code=200, headers=headers), status, last - first + 1)
        if wanted:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        headers["Content-Length"] = str(last - first + 1)
        return Answer(FileStream(self.local.path_for(served.sha256), first, last, status, headers), status)


def routes(portal: Portal) -> list[Route]:
    return [Route("/downloads/{file_id}/{name}", DownloadEndpoint(portal), methods=["GET", "HEAD"])]
