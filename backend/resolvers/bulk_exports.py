"""Bulk exports: bulkExport, bulkExports, bulkExportStart, bulkExportCancel, bulkExportUpdated —
and BulkPages, which runs each page of an export through the schema as its user."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSchema, parse
from sqlalchemy import select
from starlette.requests import Request

from backend.context import Context, Info
from backend.db.models import BulkExportStatus, User
from backend.domain.bulk_exports import exports
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError, UserError
from backend.loaders import Loaders
from backend.portal import Portal
from backend.schema.bulk_exports import (
    BulkExportCancelInput,
    BulkExportCancelResult,
    BulkExportCancelSuccess,
    BulkExportConnection,
    BulkExportNotCancelable,
    BulkExportRunning,
    BulkExportStartInput,
    BulkExportStartResult,
    BulkExportStartSuccess,
    BulkExportType,
)
from backend.schema.common import error_member, from_global_id
from backend.scopes import _Refusal, check

TERMINAL = {
    BulkExportStatus.COMPLETED,
    BulkExportStatus.FAILED,
    BulkExportStatus.CANCELED,
    BulkExportStatus.EXPIRED,
}
SUBSCRIPTION_RECHECK_SECONDS = 15.0


def _schema(info: Info) -> GraphQLSchema:
    runner = info.context.portal.bulk_runner
    assert runner is not None, "create_app gives the portal its bulk runner"
    return runner.schema


def _within_scopes(schema: GraphQLSchema, text: str, scopes: frozenset[str] | None) -> None:
    """An API token exports only what its scopes open (checked again on every page)."""
    if scopes is None:
        return
    try:
        document = parse(text, max_tokens=3000)
    except GraphQLError:
        return  # the plan names the syntax error
    try:
        check(schema, document, None, scopes)
    except _Refusal as refused:
        raise InvalidInputError([FieldProblem("query", "MISSING_SCOPE", str(refused))]) from None


@strawberry.type
class Query:
    @strawberry.field(description="One of your bulk exports (null for an unknown id or someone else's).")
    async def bulk_export(self, info: Info, id: strawberry.ID) -> BulkExportType | None:
        ctx = info.context
        try:
            row = await exports.get(ctx.portal.db, ctx.actor, from_global_id(id, "BulkExport"))
        except NotFoundError:
            return None
        return BulkExportType.from_model(row, ctx.portal.settings)

    @strawberry.field(description="Your bulk exports, newest first (first ≤ 100).")
    async def bulk_exports(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> BulkExportConnection:
        ctx = info.context
        page = await exports.listing(ctx.portal.db, ctx.actor, first, after)
        return BulkExportConnection.from_page(page, ctx.portal.settings, after)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Start exporting a connection query's every page as JSONL in the background; "
        "follow it with bulkExportUpdated or by asking bulkExport(id). One runs per user."
    )
    async def bulk_export_start(self, info: Info, input: BulkExportStartInput) -> BulkExportStartResult:
        ctx = info.context
        portal = ctx.portal
        actor = ctx.actor
        schema = _schema(info)
        try:
            _within_scopes(schema, input.query, actor.scopes)
            row = await exports.start(portal.db, portal.bus, schema, actor, input.query)
        except exports.BulkExportRunningError as running:
            found = await exports.get(portal.db, actor, running.running_id)
            return BulkExportRunning(
                code=running.code,
                message=running.message,
                field=running.field,
                running_export=BulkExportType.from_model(found, portal.settings),
            )
        except UserError as exc:
            result: BulkExportStartResult = error_member(exc)
            return result
        return BulkExportStartSuccess(bulk_export=BulkExportType.from_model(row, portal.settings))

    @strawberry.mutation(
        description="Stop a CREATED or RUNNING export of yours; its partial file is deleted."
    )
    async def bulk_export_cancel(self, info: Info, input: BulkExportCancelInput) -> BulkExportCancelResult:
        ctx = info.context
        portal = ctx.portal
        step = exports.cancel(portal.db, portal.bus, ctx.actor, from_global_id(input.id, "BulkExport"))
        try:
            row = await step
        except exports.BulkExportNotCancelableError as exc:
            return BulkExportNotCancelable(code=exc.code, message=exc.message, field=exc.field)
        except UserError as exc:
            result: BulkExportCancelResult = error_member(exc)
            return result
        return BulkExportCancelSuccess(bulk_export=BulkExportType.from_model(row, portal.settings))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The export now and at each change (progress about every ten pages) until it "
        "completes, fails, is canceled or expires."
    )
    async def bulk_export_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[BulkExportType, None]:
        ctx = info.context
        portal = ctx.portal
        export_id = from_global_id(id, "BulkExport")
        topic = exports.topic(export_id) if export_id else "bulkExport:unknown"
        # Subscribe before the first read so no change between the two is missed.
        async with portal.bus.subscribe(topic) as queue:
            last = None
            while True:
                try:
                    row = await exports.get(portal.db, ctx.actor, export_id)
                except NotFoundError as exc:
                    raise GraphQLError(exc.message, extensions={"code": "NOT_FOUND"}) from None
                marker = (row.status, row.object_count)
                if marker != last:
                    last = marker
                    yield BulkExportType.from_model(row, portal.settings)
                if row.status in TERMINAL:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), SUBSCRIPTION_RECHECK_SECONDS)
                while not queue.empty():
                    queue.get_nowait()


class BulkPages:
    """Runs a bulk export's pages through `schema` (the portal's, without the per-request limits:
    the plan pages at the largest page size, and an export is charged to no hourly budget), as the
    export's user with the token's scopes, each page with fresh loaders."""

    def __init__(self, portal: Portal, schema: Any) -> None:
        self.portal = portal
        self.strawberry_schema = schema
        self.schema: GraphQLSchema = schema._schema
        self._users: dict[uuid.UUID, User] = {}

    async def __call__(
        self, user_id: uuid.UUID, scopes: frozenset[str] | None, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        portal = self.portal
        user = self._users.get(user_id)
        if user is None:
            async with portal.db.read() as session:
                user = await session.scalar(select(User).where(User.id == user_id))
            if user is None:
                raise exports.PageFailed("The export's user is gone.")
            self._users = {user_id: user}
        request = Request(
            {"type": "http", "method": "POST", "path": "/graphql", "headers": [], "query_string": b""}
        )
        context = Context(
            request=request,
            response=None,
            portal=portal,
            loaders=Loaders(portal.db, portal.settings.draft_ttl_days),
            user=user,
            scopes=scopes,
        )
        result = await self.strawberry_schema.execute(query, variable_values=variables, context_value=context)
        if result.errors:
            raise exports.PageFailed(result.errors[0].message)
        return dict(result.data or {})
