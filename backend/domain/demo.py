"""Demo data for the embedded mode: accounts, users, a catalog and unregistered serials."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from backend.auth.passwords import hash_password
from backend.db.models import (
    Account,
    AccountKind,
    LicenseModel,
    Locking,
    Membership,
    Product,
    Role,
    Serial,
    SerialKind,
    SerialStatus,
    User,
)
from backend.domain.accounts import create_account
from backend.domain.catalog import issue_serials, upsert_product
from backend.portal import Portal

DEMO_PASSWORD = "demo-portal-2026"
USERS = [
    ("alice@acme.example", "Alice Admin", "Acme Corp", AccountKind.CUSTOMER, Role.ADMIN),
    ("victor@acme.example", "Victor Viewer", "Acme Corp", AccountKind.CUSTOMER, Role.VIEWER),
    ("bob@globex.example", "Bob Builder", "Globex Inc", AccountKind.CUSTOMER, Role.ADMIN),
    ("carol@initech.example", "Carol Channel", "Initech Partners", AccountKind.PARTNER, Role.ADMIN),
    ("ops@vendor.example", "Olga Operator", "Vendor Operations", AccountKind.VENDOR, Role.ADMIN),
]
PRODUCTS = [
    ("EPS-14", "Endpoint Protection", "14.3", LicenseModel.PERPETUAL, Locking.NONE),
    ("MGW-10", "Messaging Gateway", "10.8", LicenseModel.PERPETUAL, Locking.HOST),
    ("DLP-16", "Data Loss Prevention", "16.0", LicenseModel.SUBSCRIPTION, Locking.NONE),
    ("EPS-15", "Endpoint Protection", "15.0", LicenseModel.PERPETUAL, Locking.NONE),
]
UPGRADE_PATHS = [("EPS-14", "EPS-15")]
# Unregistered serials kept on hand per product: (sku, kind, quantity, months, how many)
STOCK = [
    ("EPS-14", SerialKind.NEW, 25, 12, 8),
    ("MGW-10", SerialKind.NEW, 5, 12, 3),
    ("DLP-16", SerialKind.NEW, 100, 12, 3),
    ("EPS-14", SerialKind.RENEWAL, 25, 12, 3),
]


async def seed(portal: Portal) -> bool:
    """Create the demo world once; top up unregistered serials every time. True when created."""
    created = False
    async with portal.db.write() as session:
        if await session.scalar(select(User.id).where(User.email == USERS[0][0])) is None:
            created = True
            accounts: dict[str, Account] = {}
            now = datetime.now(UTC)
            password_hash = hash_password(DEMO_PASSWORD)  # one shared demo password: hash it once
            for email, name, account_name, kind, role in USERS:
                account = accounts.get(account_name)
                if account is None:
                    account = await create_account(session, account_name, kind)
                    accounts[account_name] = account
                user = User(
                    id=uuid.uuid4(),
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    email_verified_at=now,
                )
                session.add(user)
                await session.flush()
                session.add(Membership(user_id=user.id, account_id=account.id, role=role))
        for sku, pname, version, model, locking in PRODUCTS:
            await upsert_product(session, sku, pname, version, model, locking)
        await session.flush()
        for sku, serial_kind, quantity, months, wanted in STOCK:
            product = await session.scalar(select(Product).where(Product.sku == sku))
            if product is None:
                continue
            have = len(
                (
                    await session.scalars(
                        select(Serial.id).where(
                            Serial.product_id == product.id,
                            Serial.status == SerialStatus.UNREGISTERED,
                            Serial.kind == serial_kind,
                        )
                    )
                ).all()
            )
            if have < wanted:
                await issue_serials(
                    session,
                    product,
                    quantity=quantity,
                    count=wanted - have,
                    maintenance_months=months,
                    kind=serial_kind,
                    order_ref="DEMO",
                )
    return created


async def describe(portal: Portal) -> dict[str, Any]:
    async with portal.db.read() as session:
        users = (
            await session.execute(
                select(User.email, Account.name, Account.kind, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .join(Account, Account.id == Membership.account_id)
                .where(User.email.in_([u[0] for u in USERS]))
            )
        ).all()
        order = {u[0]: i for i, u in enumerate(USERS)}
        serials = (
            await session.execute(
                select(Serial.number, Product.sku, Serial.quantity, Product.locking, Serial.kind)
                .join(Product, Product.id == Serial.product_id)
                .where(Serial.status == SerialStatus.UNREGISTERED, Serial.kind != SerialKind.UPGRADE)
                .order_by(Product.sku, Serial.created_at, Serial.number)
            )
        ).all()
    # Simplest first: perpetual, not host-locked products lead the list a newcomer reads.
    simple = {
        sku
        for sku, _name, _version, model, locking in PRODUCTS
        if model == LicenseModel.PERPETUAL and locking == Locking.NONE
    }
    serials = sorted(serials, key=lambda row: (row[1] not in simple, row[3] == Locking.HOST))
    return {
        "users": [
            {
                "email": email,
                "password": DEMO_PASSWORD,
                "role": role.value,
                "account": {"name": name, "kind": kind.value},
            }
            for email, name, kind, role in sorted(users, key=lambda r: order[r[0]])
        ],
        # "serials": unregistered NEW serials; renewal serials are listed on their own.
        "serials": [
            {"number": number, "product": sku, "quantity": quantity, "locking": locking.value}
            for number, sku, quantity, locking, kind in serials
            if kind == SerialKind.NEW
        ],
        "renewalSerials": [
            {"number": number, "product": sku, "quantity": quantity}
            for number, sku, quantity, _locking, kind in serials
            if kind == SerialKind.RENEWAL
        ],
        "upgradePaths": [{"from": source, "to": target} for source, target in UPGRADE_PATHS],
    }
