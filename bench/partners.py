"""Channel partners at scale: a partner managing N customer accounts of 20 licenses each, and

    managedAccounts(first: 100) { … summary … licenses(first: 20) { … keys, custom values … } }

timed three ways: over HTTP against a real `portal serve`, executed in-process against the
database, and executed in-process over the same objects already in memory (every DataLoader primed
with what the database run loaded, the managed-accounts page handed over as it was read): the
GraphQL floor. The ratio in-process ÷ floor is what the database work adds to GraphQL execution."""

from __future__ import annotations

import gc
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import insert, select
from starlette.requests import Request
from strawberry.dataloader import DataLoader

from backend.config import Settings
from backend.context import Context
from backend.db.models import (
    Account,
    AccountKind,
    Delegation,
    DelegationScope,
    DelegationStatus,
    Product,
    Serial,
    SerialKind,
    User,
)
from backend.domain import demo
from backend.domain.accounts.users import create_account
from backend.domain.partners import managed as partners
from backend.domain.serials import new_number
from backend.graphql import build_schema
from backend.loaders import Loaders
from backend.portal import Portal
from bench.client import PortalClient
from bench.cpu import StatementCounter
from bench.licenses import portal_for
from bench.server import Server
from bench.stats import summary_ms

PARTNER_USER = "carol@initech.example"
ACCOUNTS, QUICK_ACCOUNTS = 1000, 120
LICENSES_PER_ACCOUNT = 20
ROUNDS, QUICK_ROUNDS = 20, 5
WARMUP = 2
BATCH = 25  # accounts per seeding transaction

QUERY = """
query Managed {
  managedAccounts(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor scope
      node {
        id name number
        summary { totalLicenses nextMaintenanceEnd openKeyRequests byStatus { status count } }
        licenses(first: 20) {
          totalCount
          edges { node {
            id status quantity maintenanceUntil hostId
            product { sku name version }
            keys { activationKey status }
            customValues { field { name } value }
          } }
        }
      }
    }
  }
}"""


def say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


async def seed(portal: Portal, accounts: int) -> dict[str, Any]:
    """`accounts` customer accounts delegated (MANAGE) to the demo partner, each with its custom
    fields and LICENSES_PER_ACCOUNT licenses with serials, signed keys and custom values."""
    began = time.perf_counter()
    async with portal.db.read() as session:
        partner_user = await session.scalar(select(User).where(User.email == PARTNER_USER))
        partner = await session.scalar(select(Account).where(Account.name == "Initech Partners"))
        products = list(
            await session.scalars(select(Product).where(Product.sku.in_([p[0] for p in demo.PRODUCTS])))
        )
    assert partner_user is not None and partner is not None, "seed the demo world first"
    signer = await portal.keys.signer()
    rng = random.Random(20261128)
    today, now = datetime.now(UTC).date(), datetime.now(UTC)
    for start in range(0, accounts, BATCH):
        customers: list[uuid.UUID] = []
        async with portal.db.write() as session:
            for i in range(start, min(start + BATCH, accounts)):
                customer = await create_account(session, f"Customer {i:05d}", AccountKind.CUSTOMER)
                customers.append(customer.id)
                session.add(
                    Delegation(
                        customer_account_id=customer.id,
                        partner_account_id=partner.id,
                        scope=DelegationScope.MANAGE,
                        status=DelegationStatus.ACTIVE,
                    )
                )
        for customer_id in customers:
            fields = await demo.demo_fields(portal.db, customer_id)
            async with portal.db.write() as session:
                numbers: set[str] = set()
                while len(numbers) < LICENSES_PER_ACCOUNT:
                    candidates = {
                        new_number(SerialKind.NEW) for _ in range(LICENSES_PER_ACCOUNT - len(numbers))
                    }
                    taken = set(
                        await session.scalars(select(Serial.number).where(Serial.number.in_(candidates)))
                    )
                    numbers |= candidates - taken
                rows = demo.license_batch(
                    portal.settings.issuer,
                    signer,
                    customer_id,
                    partner_user.id,
                    products,
                    fields,
                    sorted(numbers),
                    rng,
                    today,
                    now,
                )
                for model, values in rows:
                    await session.execute(insert(model.__table__), values)
        if start % 200 == 0:
            say(f"seeded {start + len(customers)} of {accounts} customer accounts")
    return {
        "accounts": accounts,
        "licenses": accounts * LICENSES_PER_ACCOUNT,
        "seconds": round(time.perf_counter() - began, 1),
    }


def _request() -> Request:
    return Request({"type": "http", "method": "POST", "path": "/graphql", "headers": [], "query_string": b""})


def _loader_caches(loaders: Loaders) -> dict[str, dict[Any, Any]]:
    """Everything the run loaded, per DataLoader: key → value."""
    caches: dict[str, dict[Any, Any]] = {}
    for name, value in vars(loaders).items():
        if isinstance(value, DataLoader):
            cache_map = getattr(value.cache_map, "cache_map", {})
            caches[name] = {key: future.result() for key, future in cache_map.items() if future.done()}
    return caches


def _primed(portal: Portal, caches: dict[str, dict[Any, Any]]) -> Loaders:
    loaders = Loaders(portal.db, portal.settings.draft_ttl_days)
    for name, values in caches.items():
        loader = getattr(loaders, name)
        for key, value in values.items():
            loader.prime(key, value)
    return loaders


async def in_process(portal: Portal, rounds: int) -> dict[str, Any]:
    schema = build_schema(False)
    async with portal.db.read() as session:
        user = await session.scalar(select(User).where(User.email == PARTNER_USER))
    assert user is not None

    async def execute(loaders: Loaders) -> float:
        context = Context(request=_request(), response=None, portal=portal, loaders=loaders, user=user)
        began = time.perf_counter()
        result = await schema.execute(QUERY, context_value=context)
        elapsed = time.perf_counter() - began
        await loaders.close()
        assert not result.errors, result.errors
        return elapsed

    # One run against the database, recording what it read.
    page_read: list[partners.ManagedPage] = []
    real_managed = partners.managed_accounts

    async def recording(*args: Any, **kwargs: Any) -> partners.ManagedPage:
        page = await real_managed(*args, **kwargs)
        page_read.append(page)
        return page

    loaders = Loaders(portal.db, portal.settings.draft_ttl_days)
    with mock.patch.object(partners, "managed_accounts", recording), StatementCounter() as counted:
        await execute(loaders)
    caches = _loader_caches(loaders)

    async def from_memory(*_args: Any, **_kwargs: Any) -> partners.ManagedPage:
        return page_read[0]

    # As the server does after start-up (backend/app.py): the long-lived heap leaves the
    # collector's full passes. Then side by side, alternating, each from a collected heap: drift
    # and garbage hit both alike.
    gc.collect()
    gc.freeze()
    database: list[float] = []
    floor: list[float] = []
    floor_counted = StatementCounter()
    for i in range(WARMUP + rounds):
        gc.collect()
        elapsed = await execute(Loaders(portal.db, portal.settings.draft_ttl_days))
        gc.collect()
        with mock.patch.object(partners, "managed_accounts", from_memory), floor_counted:
            from_floor = await execute(_primed(portal, caches))
        if i >= WARMUP:
            database.append(elapsed)
            floor.append(from_floor)
    db, mem = summary_ms(database), summary_ms(floor)
    ratio = (db["p50_ms"] or 0) / (mem["p50_ms"] or 1)
    return {
        "statements": counted.statements,
        "floor_statements": floor_counted.statements,
        "in_process": db,
        "floor": mem,
        "ratio": round(ratio, 2),
    }


async def over_http(settings: Settings, data_dir: Path, rounds: int) -> dict[str, Any]:
    server = Server(settings.database_url, data_dir)
    await server.start()
    client = PortalClient(server.base_url)
    try:
        await client.sign_in(PARTNER_USER, demo.DEMO_PASSWORD)
        samples: list[float] = []
        accounts = licenses = 0
        for i in range(WARMUP + rounds):
            began = time.perf_counter()
            data = await client.gql(QUERY)
            elapsed = time.perf_counter() - began
            edges = data["managedAccounts"]["edges"]
            accounts = len(edges)
            licenses = sum(len(e["node"]["licenses"]["edges"]) for e in edges)
            if i >= WARMUP:
                samples.append(elapsed)
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await client.close()
        await server.stop()
    return {"accounts_on_page": accounts, "licenses_on_page": licenses, **summary_ms(samples)}


async def run(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    accounts = QUICK_ACCOUNTS if quick else ACCOUNTS
    rounds = QUICK_ROUNDS if quick else ROUNDS
    async with portal_for(settings) as portal:
        await demo.seed(portal.db)
        say(f"seeding a partner with {accounts} customer accounts x {LICENSES_PER_ACCOUNT} licenses")
        seeded = await seed(portal, accounts)
        say(f"seeded in {seeded['seconds']} s; timing managedAccounts in-process and from memory")
        measured = await in_process(portal, rounds)
    say("timing managedAccounts over HTTP")
    http = await over_http(settings, data_dir, rounds)
    ratio_http = (http["p50_ms"] or 0) / (measured["floor"]["p50_ms"] or 1)
    return {"seed": seeded, **measured, "http": http, "ratio_http": round(ratio_http, 2)}


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"{'managedAccounts(first: 100), licenses(first: 20)':52} {'db':10} {'p50 ms':>8} {'p90 ms':>8}",
    ]
    for row in results:
        result, db = row.get("partners"), row["database"]
        if not result:
            continue
        lines.append(
            f"{'  over HTTP':52} {db:10} {result['http']['p50_ms']:>8} {result['http']['p90_ms']:>8}"
        )
        lines.append(
            f"{'  in-process, from the database':52} {db:10} {result['in_process']['p50_ms']:>8} "
            f"{result['in_process']['p90_ms']:>8}"
        )
        lines.append(
            f"{'  in-process, from memory (the GraphQL floor)':52} {db:10} {result['floor']['p50_ms']:>8} "
            f"{result['floor']['p90_ms']:>8}"
        )
        lines.append(
            f"  ratio to the floor: in-process {result['ratio']}x, HTTP {result['ratio_http']}x; "
            f"statements {result['statements']} (floor {result['floor_statements']}); "
            f"{result['http']['accounts_on_page']} accounts, {result['http']['licenses_on_page']} licenses on the page; "
            f"seeded {result['seed']['accounts']} accounts in {result['seed']['seconds']} s"
        )
    return "\n".join(lines)
