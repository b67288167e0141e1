"""GET /api/bulk-exports/<id>.jsonl?e=…&s=…: a completed bulk export's file, by its signed link
(bulkExport.url) alone — a script or a download manager fetches it without a session, as
Shopify's bulk operation URLs do. The link names the export, its user and its expiry (seven days)
under an HMAC; tampered, expired, unknown or deleted answer the same 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from backend.domain.bulk_exports import exports
from backend.portal import Portal


class _BigChunks(FileResponse):
    chunk_size = 1024 * 1024  # a large file at disk speed, not in 64 KiB steps


def routes(portal: Portal) -> list[Route]:
    async def download(request: Request) -> Response:
        found = await exports.verified_file(
            portal.db, portal.settings, request.path_params["export_id"], dict(request.query_params)
        )
        if found is None:
            return PlainTextResponse("Not found", status_code=404)
        row, path = found
        return _BigChunks(
            path,
            media_type="application/jsonl",
            filename=f"bulk-export-{row.id}.jsonl",
            headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
        )

    return [Route(exports.DOWNLOAD_PATH + "/{export_id}.jsonl", download, methods=["GET"])]
