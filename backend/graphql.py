"""The assembled schema and its guards: CSRF on cookie mutations, depth/alias/token limits,
parser and validation caches, and production hardening (no introspection, no suggestions,
masked errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache

import strawberry
from graphql import ASTValidationRule, ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule
from graphql.language import OperationType as GraphQLOperationType
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

from backend.resolvers import (
    accounts,
    activations,
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
    search,
    security,
    shares,
    support,
    upgrades,
    vouchers,
)
from backend.schema import catalog
from backend.schema import licenses as license_types

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


def _mask(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


Query = merge_types(
    "Query",
    (
        accounts.Query,
        key_requests.Query,
        licenses.Query,
        upgrades.Query,
        messages.Query,
        nodes.Query,
        partners.Query,
        security.Query,
        flex.Query,
        vouchers.Query,
        inbox.Query,
        search.Query,
        support.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        accounts.Mutation,
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
        inbox.Mutation,
    ),
)
Subscription = merge_types("Subscription", (key_requests.Subscription, inbox.Subscription))


@cache
def build_schema(production: bool) -> strawberry.Schema:
    rules = PRODUCTION_RULES if production else BASE_RULES
    # Factories, so each request gets fresh extension state; the caches are shared by maxsize and
    # the rule classes above are the same objects every time, so validation results stay cached.
    extensions: list[Callable[[], SchemaExtension]] = [
        CsrfGuard,
        CloseReadSession,
        TokenLimit,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: AddValidationRules(rules),
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=_mask))
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[catalog.ProductType, license_types.LicenseType],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )


def export_sdl() -> str:
    return build_schema(production=False).as_str() + "\n"
