"""The ASGI middleware around the whole app: a request id for every request (a trusted proxy's
X-Request-ID or a new one, returned in the response), the HTTP metrics by route template, one
access log line, and 503 instead of 500 while the database is away."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.observability import context
from backend.observability.metrics import HTTP_LATENCY, HTTP_SERVER_ERRORS
from backend.observability.outage import RETRY_AFTER_SECONDS, database_unavailable

access_log = logging.getLogger("portal.access")
log = logging.getLogger(__name__)
HEADER = b"x-request-id"


def route_template(scope: Scope) -> str:
    """The route's path template (`/api/licenses/{license_id}/license.lic`), never the raw path,
    whose ids would make a series per license."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return path or "/{spa}"  # the SPA's mount at "/"


class ObservedRequests:
    def __init__(self, app: ASGIApp, *, trust_forwarded_id: bool) -> None:
        self.app = app
        # Only behind a proxy that sets the header itself (nginx: proxy_set_header X-Request-ID
        # $request_id) is a forwarded id believed; otherwise a client could pick ids at will.
        self.trust_forwarded_id = trust_forwarded_id

    def _request_id(self, scope: Scope) -> str:
        if self.trust_forwarded_id:
            for name, value in scope.get("headers", ()):
                if name == HEADER:
                    forwarded = context.accepted_request_id(value.decode("latin-1"))
                    if forwarded is not None:
                        return forwarded
        return context.new_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        tokens = (
            context.request_id.set(request_id),
            context.user_id.set(None),
            context.account_id.set(None),
        )
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self._http(scope, receive, send, request_id)
        finally:
            context.request_id.reset(tokens[0])
            context.user_id.reset(tokens[1])
            context.account_id.reset(tokens[2])

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["sent"] = message["status"], True
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if state["sent"] or not database_unavailable(exc):
                raise
            log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
            await self._unavailable(send, request_id)
            state["status"] = 503
        finally:
            seconds = time.perf_counter() - started
            route, status = route_template(scope), state["status"]
            HTTP_LATENCY.labels(route, scope["method"]).observe(seconds)
            if status >= 500:
                HTTP_SERVER_ERRORS.labels(route, str(status)).inc()
            # The path without its query string: a reset link's token travels in one.
            access_log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status, seconds * 1000)

    @staticmethod
    async def _unavailable(send: Send, request_id: str) -> None:
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": "The service is briefly unavailable; try again.",
                        "extensions": {"code": "SERVICE_UNAVAILABLE"},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                    (HEADER, request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
