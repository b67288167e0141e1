"""The schema extension that measures GraphQL operations: latency per operation name, errors by
code, open subscriptions; and notes when an operation's errors say the database is away, so the
HTTP answer is 503 (PortalGraphQL.process_result)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextvars import ContextVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from backend.observability.context import note_user
from backend.observability.metrics import (
    GRAPHQL_ERRORS,
    GRAPHQL_LATENCY,
    SUBSCRIPTIONS_OPEN,
    operation_label,
)
from backend.observability.outage import database_unavailable

# Set when this request's operation failed because the database is away.
database_away: ContextVar[bool] = ContextVar("database_away", default=False)


def error_code(error: GraphQLError) -> str:
    if database_unavailable(error.original_error):
        return "DATABASE_UNAVAILABLE"
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return str((error.extensions or {}).get("code", "GRAPHQL_ERROR"))
    code = getattr(original, "code", None)  # a domain UserError raised to the top
    return str(code) if isinstance(code, str) else "INTERNAL"


class OperationMetrics(SchemaExtension):
    """Listed after MaskErrors: extensions leave an operation in reverse order, so this one still
    sees the errors as raised."""

    subscribed = False

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            context = self.execution_context
            name = operation_label(context.operation_name)
            if self.subscribed:
                SUBSCRIPTIONS_OPEN.dec()
            else:
                kind = context.operation_type.value if self._parsed() else "invalid"
                GRAPHQL_LATENCY.labels(kind, name).observe(time.perf_counter() - started)
            result = context.result
            for error in (result.errors if result is not None else None) or ():
                code = error_code(error)
                if code == "DATABASE_UNAVAILABLE":
                    database_away.set(True)
                GRAPHQL_ERRORS.labels(name, code).inc()

    def on_execute(self) -> Iterator[None]:
        user = getattr(self.execution_context.context, "user", None)
        if user is not None:  # the request's log lines from here on say who acts
            note_user(user.id)
        if self._parsed() and self.execution_context.operation_type == OperationType.SUBSCRIPTION:
            self.subscribed = True
            SUBSCRIPTIONS_OPEN.inc()
        yield

    def _parsed(self) -> bool:
        try:
            self.execution_context.operation_type  # noqa: B018 — raises on a document that did not parse
        except Exception:
            return False
        return True
