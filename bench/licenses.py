"""Manage My Licenses at scale: `portal demo --licenses N` seeding time, the latency of the first
page and of filtered pages over HTTP against a real `portal serve` (one account with N licenses,
keys and custom values), the query plans of the main filters, and the server's RSS growth while
it streams the CSV export of every license."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from backend.config import Settings
from backend.db.models import Account, CustomField, License, LicenseKey, LicenseSerial, Serial
from backend.domain import demo
from backend.domain.licenses import finding
from backend.portal import Portal
from backend.schema.common import to_global_id
from bench.client import PortalClient
from bench.server import Server
from bench.stats import summary_ms

DEFAULT_COUNT = 100_000
QUICK_COUNT = 5_000
ROUNDS = 30
WARMUP = 3

PAGE = """
query Page($accountId: ID!, $first: Int, $after: String, $filter: LicenseFilter, $orderBy: LicenseOrder) {
  licenses(accountId: $accountId, first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id status quantity maintenanceUntil hostId createdAt
      product { sku name version }
      keys { activationKey status }
      customValues { field { id name } value }
    } }
  }
}"""


def say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextlib.asynccontextmanager
async def portal_for(settings: Settings) -> Any:
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        yield portal
    finally:
        await portal.stop()


async def sample_world(settings: Settings) -> dict[str, Any]:
    """Ids and values the filters use: the account, a serial number, an activation key, the fields."""
    async with portal_for(settings) as portal, portal.db.read() as session:
        account_id = await session.scalar(select(Account.id).where(Account.name == "Acme Corp"))
        assert account_id is not None
        license_id = await session.scalar(
            select(License.id).where(License.account_id == account_id).order_by(License.created_at).limit(1)
        )
        number = await session.scalar(
            select(Serial.number)
            .join(LicenseSerial, LicenseSerial.serial_id == Serial.id)
            .where(LicenseSerial.license_id == license_id)
        )
        key = await session.scalar(
            select(LicenseKey.activation_key).where(LicenseKey.license_id == license_id)
        )
        fields = {
            f.name: f
            for f in await session.scalars(select(CustomField).where(CustomField.account_id == account_id))
        }
    return {"account_id": account_id, "serial": number, "key": key, "fields": fields}


def variants(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = world["fields"]
    return {
        "first page (newest first)": {},
        "first page, 100 rows": {"first": 100},
        "status EXPIRING": {"filter": {"status": ["EXPIRING"]}},
        "status ACTIVE + product": {"filter": {"status": ["ACTIVE"], "productSku": "EPS-14"}},
        "expiringWithinDays 30": {"filter": {"expiringWithinDays": 30}},
        "search substring (cost center)": {"filter": {"search": "cc-042"}},
        "search serial number": {"filter": {"search": world["serial"]}},
        "search activation key": {"filter": {"search": world["key"]}},
        "custom field CHOICE = Finance": {
            "filter": {
                "customFields": [
                    {"fieldId": to_global_id("CustomField", fields["Department"].id), "value": "Finance"}
                ]
            }
        },
        "order by maintenance until": {"orderBy": {"field": "MAINTENANCE_UNTIL", "direction": "ASC"}},
        "order by custom NUMBER desc": {
            "orderBy": {
                "field": "CUSTOM_FIELD",
                "direction": "DESC",
                "customFieldId": to_global_id("CustomField", fields["Budget"].id),
            }
        },
    }


async def explain(settings: Settings, world: dict[str, Any]) -> dict[str, list[str]]:
    """The plans of the page and count statements of the main filters, as the database prints them."""
    fields = world["fields"]
    scope = finding.Scope(account_id=world["account_id"])
    cases = {
        "first page (newest first)": (finding.Filter(), None),
        "status EXPIRING": (finding.Filter(statuses=(finding.LicenseStatus.EXPIRING,)), None),
        "productSku": (finding.Filter(product_sku="EPS-14"), None),
        "search substring": (finding.Filter(search="cc-042"), None),
        "search serial number": (finding.Filter(search=world["serial"]), None),
        "custom field CHOICE": (
            finding.Filter(custom=(finding.CustomFilter(fields["Department"].id, "Finance"),)),
            None,
        ),
    }
    plans: dict[str, list[str]] = {}
    async with portal_for(settings) as portal, portal.db.read() as session:
        dialect = session.get_bind().dialect
        prefix = "EXPLAIN QUERY PLAN " if portal.db.is_sqlite else "EXPLAIN "
        for name, (flt, order) in cases.items():
            query = await finding.prepare(session, scope, flt, order)
            for label, stmt in (
                ("page", finding.page_statement(query, 100)),
                ("count", finding.count_statement(query)),
            ):
                sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                rows = (await session.connection()).exec_driver_sql(prefix + sql)
                lines = [
                    " | ".join(str(c) for c in row[-1:]) if portal.db.is_sqlite else str(row[0])
                    for row in await rows
                ]
                plans[f"{name} — {label}"] = lines
    return plans


async def timed(client: PortalClient, account: str, variables: dict[str, Any]) -> dict[str, Any]:
    samples: list[float] = []
    total = None
    for i in range(WARMUP + ROUNDS):
        began = time.perf_counter()
        data = await client.gql(PAGE, {"accountId": account, "first": 50, **variables})
        elapsed = time.perf_counter() - began
        total = data["licenses"]["totalCount"]
        if i >= WARMUP:
            samples.append(elapsed)
    return {"totalCount": total, **summary_ms(samples)}


async def export_rss(client: PortalClient, account: str, pid: int) -> dict[str, Any]:
    peak = baseline = rss_kb(pid)
    stop = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    rows = -1  # the header line
    size = 0
    began = time.perf_counter()
    async with client.http.stream(
        "GET", "/api/licenses/export.csv", params={"accountId": account}
    ) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            rows += chunk.count(b"\n")  # "\r\n" may be split between two chunks
    seconds = time.perf_counter() - began
    stop.set()
    await watcher
    return {
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 1),
        "rss_before_mb": round(baseline / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": round((peak - baseline) / 1024, 1),
    }


async def run(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    count = int(os.environ.get("PORTAL_BENCH_LICENSES") or (QUICK_COUNT if quick else DEFAULT_COUNT))
    say(f"portal demo --licenses {count}")
    async with portal_for(settings) as portal:
        await demo.seed(portal.db)
        seeded = await demo.seed_licenses(portal.db, portal.settings, portal.keys, count)
    say(f"seeded {seeded['created']} licenses in {seeded['seconds']} s")
    world = await sample_world(settings)
    plans = await explain(settings, world)
    server = Server(settings.database_url, data_dir)
    say(f"starting portal serve on {server.base_url}")
    await server.start()
    client = PortalClient(server.base_url)
    try:
        await client.sign_in(demo.USERS[0][0], demo.DEMO_PASSWORD)
        account = str(to_global_id("Account", world["account_id"]))
        pages: dict[str, Any] = {}
        for name, variables in variants(world).items():
            say(f"page: {name}")
            pages[name] = await timed(client, account, variables)
        say("CSV export of every license")
        assert server.pid is not None
        exported = await export_rss(client, account, server.pid)
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await client.close()
        await server.stop()
    return {"count": count, "seed": seeded, "pages": pages, "export": exported, "plans": plans}


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"{'licenses: page of 50 (HTTP)':40} {'db':10} {'total':>7} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8}",
    ]
    for result in results:
        data = result.get("licenses")
        if not data:
            continue
        for name, page in data["pages"].items():
            lines.append(
                f"{name:40} {result['database']:10} {page['totalCount']:>7} {page['p50_ms']!s:>8} "
                f"{page['p90_ms']!s:>8} {page['max_ms']!s:>8}"
            )
        seed, export = data["seed"], data["export"]
        lines.append(
            f"{'seeding ' + str(seed['created']) + ' licenses':40} {result['database']:10} {seed['seconds']:>7} s"
        )
        lines.append(
            f"{'CSV export, ' + str(export['rows']) + ' rows':40} {result['database']:10} {export['seconds']:>7} s, "
            f"RSS {export['rss_before_mb']} → {export['rss_peak_mb']} MB (+{export['rss_growth_mb']} MB)"
        )
    return "\n".join(lines)
