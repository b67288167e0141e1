"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from backend.observability.health import readiness
from backend.observability.metrics import exposition
from backend.portal import Portal


def routes(portal: Portal) -> list[Route]:
    settings = portal.settings

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})

    async def readyz(_request: Request) -> Response:
        found = await readiness(portal.db, portal.worker, settings.ready_workers)
        return JSONResponse(
            {"status": "ready" if found.ready else "unavailable", "checks": found.checks},
            status_code=200 if found.ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def metrics(request: Request) -> Response:
        token = settings.metrics_token
        if token is None and settings.production:
            # Not public in production: a token, or a separate bind (docs/deploy.md).
            return PlainTextResponse("Not Found", status_code=404)
        if token is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, f"Bearer {token}".encode()):
                return PlainTextResponse(
                    "Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
                )
        return Response(await exposition(portal.db), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
