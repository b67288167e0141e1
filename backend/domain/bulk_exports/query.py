"""The query of a bulk export: checked up front, then rewritten for paging.

A bulk query is one query operation with one top-level connection field (`licenses`, `vouchers`,
…) whose nodes are selected as `edges { node { … } }` or `nodes { … }`; a connection may appear
again inside the node (through single objects, not lists), one level down. The plan pages the root
connection with `first: PAGE, after: $cursor`, reads each nested connection's first page with the
node and its further pages through `node(id:)`; it asks for every node's `id` and the pages'
`pageInfo` under aliases of its own, which the writer takes out again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    parse,
    print_ast,
    validate,
)
from graphql.type import GraphQLInterfaceType, GraphQLOutputType

from backend.domain.errors import FieldProblem, InvalidInputError

PAGE = 100  # the largest page every connection field takes
MAX_QUERY = 10_000
ID_ALIAS = "_bulkId"
PAGE_ALIAS = "_bulkPage"
CURSOR = "bulkCursor"
PARENT = "bulkParent"
_PAGING = {"first", "after", "last", "before"}


@dataclass
class Nested:
    """A connection inside the root node: its response key path from the node, and the AST path
    (fields and inline fragments) that leads to it, to ask for its further pages by node(id:)."""

    keys: list[str]
    steps: list[FieldNode | InlineFragmentNode]
    follow_up: str = ""


@dataclass
class Plan:
    root_key: str
    uses_edges: bool
    page_query: str
    nested: list[Nested] = field(default_factory=list)


def _problem(message: str, code: str = "INVALID_QUERY") -> InvalidInputError:
    return InvalidInputError([FieldProblem("query", code, message)])


def _connection(kind: GraphQLOutputType) -> GraphQLObjectType | None:
    """The connection object type, if `kind` is one (edges or nodes, and pageInfo)."""
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if not isinstance(kind, GraphQLObjectType):
        return None
    fields = kind.fields
    if "pageInfo" in fields and ("edges" in fields or "nodes" in fields):
        return kind
    return None


def _node_type(connection: GraphQLObjectType) -> GraphQLObjectType | GraphQLInterfaceType:
    if "edges" in connection.fields:
        edge = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        found = get_named_type(edge.fields["node"].type)
    else:
        found = get_named_type(connection.fields["nodes"].type)
    assert isinstance(found, GraphQLObjectType | GraphQLInterfaceType)
    return found


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _name(text: str) -> NameNode:
    return NameNode(value=text)


def _field(name: str, alias: str | None = None, selections: Sequence[FieldNode] | None = None) -> FieldNode:
    return FieldNode(
        name=_name(name),
        alias=_name(alias) if alias else None,
        arguments=(),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)) if selections is not None else None,
    )


def _page_info() -> FieldNode:
    return _field("pageInfo", PAGE_ALIAS, [_field("hasNextPage"), _field("endCursor")])


def _paged(node: FieldNode, after: str | None) -> tuple[ArgumentNode, ...]:
    kept = [a for a in node.arguments or () if a.name.value not in _PAGING]
    kept.append(ArgumentNode(name=_name("first"), value=IntValueNode(value=str(PAGE))))
    if after:
        kept.append(ArgumentNode(name=_name("after"), value=VariableNode(name=_name(after))))
    return tuple(kept)


def _with(
    node: FieldNode, selections: Sequence[object], arguments: tuple[ArgumentNode, ...] | None = None
) -> FieldNode:
    return FieldNode(
        name=node.name,
        alias=node.alias,
        arguments=node.arguments if arguments is None else arguments,
        directives=node.directives,
        selection_set=SelectionSetNode(selections=tuple(selections)),  # type: ignore[arg-type]
    )


class _Rewriter:
    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.nested: list[Nested] = []

    def connection(
        self, node: FieldNode, kind: GraphQLObjectType, after: str | None, depth: int
    ) -> tuple[FieldNode, bool]:
        """The connection field paged and with our pageInfo; whether it selects edges (or nodes)."""
        node_type = _node_type(kind)
        selections: list[object] = [_page_info()]
        uses_edges = False
        for selection in node.selection_set.selections if node.selection_set else ():
            if not isinstance(selection, FieldNode):
                raise _problem(
                    "Select a connection's edges { node { … } } or nodes { … }, without fragments."
                )
            name = selection.name.value
            if name == "edges":
                uses_edges = True
                inner = []
                for sub in selection.selection_set.selections if selection.selection_set else ():
                    if isinstance(sub, FieldNode) and sub.name.value == "node" and sub.selection_set:
                        inner.append(_with(sub, self.node(sub.selection_set, node_type, depth)))
                    elif isinstance(sub, FieldNode) and sub.name.value == "cursor":
                        inner.append(sub)
                    else:
                        raise _problem("Under edges, select node { … } (and cursor, if you like).")
                selections.append(_with(selection, inner))
            elif name == "nodes" and selection.selection_set:
                selections.append(_with(selection, self.node(selection.selection_set, node_type, depth)))
            elif name in ("pageInfo", "__typename", "totalCount"):
                continue  # paging is ours; a page's count says nothing in a file
            else:
                raise _problem(f"'{name}': a bulk query selects only edges or nodes of a connection.")
        if len(selections) != 2:
            raise _problem("Select the connection's nodes once: edges { node { … } } or nodes { … }.")
        return _with(node, selections, _paged(node, after)), uses_edges

    def node(self, selections: SelectionSetNode, node_type: object, depth: int) -> list[object]:
        out: list[object] = []
        if isinstance(node_type, GraphQLObjectType | GraphQLInterfaceType) and "id" in node_type.fields:
            out.append(_field("id", ID_ALIAS))
        out.extend(self.walk(selections, node_type, depth, [], []))
        return out

    def walk(
        self,
        selections: SelectionSetNode,
        parent: object,
        depth: int,
        keys: list[str],
        steps: list[FieldNode | InlineFragmentNode],
        through_list: bool = False,
    ) -> list[object]:
        out: list[object] = []
        for selection in selections.selections:
            if isinstance(selection, FragmentSpreadNode):
                raise _problem("Write the fields inline: named fragments are not taken in a bulk query.")
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                inner = self.walk(
                    selection.selection_set, kind, depth, keys, [*steps, selection], through_list
                )
                out.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=selection.directives,
                        selection_set=SelectionSetNode(selections=tuple(inner)),  # type: ignore[arg-type]
                    )
                )
                continue
            assert isinstance(selection, FieldNode)
            fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
            definition = fields.get(selection.name.value)
            if definition is None or selection.selection_set is None:
                out.append(selection)
                continue
            connection = _connection(definition.type)
            if connection is not None:
                if depth >= 1:
                    raise _problem(
                        f"'{_key(selection)}': connections nest one level down in a bulk query.", "TOO_DEEP"
                    )
                if through_list:
                    raise _problem(
                        f"'{_key(selection)}': a nested connection must hang on the node or its "
                        "objects, not inside a list."
                    )
                rewritten, _ = self.connection(selection, connection, None, depth + 1)
                self.nested.append(Nested([*keys, _key(selection)], [*steps, selection]))
                out.append(rewritten)
                continue
            kind = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
            listed = through_list or isinstance(kind, GraphQLList)
            inner = self.walk(
                selection.selection_set,
                get_named_type(definition.type),
                depth,
                [*keys, _key(selection)],
                [*steps, selection],
                listed,
            )
            out.append(_with(selection, inner))
        return out


def _operation(selections: Sequence[object], variables: Sequence[tuple[str, str]]) -> str:
    definitions = tuple(
        VariableDefinitionNode(
            variable=VariableNode(name=_name(name)),
            type=_type_node(kind),
            directives=(),
        )
        for name, kind in variables
    )
    operation = OperationDefinitionNode(
        operation=OperationType.QUERY,
        name=None,
        variable_definitions=definitions,
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)),  # type: ignore[arg-type]
    )
    return print_ast(DocumentNode(definitions=(operation,)))


def _type_node(kind: str) -> NamedTypeNode | NonNullTypeNode:
    named = NamedTypeNode(name=_name(kind.rstrip("!")))
    return NonNullTypeNode(type=named) if kind.endswith("!") else named


def _follow_up(node_type: object, nested: Nested) -> str:
    """node(id: $bulkParent) { ... on NodeType { <path> { conn(first: PAGE, after: $bulkCursor) } } }"""
    inner: object | None = None
    for step in reversed(nested.steps):
        if isinstance(step, InlineFragmentNode):
            inner = InlineFragmentNode(
                type_condition=step.type_condition,
                directives=step.directives,
                selection_set=SelectionSetNode(selections=(inner,)),  # type: ignore[arg-type]
            )
        elif inner is None:  # the connection itself, paged from the cursor
            assert step.selection_set is not None
            selections = [s for s in step.selection_set.selections]
            inner = _with(step, selections, _paged(step, CURSOR))
        else:
            inner = _with(step, [inner])
    assert isinstance(node_type, GraphQLObjectType | GraphQLInterfaceType)
    fragment = InlineFragmentNode(
        type_condition=NamedTypeNode(name=_name(node_type.name)),
        directives=(),
        selection_set=SelectionSetNode(selections=(inner,)),  # type: ignore[arg-type]
    )
    root = FieldNode(
        name=_name("node"),
        alias=None,
        arguments=(ArgumentNode(name=_name("id"), value=VariableNode(name=_name(PARENT))),),
        directives=(),
        selection_set=SelectionSetNode(selections=(fragment,)),
    )
    return _operation([root], [(PARENT, "ID!"), (CURSOR, "String")])


def plan(schema: GraphQLSchema, text: str) -> Plan:
    """The paging plan of a bulk query, or InvalidInputError naming `query` with what is wrong."""
    if not text.strip():
        raise _problem("Write the query to export.", "REQUIRED")
    if len(text) > MAX_QUERY:
        raise _problem(f"A bulk query has at most {MAX_QUERY:,} characters.", "TOO_LONG")
    try:
        document = parse(text, max_tokens=3000)
    except GraphQLError as exc:
        raise _problem(f"Not a GraphQL query: {exc.message}", "SYNTAX") from None
    errors = validate(schema, document)
    if errors:
        raise _problem(errors[0].message)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or len(document.definitions) != 1:
        raise _problem("Send one query operation, without fragments.")
    operation = operations[0]
    if operation.operation != OperationType.QUERY:
        raise _problem("A bulk export runs queries only.", "NOT_A_QUERY")
    if operation.variable_definitions:
        raise _problem("Write the values into the query: a bulk query takes no variables.")
    roots = [s for s in operation.selection_set.selections]
    if len(roots) != 1 or not isinstance(roots[0], FieldNode):
        raise _problem("A bulk query has exactly one top-level field, a connection (e.g. licenses).")
    root = roots[0]
    query_type = schema.query_type
    assert query_type is not None
    definition = query_type.fields.get(root.name.value)
    connection = _connection(definition.type) if definition is not None else None
    if connection is None:
        raise _problem(f"'{root.name.value}' is not a connection: start from one such as licenses.")
    rewriter = _Rewriter(schema)
    paged, uses_edges = rewriter.connection(root, connection, CURSOR, 0)
    node_type = _node_type(connection)
    for nested in rewriter.nested:
        nested.follow_up = _follow_up(node_type, nested)
    page_query = _operation([paged], [(CURSOR, "String")])
    return Plan(root_key=_key(root), uses_edges=uses_edges, page_query=page_query, nested=rewriter.nested)
