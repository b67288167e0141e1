"""The access matrix: every query and mutation that takes an ID, `node(id:)` for every type that
implements Node, and the `keyRequestUpdated` subscription over a real WebSocket.

Each operation runs against a real object of the world below (an upgrade draft, a re-host draft, a
pending delegation, … — `OPERATIONS` says which), first as an outsider, then as the object's owner:

* the owner's answer differs from the answer to the same call with unknown ids — so the ids are
  real and the operation reaches them (otherwise "outsider = unknown" proves nothing);
* the outsider's answer equals the answer to the unknown ids, for (a) a partner with no delegation,
  (b) a partner whose delegation was revoked, (c) a partner with VIEW scope (mutations), (d) a user
  of another customer.

The outsider goes first, so an owner's mutation never changes what the outsider meets; the rows run
in table order, so a row that uses up its object (confirm, delete, transfer) comes after the rows
that need it. A new operation that takes an ID fails `test_every_operation_that_takes_an_id_has_a_row`
until it has a row here: its variables (from the world's named objects) and who owns them."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from sqlalchemy import select

from backend.auth.oidc import encrypt_secret
from backend.auth.passwords import hash_password
from backend.auth.tokens import new_token, token_hash
from backend.db.models import (
    Account,
    AccountKind,
    Delegation,
    DelegationScope,
    DelegationStatus,
    EmailMessage,
    KeyRequest,
    LicenseShare,
    Membership,
    Product,
    Role,
    SsoConnection,
    User,
    UserSession,
    utcnow,
)
from backend.domain.accounts.users import create_account
from backend.domain.demo import DEMO_PASSWORD, FLEX_CONTRACT
from backend.domain.key_requests.upgrades import notify
from backend.domain.releases import publishing
from backend.domain.releases.storage import storage_for
from backend.graphql import build_schema
from backend.portal import Portal
from backend.schema.common import from_global_id, type_of_global_id
from tests.api.flows import (
    BOB,
    REGISTRATION,
    VICTOR,
    account_id,
    enter,
    get_a_key,
    mutate,
    new_serials,
    set_registration,
    sign_in,
    start,
)
from tests.api.sockets import first_answer, served, session_cookie
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.api.test_flex import OPS, contracts_of, draw_down, draw_start, product_id
from tests.conftest import client_for
from tests.support import GraphQLClient

PAT = "pat@umbrella.example"  # admin of two partner accounts ACME invited (pending delegations)
SAM = "sam@outside.example"  # a license of ACME's is shared with them
OTTO = "otto@oem.example"  # the demo OEM's admin: its voucher batches and conversions
World = dict[str, Any]


def global_id(kind: str, value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Op:
    """One operation: its variables from the world's named objects, and who owns those objects
    ("customer": ACME's admin, "partner": the partners' admin ACME invited, "share": the user a
    license is shared with, "operator": the vendor's operator, "oem": the demo OEM's admin)."""

    variables: Callable[[World], dict[str, Any]]
    owner: str = "customer"


def inp(**fields: Callable[[World], Any] | Any) -> Callable[[World], dict[str, Any]]:
    """`{"input": {...}}` where a string value names an object of the world (other values as is)."""

    def build(w: World) -> dict[str, Any]:
        return {"input": {k: w[v] if isinstance(v, str) and v in w else v for k, v in fields.items()}}

    return build


# In the order they run. Queries first: the mutations below use objects up.
OPERATIONS: dict[str, Op] = {
    "keyRequest": Op(lambda w: {"id": w["ready"]}),
    "license": Op(lambda w: {"id": w["license"]}),
    "accountLicenses": Op(lambda w: {"accountId": w["account"], "first": 10}),
    "licenses": Op(lambda w: {"accountId": w["account"]}),
    "sharedWithMe": Op(
        lambda w: {"filter": {"customFields": [{"fieldId": w["field"], "value": "CC-1"}]}}, owner="share"
    ),
    "upgradeNotifications": Op(lambda w: {"accountId": w["account"]}),
    # reports over one account (without an id: the partner's managed accounts)
    "report": Op(lambda w: {"accountId": w["account"]}),
    # single sign-on settings (the account's admins only)
    "ssoConnection": Op(lambda w: {"accountId": w["account"]}),
    # node(id:) runs for every Node type in test_node_*; here with a license.
    "node": Op(lambda w: {"id": w["license"]}),
    # Get a Key on its draft
    "keyRequestStart": Op(inp(accountId="account")),
    "keyRequestEnterSerials": Op(lambda w: inp(keyRequestId="draft", serialNumbers=[w["spare_serial"]])(w)),
    "keyRequestRemoveSerial": Op(lambda w: inp(keyRequestId="draft", serialNumber=w["spare_serial"])(w)),
    "keyRequestSelectRenewals": Op(
        lambda w: inp(
            keyRequestId="draft", renewals=[{"serialNumber": w["draft_serial"], "licenseId": w["license"]}]
        )(w)
    ),
    "keyRequestSetRegistration": Op(inp(keyRequestId="draft", registration=REGISTRATION)),
    "keyRequestConfirm": Op(inp(keyRequestId="draft", idempotencyKey="matrix-confirm")),
    "keyRequestResendKeys": Op(inp(keyRequestId="ready")),
    # Version Upgrade on its draft
    "upgradeRequestStart": Op(inp(accountId="account", notificationId="notification")),
    "upgradeRequestSelectProduct": Op(inp(keyRequestId="upgrade", licenseId="license")),
    "upgradeRequestSetQuantity": Op(inp(keyRequestId="upgrade", quantity=1)),
    "upgradeRequestSetRegistration": Op(inp(keyRequestId="upgrade", registration=REGISTRATION)),
    "upgradeRequestConfirm": Op(inp(keyRequestId="upgrade", idempotencyKey="matrix-upgrade")),
    # re-host on its draft (a host-locked key)
    "rehostRequestStart": Op(inp(licenseKeyId="locked_key")),
    "rehostRequestSetHost": Op(inp(keyRequestId="rehost", hostId="host-b")),
    "rehostRequestConfirm": Op(inp(keyRequestId="rehost", idempotencyKey="matrix-rehost")),
    # Enterprise Flexible: the demo contract (ACME's admin is its super user), a draw-down draft, a
    # license drawn down; the vendor's operator sets contracts up
    "flexContracts": Op(lambda w: {"accountId": w["account"]}),
    "flexContractCreate": Op(
        lambda w: inp(
            accountId="account",
            number="EF-MATRIX-1",
            startsOn=date.today().isoformat(),
            endsOn=(date.today() + timedelta(days=365)).isoformat(),
            committedPoints=1000,
        )(w),
        owner="operator",
    ),
    "flexCatalogSet": Op(inp(contractId="contract", productId="product", pointsPerUnit=7), owner="operator"),
    "flexRoleSet": Op(inp(contractId="contract", userId="viewer", role="SUPER_USER")),
    "flexDrawDownStart": Op(inp(contractId="contract")),
    "flexDrawDownSetItems": Op(
        lambda w: inp(keyRequestId="flex_draft", items=[{"productId": w["flex_product"], "quantity": 1}])(w)
    ),
    "flexReturn": Op(inp(licenseId="flex_license")),
    # Voucher Center: the OEM's batch and a conversion; the vendor's operator issues batches
    "voucherBatches": Op(lambda w: {"accountId": w["oem_account"]}, owner="oem"),
    "vouchers": Op(lambda w: {"batchId": w["voucher_batch"], "first": 50}, owner="oem"),
    "voucherConversions": Op(lambda w: {"accountId": w["oem_account"], "first": 20}, owner="oem"),
    "voucherConvert": Op(
        lambda w: inp(accountId="oem_account", codes=[w["voucher_code"]], idempotencyKey="matrix-convert-1")(
            w
        ),
        owner="oem",
    ),
    "voucherBatchIssue": Op(
        inp(accountId="oem_account", productSku="EPS-15", quantity=1, count=1), owner="operator"
    ),
    # delegations: two pending (the partner answers), one active (the customer revokes)
    "delegationInvite": Op(inp(accountId="account", scope="VIEW", partnerUserEmail=PAT)),
    "delegationAccept": Op(inp(delegationId="pending"), owner="partner"),
    "delegationDecline": Op(inp(delegationId="pending_too"), owner="partner"),
    "delegationRevoke": Op(inp(delegationId="active")),
    # members
    # a public mail domain: refused as input, before any provider is asked
    "ssoConnectionSave": Op(
        inp(
            accountId="account",
            issuerUrl="https://login.acme.example",
            clientId="portal",
            domains=["gmail.com"],
        )
    ),
    "ssoConnectionDelete": Op(inp(accountId="account")),
    "accountMemberInvite": Op(inp(accountId="account", email="newcomer2@acme.example", role="MEMBER")),
    "accountMemberSetRole": Op(inp(accountId="account", userId="viewer", role="MEMBER")),
    "accountMemberRemove": Op(inp(accountId="account", userId="viewer")),
    "accountInvitationRevoke": Op(inp(invitationId="invitation")),
    # custom fields
    "customFieldCreate": Op(inp(accountId="account", name="Region", type="TEXT")),
    "customFieldUpdate": Op(inp(customFieldId="field", name="Cost centre")),
    "licensesSetCustomValues": Op(
        lambda w: {
            "input": {"licenseIds": [w["license"]], "values": [{"fieldId": w["field"], "value": "CC-2"}]}
        }
    ),
    "customFieldDelete": Op(inp(customFieldId="spare_field")),
    "licensesSetRegistration": Op(
        lambda w: {"input": {"licenseIds": [w["license"]], "registration": REGISTRATION}}
    ),
    # shares, and last the transfer, which gives the license away
    "licenseShare": Op(inp(licenseId="license", email="matrix@example.com", permission="VIEW")),
    "licenseUnshare": Op(inp(licenseId="license", email="matrix@example.com")),
    "licenseDeactivateHost": Op(inp(licenseId="license", hostId="matrix-host")),
    "licenseTransferOwnership": Op(inp(licenseId="license", email=BOB)),
    # your account: another browser's session of the customer's admin
    "signOutSession": Op(inp(sessionId="session")),
    "keyRequestDiscard": Op(inp(keyRequestId="spare_draft")),
    # the notification centre: the customer's admin's "keys ready" notification
    "inboxMarkRead": Op(lambda w: {"input": {"ids": [w["inbox_item"]]}}),
    # FileConnect: the vendor's operator withdraws a release (the customer's license entitles it)
    "releaseWithdraw": Op(lambda w: {"id": w["release"]}, owner="operator"),
    # API tokens: one for the customer's account, and the customer's admin revokes one of theirs
    "apiTokenCreate": Op(
        inp(
            accountId="account",
            name="matrix",
            scopes=["licenses:read"],
            expiresAt=(datetime.now(UTC) + timedelta(days=30)).isoformat(),
        )
    ),
    "apiTokenRevoke": Op(inp(tokenId="api_token")),
    # Bulk exports: the customer's admin reads and cancels an export of theirs
    "bulkExport": Op(lambda w: {"id": w["bulk_export"]}),
    "bulkExportCancel": Op(inp(id="bulk_export")),
}


def takes_id(type_: GraphQLInputType, seen: frozenset[str] = frozenset()) -> bool:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType):
        return named.name == "ID"
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        return any(takes_id(f.type, seen | {named.name}) for f in named.fields.values())
    return False


SCHEMA = build_schema(False)._schema


def root_fields() -> dict[str, tuple[str, GraphQLField]]:
    """Every query and mutation that takes an ID, by name: (kind, field)."""
    found = {}
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            if any(takes_id(arg.type) for arg in field.args.values()):
                found[name] = (kind, field)
    return found


def selection(type_: Any) -> str:
    named: GraphQLNamedType = get_named_type(type_)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename ... on UserError { code message field } }"
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        extra = " totalCount" if "totalCount" in named.fields else ""
        return "{ __typename%s }" % extra
    return ""


def document(name: str) -> str:
    kind, field = root_fields()[name]
    params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    args = ", ".join(f"{a}: ${a}" for a in field.args)
    return f"{kind} M({params}) {{ {name}({args}) {selection(field.type)} }}"


def id_kind(value: Any) -> str | None:
    """The type inside a global id ("Type:uuid"), None for any other value."""
    if not isinstance(value, str):
        return None
    kind = type_of_global_id(value)
    return kind if kind and from_global_id(value, kind) is not None else None


def unknown(world: World) -> World:
    """The same world with every global id replaced by an unknown id of the same type."""
    return {
        key: global_id(kind, uuid.uuid4()) if (kind := id_kind(value)) else value
        for key, value in world.items()
    }


# ------------------------------------------------------------------------------------ the world


async def add_user(portal: Portal, email: str, *accounts: tuple[str, AccountKind]) -> dict[str, str]:
    """A verified user with ADMIN on new accounts of these names; the accounts' numbers by name."""
    async with portal.db.write() as session:
        user = User(
            id=uuid.uuid4(),
            email=email,
            name=email.split("@")[0].title(),
            password_hash=hash_password(DEMO_PASSWORD),
            email_verified_at=datetime.now(UTC),
        )
        session.add(user)
        await session.flush()
        numbers = {}
        for name, kind in accounts:
            account = await create_account(session, name, kind)
            session.add(Membership(user_id=user.id, account_id=account.id, role=Role.ADMIN))
            numbers[name] = account.number
    return numbers


@dataclass
class Owners:
    customer: GraphQLClient
    partner: GraphQLClient
    share: GraphQLClient
    operator: GraphQLClient
    oem: GraphQLClient

    def __getitem__(self, name: str) -> GraphQLClient:
        client: GraphQLClient = getattr(self, name)
        return client


async def sso_connection_of(portal: Portal, account: str) -> None:
    """A single sign-on connection for the account, written directly (saving one asks the provider)."""
    account_uuid = from_global_id(account, "Account")
    assert account_uuid is not None
    async with portal.db.write() as session:
        session.add(
            SsoConnection(
                id=uuid.uuid4(),
                account_id=account_uuid,
                issuer_url="https://login.acme.example",
                client_id="portal",
                client_secret_encrypted=encrypt_secret(portal.settings.secret_key, account_uuid, "secret"),
                join_role=Role.MEMBER,
                require_sso=False,
            )
        )


async def build_world(portal: Portal, owners: Owners) -> World:
    """One object of every kind an operation takes, made through the API as their owners would."""
    client = owners.customer
    me = await sign_in(client)
    acme = account_id(me)
    await add_user(portal, SAM)
    numbers = await add_user(
        portal, PAT, ("Umbrella Partners", AccountKind.PARTNER), ("Hooli Partners", AccountKind.PARTNER)
    )
    await sign_in(owners.partner, PAT)
    await sign_in(owners.share, SAM)
    await sign_in(owners.operator, OPS)

    await sso_connection_of(portal, acme)
    ready = await get_a_key(client, portal, acme)
    license_id = ready["licenses"][0]["id"]
    locked = await get_a_key(client, portal, acme, sku="MGW-10", host_id="host-a")
    contract = next(c for c in await contracts_of(client, acme) if c["number"] == FLEX_CONTRACT)
    flex_product = product_id(contract, "EPS-15")
    flex_ready = await draw_down(client, contract["id"], [(flex_product, 1)])
    flex_draft = await draw_start(client, contract["id"])
    notified = await notify(portal.db, portal.bus, portal.settings, "EPS-14", "EPS-15", 30)
    code = notified[0].notification.code

    draft = await start(client, acme)
    draft_serial, spare_serial = await new_serials(portal, count=2)
    assert (await enter(client, draft["id"], [draft_serial]))["__typename"] == "KeyRequestEnterSerialsSuccess"
    assert (await set_registration(client, draft["id"]))["__typename"] == "KeyRequestSetRegistrationSuccess"

    upgrade = await mutate(
        client,
        "upgradeRequestStart",
        "UpgradeRequestStartInput",
        {"accountId": acme, "notificationId": code},
        "... on UpgradeRequestStartSuccess { keyRequest { id } }",
    )
    rehost = await mutate(
        client,
        "rehostRequestStart",
        "RehostRequestStartInput",
        {"licenseKeyId": locked["keys"][0]["id"]},
        "... on RehostRequestStartSuccess { keyRequest { id } }",
    )
    fields = [
        await mutate(
            client,
            "customFieldCreate",
            "CustomFieldCreateInput",
            {"accountId": acme, "name": name, "type": "TEXT"},
            "... on CustomFieldCreateSuccess { customField { id } }",
        )
        for name in ("Cost center", "Spare")
    ]
    valued = await mutate(
        client,
        "licensesSetCustomValues",
        "LicensesSetCustomValuesInput",
        {
            "licenseIds": [license_id],
            "values": [{"fieldId": fields[0]["customField"]["id"], "value": "CC-1"}],
        },
    )
    shared = await mutate(
        client,
        "licenseShare",
        "LicenseShareInput",
        {"licenseId": license_id, "email": SAM, "permission": "VIEW"},
    )
    invited = await mutate(
        client,
        "accountMemberInvite",
        "AccountMemberInviteInput",
        {"accountId": acme, "email": "newcomer@acme.example", "role": "MEMBER"},
        "... on AccountMemberInviteSuccess { invitation { id } }",
    )
    pending = [
        await invite(client, acme, scope="MANAGE", partnerAccountNumber=numbers[name])
        for name in ("Umbrella Partners", "Hooli Partners")
    ]
    async with portal.db.write() as session:
        # An active delegation of ACME to a third partner, for the customer to revoke.
        other = await create_account(session, "Stark Partners", AccountKind.PARTNER)
        acme_row = await session.scalar(select(Account).where(Account.name == "Acme Corp"))
        assert acme_row is not None
        active = Delegation(
            id=uuid.uuid4(),
            customer_account_id=acme_row.id,
            partner_account_id=other.id,
            scope=DelegationScope.MANAGE,
            status=DelegationStatus.ACTIVE,
        )
        session.add(active)
        viewer = await session.scalar(select(User.id).where(User.email == VICTOR))
        share = await session.scalar(select(LicenseShare.id).where(LicenseShare.email == SAM))
        mail = await session.scalar(
            select(EmailMessage.id).where(EmailMessage.to_address == "tess@acme.example")
        )
        product = await session.scalar(select(Product.id).where(Product.sku == "EPS-14"))
        # The customer's admin signed in on a second browser, for signOutSession.
        other_browser = UserSession(
            id=uuid.uuid4(),
            token_hash=token_hash(new_token()),
            user_id=from_global_id(me["id"], "User"),
            expires_at=utcnow() + timedelta(days=1),
        )
        session.add(other_browser)
        # A second draft of the admin's, for keyRequestDiscard (keyRequestStart resumes the first).
        spare_draft = KeyRequest(
            id=uuid.uuid4(), account_id=acme_row.id, user_id=from_global_id(me["id"], "User")
        )
        session.add(spare_draft)
    assert viewer and share and mail and product
    [inbox_item] = (await client("query { inbox(first: 1) { nodes { id } } }"))["inbox"]["nodes"]
    for made in (upgrade, rehost, *fields, invited, *pending):
        assert "Success" in made["__typename"], made
    assert (valued["__typename"], shared["__typename"]) == (
        "LicensesSetCustomValuesSuccess",
        "LicenseShareSuccess",
    )
    world: World = {
        "account": acme,
        "ready": ready["id"],
        "license": license_id,
        "key": ready["keys"][0]["id"],
        "locked_key": locked["keys"][0]["id"],
        "notification": code,
        "draft": draft["id"],
        "draft_serial": draft_serial,
        "spare_serial": spare_serial,
        "upgrade": upgrade["keyRequest"]["id"],
        "rehost": rehost["keyRequest"]["id"],
        "field": fields[0]["customField"]["id"],
        "spare_field": fields[1]["customField"]["id"],
        "invitation": invited["invitation"]["id"],
        "pending": pending[0]["delegation"]["id"],
        "pending_too": pending[1]["delegation"]["id"],
        "active": global_id("Delegation", active.id),
        "viewer": global_id("User", viewer),
        "user": me["id"],
        "share": global_id("LicenseShare", share),
        "mail": global_id("EmailMessage", mail),
        "product": global_id("Product", product),
        "session": global_id("UserSession", other_browser.id),
        "inbox_item": inbox_item["id"],
        "spare_draft": global_id("KeyRequest", spare_draft.id),
        "contract": contract["id"],
        "flex_product": flex_product,
        "flex_draft": flex_draft["keyRequest"]["id"],
        "flex_license": flex_ready["licenses"][0]["id"],
        **await voucher_world(owners),
        **await release_world(portal),
        **await token_world(owners),
        **await bulk_export_world(owners, acme),
    }
    return world


async def token_world(owners: Owners) -> World:
    """An API token of the customer's admin."""
    made = await mutate(
        owners.customer,
        "apiTokenCreate",
        "ApiTokenCreateInput",
        {
            "name": "matrix token",
            "scopes": ["licenses:read"],
            "expiresAt": (utcnow() + timedelta(days=7)).isoformat(),
        },
        "... on ApiTokenCreateSuccess { apiToken { id } }",
    )
    assert made["__typename"] == "ApiTokenCreateSuccess", made
    return {"api_token": made["apiToken"]["id"]}


async def bulk_export_world(owners: Owners, account: str) -> World:
    """A bulk export of the customer's admin (whichever status it has reached)."""
    query = '{ licenses(accountId: "%s") { edges { node { id } } } }' % account
    made = await mutate(
        owners.customer,
        "bulkExportStart",
        "BulkExportStartInput",
        {"query": query},
        "... on BulkExportStartSuccess { bulkExport { id } }",
    )
    assert made["__typename"] == "BulkExportStartSuccess", made
    return {"bulk_export": made["bulkExport"]["id"]}


async def release_world(portal: Portal) -> World:
    """A release of EPS-14 (the customer holds a license of it) with one file."""
    release = await publishing.create(
        portal.db, None, publishing.NewRelease("EPS-14", "14.9", "windows-x64", date.today(), "Matrix.")
    )

    async def content() -> AsyncIterator[bytes]:
        yield b"matrix release"

    file = await publishing.add_file(
        portal.db, storage_for(portal.settings), None, release.id, "eps-14.9.zip", content()
    )
    return {"release": global_id("Release", release.id), "release_file": global_id("ReleaseFile", file.id)}


async def voucher_world(owners: Owners) -> World:
    """The demo OEM's account, a batch the operator issued to it, a conversion and a code left."""
    oem = account_id(await sign_in(owners.oem, OTTO), "OEM")
    issued = await mutate(
        owners.operator,
        "voucherBatchIssue",
        "VoucherBatchIssueInput",
        {"accountId": oem, "productSku": "EPS-15", "quantity": 1, "count": 2},
        "... on VoucherBatchIssueSuccess { codes batch { id } }",
    )
    converted = await mutate(
        owners.oem,
        "voucherConvert",
        "VoucherConvertInput",
        {"accountId": oem, "codes": issued["codes"][:1], "idempotencyKey": "matrix-world-1"},
        "... on VoucherConvertSuccess { conversion { id } }",
    )
    assert converted["__typename"] == "VoucherConvertSuccess", converted
    return {
        "oem_account": oem,
        "voucher_batch": issued["batch"]["id"],
        "voucher_code": issued["codes"][1],
        "voucher_conversion": converted["conversion"]["id"],
    }


# ---------------------------------------------------------------------------------- the checks

# node(id:) for every type that implements Node: the world's object of that type, and what node()
# answers its owner. RESOLVED types go through their access rule; PUBLIC ones answer everyone;
# the rest node() does not resolve for anyone (null) — when it starts to, move the type up.
NODES = {
    "Account": "account",
    "License": "license",
    "KeyRequest": "ready",
    "Product": "product",
    "User": "user",
    "LicenseKey": "key",
    "LicenseShare": "share",
    "CustomField": "field",
    "AccountInvitation": "invitation",
    "Delegation": "active",
    "EmailMessage": "mail",
    "UserSession": "session",
    "FlexContract": "contract",
    "VoucherBatch": "voucher_batch",
    "VoucherConversion": "voucher_conversion",
    "InboxItem": "inbox_item",
    "Release": "release",
    "ReleaseFile": "release_file",
    "BulkExport": "bulk_export",
}
RESOLVED = {
    "BulkExport",
    "Account",
    "License",
    "KeyRequest",
    "FlexContract",
    "VoucherBatch",
    "VoucherConversion",
    "InboxItem",
    "Release",
    "ReleaseFile",
}
# Whose objects they are, where not the customer's.
NODE_OWNERS = {"VoucherBatch": "oem", "VoucherConversion": "oem"}
PUBLIC = {"Product"}
NODE = "query N($id: ID!) { node(id: $id) { __typename id } }"


def node_types() -> set[str]:
    node = SCHEMA.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    return {t.name for t in SCHEMA.get_implementations(node).objects}


def test_every_operation_that_takes_an_id_has_a_row() -> None:
    assert set(root_fields()) == set(OPERATIONS)
    assert {"keyRequestStart", "rehostRequestConfirm", "delegationAccept", "sharedWithMe"} <= set(OPERATIONS)
    assert node_types() == set(NODES)
    assert node_types() >= RESOLVED | PUBLIC


async def call(client: GraphQLClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    return await client.raw(document(name), variables)


def role_refusal(answer: dict[str, Any], name: str) -> bool:
    """Whether the answer is "Your role (Viewer) cannot …": what a caller who may see the object
    but not change it is told (decision record 0013), instead of the unknown-id answer."""
    got = (answer.get("data") or {}).get(name) or {}
    # Enterprise Flexible says it with its own member: FlexRefused, code ROLE, the contract role.
    return bool(
        (got.get("__typename") == "NotAllowed" and got["message"].startswith("Your role (Viewer)"))
        or (
            (got.get("__typename"), got.get("code")) == ("FlexRefused", "ROLE")
            and got["message"].startswith("Your role on this contract (Viewer)")
        )
    )


async def matrix(
    outsider: GraphQLClient, owners: Owners, world: World, kind: str, *, sees: bool = False
) -> list[str]:
    """Each operation of this kind with the outsider, then with its owner: what went wrong. An
    outsider who `sees` the objects (a VIEW delegation) may be told his role cannot act instead."""
    nowhere = unknown(world)
    problems = []
    for name, op in OPERATIONS.items():
        if root_fields()[name][0] != kind:
            continue
        owner = owners[op.owner]
        outsiders = await call(outsider, name, op.variables(world))
        outsiders_unknown = await call(outsider, name, op.variables(nowhere))
        owners_unknown = await call(owner, name, op.variables(nowhere))
        owners_answer = await call(owner, name, op.variables(world))
        # All four are real answers, not the same validation error.
        for got in (outsiders, outsiders_unknown, owners_unknown, owners_answer):
            assert "errors" not in got, (name, got)
        if owners_answer == owners_unknown:
            problems.append(f"{name}: the owner gets the unknown-id answer {owners_answer}")
        if outsiders != outsiders_unknown and not (sees and role_refusal(outsiders, name)):
            problems.append(f"{name}: the outsider gets {outsiders}, unknown ids get {outsiders_unknown}")
    return problems


async def nodes(outsider: GraphQLClient, clients: Owners, world: World) -> list[str]:
    problems = []
    for type_name, key in NODES.items():
        owner = clients[NODE_OWNERS.get(type_name, "customer")]
        assert id_kind(world[key]) == type_name, (type_name, world[key])
        unknown_id = global_id(type_name, uuid.uuid4())
        owners = await owner(NODE, {"id": world[key]})
        outsiders = await outsider(NODE, {"id": world[key]})
        owners_unknown = await owner(NODE, {"id": unknown_id})
        outsiders_unknown = await outsider(NODE, {"id": unknown_id})
        if owners_unknown != {"node": None} or outsiders_unknown != {"node": None}:
            problems.append(f"node({type_name}) unknown: {owners_unknown} / {outsiders_unknown}")
        if type_name in RESOLVED | PUBLIC:
            if owners != {"node": {"__typename": type_name, "id": world[key]}}:
                problems.append(f"node({type_name}): the owner gets {owners}")
            expected = owners if type_name in PUBLIC else outsiders_unknown
            if outsiders != expected:
                problems.append(f"node({type_name}): the outsider gets {outsiders}, not {expected}")
        elif owners != {"node": None} or outsiders != {"node": None}:
            problems.append(f"node({type_name}) resolves now ({owners}): add it to RESOLVED or PUBLIC")
    return problems


async def subscription(host: str, outsider: GraphQLClient, owner: GraphQLClient, world: World) -> list[str]:
    """keyRequestUpdated over a real WebSocket: the first message for each id."""
    nowhere = unknown(world)["ready"]
    owners = await first_answer(host, session_cookie(owner), world["ready"])
    owners_unknown = await first_answer(host, session_cookie(owner), nowhere)
    outsiders = await first_answer(host, session_cookie(outsider), world["ready"])
    outsiders_unknown = await first_answer(host, session_cookie(outsider), nowhere)
    problems = []
    if owners["type"] != "next" or owners["payload"]["data"]["keyRequestUpdated"]["status"] != "READY":
        problems.append(f"keyRequestUpdated: the owner gets {owners}")
    codes = [e["extensions"]["code"] for e in owners_unknown.get("payload", {}).get("errors") or []]
    if codes != ["NOT_FOUND"] or outsiders_unknown != owners_unknown:
        problems.append(f"keyRequestUpdated unknown: {owners_unknown} / {outsiders_unknown}")
    if outsiders != outsiders_unknown:
        problems.append(
            f"keyRequestUpdated: the outsider gets {outsiders}, unknown ids get {outsiders_unknown}"
        )
    return problems


@pytest.mark.parametrize("case", ["no_delegation", "revoked", "view_scope", "other_customer"])
async def test_foreign_ids_answer_like_unknown_ids(
    case: str, portal_app: tuple[Any, Portal], client: GraphQLClient, other_client: GraphQLClient
) -> None:
    app, portal = portal_app
    async with (
        client_for(app) as partner_http,
        client_for(app) as share_http,
        client_for(app) as ops_http,
        client_for(app) as oem_http,
    ):
        owners = Owners(
            client,
            GraphQLClient(partner_http),
            GraphQLClient(share_http),
            GraphQLClient(ops_http),
            GraphQLClient(oem_http),
        )
        world = await build_world(portal, owners)
        outsider = other_client
        await sign_in(outsider, BOB if case == "other_customer" else CAROL)
        if case in ("revoked", "view_scope"):
            scope = "VIEW" if case == "view_scope" else "MANAGE"
            invited = await invite(
                client, world["account"], scope=scope, partnerAccountNumber=await partner_number(portal)
            )
            accepted = await answer(outsider, "delegationAccept", invited["delegation"]["id"])
            assert accepted["__typename"] == "DelegationAcceptSuccess", accepted
            if case == "revoked":
                revoked = await answer(client, "delegationRevoke", invited["delegation"]["id"])
                assert revoked["__typename"] == "DelegationRevokeSuccess", revoked

        problems = []
        if case != "view_scope":  # a VIEW delegation reads; it must not act
            problems += await matrix(outsider, owners, world, "query")
            problems += await nodes(outsider, owners, world)
            async with served(app) as host:
                problems += await subscription(host, outsider, client, world)
        problems += await matrix(outsider, owners, world, "mutation", sees=case == "view_scope")
        assert problems == []
