"""The Starlette application: /graphql (HTTP + graphql-transport-ws), /.well-known/jwks.json,
/healthz and the SPA."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

# strawberry answers this exception with its status code (its HTTP layer is cross-web).
from cross_web import HTTPException as GraphQLHTTPError
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from backend.auth.tokens import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_ok
from backend.config import Settings
from backend.context import Context
from backend.domain.accounts.users import user_for_session
from backend.graphql import build_schema
from backend.http.bearer import BearerRefused, bearer_user
from backend.http.bulk_exports import routes as bulk_export_routes
from backend.http.downloads import routes as download_routes
from backend.http.exports import routes as export_routes
from backend.http.graphql_http import SubResponse, finish, request_error_status, wants_graphql_response
from backend.http.releases import routes as release_routes
from backend.http.reports import routes as report_routes
from backend.http.sso import routes as sso_routes
from backend.loaders import Loaders
from backend.observability.http import routes as observability_routes
from backend.observability.metrics import pool_sampler
from backend.observability.operations import database_away
from backend.observability.outage import DatabaseUnavailable
from backend.observability.requests import ObservedRequests
from backend.portal import Portal
from backend.resolvers.bulk_exports import BulkPages

log = logging.getLogger(__name__)
FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"


def client_ip(request: Request | WebSocket) -> str | None:
    return request.client.host if request.client else None


# The largest request body /graphql reads (a conversion of 10,000 voucher codes is about 300 kB);
# a larger one, or JSON nested past what the parser can follow, is a 400 before anything runs.
MAX_BODY_BYTES = 2_000_000


class GetNotServed(Exception):
    """Operations only over POST (docs/decisions/0024-api-conformance.md): a GET could be sent by
    any page a signed-in browser visits, and no client of ours needs one."""

    @staticmethod
    def response() -> Response:
        body = {
            "errors": [
                {"message": "Send GraphQL operations with POST.", "extensions": {"code": "BAD_REQUEST"}}
            ]
        }
        return JSONResponse(body, status_code=405, headers={"Allow": "POST"})


async def _client_gone(request: Request) -> None:
    """Returns once the client has disconnected (the body is read by then: what the server hands
    on after it is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _stopped(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


class PortalGraphQL(GraphQL[Context, None]):
    def __init__(self, portal: Portal) -> None:
        production = portal.settings.production
        super().__init__(
            build_schema(production, portal.settings.limit_checks),
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=False,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            # Cookies ride along on a WebSocket handshake: strawberry refuses (HTTP 403) a handshake
            # whose Origin is not this host and port, before any hook runs; no other origin is let in.
            allowed_origins=(),
        )
        self.portal = portal

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "GET":  # GraphiQL's page (development) is served before this
            raise GetNotServed
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise GraphQLHTTPError(400, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.")
        data = await super().parse_http_body(request)
        # strawberry checks query, variables and extensions; an operationName that is not a string
        # would reach the executor and fail there as an unexpected error (GraphQL over HTTP: 400).
        if not isinstance(data, list) and not isinstance(data.operation_name, (str, type(None))):
            raise GraphQLHTTPError(400, "The request's operationName must be a string or null.")
        return data

    def decode_json(self, data: str | bytes) -> object:
        if len(data) > MAX_BODY_BYTES:  # sent without a Content-Length
            raise GraphQLHTTPError(400, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.")
        try:
            return super().decode_json(data)
        except RecursionError:
            raise GraphQLHTTPError(400, "The request's JSON is nested too deeply.") from None

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)  # an HTTP body (WebSocket messages go to decode_json)
        # null, a string or a number would reach strawberry's `data.get(...)`: a 500 (found by hand
        # after the audits); a list is refused by strawberry as a batch.
        if not isinstance(parsed, (dict, list)):
            raise GraphQLHTTPError(400, "The request body must be a JSON object.")
        return parsed

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        """Run the operation beside a watch on the client: a query whose client went away, or that
        ran past `query_time_limit`, is stopped (its work would be thrown away or hold a worker);
        a mutation runs to its end, since its answer is kept for the retry. The run's context
        variables (request logging, the database-away mark) flow back to this task afterwards."""
        run_context = contextvars.copy_context()
        run = asyncio.create_task(
            super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            ),
            context=run_context,
        )
        gone = asyncio.create_task(_client_gone(request))
        try:
            limit = self.portal.settings.query_time_limit
            await asyncio.wait({run, gone}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
            if run.done() or not context.is_query:
                return await run
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
            if gone.done():
                log.info("stopped a query: its client disconnected")
                return _stopped("The client closed the connection; the query was stopped.", "CLIENT_CLOSED")
            log.info("stopped a query after %s s", limit)
            message = f"The query ran longer than {limit:g} s and was stopped: ask for fewer nodes at a time."
            return _stopped(message, "TIMEOUT")
        finally:
            gone.cancel()
            if not run.done():  # this request itself was cancelled (shutdown)
                run.cancel()
            for variable, value in run_context.items():
                variable.set(value)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A bearer token that cannot be used is answered before anything runs (backend/http/bearer.py).
        try:
            await super().__call__(scope, receive, send)
        except BearerRefused as refused:
            await refused.response()(scope, receive, send)
        except GetNotServed:
            await GetNotServed.response()(scope, receive, send)
        except ClientDisconnect:  # gone while its body was read: nothing ran, nobody to answer
            log.info("a client disconnected before its request body arrived")

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # An operation that found the database away is answered 503 by ObservedRequests.
        if database_away.get():
            database_away.set(False)
            raise DatabaseUnavailable
        return await super().process_result(request, result)

    # ---- GraphQL over HTTP (issue 17): application/graphql-response+json and its status codes.
    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = SubResponse()
        sub_response.status_code = None  # type: ignore[assignment]  # as strawberry's: "not set yet"
        del sub_response.headers["content-length"]
        sub_response.graphql_response = isinstance(request, Request) and wants_graphql_response(request)
        return sub_response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        data: Any = response_data
        if (
            isinstance(sub_response, SubResponse)
            and sub_response.graphql_response
            and isinstance(data, dict)
            and request_error_status(data) is not None
        ):
            data = {key: value for key, value in data.items() if key != "data"}  # it never executed
        return finish(super().create_response(data, sub_response), data, sub_response)

    # ----
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        portal = self.portal
        token = request.cookies.get(SESSION_COOKIE)
        context = Context(
            request=request,
            response=response,
            portal=portal,
            loaders=Loaders(portal.db, portal.settings.draft_ttl_days),
            ip=client_ip(request),
        )
        # ---- API tokens (issue 17): a bearer request acts as the token's user, within its scopes.
        try:
            found = await bearer_user(portal.db, request, context.ip)
        except BearerRefused:
            if isinstance(request, WebSocket):
                return context  # a handshake with a bad token: signed out
            raise
        if found is not None:
            context.user, context.scopes = found.user, found.scopes
            return context
        # ----
        if token:
            context.user = await user_for_session(portal.db, token)
            if context.user is not None:
                context.session_token = token
                context.csrf_valid = csrf_ok(
                    portal.settings.secret_key,
                    token,
                    request.cookies.get(CSRF_COOKIE),
                    request.headers.get(CSRF_HEADER),
                )
        return context


class SPAStaticFiles(StaticFiles):
    """Serve the built SPA; unknown paths get index.html so client-side routes deep-link."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            return FileResponse(Path(str(self.directory)) / "index.html")


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    portal = Portal(settings)
    graphql_app = PortalGraphQL(portal)
    portal.bulk_runner = BulkPages(portal, build_schema(settings.production, checks=False))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await portal.start(run_worker=settings.workers > 0 if run_worker is None else run_worker)
        # What exists now (modules, the schema, mappers, caches) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise walk it on every big request.
        gc.collect()
        gc.freeze()
        try:
            async with pool_sampler(portal.db):
                yield
        finally:
            await portal.stop()

    async def jwks(_request: Request) -> Response:
        return JSONResponse(await portal.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

    routes: list[Any] = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        *observability_routes(portal),  # /healthz, /readyz, /metrics
        Route("/.well-known/jwks.json", jwks),
        *export_routes(portal),
        *bulk_export_routes(portal),
        *sso_routes(portal),
        *report_routes(portal),
        *download_routes(portal),
        *release_routes(portal),
    ]
    if (FRONTEND_DIST / "index.html").exists():
        routes.append(Mount("/", SPAStaticFiles(directory=FRONTEND_DIST, html=True), name="spa"))
    else:
        log.warning("frontend/dist is missing: run `make setup` (npm run build) to serve the SPA")
    trusted_id = bool(settings.trusted_proxies)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(ObservedRequests, trust_forwarded_id=trusted_id)],
    )
    app.state.portal = portal
    return app
