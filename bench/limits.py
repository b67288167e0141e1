"""`python -m bench.limits [--db sqlite|postgresql] [--rounds N]`: what the checks before execution
cost (issue 17) — string bounds, token scopes, the node limit and the points budget's upsert,
depth and alias rules — and what refusing an over-limit query costs the server.

Two apps on one database, in this process: one with the checks, one without
(`Settings.limit_checks=False`). Each is called as an ASGI application directly (no HTTP client,
no socket), signed in with a session cookie, so the figures are the server's own. `{ me { id } }`
runs in interleaved rounds (on, off, on, off …) so drift in the machine's load falls on both
alike; each request's wall time and the process's CPU time are kept. Then a query past the node
limit (100 x 100 x 100 licenses) is refused N times with the checks on: the CPU per refusal."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backend.app import create_app
from backend.config import Settings
from backend.context import Context
from backend.db.migrate import upgrade
from backend.db.models import User
from backend.domain import demo
from backend.graphql import build_schema
from backend.loaders import Loaders
from bench.stats import percentile, summary_ms
from bench.world import DEFAULT_PG_URL, create_pg_database, drop_pg_database

ME = json.dumps({"query": "{ me { id } }"}).encode()
# 100 + 100 * 100 + 100 * 100 * 100 nodes: far past the 50,000 limit, refused before execution.
OVER = """query O($a: ID!) { licenses(accountId: $a, first: 100) { edges { node { account {
  licenses(first: 100) { edges { node { account { licenses(first: 100) { totalCount } } } } } } } } } }"""
PER_ROUND = 200

App = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]


async def call(app: App, body: bytes, cookie: str) -> int:
    """One POST /graphql straight into the ASGI app; the response status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # no disconnect while the app works
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def session_cookie(app: Any) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        login = "mutation L($i: LoginInput!) { login(input: $i) { __typename } }"
        variables = {"i": {"email": "alice@acme.example", "password": demo.DEMO_PASSWORD}}
        answer = await http.post("/graphql", json={"query": login, "variables": variables})
        assert answer.json()["data"]["login"]["__typename"] == "LoginSuccess", answer.text
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def run(url: str, data_dir: Path, rounds: int) -> dict[str, Any]:
    await upgrade(url)
    # A budget no run spends, so every request pays for the upsert and none is refused by it.
    base = {"data_dir": data_dir, "database_url": url, "secret_key": "bench-limits", "workers": 0}
    on_settings = Settings(**base, points_per_hour=100_000_000)
    off_settings = Settings(**base, limit_checks=False)
    on_app, off_app = create_app(on_settings, run_worker=False), create_app(off_settings, run_worker=False)
    async with on_app.router.lifespan_context(on_app), off_app.router.lifespan_context(off_app):
        await demo.seed(on_app.state.portal.db)
        cookie = await session_cookie(on_app)
        apps = {"on": on_app, "off": off_app}
        wall: dict[str, list[float]] = {"on": [], "off": []}
        cpu: dict[str, float] = {"on": 0.0, "off": 0.0}
        for name in apps:  # warm-up: caches, pools, the first statements compiled
            for _ in range(100):
                assert await call(apps[name], ME, cookie) == 200
        for _ in range(rounds):
            for name, app in apps.items():
                c0 = time.process_time()
                for _ in range(PER_ROUND):
                    t = time.perf_counter()
                    assert await call(app, ME, cookie) == 200
                    wall[name].append(time.perf_counter() - t)
                cpu[name] += time.process_time() - c0
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=on_app), base_url="http://127.0.0.1"
        ) as http:
            http.cookies.update(dict(part.split("=", 1) for part in cookie.split("; ")))
            me = await http.post("/graphql", json={"query": "{ me { memberships { account { id } } } }"})
            account = me.json()["data"]["me"]["memberships"][0]["account"]["id"]
        over = json.dumps({"query": OVER, "variables": {"a": account}}).encode()
        refusals = 2000
        for _ in range(50):
            assert await call(on_app, over, cookie) == 200  # refused in the body (NODE_LIMIT)
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(refusals):
            await call(on_app, over, cookie)
        refusal_cpu = (time.process_time() - c0) / refusals
        refusal_wall = (time.perf_counter() - t0) / refusals
        schema_only = await _schema_only(on_app, account, rounds)
    n = rounds * PER_ROUND
    p50_on, p50_off = percentile(wall["on"], 50) or 0.0, percentile(wall["off"], 50) or 0.0
    return {
        "me_checks_on": {**summary_ms(wall["on"]), "cpu_ms_per_request": round(cpu["on"] / n * 1000, 3)},
        "me_checks_off": {**summary_ms(wall["off"]), "cpu_ms_per_request": round(cpu["off"] / n * 1000, 3)},
        "p50_overhead_pct": round((p50_on / p50_off - 1) * 100, 1),
        "cpu_overhead_pct": round((cpu["on"] / cpu["off"] - 1) * 100, 1),
        "over_limit_refusal": {
            "cpu_ms": round(refusal_cpu * 1000, 3),
            "wall_ms": round(refusal_wall * 1000, 3),
            "n": refusals,
        },
        "schema_only": schema_only,
    }


async def _schema_only(app: Any, account: str, rounds: int) -> dict[str, Any]:
    """The checks alone: the schema executed with and without them for a signed-in context (no
    HTTP, no session lookup), and the refusal of the over-limit query; CPU per operation."""
    portal = app.state.portal
    async with portal.db.read() as session:
        user = (await session.scalars(select(User).where(User.email == "alice@acme.example"))).one()

    def context() -> Context:
        return Context(request=None, response=None, portal=portal, loaders=Loaders(portal.db, 7), user=user)  # type: ignore[arg-type]

    schemas = {"on": build_schema(False, True), "off": build_schema(False, False)}
    cpu = {"on": 0.0, "off": 0.0}
    count = rounds * PER_ROUND
    for schema in schemas.values():  # warm the caches
        for _ in range(100):
            await schema.execute("{ me { id } }", context_value=context())
    for _ in range(rounds):
        for name, schema in schemas.items():
            c0 = time.process_time()
            for _ in range(PER_ROUND):
                result = await schema.execute("{ me { id } }", context_value=context())
                assert result.errors is None, result.errors
            cpu[name] += time.process_time() - c0
    c0 = time.process_time()
    for _ in range(count):
        refused = await schemas["on"].execute(OVER, variable_values={"a": account}, context_value=context())
        assert refused.errors and refused.errors[0].extensions["code"] == "NODE_LIMIT"
    refusal = (time.process_time() - c0) / count
    return {
        "me_cpu_ms_on": round(cpu["on"] / count * 1000, 4),
        "me_cpu_ms_off": round(cpu["off"] / count * 1000, 4),
        "checks_cpu_ms": round((cpu["on"] - cpu["off"]) / count * 1000, 4),
        "refusal_cpu_ms": round(refusal * 1000, 4),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    if args.db == "sqlite":
        result = await run(f"sqlite+aiosqlite:///{data_dir / 'p.db'}", data_dir, args.rounds)
    else:
        admin = os.environ.get("PORTAL_BENCH_PG_URL", DEFAULT_PG_URL)
        url = await create_pg_database(admin)
        try:
            result = await run(url, data_dir, args.rounds)
        finally:
            await drop_pg_database(admin, url)
    print(json.dumps({"db": args.db, **result}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
