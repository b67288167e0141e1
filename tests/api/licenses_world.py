"""Licenses made directly in the database for the Manage My Licenses tests: chosen product,
maintenance end, state, quantity and creation time, each with a registered serial, a signed key
and a support registration, and its search text kept like the pipeline keeps it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend.db.driver import as_driver_transaction
from backend.db.models import (
    License,
    LicenseSerial,
    LicenseShare,
    LicenseState,
    Product,
    Serial,
    SerialKind,
    SerialStatus,
    SharePermission,
    SupportRegistration,
    User,
)
from backend.domain.key_requests.fulfilment import new_key
from backend.domain.licenses import search as license_search
from backend.domain.serials import new_number
from backend.portal import Portal
from tests.api.flows import REGISTRATION
from tests.support import GraphQLClient


@dataclass(frozen=True)
class Made:
    license_id: uuid.UUID
    global_id: str
    serial_number: str
    activation_key: str
    license_file: str


def gid(kind: str, value: uuid.UUID) -> str:
    from backend.schema.common import to_global_id

    return str(to_global_id(kind, value))


def plain(global_id: str, kind: str) -> uuid.UUID:
    from backend.schema.common import from_global_id

    value = from_global_id(global_id, kind)
    assert value is not None
    return value


async def user_id(portal: Portal, email: str) -> uuid.UUID:
    async with portal.db.read() as session:
        found = await session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


async def make_license(
    portal: Portal,
    account_id: uuid.UUID,
    sku: str = "EPS-14",
    *,
    maintenance_until: date | None = None,
    state: LicenseState = LicenseState.CURRENT,
    quantity: int = 10,
    created_at: datetime | None = None,
    owner_id: uuid.UUID | None = None,
    registration: dict[str, Any] | None = None,
) -> Made:
    signer = await portal.keys.signer()
    async with portal.db.write() as session:
        product = await session.scalar(select(Product).where(Product.sku == sku))
        assert product is not None
        serial = Serial(
            id=uuid.uuid4(),
            number=new_number(SerialKind.NEW),
            product_id=product.id,
            quantity=quantity,
            maintenance_months=12,
            kind=SerialKind.NEW,
            status=SerialStatus.REGISTERED,
        )
        license_ = License(
            id=uuid.uuid4(),
            account_id=account_id,
            product_id=product.id,
            owner_user_id=owner_id,
            origin_serial_id=serial.id,
            quantity=quantity,
            maintenance_until=maintenance_until or datetime.now(UTC).date() + timedelta(days=365),
            host_id="host-1" if sku == "MGW-10" else None,
            state=state,
            created_at=created_at or datetime.now(UTC),
        )
        session.add(serial)
        await session.flush()  # no ORM relationship orders the inserts
        session.add(license_)
        await session.flush()
        session.add(LicenseSerial(license_id=license_.id, serial_id=serial.id))
        key = new_key(portal.settings.issuer, signer, license_, product, None)
        session.add(key)
        session.add(
            SupportRegistration(
                account_id=account_id, license_id=license_.id, data=registration or REGISTRATION
            )
        )
        await license_search.refresh(as_driver_transaction(session), [license_.id])
    return Made(license_.id, gid("License", license_.id), serial.number, key.activation_key, key.license_file)


async def share(
    portal: Portal, license_id: uuid.UUID, email: str, permission: SharePermission = SharePermission.VIEW
) -> None:
    async with portal.db.write() as session:
        found = await session.scalar(select(User.id).where(User.email == email))
        session.add(LicenseShare(license_id=license_id, email=email, user_id=found, permission=permission))


CREATE_FIELD = """
mutation C($input: CustomFieldCreateInput!) {
  customFieldCreate(input: $input) {
    __typename
    ... on CustomFieldCreateSuccess { customField { id name type options required position } }
    ... on InvalidInput { code fieldErrors { field code message } }
    ... on NotFound { code field }
  }
}"""

SET_VALUES = """
mutation S($input: LicensesSetCustomValuesInput!) {
  licensesSetCustomValues(input: $input) {
    __typename
    ... on LicensesSetCustomValuesSuccess { licenses { id customValues { field { id name } value } } }
    ... on CustomValueRejected { code message field customField { id name } }
    ... on InvalidInput { code fieldErrors { field code message } }
    ... on NotFound { code field }
  }
}"""


async def create_field(
    client: GraphQLClient,
    account: str,
    name: str,
    field_type: str,
    options: list[str] | None = None,
    required: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await client(
            CREATE_FIELD,
            {
                "input": {
                    "accountId": account,
                    "name": name,
                    "type": field_type,
                    "options": options,
                    "required": required,
                }
            },
        )
    )["customFieldCreate"]
    assert result["__typename"] == "CustomFieldCreateSuccess", result
    field: dict[str, Any] = result["customField"]
    return field


async def set_values(
    client: GraphQLClient, license_ids: list[str], values: list[dict[str, Any]]
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await client(SET_VALUES, {"input": {"licenseIds": license_ids, "values": values}})
    )["licensesSetCustomValues"]
    return result
