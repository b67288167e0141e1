"""Prebuilt driver statements (backend/db/driver.py) on both databases: values written into a
statement are sent as written, a missing parameter is an error, and `all()` returns every row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, select

from backend.db.driver import DriverTransaction, Prepared
from backend.db.models import Product, Serial, SerialStatus
from backend.portal import Portal

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
