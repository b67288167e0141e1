"""`python -m bench [--db sqlite|postgresql|both] [--quick] [--only getakey,activations,upgrades,licenses,partners,flex,vouchers,downloads,reports,bulk_export]`:
run everything (or the phases named), print the tables and write bench/results/latest.json."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.config import Settings
from backend.db.engine import Database
from backend.domain.flex import contracts as flex_contracts
from backend.portal import Portal
from bench import bulk_exports as bulk_export_bench
from bench import documents, extras, report
from bench import downloads as download_bench
from bench import flex as flex_bench
from bench import licenses as license_bench
from bench import partners as partner_bench
from bench import reports as report_bench
from bench import vouchers as voucher_bench
from bench.activation_floor import ActivationFloor
from bench.client import PortalClient
from bench.cpu import Probe, StatementCounter, background_load
from bench.driver_floor import DriverFloor
from bench.floor import SqlFloor, domain_flow
from bench.http_run import http_flow, me_concurrent, me_sequential, sign_in_all
from bench.runner import Flow, Measured, measure
from bench.server import Server
from bench.world import (
    DEFAULT_PG_URL,
    PASSWORD,
    BenchUser,
    add_users,
    create_pg_database,
    drop_pg_database,
    issue_pool,
    migrate_and_seed,
    settings_for,
)

CONCURRENCY = 32
PHASES = (
    "getakey",
    "activations",
    "upgrades",
    "licenses",
    "partners",
    "flex",
    "vouchers",
    "downloads",
    "reports",
    "bulk_export",
)
ACTIVATION_LICENSES = 128  # on distinct licenses, so 32 concurrent clients rarely wait on one lock
ACTIVATION_SEATS = 1000
UPGRADE_SEATS = 5000


@dataclass(frozen=True)
class Window:
    warmup: float  # at least this, and until every client has finished one key (at most max_warmup)
    duration: float  # the measured window
    max_rate: float  # keys/s the serial pool is sized for; past it the run stops early (flagged)
    max_warmup: float

    def pool_size(self, concurrency: int) -> int:
        return math.ceil(self.max_rate * (self.warmup + self.duration)) + 2 * concurrency


@dataclass(frozen=True)
class Profile:
    name: str
    http1: Window
    http32: Window
    floor1: Window
    floor32: Window
    me_seconds: float
    act1: Window = Window(0.5, 6.0, 800, 3.0)
    act32: Window = Window(1.0, 8.0, 2500, 10.0)
    up1: Window = Window(0.5, 6.0, 100, 5.0)
    up32: Window = Window(2.0, 10.0, 300, 20.0)
    voucher_rounds: int = 2  # bulk conversions of voucher_bench.BULK codes, each timed to READY


FULL = Profile(
    "full",
    http1=Window(1.0, 8.0, 100, 5.0),
    http32=Window(3.0, 16.0, 400, 25.0),
    floor1=Window(0.5, 5.0, 250, 5.0),
    floor32=Window(1.0, 6.0, 700, 10.0),
    me_seconds=4.0,
)
QUICK = Profile(
    "quick",
    http1=Window(0.2, 1.0, 100, 2.0),
    http32=Window(0.5, 1.5, 400, 4.0),
    floor1=Window(0.1, 0.6, 250, 1.0),
    floor32=Window(0.3, 0.8, 700, 2.0),
    me_seconds=0.5,
    act1=Window(0.2, 1.0, 800, 2.0),
    act32=Window(0.3, 1.5, 2500, 3.0),
    up1=Window(0.2, 1.0, 100, 2.0),
    up32=Window(0.5, 1.5, 300, 4.0),
    voucher_rounds=1,
)


def say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def database(kind: str, admin_url: str, data_dir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{data_dir / 'portal.db'}"
        return
    url = await create_pg_database(admin_url)
    try:
        yield url
    finally:
        await drop_pg_database(admin_url, url)


async def server_version(url: str) -> str | None:
    if url.startswith("sqlite"):
        return None
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            version = str(await conn.scalar(text("SHOW server_version")))
            return f"PostgreSQL {version.split()[0]}"
    finally:
        await engine.dispose()


@dataclass
class Prepared:
    users: list[BenchUser]
    pool1: deque[str]
    pool32: deque[str]


async def prepare(portal: Portal, label: str, profile: Profile, *, http: bool) -> Prepared:
    """Users of their own (1 + 32) and serial pools sized for the two runs of a phase."""
    one, many = (profile.http1, profile.http32) if http else (profile.floor1, profile.floor32)
    users = await add_users(portal, label, 1 + CONCURRENCY)
    pool1 = deque(await issue_pool(portal, one.pool_size(1)))
    pool32 = deque(await issue_pool(portal, many.pool_size(CONCURRENCY)))
    return Prepared(users, pool1, pool32)


async def both_concurrencies(
    name: str, flows: list[Flow], prepared: Prepared, one: Window, many: Window, probe: Probe
) -> dict[str, Measured]:
    """flows[0] alone, then flows[1:] together (CONCURRENCY of them)."""
    say(f"{name}, 1")
    c1 = await measure(
        flows[:1],
        prepared.pool1,
        warmup=one.warmup,
        duration=one.duration,
        max_warmup=one.max_warmup,
        snapshot=probe.snapshot,
    )
    say(f"{name}, {len(flows) - 1}")
    c32 = await measure(
        flows[1:],
        prepared.pool32,
        warmup=many.warmup,
        duration=many.duration,
        max_warmup=many.max_warmup,
        snapshot=probe.snapshot,
    )
    return {"c1": c1, "c32": c32}


async def http_phase(
    settings: Settings, data_dir: Path, profile: Profile, processes: int
) -> tuple[dict[str, Measured], dict[str, Any]]:
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        prepared = await prepare(portal, "http", profile, http=True)
    finally:
        await portal.stop()
    server = Server(settings.database_url, data_dir, processes)
    say(f"starting portal serve --processes {processes} on {server.base_url}")
    await server.start()
    clients: list[PortalClient] = []
    try:
        clients = await sign_in_all(server.base_url, [u.email for u in prepared.users], PASSWORD)
        async with Probe(server.pid, settings.database_url) as probe:
            runs = await both_concurrencies(
                "HTTP Get a Key, clients",
                [http_flow(c) for c in clients],
                prepared,
                profile.http1,
                profile.http32,
                probe,
            )
            say("{ me { id } }")
            me1 = await me_sequential(clients[0], profile.me_seconds)
            me32 = await me_concurrent(clients[1:], profile.me_seconds, probe.snapshot)
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        await server.stop()
    return runs, {"c1": me1, "c32": me32}


async def domain_phase(settings: Settings, profile: Profile) -> dict[str, Measured]:
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        prepared = await prepare(portal, "domain", profile, http=False)
        worker = portal.new_worker()
        with StatementCounter() as counter:
            async with Probe(None, settings.database_url, counter) as probe:
                runs = await both_concurrencies(
                    "domain floor, tasks",
                    [domain_flow(portal, worker, u) for u in prepared.users],
                    prepared,
                    profile.floor1,
                    profile.floor32,
                    probe,
                )
        await worker.drain()
    finally:
        await portal.stop()
    return runs


async def flex_phase(settings: Settings, profile: Profile) -> dict[str, Any]:
    """Draw-downs on 32 contracts, on one contract, and Get a Key keys, in one run, twice."""
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        prepared = await prepare(portal, "flexgak", profile, http=False)
        spread_users = await add_users(portal, "flexspread", CONCURRENCY)
        hot_users = await add_users(portal, "flexhot", CONCURRENCY)
        product_id = await flex_contracts.product_id_by_sku(portal.db, flex_bench.SKU)
        assert product_id is not None
        spread = await flex_bench.spread(portal, spread_users)
        hot = await flex_bench.hot(portal, hot_users)
        worker = portal.new_worker()
        window = profile.floor32
        tokens: deque[str] = deque(str(i) for i in range(10**6))  # draw-downs need no serials
        phases: dict[str, tuple[list[Flow], deque[str]]] = {
            "spread": (
                [
                    flex_bench.flow(portal, worker, u, c, product_id)
                    for u, c in zip(spread_users, spread, strict=True)
                ],
                tokens,
            ),
            "hot": (
                [
                    flex_bench.flow(portal, worker, u, c, product_id)
                    for u, c in zip(hot_users, hot, strict=True)
                ],
                tokens,
            ),
            "getakey": ([domain_flow(portal, worker, u) for u in prepared.users[1:]], prepared.pool32),
        }
        measured: dict[str, list[Measured]] = {name: [] for name in phases}
        async with Probe(None, settings.database_url) as probe:
            # Two rounds in opposite orders: a drift of the machine's load hits all three alike.
            for name in [*phases, *reversed(phases)]:
                flows, pool = phases[name]
                say(f"flex: {name}, {CONCURRENCY}")
                measured[name].append(
                    await measure(
                        flows,
                        pool,
                        warmup=window.warmup,
                        duration=window.duration,
                        max_warmup=window.max_warmup,
                        snapshot=probe.snapshot,
                    )
                )
        await worker.drain()
    finally:
        await portal.stop()
    rate = {name: sum(m.keys_per_s for m in runs) / len(runs) for name, runs in measured.items()}
    result: dict[str, Any] = {
        name: {"keys_per_s": round(rate[name], 1), "rounds": [m.as_dict() for m in runs]}
        for name, runs in measured.items()
    }
    result["ratios"] = {
        "hot_over_spread": report.ratio(rate["hot"], rate["spread"]),
        "spread_over_getakey": report.ratio(rate["spread"], rate["getakey"]),
    }
    return result


async def vouchers_phase(settings: Settings, profile: Profile) -> dict[str, Any]:
    """Bulk: one conversion of 10,000 codes timed to READY (`profile.voucher_rounds` times). Singles:
    32 clients converting one code each per iteration beside Get a Key's domain flow, two rounds in
    opposite orders."""
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        worker = portal.new_worker()
        (bulk_owner,) = await voucher_bench.add_oem_users(portal, "vbulk", 1)
        bulk: list[dict[str, Any]] = []
        async with Probe(None, settings.database_url) as probe:
            for i in range(profile.voucher_rounds):
                say(f"vouchers: bulk conversion of {voucher_bench.BULK:,} codes, round {i + 1}")
                bulk.append(
                    await voucher_bench.bulk_round(
                        portal, worker, bulk_owner, probe.snapshot, voucher_bench.BULK
                    )
                )

        prepared = await prepare(portal, "vgak", profile, http=False)
        window = profile.floor32
        # Each client converts its own account's codes; measure()'s shared pool only counts turns.
        turns = window.pool_size(CONCURRENCY)
        per_client = 2 * (2 * turns // CONCURRENCY + 1)  # two rounds, twice a fair share each
        say(f"vouchers: issuing {per_client} codes to each of {CONCURRENCY} OEM accounts")
        oems = [
            voucher_bench.Oem(user, deque(await voucher_bench.issue(portal, user.account_id, per_client)))
            for user in await voucher_bench.add_oem_users(portal, "vsingle", CONCURRENCY)
        ]
        await worker.drain()
        tokens: deque[str] = deque(str(i) for i in range(2 * turns))
        phases: dict[str, tuple[list[Flow], deque[str]]] = {
            "convert": ([voucher_bench.flow(portal, worker, oem) for oem in oems], tokens),
            "getakey": ([domain_flow(portal, worker, u) for u in prepared.users[1:]], prepared.pool32),
        }
        measured: dict[str, list[Measured]] = {name: [] for name in phases}
        with StatementCounter() as counter:
            async with Probe(None, settings.database_url, counter) as probe:
                # Two rounds in opposite orders: a drift of the machine's load hits both alike.
                for name in [*phases, *reversed(phases)]:
                    flows, pool = phases[name]
                    say(f"vouchers: {name}, {CONCURRENCY}")
                    measured[name].append(
                        await measure(
                            flows,
                            pool,
                            warmup=window.warmup,
                            duration=window.duration,
                            max_warmup=window.max_warmup,
                            snapshot=probe.snapshot,
                        )
                    )
                    await worker.drain()  # jobs left by the round (mail) do not slow the next
    finally:
        await portal.stop()
    rate = {name: sum(m.keys_per_s for m in runs) / len(runs) for name, runs in measured.items()}
    singles: dict[str, Any] = {
        name: {
            "keys_per_s": round(rate[name], 1),
            "latency": runs[0].steps.get("convert" if name == "convert" else "confirm_to_ready", {}),
            "statements_per_key": _mean([m.cpu.get("statements_per_key") for m in runs]),
            "rounds": [m.as_dict() for m in runs],
        }
        for name, runs in measured.items()
    }
    singles["ratio_convert_over_getakey"] = report.ratio(rate["convert"], rate["getakey"])
    keys = ("codes_per_s", "end_to_end_s", "convert_s", "fulfil_s", "signing_s", "signatures_per_s")
    mean = {key: round(sum(r[key] for r in bulk) / len(bulk), 3) for key in keys}
    return {"bulk": {"rounds": bulk, "mean": mean}, "singles": singles}


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


async def sql_phase(
    settings: Settings, profile: Profile, floor_kind: type[SqlFloor | DriverFloor]
) -> dict[str, Measured]:
    """The Core floor or the driver floor (same statements, same transactions)."""
    label = "driver" if floor_kind is DriverFloor else "sql"
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        prepared = await prepare(portal, label, profile, http=False)
    finally:
        await portal.stop()
    db = Database(settings.database_url)
    try:
        floor = floor_kind(db, settings.secret_key, settings.issuer, settings.public_url)
        with StatementCounter() as counter:
            async with Probe(None, settings.database_url, counter) as probe:
                return await both_concurrencies(
                    f"{'driver' if label == 'driver' else 'Core'} floor, tasks",
                    [floor.flow(u) for u in prepared.users],
                    prepared,
                    profile.floor1,
                    profile.floor32,
                    probe,
                )
    finally:
        await db.dispose()


def _pools(pool1: deque[str], pool32: deque[str]) -> Prepared:
    return Prepared([], pool1, pool32)


async def extras_phase(
    settings: Settings, data_dir: Path, profile: Profile, phases: set[str], processes: int
) -> dict[str, Any]:
    """Activations (HTTP and raw floor) and the Version Upgrade wizard (HTTP), one server."""
    portal = Portal(settings)
    await portal.start(run_worker=False)
    keys: list[str] = []
    upgrade_users: list[BenchUser] = []
    upgrade_targets: dict[uuid.UUID, str] = {}
    try:
        if "activations" in phases:
            say(f"seeding {ACTIVATION_LICENSES} licenses of {ACTIVATION_SEATS} seats")
            (owner,) = await add_users(portal, "act", 1)
            seeded = await extras.licenses_with_keys(portal, owner, ACTIVATION_LICENSES, ACTIVATION_SEATS)
            keys = [key for _, key in seeded]
        if "upgrades" in phases:
            say(f"seeding {1 + CONCURRENCY} accounts with {UPGRADE_SEATS} eligible seats each")
            upgrade_users = await add_users(portal, "up", 1 + CONCURRENCY)
            for u in upgrade_users:
                await extras.licenses_with_keys(portal, u, 1, UPGRADE_SEATS)
            upgrade_targets = await extras.notifications(portal)
    finally:
        await portal.stop()
    result: dict[str, Any] = {}
    same = [f"{key}|same-host" for key in keys]
    server = Server(settings.database_url, data_dir, processes)
    say(f"starting portal serve --processes {processes} on {server.base_url}")
    await server.start()
    anonymous: list[Any] = []
    clients: list[PortalClient] = []
    try:
        async with Probe(server.pid, settings.database_url) as probe:
            if "activations" in phases:
                anonymous = extras.anonymous_clients(server.base_url, 1 + CONCURRENCY)
                flows = [extras.activation_flow(c) for c in anonymous]
                a1, a32 = profile.act1, profile.act32
                result["activations_http_new"] = await both_concurrencies(
                    "HTTP activate, new hosts, clients",
                    flows,
                    _pools(
                        extras.new_host_pool(keys, a1.pool_size(1), "h1"),
                        extras.new_host_pool(keys, a32.pool_size(CONCURRENCY), "h32"),
                    ),
                    a1,
                    a32,
                    probe,
                )
                result["activations_http_same"] = await both_concurrencies(
                    "HTTP activate, same host again, clients",
                    flows,
                    _pools(
                        extras.same_host_pool(same, a1.pool_size(1)),
                        extras.same_host_pool(same, a32.pool_size(CONCURRENCY)),
                    ),
                    a1,
                    a32,
                    probe,
                )
            if "upgrades" in phases:
                clients = await sign_in_all(server.base_url, [u.email for u in upgrade_users], PASSWORD)
                flows = [
                    extras.upgrade_flow(c, upgrade_targets[u.account_id])
                    for c, u in zip(clients, upgrade_users, strict=True)
                ]
                u1, u32 = profile.up1, profile.up32
                result["upgrades_http"] = await both_concurrencies(
                    "HTTP upgrade wizard, clients",
                    flows,
                    _pools(deque(["-"] * u1.pool_size(1)), deque(["-"] * u32.pool_size(CONCURRENCY))),
                    u1,
                    u32,
                    probe,
                )
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await asyncio.gather(*(c.close() for c in anonymous), return_exceptions=True)
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        await server.stop()
    if "activations" in phases:
        floor_portal = Portal(settings)  # never started: the floor needs its database only
        try:
            floor = ActivationFloor(floor_portal)
            result["activation_floor_driver"] = floor.driver
            flows = [floor.flow() for _ in range(1 + CONCURRENCY)]
            a1, a32 = profile.act1, profile.act32
            async with Probe(None, settings.database_url) as probe:
                result["activations_floor_new"] = await both_concurrencies(
                    "raw floor activate, new hosts, tasks",
                    flows,
                    _pools(
                        extras.new_host_pool(keys, a1.pool_size(1), "f1"),
                        extras.new_host_pool(keys, a32.pool_size(CONCURRENCY), "f32"),
                    ),
                    a1,
                    a32,
                    probe,
                )
                result["activations_floor_same"] = await both_concurrencies(
                    "raw floor activate, same host again, tasks",
                    flows,
                    _pools(
                        extras.same_host_pool(same, a1.pool_size(1)),
                        extras.same_host_pool(same, a32.pool_size(CONCURRENCY)),
                    ),
                    a1,
                    a32,
                    probe,
                )
        finally:
            await floor_portal.db.dispose()
    out: dict[str, Any] = {
        name: {k: v.as_dict() for k, v in runs.items()} if isinstance(runs, dict) else runs
        for name, runs in result.items()
    }
    if "activations" in phases:
        out["activation_ratios"] = {
            f"floor_over_http_{variant}_{c}": report.ratio(
                result[f"activations_floor_{variant}"][c].keys_per_s,
                result[f"activations_http_{variant}"][c].keys_per_s,
            )
            for variant in ("new", "same")
            for c in ("c1", "c32")
        }
    return out


def extras_table(results: list[dict[str, Any]]) -> str:
    """Per database: rate (per s), latency p50/p99 and CPU per call of each activation and upgrade
    run (server = every `portal serve` process; the floor has no server: its own process)."""
    lines = [
        "",
        f"{'run':44} {'db':10} {'conc':>4} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'srv ms':>7} {'pg ms':>6} {'cli ms':>6}",
    ]
    for result in results:
        extras = result.get("extras", {})
        for name, runs in extras.items():
            if not name.startswith(("activations_", "upgrades_")) or not isinstance(runs, dict):
                continue
            step = "confirm_to_ready" if name.startswith("upgrades") else "activate"
            for run in runs.values():
                lat, cpu = run["latency"].get(step, {}), run["cpu"]
                own = cpu.get("server_ms_per_key") if "_http" in name else cpu.get("client_ms_per_key")
                client = cpu.get("client_ms_per_key") if "_http" in name else None
                lines.append(
                    f"{name + ' (' + step + ')':44} {result['database']:10} {run['concurrency']:>4} "
                    f"{run['keys_per_s']:>8} {lat.get('p50_ms')!s:>8} {lat.get('p99_ms')!s:>8} "
                    f"{_ms(own):>7} {_ms(cpu.get('postgres_ms_per_key')):>6} {_ms(client):>6}"
                )
        for name, value in extras.get("activation_ratios", {}).items():
            lines.append(f"{name:44} {result['database']:10} {value}")
        if "activation_floor_driver" in extras:
            lines.append(
                f"{'activation floor through':44} {result['database']:10} {extras['activation_floor_driver']}"
                f"; web processes: {result.get('web_processes')}"
            )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


async def bench_database(
    kind: str, admin_url: str, profile: Profile, phases: set[str] | None = None, web_processes: int = 2
) -> dict[str, Any]:
    phases = set(PHASES) if phases is None else phases
    processes = 1 if kind == "sqlite" else web_processes  # SQLite's events stay in one process
    began = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix=f"portal-bench-{kind}-"))
    try:
        async with database(kind, admin_url, data_dir) as url:
            print(f"{kind}: {url.split('@')[-1]}", file=sys.stderr, flush=True)
            settings = settings_for(url, data_dir)
            idle_load = await background_load()
            if idle_load > 0.25:
                say(f"the machine is busy with other work ({idle_load:.2f} cores): figures will be low")
            await migrate_and_seed(settings)
            result: dict[str, Any] = {"database": kind, "web_processes": processes}
            if "getakey" in phases:
                http, me = await http_phase(settings, data_dir, profile, processes)
                domain = await domain_phase(settings, profile)
                sql = await sql_phase(settings, profile, SqlFloor)
                driver = await sql_phase(settings, profile, DriverFloor)
            if phases & {"activations", "upgrades"}:
                result["extras"] = await extras_phase(settings, data_dir, profile, phases, processes)
            if "licenses" in phases:
                result["licenses"] = await license_bench.run(settings, data_dir, profile is QUICK)
            if "partners" in phases:
                result["partners"] = await partner_bench.run(settings, data_dir, profile is QUICK)
            if "flex" in phases:
                result["flex"] = await flex_phase(settings, profile)
            if "vouchers" in phases:
                result["vouchers"] = await vouchers_phase(settings, profile)
                result["vouchers"]["targets"] = voucher_bench.targets(result)
            if "downloads" in phases:
                result["downloads"] = await download_bench.run(settings, data_dir, profile is QUICK)
            if "reports" in phases:
                result["reports"] = await report_bench.run(settings, data_dir, profile is QUICK)
            if "bulk_export" in phases:
                result["bulk_export"] = await bulk_export_bench.run(settings, data_dir, profile is QUICK)
            version = await server_version(url)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    result["server_version"] = version
    result["background_load_cores"] = round(idle_load, 2)
    result["elapsed_s"] = round(time.perf_counter() - began, 1)
    if "getakey" not in phases:
        return result
    ratios = {
        "driver_over_http_c1": report.ratio(driver["c1"].keys_per_s, http["c1"].keys_per_s),
        "driver_over_http_c32": report.ratio(driver["c32"].keys_per_s, http["c32"].keys_per_s),
        "sql_over_http_c1": report.ratio(sql["c1"].keys_per_s, http["c1"].keys_per_s),
        "sql_over_http_c32": report.ratio(sql["c32"].keys_per_s, http["c32"].keys_per_s),
        "domain_over_http_c1": report.ratio(domain["c1"].keys_per_s, http["c1"].keys_per_s),
        "domain_over_http_c32": report.ratio(domain["c32"].keys_per_s, http["c32"].keys_per_s),
        "sql_over_domain_c32": report.ratio(sql["c32"].keys_per_s, domain["c32"].keys_per_s),
    }
    result |= {
        "http": {k: v.as_dict() for k, v in http.items()},
        "me": me,
        "floor_sql": {k: v.as_dict() for k, v in sql.items()},
        "floor_driver": {k: v.as_dict() for k, v in driver.items()},
        "floor_domain": {k: v.as_dict() for k, v in domain.items()},
        "ratios": ratios,
    }
    result["ceiling"] = report.ceiling(result)
    result["targets"] = report.targets(result)
    return result


async def main(args: argparse.Namespace) -> int:
    # SIGTERM cancels the run like Ctrl-C does, so the server is stopped and the database dropped.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    profile = QUICK if args.quick else FULL
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    admin_url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or DEFAULT_PG_URL
    phases = set(PHASES) if args.only is None else {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = phases - set(PHASES)
    if unknown:
        print(
            f"unknown phase(s): {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}",
            file=sys.stderr,
        )
        return 2
    results = [await bench_database(kind, admin_url, profile, phases, args.web_processes) for kind in kinds]
    full = {
        "mode": profile.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "concurrency": CONCURRENCY,
        "documents": documents.SOURCE,
        "profile": {
            "http1": vars(profile.http1),
            "http32": vars(profile.http32),
            "floor1": vars(profile.floor1),
            "floor32": vars(profile.floor32),
            "me_seconds": profile.me_seconds,
        },
        "phases": sorted(phases),
        "results": results,
    }
    if "getakey" in phases:
        print(report.table(full))
    if phases & {"activations", "upgrades"}:
        print(extras_table(results))
    if "licenses" in phases:
        print(license_bench.table(results))
    if "partners" in phases:
        print(partner_bench.table(results))
    if "flex" in phases:
        print(flex_bench.table(results))
    if "vouchers" in phases:
        print(voucher_bench.table(results))
    if "downloads" in phases:
        print(download_bench.table(results))
    if "reports" in phases:
        print(report_bench.table(results))
    if "bulk_export" in phases:
        print(bulk_export_bench.table(results))
    print(f"\nwritten to {report.write_json(full)}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Licensing Portal benchmarks")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--quick", action="store_true", help="a short smoke run of a few seconds per database"
    )
    parser.add_argument(
        "--only",
        metavar="PHASES",
        help=f"comma-separated subset of {','.join(PHASES)} (default: all)",
    )
    parser.add_argument(
        "--web-processes",
        type=int,
        default=2,
        metavar="N",
        help="`portal serve --processes N` for the HTTP runs on PostgreSQL (SQLite: always 1; default 2)",
    )
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # the server uses it when present; so does the client
        runner = asyncio.run
    try:
        return runner(main(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
