"""Reports at scale: every report over 100,000 licenses, over HTTP against a real `portal serve`.

The first customer account (Acme Corp) gets `portal demo --licenses N` (N from
`PORTAL_BENCH_LICENSES`, default 100,000; 5,000 with `--quick`): each license with a serial, a
signed key issued over three years, a registration and custom values; one host activation per 5th
license. Acme is delegated (VIEW) to the demo partner, so one set of figures is the customer's own
report (`report(accountId)`, signed in as its admin) and one the partner's report over every
managed account (`report`, signed in as the partner), whose statements take the account list.

Each report is its own request (one field of `report`), timed 30 times after 3 warm-ups; the
CSV download of each is timed the same way. The query plans of the statements are printed on
PostgreSQL (EXPLAIN ANALYZE), so an index that is missing shows as a sequential scan."""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from backend.config import Settings
from backend.db.models import (
    Account,
    Activation,
    Delegation,
    DelegationScope,
    DelegationStatus,
    License,
    LicenseKey,
    utcnow,
)
from backend.domain import demo
from backend.domain.licenses.finding import today
from backend.domain.reports import aggregates
from backend.schema.common import to_global_id
from bench.client import PortalClient
from bench.licenses import DEFAULT_COUNT, QUICK_COUNT, portal_for, say
from bench.server import Server
from bench.stats import summary_ms

ROUNDS, QUICK_ROUNDS = 30, 8
WARMUP = 3
ACTIVATED_EVERY = 5  # one host on every 5th license
PARTNER_USER = "carol@initech.example"
TARGET_P50_MS = 300.0

FIELDS = {
    "licensesByProduct": "licensesByProduct { status licenses seats product { sku } }",
    "maintenanceByMonth": "maintenanceByMonth { month licenses seats }",
    "keysIssued (30 days)": "keysIssued { total byDay { day keys } byKind { kind keys } }",
    "keysIssued (366 days)": 'keysIssued(from: "{from_}", to: "{to}") { total byDay { day keys } byKind { kind keys } }',
    "activationsByProduct": "activationsByProduct { seats activations activatedLicenses product { sku } }",
    "portfolio": "portfolio { account { name } licenses active maintenanceEnding90Days keysIssued30Days }",
}
CSVS = [
    "licenses-by-product",
    "maintenance-by-month",
    "keys-issued-by-day",
    "activations-by-product",
    "portfolio",
]


def _query(field: str) -> str:
    year_ago = today() - timedelta(days=365)
    body = field.replace("{from_}", year_ago.isoformat()).replace("{to}", today().isoformat())
    return "query R($a: ID) { report(accountId: $a) { %s } }" % body


async def prepare(settings: Settings, count: int) -> uuid.UUID:
    """Acme's licenses, hosts on a fifth of them, and Acme delegated to the demo partner."""
    async with portal_for(settings) as portal:
        await demo.seed(portal.db)
        seeded = await demo.seed_licenses(portal.db, portal.settings, portal.keys, count)
        say(f"seeded {seeded['created']} licenses in {seeded['seconds']} s")
        async with portal.db.write() as session:
            acme = await session.scalar(select(Account.id).where(Account.name == "Acme Corp"))
            partner = await session.scalar(select(Account.id).where(Account.name == demo.PARTNER_ACCOUNT))
            assert acme is not None and partner is not None
            if not await session.scalar(select(func.count()).select_from(Activation)):
                keys = (
                    await session.execute(
                        select(LicenseKey.id, LicenseKey.license_id)
                        .join(License, License.id == LicenseKey.license_id)
                        .where(License.account_id == acme)
                        .order_by(LicenseKey.id)
                    )
                ).all()
                hosts = [
                    {
                        "id": uuid.uuid4(),
                        "license_id": license_id,
                        "license_key_id": key_id,
                        "host_id": f"bench-{n:06d}",
                        "first_seen_at": utcnow(),
                        "last_seen_at": utcnow(),
                    }
                    for n, (key_id, license_id) in enumerate(keys)
                    if n % ACTIVATED_EVERY == 0
                ]
                for start in range(0, len(hosts), 5000):
                    await session.execute(insert(Activation.__table__), hosts[start : start + 5000])
                session.add(
                    Delegation(
                        customer_account_id=acme,
                        partner_account_id=partner,
                        scope=DelegationScope.VIEW,
                        status=DelegationStatus.ACTIVE,
                    )
                )
        if portal.db.is_sqlite:
            async with portal.db.write() as session:
                await session.execute(text("ANALYZE"))
        else:
            async with portal.db.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
        return acme


async def plans(settings: Settings, acme: uuid.UUID) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of each report's statement on PostgreSQL, as asyncpg receives it."""
    found: dict[str, list[str]] = {}
    async with portal_for(settings) as portal:
        if portal.db.is_sqlite:
            return found
        on = today()
        statements = {
            "licensesByProduct": (aggregates._by_product("postgresql", on), {}),
            "maintenanceByMonth": (
                aggregates._maintenance("postgresql"),
                {"start": on, "end": aggregates._months(on)[-1]},
            ),
            "keysIssued (30 days)": (
                aggregates._keys_issued("postgresql"),
                {
                    "since": aggregates._midnight(on - timedelta(days=29)),
                    "until": aggregates._midnight(on + timedelta(days=1)),
                },
            ),
            "activationsByProduct": (aggregates._activations_by_product("postgresql"), {}),
            "portfolio": (
                aggregates._portfolio("postgresql"),
                {
                    "on": on,
                    "horizon": on + timedelta(days=90),
                    "since": aggregates._midnight(on - timedelta(days=29)),
                },
            ),
        }
        async with portal.db.engine.connect() as conn:
            for name, (prepared, params) in statements.items():
                args = tuple(prepared.args({"ids": [acme], **params}))
                rows = await conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + prepared.sql, args)
                found[name] = [row[0] for row in rows]
    return found


async def timed(client: PortalClient, query: str, variables: dict[str, Any], rounds: int) -> dict[str, Any]:
    samples: list[float] = []
    for i in range(WARMUP + rounds):
        began = time.perf_counter()
        data = await client.gql(query, variables)
        elapsed = time.perf_counter() - began
        assert data["report"] is not None
        if i >= WARMUP:
            samples.append(elapsed)
    return summary_ms(samples)


async def timed_csv(client: PortalClient, name: str, params: dict[str, str], rounds: int) -> dict[str, Any]:
    samples: list[float] = []
    for i in range(WARMUP + rounds):
        began = time.perf_counter()
        response = await client.http.get(f"/api/reports/{name}.csv", params=params)
        elapsed = time.perf_counter() - began
        response.raise_for_status()
        if i >= WARMUP:
            samples.append(elapsed)
    return summary_ms(samples)


async def run(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    count = int(os.environ.get("PORTAL_BENCH_LICENSES") or (QUICK_COUNT if quick else DEFAULT_COUNT))
    rounds = QUICK_ROUNDS if quick else ROUNDS
    say(f"reports: {count} licenses in Acme Corp")
    acme = await prepare(settings, count)
    explained = await plans(settings, acme)
    server = Server(settings.database_url, data_dir)
    await server.start()
    results: dict[str, Any] = {"count": count, "account": {}, "managed": {}, "csv": {}, "plans": explained}
    try:
        customer = PortalClient(server.base_url)
        partner = PortalClient(server.base_url)
        try:
            await customer.sign_in(demo.USERS[0][0], demo.DEMO_PASSWORD)
            await partner.sign_in(PARTNER_USER, demo.DEMO_PASSWORD)
            account = str(to_global_id("Account", acme))
            for name, field in FIELDS.items():
                say(f"report: {name}")
                results["account"][name] = await timed(customer, _query(field), {"a": account}, rounds)
                results["managed"][name] = await timed(partner, _query(field), {}, rounds)
            for name in CSVS:
                say(f"CSV: {name}")
                results["csv"][name] = await timed_csv(customer, name, {"accountId": account}, rounds)
        finally:
            await customer.close()
            await partner.close()
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await server.stop()
    worst = max(r["p50_ms"] or 0 for part in ("account", "managed") for r in results[part].values())
    results["targets"] = {"every report p50 < 300 ms": worst < TARGET_P50_MS, "worst_p50_ms": worst}
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"{'reports over HTTP':34} {'db':10} {'licenses':>8} {'account p50/p90 ms':>20} {'partner p50/p90 ms':>20}",
    ]
    for result in results:
        data = result.get("reports")
        if not data:
            continue
        for name in FIELDS:
            own, managed = data["account"][name], data["managed"][name]
            lines.append(
                f"{name:34} {result['database']:10} {data['count']:>8} "
                f"{own['p50_ms']!s:>9} / {own['p90_ms']!s:>8} {managed['p50_ms']!s:>9} / {managed['p90_ms']!s:>8}"
            )
        for name, row in data["csv"].items():
            lines.append(
                f"{'CSV ' + name:34} {result['database']:10} {data['count']:>8} {row['p50_ms']!s:>9} / {row['p90_ms']!s:>8}"
            )
        lines.append(f"{'targets':34} {result['database']:10} {data['targets']}")
        for name, plan in data["plans"].items():
            lines.append(f"  plan: {name}")
            lines.extend(f"    {line}" for line in plan)
    return "\n".join(lines)
