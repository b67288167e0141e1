"""FileConnect downloads: the same 1 GiB release file fetched, in one run, from nginx with sendfile
(the reference, started here from Debian's package), from the portal's own streaming
(`portal serve`), and from the portal behind that nginx with X-Accel-Redirect — by 1 and by 8
concurrent curl clients. Reports each one's throughput, the ratio to nginx and the portal's RSS
growth while it streams. The file lives in the run's temporary data directory (deleted with it)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import uvicorn
from sqlalchemy import insert, select

from backend.app import create_app
from backend.config import Settings
from backend.db.models import Product, Release, ReleaseFile, utcnow
from backend.domain import demo
from backend.domain.releases import links, publishing
from backend.domain.releases.storage import LocalStorage, local_root
from backend.portal import Portal
from bench.client import PortalClient
from bench.cpu import StatementCounter
from bench.server import Server, free_port
from bench.stats import summary_ms
from bench.world import BenchUser, add_users

GIB = 1 << 30
QUICK_SIZE = 128 << 20
CONCURRENCY = (1, 8)
# Rounds per concurrency, each in the opposite order of the servers from the last, so a drift of the
# machine's load hits all alike; one client's seconds-long runs are noisy on a shared machine: more.
ROUNDS = {1: 5, 8: 2}
NGINX = os.environ.get("PORTAL_NGINX", "/usr/sbin/nginx")
CURL = shutil.which("curl") or "/usr/bin/curl"
# Goals (issue 16): the portal's own streaming against nginx's sendfile.
GOAL_C1, GOAL_C8, GOAL_RSS_MB = 0.8, 0.5, 50


def say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


async def publish_file(portal: Portal, size: int) -> ReleaseFile:
    """A release file of `size` random bytes, streamed into the local storage like an upload."""
    release = await publishing.create(
        portal.db, None, publishing.NewRelease("EPS-14", f"9.{uuid.uuid4().int % 10**6}", "Linux")
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(size // (1 << 20)):
            yield os.urandom(1 << 20)

    storage = LocalStorage(local_root(portal.settings))
    return await publishing.add_file(portal.db, storage, None, release.id, "bench-installer.bin", chunks())


def nginx_conf(workdir: Path, port: int, storage_root: Path, accel_portal: str) -> str:
    user = "user root;" if os.geteuid() == 0 else ""  # see tests/api/test_nginx_downloads.py
    temp = " ".join(
        f"{k}_temp_path {workdir / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    {temp}
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location /files/ {{ alias {storage_root}/; }}
        location / {{
            proxy_pass http://{accel_portal};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
        location /internal/ {{
            internal;
            alias {storage_root}/;
            etag off;
            add_header ETag $upstream_http_etag;
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_nginx(workdir: Path, conf: str, port: int) -> Iterator[int]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        [NGINX, "-e", str(workdir / "error.log"), "-p", f"{workdir}/", "-c", str(workdir / "nginx.conf")]
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {(workdir / 'error.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        yield process.pid
    finally:
        process.terminate()
        process.wait(10)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children (`portal serve` may fork its web process)."""
    try:
        root = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0


class RssPeak:
    """The peak RSS of a process tree, sampled every 20 ms while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = tree_rss(pid)
        self.peak = self.before
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.pid))
            await asyncio.sleep(0.02)

    async def __aenter__(self) -> RssPeak:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.peak = max(self.peak, tree_rss(self.pid))


async def fetch_all(urls: list[str], size: int) -> float:
    """Download every URL at once with curl (to /dev/null); the wall time. Each must be whole."""
    began = time.perf_counter()
    processes = [
        await asyncio.create_subprocess_exec(
            CURL,
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            url,
            stdout=asyncio.subprocess.PIPE,
        )
        for url in urls
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    elapsed = time.perf_counter() - began
    for url, (out, _err) in zip(urls, outputs, strict=True):
        code, got = out.decode().split()
        if code != "200" or int(got) != size:
            raise RuntimeError(f"{url}: HTTP {code}, {got} of {size} bytes")
    return elapsed


async def run(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    return {
        "transfers": await transfers(settings, data_dir, quick),
        "entitled": await entitled(settings, data_dir, quick),
    }


async def transfers(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    if not os.access(NGINX, os.X_OK):
        raise RuntimeError(f"the downloads phase needs nginx ({NGINX}): apt-get install nginx-light")
    size = QUICK_SIZE if quick else GIB
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        say(f"downloads: publishing a {size >> 20} MiB release file")
        began = time.perf_counter()
        file = await publish_file(portal, size)
        publish_s = time.perf_counter() - began
        (user,) = await add_users(portal, "downloads", 1)
    finally:
        await portal.stop()
    root = local_root(settings)
    direct = Server(settings.database_url, data_dir)
    accel = Server(settings.database_url, data_dir, env={"PORTAL_DOWNLOADS_ACCEL": "/internal/"})
    accel.log_path = data_dir / "server-accel.log"
    port = free_port()
    await direct.start()
    await accel.start()
    try:
        with running_nginx(
            data_dir / "nginx", nginx_conf(data_dir / "nginx", port, root, f"{accel.host}:{accel.port}"), port
        ):
            return await _measure(settings, file, user, size, publish_s, direct, f"http://127.0.0.1:{port}")
    except Exception:
        print(f"server log tail:\n{direct.log_tail()}\n{accel.log_tail()}", file=sys.stderr)
        raise
    finally:
        await direct.stop()
        await accel.stop()


async def _measure(
    settings: Settings,
    file: ReleaseFile,
    user: BenchUser,
    size: int,
    publish_s: float,
    direct: Server,
    nginx: str,
) -> dict[str, Any]:
    holder = _SettingsHolder(settings)

    async def portal_links(base: str, n: int) -> list[str]:
        # A fresh signed link per client, as the Downloads page hands out.
        return [
            base + await links.download_url(holder, file, user.user_id, user.account_id) for _ in range(n)
        ]

    async def urls(variant: str, n: int) -> list[str]:
        if variant == "nginx":
            return [f"{nginx}/files/{file.sha256[:2]}/{file.sha256}"] * n
        return await portal_links(direct.base_url if variant == "portal" else nginx, n)

    say("downloads: warming the page cache")
    await fetch_all(await urls("nginx", 1), size)
    variants = ["nginx", "portal", "portal_accel"]
    seconds: dict[str, dict[int, list[float]]] = {v: {c: [] for c in CONCURRENCY} for v in variants}
    rss: dict[int, dict[str, float]] = {}
    assert direct.pid is not None
    for round_ in range(max(ROUNDS.values())):
        order = variants if round_ % 2 == 0 else list(reversed(variants))
        for clients in CONCURRENCY:
            if round_ >= ROUNDS[clients]:
                continue
            for variant in order:
                say(f"downloads: {variant}, {clients} client(s), round {round_ + 1}")
                todo = await urls(variant, clients)
                if variant == "portal":
                    async with RssPeak(direct.pid) as peak:
                        seconds[variant][clients].append(await fetch_all(todo, size))
                    growth = (peak.peak - peak.before) / (1 << 20)
                    seen = rss.setdefault(
                        clients, {"before_mb": round(peak.before / (1 << 20), 1), "growth_mb": 0.0}
                    )
                    seen["growth_mb"] = round(max(seen["growth_mb"], growth), 1)
                else:
                    seconds[variant][clients].append(await fetch_all(todo, size))
    result: dict[str, Any] = {"file_mb": size >> 20, "publish_s": round(publish_s, 1), "rounds": ROUNDS}
    for clients in CONCURRENCY:
        row: dict[str, Any] = {}
        for variant in variants:
            # Throughput of each round (every client's bytes over the wall time), then their median.
            rates = [clients * size / s / 1e6 for s in seconds[variant][clients]]
            row[f"{variant}_mb_s"] = round(statistics.median(rates), 1)
            row[f"{variant}_rounds_mb_s"] = [round(r) for r in rates]
        row["portal_over_nginx"] = round(row["portal_mb_s"] / row["nginx_mb_s"], 2)
        row["accel_over_nginx"] = round(row["portal_accel_mb_s"] / row["nginx_mb_s"], 2)
        row["portal_rss_before_mb"] = rss[clients]["before_mb"]
        row["portal_rss_growth_mb"] = rss[clients]["growth_mb"]
        result[f"c{clients}"] = row
    result["goals"] = {
        "c1_ratio >= 0.8": result["c1"]["portal_over_nginx"] >= GOAL_C1,
        "c8_ratio >= 0.5": result["c8"]["portal_over_nginx"] >= GOAL_C8,
        "rss_growth < 50 MB": max(result[f"c{c}"]["portal_rss_growth_mb"] for c in CONCURRENCY) < GOAL_RSS_MB,
    }
    return result


class _SettingsHolder:
    """What links.download_url needs of a portal (its settings) without starting one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"{'downloads (1 file, curl clients)':34} {'db':10} {'conc':>4} {'nginx MB/s':>10} {'portal':>8} "
        f"{'ratio':>6} {'accel':>8} {'ratio':>6} {'RSS +MB':>8}",
    ]
    for result in results:
        data = result.get("downloads")
        if not data:
            continue
        moved, listed = data["transfers"], data["entitled"]
        for clients in CONCURRENCY:
            row = moved[f"c{clients}"]
            lines.append(
                f"{str(moved['file_mb']) + ' MiB':34} {result['database']:10} {clients:>4} {row['nginx_mb_s']:>10} "
                f"{row['portal_mb_s']:>8} {row['portal_over_nginx']:>6} {row['portal_accel_mb_s']:>8} "
                f"{row['accel_over_nginx']:>6} {row['portal_rss_growth_mb']:>8}"
            )
        lines.append(f"{'goals':34} {result['database']:10} {moved['goals']}")
        latency = listed["latency"]
        lines.append(
            f"{'downloads(first: 50), ' + format(listed['licenses'], ',') + ' licenses':34} {result['database']:10} "
            f"p50 {latency['p50_ms']} ms, p90 {latency['p90_ms']} ms; statements "
            f"{listed['statements_few_licenses']} (100 licenses) / {listed['statements_all_licenses']} (all); "
            f"{listed['goals']}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ the entitled-releases query

RELEASES = 1_000
LICENSES, QUICK_LICENSES = 100_000, 5_000
FEW_LICENSES = 100
QUERY_ROUNDS, QUERY_WARMUP = 40, 5
GOAL_P50_MS = 100
PLATFORMS = ("Windows", "Linux", "macOS")
ENTITLED = """
query Entitled($first: Int) {
  downloads(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id version platform releasedOn lockedReason
      product { sku name }
      files { id name size sha256 contentType downloadUrl }
    }
  }
}"""


async def publish_many(portal: Portal, count: int) -> None:
    """`count` releases (one file each) spread over the demo products, platforms and three years,
    so some fall after a license's maintenance end (locked); bulk rows, not uploads: the query
    reads the rows, never the bytes."""
    today = datetime.now(UTC).date()
    async with portal.db.write() as session:
        products = list(
            await session.scalars(select(Product).where(Product.sku.in_([p[0] for p in demo.PRODUCTS])))
        )
        releases, files = [], []
        for i in range(count):
            release_id = uuid.uuid4()
            releases.append(
                {
                    "id": release_id,
                    "product_id": products[i % len(products)].id,
                    "version": f"{20 + i // 100}.{i % 100}.{i}",
                    "platform": PLATFORMS[i % len(PLATFORMS)],
                    "released_on": today - timedelta(days=(i * 7) % 1100 - 200),
                    "notes": f"Release {i}: fixes and improvements.",
                    "created_at": utcnow(),
                }
            )
            files.append(
                {
                    "id": uuid.uuid4(),
                    "release_id": release_id,
                    "name": f"setup-{i}.bin",
                    "size": 3 << 30,  # past 2^31: BigInt on the way out
                    "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                    "content_type": "application/octet-stream",
                    "created_at": utcnow(),
                }
            )
        await session.execute(insert(Release.__table__), releases)
        await session.execute(insert(ReleaseFile.__table__), files)


@contextlib.asynccontextmanager
async def in_process(settings: Settings) -> AsyncIterator[str]:
    """The app served by uvicorn in this process (so its statements can be counted here)."""
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


async def statements_per_query(settings: Settings) -> int:
    async with in_process(settings) as base:
        client = PortalClient(base)
        try:
            await client.sign_in(demo.USERS[0][0], demo.DEMO_PASSWORD)
            await client.gql(ENTITLED, {"first": 50})  # caches warm
            with StatementCounter() as counter:
                await client.gql(ENTITLED, {"first": 50})
            return counter.statements
        finally:
            await client.close()


async def entitled(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    """p50 of `downloads(first: 50)` with files and links for Alice (Acme Corp) once the account
    holds LICENSES licenses and RELEASES releases are published; the statements one such query
    sends with FEW_LICENSES licenses and with all of them."""
    total = QUICK_LICENSES if quick else LICENSES
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        say(f"entitled releases: publishing {RELEASES:,} releases")
        await publish_many(portal, RELEASES)
    finally:
        await portal.stop()
    counts: list[int] = []
    seeded: dict[str, Any] = {}
    # The same products at FEW licenses and at all of them: only the number of licenses differs.
    for licenses in (FEW_LICENSES, total):
        portal = Portal(settings)
        await portal.start(run_worker=False)
        try:
            say(f"entitled releases: giving Acme Corp {licenses:,} licenses")
            seeded = await demo.seed_licenses(portal.db, settings, portal.keys, licenses)
        finally:
            await portal.stop()
        counts.append(await statements_per_query(settings))
    few, many = counts
    server = Server(settings.database_url, data_dir)
    server.log_path = data_dir / "server-entitled.log"
    await server.start()
    client = PortalClient(server.base_url)
    samples: list[float] = []
    try:
        await client.sign_in(demo.USERS[0][0], demo.DEMO_PASSWORD)
        page: dict[str, Any] = {}
        for i in range(QUERY_WARMUP + QUERY_ROUNDS):
            began = time.perf_counter()
            page = (await client.gql(ENTITLED, {"first": 50}))["downloads"]
            if i >= QUERY_WARMUP:
                samples.append(time.perf_counter() - began)
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await client.close()
        await server.stop()
    locked = sum(1 for node in page["nodes"] if node["lockedReason"])
    latency = summary_ms(samples)
    return {
        "licenses": seeded["total"],
        "releases_listed": page["totalCount"],
        "page_locked": locked,
        "latency": latency,
        "statements_few_licenses": few,
        "statements_all_licenses": many,
        "goals": {
            "p50 < 100 ms": latency["p50_ms"] is not None and latency["p50_ms"] < GOAL_P50_MS,
            "statements independent of licenses": few == many,
        },
    }
