"""The access matrix: every query and mutation that takes an ID, called with ACME's ids by

(a) a partner with no delegation, (b) a partner after its delegation was revoked, (c) a partner
with VIEW scope (mutations), (d) a user of another customer —

answers exactly what the same call with an unknown id of the same type answers. The operations
come from the schema itself, so a new one that takes an ID is in the matrix the day it is added."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from sqlalchemy import select

from backend.db.models import Account, AccountKind, Delegation, DelegationScope, DelegationStatus
from backend.domain.accounts.users import create_account
from backend.graphql import build_schema
from backend.portal import Portal
from backend.schema.common import type_of_global_id
from tests.api.flows import BOB, REGISTRATION, account_id, get_a_key, mutate, sign_in
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.support import GraphQLClient

# Which object an ID argument names, by argument name (per field where the name alone is ambiguous).
ID_KINDS = {
    "accountId": "Account",
    "licenseId": "License",
    "licenseIds": "License",
    "keyRequestId": "KeyRequest",
    "licenseKeyId": "LicenseKey",
    "delegationId": "Delegation",
    "customFieldId": "CustomField",
    "fieldId": "CustomField",
    "invitationId": "AccountInvitation",
    "userId": "User",
}
FIELD_ID_KINDS = {"keyRequest": "KeyRequest", "license": "License", "node": "License"}
# Not an access question: subscriptions are covered by their own tests; `activate` and
# `deactivate` take activation keys, not ids.
SKIPPED = {"keyRequestUpdated"}


def global_id(kind: str, value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def is_id(type_: GraphQLInputType) -> bool:
    named = get_named_type(type_)
    return isinstance(named, GraphQLScalarType) and named.name == "ID"


def takes_id(type_: GraphQLInputType, seen: frozenset[str] = frozenset()) -> bool:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType):
        return named.name == "ID"
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        return any(takes_id(f.type, seen | {named.name}) for f in named.fields.values())
    return False


class Values:
    """Builds arguments: ids from a table, every other required input a plausible valid value."""

    def __init__(self, ids: dict[str, str], field_name: str) -> None:
        self.ids = ids
        self.field_name = field_name

    def id_for(self, name: str) -> str:
        kind = FIELD_ID_KINDS.get(self.field_name) if name == "id" else ID_KINDS.get(name)
        assert kind is not None, f"{self.field_name}: no id kind for argument {name!r}"
        return self.ids[kind]

    def value(self, name: str, type_: Any) -> Any:
        type_ = _unwrap(type_)
        if isinstance(type_, GraphQLList):
            return [self.value(name, type_.of_type)]
        if isinstance(type_, GraphQLEnumType):
            return next(iter(type_.values))
        if isinstance(type_, GraphQLInputObjectType):
            if type_.name == "RegistrationInput":
                return REGISTRATION
            return {
                field_name: self.value(field_name, field.type)
                for field_name, field in type_.fields.items()
                if isinstance(field.type, GraphQLNonNull) or is_id(field.type)
            }
        assert isinstance(type_, GraphQLScalarType)
        if type_.name == "ID":
            return self.id_for(name)
        if type_.name == "String":
            return "matrix@example.com" if "mail" in name.lower() else "matrix-0001"
        if type_.name in ("Int", "Float"):
            return 1
        if type_.name == "Boolean":
            return False
        if type_.name == "Date":
            return (date.today() + timedelta(days=30)).isoformat()
        if type_.name == "DateTime":
            return datetime.now(UTC).isoformat()
        return {}


def selection(type_: Any, depth: int = 0) -> str:
    named: GraphQLNamedType = get_named_type(type_)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename ... on UserError { code message field } }"
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        extra = " totalCount" if "totalCount" in named.fields else ""
        return "{ __typename%s }" % extra
    return ""


def operations(kind: str) -> list[tuple[str, GraphQLField]]:
    schema = build_schema(False)._schema
    root = schema.mutation_type if kind == "mutation" else schema.query_type
    assert root is not None
    return [
        (name, field)
        for name, field in root.fields.items()
        if name not in SKIPPED and any(takes_id(arg.type) for arg in field.args.values())
    ]


def document(kind: str, name: str, field: GraphQLField) -> str:
    args = ", ".join(f"{a}: ${a}" for a in field.args)
    params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    return f"{kind} M({params}) {{ {name}({args}) {selection(field.type)} }}"


def variables(field: GraphQLField, name: str, ids: dict[str, str]) -> dict[str, Any]:
    values = Values(ids, name)
    return {
        arg_name: values.value(arg_name, arg.type)
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) or is_id(arg.type)
    }


async def run_matrix(client: GraphQLClient, kind: str, real: dict[str, str]) -> list[str]:
    """Each operation with ACME's ids and with unknown ids; the names whose answers differ."""
    unknown = {k: global_id(k, uuid.uuid4()) for k in real}
    differing = []
    for name, field in operations(kind):
        query = document(kind, name, field)
        with_real = await client.raw(query, variables(field, name, real))
        with_unknown = await client.raw(query, variables(field, name, unknown))
        # Both must be real answers, not the same validation error twice.
        assert "errors" not in with_unknown, (name, with_unknown)
        if with_real != with_unknown:
            differing.append(f"{name}: {with_real} != {with_unknown}")
    return differing


async def acme_ids(portal: Portal, client: GraphQLClient) -> dict[str, str]:
    """One object of every kind on ACME's account, made through the API as its admin would."""
    me = await sign_in(client)
    acme = account_id(me)
    ready = await get_a_key(client, portal, acme)
    field = await mutate(
        client,
        "customFieldCreate",
        "CustomFieldCreateInput",
        {"accountId": acme, "name": "Cost center", "type": "TEXT"},
        "... on CustomFieldCreateSuccess { customField { id } }",
    )
    invited = await mutate(
        client,
        "accountMemberInvite",
        "AccountMemberInviteInput",
        {"accountId": acme, "email": "newcomer@acme.example", "role": "MEMBER"},
        "... on AccountMemberInviteSuccess { invitation { id } }",
    )
    async with portal.db.write() as session:
        # A delegation of ACME to a partner that is not the one under test.
        other = await create_account(session, "Umbrella Partners", AccountKind.PARTNER)
        acme_row = await session.scalar(select(Account).where(Account.name == "Acme Corp"))
        assert acme_row is not None
        delegation = Delegation(
            id=uuid.uuid4(),
            customer_account_id=acme_row.id,
            partner_account_id=other.id,
            scope=DelegationScope.MANAGE,
            status=DelegationStatus.ACTIVE,
        )
        session.add(delegation)
    ids = {
        "Account": acme,
        "License": ready["licenses"][0]["id"],
        "KeyRequest": ready["id"],
        "LicenseKey": ready["keys"][0]["id"],
        "CustomField": field["customField"]["id"],
        "AccountInvitation": invited["invitation"]["id"],
        "User": me["id"],
        "Delegation": global_id("Delegation", delegation.id),
    }
    assert all(type_of_global_id(v) == k for k, v in ids.items())
    return ids


def test_the_matrix_covers_every_operation_that_takes_an_id() -> None:
    names = {name for name, _ in operations("mutation")} | {name for name, _ in operations("query")}
    for expected in (
        "keyRequestStart",
        "licenseShare",
        "licensesSetCustomValues",
        "delegationRevoke",
        "licenses",
    ):
        assert expected in names
    for kind in ("query", "mutation"):
        for name, field in operations(kind):
            variables(field, name, {k: global_id(k, uuid.uuid4()) for k in set(ID_KINDS.values())})


async def test_the_matrix_sees_what_the_owner_sees(portal: Portal, client: GraphQLClient) -> None:
    """The ids are real: for ACME's own admin, the reads with them differ from unknown ids."""
    ids = await acme_ids(portal, client)
    differing = {line.split(":")[0] for line in await run_matrix(client, "query", ids)}
    assert {"keyRequest", "license", "accountLicenses", "licenses", "node"} <= differing
    acted = {line.split(":")[0] for line in await run_matrix(client, "mutation", ids)}
    assert {"keyRequestStart", "licenseShare", "customFieldUpdate", "licensesSetCustomValues"} <= acted


@pytest.mark.parametrize("case", ["no_delegation", "revoked", "view_scope", "other_customer"])
async def test_foreign_ids_answer_like_unknown_ids(
    case: str, portal: Portal, client: GraphQLClient, other_client: GraphQLClient
) -> None:
    ids = await acme_ids(portal, client)
    kinds = ["query", "mutation"]
    if case == "other_customer":
        await sign_in(other_client, BOB)
    else:
        await sign_in(other_client, CAROL)
    if case in ("revoked", "view_scope"):
        scope = "VIEW" if case == "view_scope" else "MANAGE"
        invited = await invite(
            client, ids["Account"], scope=scope, partnerAccountNumber=await partner_number(portal)
        )
        assert (await answer(other_client, "delegationAccept", invited["delegation"]["id"]))[
            "__typename"
        ] == ("DelegationAcceptSuccess")
        if case == "revoked":
            await answer(client, "delegationRevoke", invited["delegation"]["id"])
        else:
            kinds = ["mutation"]  # a VIEW delegation reads; it must not act
    for kind in kinds:
        assert await run_matrix(other_client, kind, ids) == []
