"""The assembled schema and its guards: CSRF on cookie mutations, depth/alias/token limits,
parser and validation caches, and production hardening (no introspection, no suggestions,
masked errors)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from typing import Any

import strawberry
from graphql import ASTValidationRule, ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule
from graphql.language import OperationType as GraphQLOperationType
from starlette.requests import Request
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.domain.errors import UserError
from backend.limits import Checks
from backend.observability.operations import OperationMetrics
from backend.resolvers import (
    accounts,
    activations,
    api_tokens,
    bulk_exports,
    custom_fields,
    delegations,
    flex,
    inbox,
    key_requests,
    licenses,
    members,
    messages,
    nodes,
    partners,
    rehost,
    releases,
    reports,
    search,
    security,
    shares,
    sso,
    support,
    upgrades,
    vouchers,
)
from backend.schema import catalog
from backend.schema import licenses as license_types
from backend.schema.releases import BIG_INT, BigInt

log = logging.getLogger(__name__)
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000

# Built once: rule classes are part of ValidationCache's key, so per-request classes never hit.
BASE_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None), max_aliases_rule(MAX_ALIASES)]
PRODUCTION_RULES: list[type[ASTValidationRule]] = [*BASE_RULES, NoSchemaIntrospectionCustomRule]


class CsrfGuard(SchemaExtension):
    """A mutation sent with the session cookie must carry X-CSRF-Token equal to portal_csrf."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        operation = ctx.operation_type
        if (
            operation is not None
            and operation.value == GraphQLOperationType.MUTATION.value
            and getattr(context, "session_token", None)
            and not getattr(context, "csrf_valid", False)
        ):
            ctx.result = ExecutionResult(
                data=None,
                errors=[GraphQLError("Missing or invalid CSRF token.", extensions={"code": "CSRF_FAILED"})],
            )
        yield


class SubscriptionsOverWebSocket(SchemaExtension):
    """Subscriptions are served over graphql-transport-ws only. Over an HTTP POST the library would
    run one as a query, return its event stream where a value belongs and fail unexpectedly; a
    request error instead (400 with application/graphql-response+json)."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        operation = ctx.operation_type
        request = getattr(ctx.context, "request", None)
        if (
            operation is not None
            and operation.value == GraphQLOperationType.SUBSCRIPTION.value
            and isinstance(request, Request)
        ):
            message = "Subscriptions are served over WebSocket (graphql-transport-ws), not over HTTP."
            ctx.result = ExecutionResult(
                data=None, errors=[GraphQLError(message, extensions={"code": "BAD_REQUEST"})]
            )
        yield


class NoteQueries(SchemaExtension):
    """Tell the HTTP view whether the operation is a query, which it may stop when the client has
    gone or the time limit passed (backend/app.py); a mutation always runs to its end."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        operation = ctx.operation_type
        if operation is not None and hasattr(ctx.context, "is_query"):
            ctx.context.is_query = operation.value == GraphQLOperationType.QUERY.value
        yield


class CloseReadSession(SchemaExtension):
    """Give the request's read session back to the pool when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        loaders = getattr(self.execution_context.context, "loaders", None)
        if loaders is not None:
            await loaders.close()


class TokenLimit(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield


def expected(error: GraphQLError) -> bool:
    """A refusal the caller can act on (sign in, a bad id or cursor, an invalid query), not a fault
    of ours: raised as a GraphQLError itself, or a domain UserError."""
    return error.original_error is None or isinstance(error.original_error, (GraphQLError, UserError))


class PortalSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected refusals are one INFO line each (an anonymous caller is no emergency); anything
        else is logged as strawberry does, at ERROR with its traceback."""
        unexpected = []
        for error in errors:
            if expected(error):
                code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
                log.info("refused %s: %s (%s)", code, error.message, ".".join(map(str, error.path or ())))
            else:
                unexpected.append(error)
        super().process_errors(unexpected, execution_context)


def _mask(error: GraphQLError) -> bool:
    return not expected(error)


Query = merge_types(
    "Query",
    (
        accounts.Query,
        api_tokens.Query,
        bulk_exports.Query,
        key_requests.Query,
        licenses.Query,
        upgrades.Query,
        messages.Query,
        nodes.Query,
        partners.Query,
        security.Query,
        flex.Query,
        vouchers.Query,
        releases.Query,
        inbox.Query,
        reports.Query,
        search.Query,
        support.Query,
        sso.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        accounts.Mutation,
        api_tokens.Mutation,
        bulk_exports.Mutation,
        key_requests.Mutation,
        upgrades.Mutation,
        rehost.Mutation,
        activations.Mutation,
        delegations.Mutation,
        members.Mutation,
        shares.Mutation,
        custom_fields.Mutation,
        licenses.Mutation,
        security.Mutation,
        flex.Mutation,
        vouchers.Mutation,
        releases.Mutation,
        inbox.Mutation,
        sso.Mutation,
    ),
)
Subscription = merge_types(
    "Subscription", (key_requests.Subscription, inbox.Subscription, bulk_exports.Subscription)
)


@cache
def build_schema(production: bool, checks: bool = True) -> strawberry.Schema:
    """`checks=False` leaves out every limit checked before execution (input bounds, token scopes,
    the node limit and budget, depth and aliases): only to measure what they cost (bench/)."""
    rules = PRODUCTION_RULES if production else BASE_RULES
    if not checks:
        rules = [r for r in rules if r not in BASE_RULES]
    # Factories, so each request gets fresh extension state; the caches are shared by maxsize and
    # the rule classes above are the same objects every time, so validation results stay cached.
    extensions: list[Callable[[], SchemaExtension]] = [
        CsrfGuard,
        SubscriptionsOverWebSocket,
        NoteQueries,
        *([Checks] if checks else []),
        CloseReadSession,
        TokenLimit,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: AddValidationRules(rules),
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=_mask))
    extensions.append(OperationMetrics)  # last, so it sees errors before they are masked
    return PortalSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[catalog.ProductType, license_types.LicenseType],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production, scalar_map={BigInt: BIG_INT}),
    )


def export_sdl() -> str:
    return build_schema(production=False).as_str() + "\n"
