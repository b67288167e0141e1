"""Prebuilt driver statements (backend/db/driver.py) on both databases: values written into a
statement are sent as written, a missing parameter is an error, `all()` returns every row, and
rows become the ORM instances a session would load."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, inspect, select

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.models import Account, KeyRequest, License, LicenseKey, Product, Serial, SerialStatus
from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import account_id, get_a_key, sign_in
from tests.support import GraphQLClient

UNREGISTERED_OF_PRODUCT = Prepared(
    select(Serial.number)
    .where(Serial.status == SerialStatus.UNREGISTERED, Serial.product_id == bindparam("product_id"))
    .order_by(Serial.number)
    .limit(3)
)


async def test_written_values_are_sent_and_all_returns_every_row(portal: Portal) -> None:
    async with portal.db.read() as session:
        product_id = await session.scalar(select(Product.id).where(Product.sku == "EPS-14"))
        expected = list(
            await session.scalars(
                select(Serial.number)
                .where(Serial.status == SerialStatus.UNREGISTERED, Serial.product_id == product_id)
                .order_by(Serial.number)
                .limit(3)
            )
        )
    assert len(expected) == 3  # the demo catalog has more than three: the limit is applied

    async def read(tx: DriverTransaction) -> list[Any]:
        return [row["number"] for row in await tx.all(UNREGISTERED_OF_PRODUCT, {"product_id": product_id})]

    assert await portal.db.driver.run(read, transaction=False) == expected
    assert await portal.db.driver.run(read) == expected


def test_a_parameter_without_a_value_must_be_passed() -> None:
    assert UNREGISTERED_OF_PRODUCT.args({"product_id": "p"}) == ["UNREGISTERED", "p", 3]
    with pytest.raises(KeyError):
        UNREGISTERED_OF_PRODUCT.args({})


async def test_driver_rows_become_the_same_orm_instances_the_session_loads(
    client: GraphQLClient, portal: Portal
) -> None:
    """entity() from a driver row equals the ORM's own load column for column: enums, JSON,
    UTC datetimes, dates, UUIDs — for every model a key request's view reads."""
    acc = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acc)
    request_id = from_global_id(ready["id"], "KeyRequest")
    async with portal.db.read() as session:
        request = await session.get(KeyRequest, request_id)
        assert request is not None and request.registration is not None
        license_ = await session.scalar(select(License).where(License.key_request_id == request_id))
        assert license_ is not None
        key = await session.scalar(select(LicenseKey).where(LicenseKey.license_id == license_.id))
        serial = await session.get(Serial, license_.origin_serial_id)
        loaded = [
            request,
            license_,
            key,
            serial,
            await session.get(Product, license_.product_id),
            await session.get(Account, license_.account_id),
        ]
    for orm in loaded:
        model = type(orm)
        table = cast(Table, model.__table__)
        read = Prepared(select(table).where(table.c.id == bindparam("wanted")))
        row = await portal.db.driver.run(
            lambda tx, r=read, o=orm: tx.one(r, {"wanted": o.id}), transaction=False
        )
        assert row is not None
        built = entity(model, row)
        assert inspect(built).detached
        for attr in inspect(model).column_attrs:
            mine, theirs = getattr(built, attr.key), getattr(orm, attr.key)
            where = (model.__name__, attr.key, mine, theirs)
            assert mine == theirs, where
            # asyncpg's UUIDs are a subclass of uuid.UUID; every other value is of the same type.
            same_kind = isinstance(mine, uuid.UUID) and isinstance(theirs, uuid.UUID)
            assert same_kind or type(mine) is type(theirs), where
