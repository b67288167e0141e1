"""A fresh database per run, and the data the runs need: signed-in users on their own customer
accounts and a pool of unregistered serial numbers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.auth.passwords import hash_password
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.db.models import AccountKind, Membership, Product, Role, User
from backend.domain import demo
from backend.domain.accounts.users import create_account
from backend.domain.catalog import issue_serials
from backend.portal import Portal

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
PASSWORD = "bench-password-2026"
PRODUCT = "EPS-14"  # not host-locked: the wizard needs no host ID
ISSUE_CHUNK = 10_000  # issue_serials' upper bound per order


@dataclass(frozen=True)
class BenchUser:
    email: str
    user_id: uuid.UUID
    account_id: uuid.UUID


async def create_pg_database(admin_url: str) -> str:
    name = f"portal_bench_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await engine.dispose()


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=url, secret_key=SECRET_KEY, env="development", workers=1)


async def migrate_and_seed(settings: Settings) -> None:
    """Schema, signing key and the demo catalog (the products serials are issued for)."""
    await upgrade(settings.database_url)
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        await demo.seed(portal.db)
    finally:
        await portal.stop()


_password_hash: str | None = None


async def add_users(portal: Portal, label: str, count: int) -> list[BenchUser]:
    """`count` verified users, each the ADMIN of a customer account of its own."""
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)  # argon2: hash once, share it
    users: list[BenchUser] = []
    now = datetime.now(UTC)
    async with portal.db.write() as session:
        for i in range(count):
            account = await create_account(session, f"Bench {label} {i}", AccountKind.CUSTOMER)
            email = f"bench-{label}-{i}-{uuid.uuid4().hex[:6]}@bench.example"
            user = User(
                id=uuid.uuid4(),
                email=email,
                name=f"Bench User {i}",
                password_hash=_password_hash,
                email_verified_at=now,
            )
            session.add(user)
            await session.flush()
            session.add(Membership(user_id=user.id, account_id=account.id, role=Role.ADMIN))
            users.append(BenchUser(email, user.id, account.id))
    return users


async def issue_pool(portal: Portal, count: int) -> list[str]:
    """`count` new unregistered serial numbers of the benchmark product."""
    numbers: list[str] = []
    while len(numbers) < count:
        async with portal.db.write() as session:
            product = await session.scalar(select(Product).where(Product.sku == PRODUCT))
            assert product is not None, "the demo catalog is missing"
            chunk = min(ISSUE_CHUNK, count - len(numbers))
            serials = await issue_serials(session, product, quantity=10, count=chunk, order_ref="BENCH")
            numbers += [s.number for s in serials]
    return numbers
