"""The vendor's catalog and orders: products and the serial numbers printed on license certificates."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from functools import cache
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared, entity, ids_match
from backend.db.models import (
    Account,
    AccountKind,
    License,
    LicenseModel,
    Locking,
    Product,
    Serial,
    SerialKind,
    SerialStatus,
)
from backend.domain.errors import FieldProblem, InvalidInputError
from backend.domain.partners.delegations import own_role
from backend.domain.serials import new_number


async def upsert_product(
    session: AsyncSession, sku: str, name: str, version: str, model: LicenseModel, locking: Locking
) -> Product:
    product = await session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        product = Product(
            id=uuid.uuid4(), sku=sku, name=name, version=version, license_model=model, locking=locking
        )
        session.add(product)
    return product


async def product_by_sku(session: AsyncSession, sku: str) -> Product:
    product = await session.scalar(select(Product).where(Product.sku == sku.strip().upper()))
    if product is None:
        raise InvalidInputError([FieldProblem("product", "UNKNOWN", f"No product with SKU {sku!r}.")])
    return product


async def partner_by_number(session: AsyncSession, number: str) -> Account:
    partner = await session.scalar(
        select(Account).where(Account.number == number.strip().upper(), Account.kind == AccountKind.PARTNER)
    )
    if partner is None:
        raise InvalidInputError([FieldProblem("holder", "UNKNOWN", f"No partner account {number!r}.")])
    return partner


async def issue_serials(
    session: AsyncSession,
    product: Product,
    *,
    quantity: int,
    count: int,
    maintenance_months: int = 12,
    kind: SerialKind = SerialKind.NEW,
    order_ref: str | None = None,
    holder_account_id: uuid.UUID | None = None,
) -> list[Serial]:
    """A new order: `count` serial numbers of `quantity` seats each (held by a partner account
    when sold through one to a customer not known yet)."""
    problems = []
    if not 1 <= quantity <= 1_000_000:
        problems.append(FieldProblem("quantity", "RANGE", "Quantity must be between 1 and 1,000,000."))
    if not 1 <= count <= 10_000:
        problems.append(FieldProblem("count", "RANGE", "Count must be between 1 and 10,000."))
    if not 1 <= maintenance_months <= 120:
        problems.append(FieldProblem("maintenanceMonths", "RANGE", "Maintenance is 1 to 120 months."))
    if problems:
        raise InvalidInputError(problems)
    serials: list[Serial] = []
    taken: set[str] = set()
    while len(serials) < count:
        number = new_number(kind)
        if number in taken:
            continue
        taken.add(number)
        serials.append(
            Serial(
                id=uuid.uuid4(),
                number=number,
                product_id=product.id,
                quantity=quantity,
                maintenance_months=maintenance_months,
                kind=kind,
                order_ref=order_ref,
                holder_account_id=holder_account_id,
            )
        )
    clash = set(await session.scalars(select(Serial.number).where(Serial.number.in_(taken))))
    if clash:  # astronomically rare: draw again for those
        serials = [s for s in serials if s.number not in clash]
        serials += await issue_serials(
            session,
            product,
            quantity=quantity,
            count=len(clash),
            maintenance_months=maintenance_months,
            kind=kind,
            order_ref=order_ref,
            holder_account_id=holder_account_id,
        )
    session.add_all(serials)
    return serials


async def held_serials(
    session: AsyncSession,
    user_id: uuid.UUID,
    partner_account_id: uuid.UUID,
    status: SerialStatus | None,
    limit: int,
) -> list[tuple[Serial, Product]]:
    """Serials a partner holds for customers, newest first; for the partner account's own members
    only (a delegation does not show them): none for anyone else."""
    if await own_role(session, user_id, partner_account_id) is None:
        return []
    stmt = (
        select(Serial, Product)
        .join(Product, Product.id == Serial.product_id)
        .where(Serial.holder_account_id == partner_account_id)
        .order_by(Serial.created_at.desc(), Serial.number)
        .limit(max(1, min(limit, 500)))
    )
    if status is not None:
        stmt = stmt.where(Serial.status == status)
    return [(serial, product) for serial, product in await session.execute(stmt)]


_products, _licenses = (cast(Table, model.__table__) for model in (Product, License))


@cache
def _licensed(dialect: str) -> Prepared:
    """The products the accounts (parameter `ids`) hold licenses of, by name, version, SKU."""
    held = select(_licenses.c.account_id, _licenses.c.product_id).distinct().subquery()
    return Prepared(
        select(held.c.account_id, _products)
        .join(_products, _products.c.id == held.c.product_id)
        .where(ids_match(held.c.account_id, dialect))
        .order_by(_products.c.name, _products.c.version, _products.c.sku)
    )


async def licensed_products(
    tx: DriverTransaction, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[Product]]:
    """Each account's licensed products (the license list's product picker), in one statement."""
    found: dict[uuid.UUID, list[Product]] = defaultdict(list)
    if account_ids:
        for row in await tx.all(_licensed(tx.dialect), {"ids": list(account_ids)}):
            found[row["account_id"]].append(entity(Product, row))
    return found
