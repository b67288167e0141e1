"""Limits checked before a GraphQL operation runs, each refusing with an error that names it, all
in one extension (Checks): strings bounded at the edge (bound_strings), an API token's scopes
(backend/scopes.py), the node limit (page sizes multiplied down each path, summed, as GitHub counts
them) and the points budget charged from that count."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from graphql.language import Node, StringValueNode
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from backend.db.models import utcnow
from backend.domain import budget
from backend.scopes import refuse_past_scopes

# The longest string any argument takes (a custom value, an address line, a search); the fields
# that take less say so themselves with a field error.
MAX_STRING = 10_000


def _bad_string(value: Any, path: str) -> str | None:
    """The path of the first string in `value` that is too long or not valid Unicode (a lone
    surrogate cannot be stored, nor a NUL in PostgreSQL's text), else None."""
    if isinstance(value, str):
        if len(value) > MAX_STRING or "\x00" in value:
            return path
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _bad_string(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def bound_strings(ctx: Any) -> None:
    """Every string argument, from variables or written in the query, is bounded at the edge: too
    long or not valid text is refused naming the argument before anything runs."""
    found = _bad_string(ctx.variables or {}, "")
    if found is None and ctx.graphql_document is not None and not _literals_ok(ctx.graphql_document):
        found = "(a string in the query)"
    if found is not None:
        ctx.result = ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    f"{found}: text of at most {MAX_STRING:,} characters of valid Unicode, no NUL.",
                    extensions={"code": "INPUT_TOO_LONG", "field": found},
                )
            ],
        )


# The parser cache hands out the same document for the same query text: its literals are checked
# once (a walk of the whole document cost more than every other check of a small query together).
_LITERALS_CHECKED: dict[int, tuple[Any, bool]] = {}


def _literals_ok(document: Any) -> bool:
    seen = _LITERALS_CHECKED.get(id(document))
    if seen is not None and seen[0] is document:
        return seen[1]
    ok = all(_bad_string(node.value, "") is None for node in _string_literals(document))
    if len(_LITERALS_CHECKED) >= 512:
        _LITERALS_CHECKED.clear()
    _LITERALS_CHECKED[id(document)] = (document, ok)  # kept, so its id is not reused meanwhile
    return ok


def _string_literals(document: Any) -> Iterator[StringValueNode]:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, StringValueNode):
            yield node
            continue
        for key in getattr(node, "keys", ()):
            child = getattr(node, key, None)
            if isinstance(child, (list, tuple)):
                stack.extend(c for c in child if isinstance(c, Node))
            elif isinstance(child, Node):
                stack.append(child)


# Page sizes: at most MAX_PAGE per list field, at most MAX_NODES summed over a request.
MAX_PAGE = 100
MAX_NODES = 50_000
PAGE_ARGUMENTS = ("first", "last")


class NodeLimitExceeded(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _page_size(definition: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> int | None:
    """The page a list field asks for (its `first`/`last`, given or defaulted); None for fields
    without one."""
    for name in PAGE_ARGUMENTS:
        argument = definition.args.get(name)
        if argument is None:
            continue
        given = next((a for a in node.arguments or () if a.name.value == name), None)
        value = value_from_ast(given.value, argument.type, variables) if given else argument.default_value
        if isinstance(value, int):
            if value > MAX_PAGE:
                raise NodeLimitExceeded(
                    f"{node.name.value}({name}: {value}): at most {MAX_PAGE} per page.", "PAGE_TOO_LARGE"
                )
            return max(value, 0)
    return None


class _Counter:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ):
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def nodes(self, selections: SelectionSetNode, parent: Any, multiplier: int, seen: frozenset[str]) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
                definition = fields.get(selection.name.value)
                if definition is None:  # __typename, or a field validation refuses anyway
                    continue
                size = _page_size(definition, selection, self.variables)
                below = multiplier * (size if size is not None else 1)
                if size is not None:
                    total += below
                if selection.selection_set is not None:
                    total += self.nodes(selection.selection_set, get_named_type(definition.type), below, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total += self.nodes(selection.selection_set, kind, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                kind = self.schema.get_type(fragment.type_condition.name.value)
                total += self.nodes(fragment.selection_set, kind, multiplier, seen | {name})
            if total > MAX_NODES:
                raise NodeLimitExceeded(
                    f"This request would fetch more than {MAX_NODES:,} nodes (page sizes multiplied "
                    "down each path): ask for smaller pages or fewer nested lists.",
                    "NODE_LIMIT",
                )
        return total


def node_count(
    schema: GraphQLSchema, document: Any, operation_name: str | None, variables: dict[str, Any]
) -> int:
    """The nodes an operation may fetch; NodeLimitExceeded past a page or the request limit."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    counter = _Counter(schema, fragments, variables)
    total = 0
    for operation in chosen[:1]:
        root = schema.get_root_type(operation.operation)
        total += counter.nodes(operation.selection_set, root, 1, frozenset())
    return total


class Checks(SchemaExtension):
    """Everything checked before an operation runs, in one hook (each extension costs strawberry
    a few hook dispatches on every request): strings bounded (bound_strings), an API token's
    scopes (backend/scopes.py), then a page over MAX_PAGE or a request over MAX_NODES refused —
    nested lists multiply (a page of licenses, each with its account's page of licenses, …) —
    and a signed-in caller's points budget charged by the same count (domain/budget.py), said in
    the X-RateLimit-* headers; over budget, the request is refused with HTTP 429 and Retry-After.
    Each refusal names its limit and runs nothing."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.result is None:  # else refused already (CSRF)
            bound_strings(ctx)
        if ctx.result is None:
            refuse_past_scopes(ctx)
        if ctx.graphql_document is not None and ctx.result is None:
            try:
                nodes = node_count(
                    ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables or {}
                )
            except NodeLimitExceeded as exceeded:
                ctx.result = ExecutionResult(
                    data=None, errors=[GraphQLError(str(exceeded), extensions={"code": exceeded.code})]
                )
            else:
                await _spend(ctx, nodes)
        operation = ctx.operation_type
        if (
            ctx.result is not None
            and ctx.result.errors
            and operation is not None
            and operation.value == "subscription"
        ):
            # strawberry subscribes whatever the result says; an error raised here is its refusal.
            raise ctx.result.errors[0]
        yield


# ---- the points budget (issue 17)


async def _spend(ctx: Any, nodes: int) -> None:
    context = ctx.context
    user, portal = getattr(context, "user", None), getattr(context, "portal", None)
    if user is None or portal is None or portal.settings.points_per_hour <= 0:
        return  # signed-out callers reach only sign-in and help; their limits are per address
    found = await budget.charge(portal.db, user.id, budget.cost_of(nodes), portal.settings.points_per_hour)
    context.budget = found
    response = getattr(context, "response", None)
    if isinstance(response, Response):
        response.headers.update(rate_limit_headers(found))
    if not found.allowed:
        retry = found.retry_after(utcnow())
        if isinstance(response, Response):
            response.status_code = 429
            response.headers["Retry-After"] = str(retry)
        ctx.result = ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    f"This request costs {found.cost} points and {found.remaining} of your "
                    f"{found.limit:,} points this hour are left: try again in {retry} s, or ask for "
                    "smaller pages.",
                    extensions={"code": "RATE_LIMITED", "retryAfterSeconds": retry, "cost": found.cost},
                )
            ],
        )


def rate_limit_headers(found: budget.Budget) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(found.limit),
        "X-RateLimit-Remaining": str(found.remaining),
        "X-RateLimit-Used": str(found.used),
        "X-RateLimit-Reset": str(int(found.reset_at.timestamp())),
    }
