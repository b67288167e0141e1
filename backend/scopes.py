"""What each API-token scope opens in the GraphQL schema, checked before execution.

A token's request may use only fields some scope of the token names; a browser session is not
narrowed. Deny by default: a root field no scope names (the inbox, account security, member
administration, making tokens) is closed to tokens. The rule for a field, first match wins:

1. It declares its scope: `@strawberry.field(permission_classes=[needs_scope("reports:read")])`
   (the class also checks at resolve time, through `access.require_scope`). New areas do this.
2. A root field of Query/Mutation/Subscription: ROOT_FIELDS (absent: closed to tokens).
3. A field whose type (or an inline fragment's type condition) is in TYPE_SCOPES needs that scope
   wherever it appears (`me { memberships { account { licenses … } } }` needs licenses:read);
   CLOSED types are refused to every token.
4. Anything else is part of the object it hangs on (an account's name, a license's product).

Outside GraphQL (a CSV download) call `access.require_scope(actor, "…")` with the request's actor.
The user's live roles still decide which accounts and licenses are reached: a scope only narrows."""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.permission import BasePermission

from backend.domain.access import require_scope
from backend.domain.errors import MissingScopeError
from backend.domain.tokens.api_tokens import SCOPES

LICENSES, REPORTS, KEY_REQUESTS, PARTNERS, DOWNLOADS = SCOPES
OPEN = ""  # any token: who am I, the budget, how to reach support
CLOSED = None  # no scope names it

_KEY_REQUEST_MUTATIONS = [
    "keyRequestStart",
    "keyRequestEnterSerials",
    "keyRequestRemoveSerial",
    "keyRequestSelectRenewals",
    "keyRequestSetRegistration",
    "keyRequestConfirm",
    "keyRequestDiscard",
    "keyRequestResendKeys",
    "upgradeRequestStart",
    "upgradeRequestSelectProduct",
    "upgradeRequestSetQuantity",
    "upgradeRequestSetRegistration",
    "upgradeRequestConfirm",
    "rehostRequestStart",
    "rehostRequestSetHost",
    "rehostRequestConfirm",
]

ROOT_FIELDS: dict[str, dict[str, str]] = {
    "Query": {
        "me": OPEN,
        "rateLimit": OPEN,
        "supportContact": OPEN,
        "node": OPEN,  # what it returns is checked by the type conditions asked for
        "license": LICENSES,
        "licenses": LICENSES,
        "accountLicenses": LICENSES,
        "sharedWithMe": LICENSES,
        "search": LICENSES,
        "keyRequest": KEY_REQUESTS,
        "managedAccounts": PARTNERS,
        # Bulk exports: any token; the export's query is checked against the token's scopes.
        "bulkExport": OPEN,
        "bulkExports": OPEN,
    },
    "Mutation": {
        **dict.fromkeys(_KEY_REQUEST_MUTATIONS, KEY_REQUESTS),
        "bulkExportStart": OPEN,
        "bulkExportCancel": OPEN,
    },
    "Subscription": {"keyRequestUpdated": KEY_REQUESTS, "bulkExportUpdated": OPEN},
}

TYPE_SCOPES: dict[str, str | None] = {
    **dict.fromkeys(
        [
            "License",
            "LicenseConnection",
            "LicenseEdge",
            "LicenseKey",
            "LicenseShare",
            "CustomField",
            "CustomValue",
            "AccountSummary",
            "StatusCount",
            "SupportRegistration",
            "Activation",
            "SearchHit",
            "AuditEntry",
        ],
        LICENSES,
    ),
    **dict.fromkeys(
        [
            "KeyRequest",
            "KeyDelivery",
            "Renewal",
            "RenewalCandidate",
            "UpgradeNotification",
            "UpgradeLine",
            "UpgradeOption",
        ],
        KEY_REQUESTS,
    ),
    **dict.fromkeys(["ManagedAccountConnection", "ManagedAccountEdge", "Delegation"], PARTNERS),
    # FileConnect: a release reached through node(id:) needs the scope the downloads fields declare.
    **dict.fromkeys(
        ["Release", "ReleaseFile", "ReleaseConnection", "DownloadProduct", "SerialDownloadsResult"], DOWNLOADS
    ),
    **dict.fromkeys(
        [
            "Member",
            "AccountInvitation",
            "AccountSecurity",
            "UserSession",
            "TwoFactorStatus",
            "EmailMessage",
            "InboxConnection",
            "InboxItem",
            "Voucher",
            "VoucherBatch",
            "VoucherConnection",
            "VoucherConversion",
            "VoucherConversionLine",
            "FlexContract",
            "FlexConsumption",
            "FlexDeployment",
            "FlexDeploymentConnection",
            "FlexCatalogItem",
            "FlexRoleHolder",
            "FlexCartLine",
            "ApiToken",
        ],
        CLOSED,
    ),
}
# What a scope lets one read below the fields it opens: a key request's licenses and keys are
# what key_requests:write gets keys for.
IMPLIED: dict[str, frozenset[str]] = {KEY_REQUESTS: frozenset({LICENSES})}
# Fields whose type says too little: a partner's serials held for customers.
FIELD_SCOPES: dict[tuple[str, str], str | None] = {("Account", "heldSerials"): PARTNERS}


class _ScopePermission(BasePermission):
    scope = ""
    message = "This API token lacks the scope this field needs."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        user = getattr(info.context, "user", None)
        if user is None:  # not signed in: the field's own answer says so
            return True
        try:
            require_scope(info.context.actor, self.scope)
        except MissingScopeError as exc:
            self.message = exc.message
            self.error_extensions = exc.extensions
            return False
        return True


@cache
def needs_scope(scope: str) -> type[BasePermission]:
    """The permission class of a field an API token reaches with `scope` (one class per scope)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return type(f"NeedsScope_{scope.replace(':', '_')}", (_ScopePermission,), {"scope": scope})


def _declared(definition: Any) -> str | None:
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    for permission in getattr(strawberry_field, "permission_classes", None) or ():
        if isinstance(permission, type) and issubclass(permission, _ScopePermission):
            return permission.scope
    return None


class _Refusal(Exception):
    def __init__(self, message: str, scope: str | None) -> None:
        super().__init__(message)
        self.scope = scope


def _need(scopes: frozenset[str], scope: str | None, what: str) -> frozenset[str]:
    """The scopes in force below the field (`scopes`, plus what `scope` implies)."""
    if scope is None:
        raise _Refusal(f"{what} is not available to API tokens: use the portal.", None)
    if scope and scope not in scopes:
        raise _Refusal(f"This API token lacks the {scope} scope ({what} needs it).", scope)
    return scopes | IMPLIED.get(scope, frozenset())


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], scopes: frozenset[str]
    ):
        self.schema, self.fragments, self.scopes = schema, fragments, scopes

    def walk(
        self,
        selections: SelectionSetNode,
        parent: Any,
        root: bool,
        seen: frozenset[str],
        scopes: frozenset[str],
    ) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
                name = selection.name.value
                definition = fields.get(name)
                if definition is None:  # __typename, or what validation refuses anyway
                    continue
                kind = get_named_type(definition.type)
                what = f"{parent.name}.{name}"
                declared = _declared(definition)
                below = scopes
                if declared is not None:
                    below = _need(scopes, declared, what)
                elif root:
                    below = _need(scopes, ROOT_FIELDS.get(parent.name, {}).get(name), what)
                elif (parent.name, name) in FIELD_SCOPES:
                    below = _need(scopes, FIELD_SCOPES[(parent.name, name)], what)
                elif kind.name in TYPE_SCOPES:
                    below = _need(scopes, TYPE_SCOPES[kind.name], what)
                if selection.selection_set is not None:
                    self.walk(selection.selection_set, kind, False, seen, below)
            elif isinstance(selection, InlineFragmentNode):
                kind = parent
                if selection.type_condition is not None:
                    kind = self.schema.get_type(selection.type_condition.name.value)
                    self._condition(kind, scopes)
                self.walk(selection.selection_set, kind, root, seen, scopes)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.name.value in seen:
                    continue
                kind = self.schema.get_type(fragment.type_condition.name.value)
                self._condition(kind, scopes)
                self.walk(fragment.selection_set, kind, root, seen | {fragment.name.value}, scopes)

    def _condition(self, kind: Any, scopes: frozenset[str]) -> None:
        if kind is not None and kind.name in TYPE_SCOPES:
            _need(scopes, TYPE_SCOPES[kind.name], f"... on {kind.name}")


def check(schema: GraphQLSchema, document: Any, operation_name: str | None, scopes: frozenset[str]) -> None:
    """_Refusal naming the first field of the operation the scopes do not open."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    walker = _Walker(schema, fragments, scopes)
    for operation in chosen[:1]:
        walker.walk(
            operation.selection_set, schema.get_root_type(operation.operation), True, frozenset(), scopes
        )


def refuse_past_scopes(ctx: Any) -> None:
    """Refuse, before execution, an API token's operation that reaches past its scopes (run by
    limits.Checks)."""
    scopes = getattr(ctx.context, "scopes", None)
    if scopes is None or ctx.graphql_document is None:
        return
    try:
        check(ctx.schema._schema, ctx.graphql_document, ctx.operation_name, scopes)
    except _Refusal as refused:
        extensions: dict[str, Any] = {"code": "FORBIDDEN"}
        if refused.scope:
            extensions["requiredScope"] = refused.scope
        ctx.result = ExecutionResult(data=None, errors=[GraphQLError(str(refused), extensions=extensions)])
