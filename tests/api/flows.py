"""GraphQL documents and step helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.db.models import Product, Serial, SerialKind, SerialStatus
from backend.domain.catalog import issue_serials
from backend.domain.demo import DEMO_PASSWORD
from backend.portal import Portal
from tests.support import GraphQLClient, eventually

ALICE = "alice@acme.example"
VICTOR = "victor@acme.example"
BOB = "bob@globex.example"

LOGIN_VARS = {"input": {"email": ALICE, "password": DEMO_PASSWORD}}

ME = "query { me { id email memberships { role account { id name kind } } } }"

KEY_REQUEST_FIELDS = """
  id status step kind requiresHostId hostId failureReason
  serials { number kind status quantity maintenanceMonths product { sku name version locking } }
  registration { company address { line1 line2 city postalCode country }
                 technicalContact { name email phone } primaryContact { name email phone } }
  suggestedRegistration { company }
  licenses { id quantity maintenanceUntil status hostId product { sku } }
  keys { id activationKey licenseFile hostId kid status }
  renewalCandidates { serialNumber product { sku } licenses { id maintenanceUntil } }
"""

START = (
    """
mutation Start($input: KeyRequestStartInput!) {
  keyRequestStart(input: $input) {
    __typename
    ... on KeyRequestStartSuccess { keyRequest { %s } }
    ... on UserError { code message field }
  }
}"""
    % KEY_REQUEST_FIELDS
)

ENTER = (
    """
mutation Enter($input: KeyRequestEnterSerialsInput!) {
  keyRequestEnterSerials(input: $input) {
    __typename
    ... on KeyRequestEnterSerialsSuccess { keyRequest { %s } }
    ... on UserError { code message field }
    ... on SerialNumbersRejected { problems { serialNumber code message } }
    ... on InvalidInput { fieldErrors { field code message } }
  }
}"""
    % KEY_REQUEST_FIELDS
)

REMOVE = """
mutation Remove($input: KeyRequestRemoveSerialInput!) {
  keyRequestRemoveSerial(input: $input) {
    __typename
    ... on KeyRequestRemoveSerialSuccess { keyRequest { serials { number } } }
    ... on UserError { code message field }
  }
}"""

SET_REGISTRATION = (
    """
mutation SetRegistration($input: KeyRequestSetRegistrationInput!) {
  keyRequestSetRegistration(input: $input) {
    __typename
    ... on KeyRequestSetRegistrationSuccess { keyRequest { %s } }
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code message } }
  }
}"""
    % KEY_REQUEST_FIELDS
)

CONFIRM = (
    """
mutation Confirm($input: KeyRequestConfirmInput!) {
  keyRequestConfirm(input: $input) {
    __typename
    ... on KeyRequestConfirmSuccess { keyRequest { %s } }
    ... on UserError { code message field }
    ... on SerialNumbersRejected { problems { serialNumber code message } }
    ... on InvalidInput { fieldErrors { field code message } }
  }
}"""
    % KEY_REQUEST_FIELDS
)

KEY_REQUEST = "query KR($id: ID!) { keyRequest(id: $id) { %s } }" % KEY_REQUEST_FIELDS

REGISTRATION: dict[str, Any] = {
    "company": "Acme Corp",
    "address": {
        "line1": "1 Main Street",
        "line2": None,
        "city": "Springfield",
        "postalCode": "12345",
        "country": "US",
    },
    "technicalContact": {"name": "Tess Tech", "email": "tess@acme.example", "phone": "+1 555 0100"},
    "primaryContact": {"name": "Paul Primary", "email": "paul@acme.example", "phone": None},
}


async def new_serials(
    portal: Portal,
    sku: str = "EPS-14",
    count: int = 1,
    *,
    quantity: int = 10,
    kind: SerialKind = SerialKind.NEW,
) -> list[str]:
    async with portal.db.write() as session:
        product = await session.scalar(select(Product).where(Product.sku == sku))
        assert product is not None
        serials = await issue_serials(session, product, quantity=quantity, count=count, kind=kind)
        return [s.number for s in serials]


async def serial_status(portal: Portal, number: str) -> SerialStatus:
    async with portal.db.read() as session:
        status = await session.scalar(select(Serial.status).where(Serial.number == number))
        assert status is not None
        return status


async def sign_in(client: GraphQLClient, email: str = ALICE) -> dict[str, Any]:
    result = await client.login(email, DEMO_PASSWORD)
    assert result["__typename"] == "LoginSuccess", result
    me: dict[str, Any] = (await client(ME))["me"]
    return me


def account_id(me: dict[str, Any], kind: str = "CUSTOMER") -> str:
    return str(next(m["account"]["id"] for m in me["memberships"] if m["account"]["kind"] == kind))


async def start(client: GraphQLClient, acc_id: str) -> dict[str, Any]:
    result = (await client(START, {"input": {"accountId": acc_id}}))["keyRequestStart"]
    assert result["__typename"] == "KeyRequestStartSuccess", result
    request: dict[str, Any] = result["keyRequest"]
    return request


async def enter(client: GraphQLClient, kr_id: str, numbers: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = (
        await client(ENTER, {"input": {"keyRequestId": kr_id, "serialNumbers": numbers}})
    )["keyRequestEnterSerials"]
    return result


async def set_registration(
    client: GraphQLClient, kr_id: str, registration: dict[str, Any] | None = None, host_id: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await client(
            SET_REGISTRATION,
            {
                "input": {
                    "keyRequestId": kr_id,
                    "registration": registration or REGISTRATION,
                    "hostId": host_id,
                }
            },
        )
    )["keyRequestSetRegistration"]
    return result


async def confirm(client: GraphQLClient, kr_id: str, key: str = "confirm-key-0001") -> dict[str, Any]:
    result: dict[str, Any] = (
        await client(CONFIRM, {"input": {"keyRequestId": kr_id, "idempotencyKey": key}})
    )["keyRequestConfirm"]
    return result


async def wait_ready(client: GraphQLClient, kr_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        request: dict[str, Any] = (await client(KEY_REQUEST, {"id": kr_id}))["keyRequest"]
        return request if request["status"] in ("READY", "FAILED") else None

    ready: dict[str, Any] = await eventually(check)
    return ready


async def get_a_key(
    client: GraphQLClient, portal: Portal, acc_id: str, sku: str = "EPS-14", host_id: str | None = None
) -> dict[str, Any]:
    """The whole wizard: start → serial → registration → confirm → READY."""
    numbers = await new_serials(portal, sku)
    request = await start(client, acc_id)
    assert (await enter(client, request["id"], numbers))["__typename"] == "KeyRequestEnterSerialsSuccess"
    assert (await set_registration(client, request["id"], host_id=host_id))["__typename"] == (
        "KeyRequestSetRegistrationSuccess"
    )
    assert (await confirm(client, request["id"]))["__typename"] == "KeyRequestConfirmSuccess"
    return await wait_ready(client, request["id"])


LICENSE_FIELDS = """
  id quantity maintenanceUntil status hostId product { sku version }
  keys { id activationKey licenseFile hostId status }
  activations { hostId firstSeenAt lastSeenAt }
  serials { number kind }
  rehostsUsed rehostLimit nextRehostAllowedAt
"""
LICENSE = "query L($id: ID!) { license(id: $id) { %s } }" % LICENSE_FIELDS

ACTIVATE = """
mutation Activate($input: ActivateInput!) {
  activate(input: $input) {
    __typename
    ... on ActivateSuccess { licenseFile activationToken activation { hostId firstSeenAt lastSeenAt } }
    ... on UserError { code message field }
  }
}"""
DEACTIVATE = """
mutation Deactivate($input: DeactivateInput!) {
  deactivate(input: $input) { __typename ... on DeactivateSuccess { hostId } ... on UserError { code message field } }
}"""


async def license_of(client: GraphQLClient, license_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client(LICENSE, {"id": license_id}))["license"]
    return found


async def mutate(
    client: GraphQLClient, name: str, input_type: str, variables: dict[str, Any], selection: str = ""
) -> dict[str, Any]:
    """Run one wizard mutation and return its union member with keyRequest fields and error fields."""
    query = """
    mutation M($input: %s!) {
      %s(input: $input) {
        __typename
        ... on UserError { code message field }
        %s
      }
    }""" % (input_type, name, selection)
    result: dict[str, Any] = (await client(query, {"input": variables}))[name]
    return result


def with_key_request(success: str) -> str:
    return "... on %s { keyRequest { %s %s } }" % (success, KEY_REQUEST_FIELDS, UPGRADE_FIELDS)


UPGRADE_FIELDS = """
  renewalCandidates { serialNumber product { sku } licenses { id maintenanceUntil } }
  renewals { serialNumber license { id } newMaintenanceUntil }
  notification { notificationId fromProduct { sku } toProduct { sku } }
  upgradeOptions { license { id } fromProduct { sku } toProduct { sku } eligibleQuantity remainingQuantity }
  upgradeLicense { id } upgradeQuantity
  sourceKey { id hostId status }
"""

FIELD_ERRORS = "... on InvalidInput { fieldErrors { field code message } }"
NEXT_ALLOWED = "... on RehostRefused { nextAllowedAt }"
