"""Bulk export at scale: every license of Acme Corp (`portal demo --licenses N`, N from
`PORTAL_BENCH_LICENSES`, default 100,000; 5,000 with `--quick`) with its product, keys and custom
values exported as JSONL by a real `portal serve` and its in-process worker.

Timed from bulkExportStart until bulkExport says COMPLETED (polled every 0.2 s), the nodes per
second are the lines written over that time (one per license; with its keys and custom values,
the objects inside each line, as a second figure); the server's RSS is sampled meanwhile (peak minus the
RSS before the start). The file is then downloaded by its link and its lines counted and parsed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from backend.config import Settings
from backend.db.models import Account
from backend.domain import demo
from backend.schema.common import to_global_id
from bench.client import PortalClient
from bench.licenses import DEFAULT_COUNT, QUICK_COUNT, portal_for, rss_kb, say
from bench.server import Server

TARGET_NODES_PER_S = 5000
TARGET_RSS_MB = 100
START = """
mutation S($input: BulkExportStartInput!) {
  bulkExportStart(input: $input) {
    __typename
    ... on BulkExportStartSuccess { bulkExport { id } }
    ... on UserError { code message }
  }
}"""
EXPORT = "query E($id: ID!) { bulkExport(id: $id) { status objectCount errorMessage url } }"
QUERY = """{ licenses(accountId: "%s") { edges { node {
  id quantity maintenanceUntil hostId createdAt status
  product { sku name version }
  keys { activationKey status issuedAt }
  customValues { field { name } value }
} } } }"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (from /proc), so a busy machine's figure can be
    read as what one core would do."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(settings: Settings, data_dir: Path, quick: bool) -> dict[str, Any]:
    count = int(os.environ.get("PORTAL_BENCH_LICENSES") or (QUICK_COUNT if quick else DEFAULT_COUNT))
    say(f"bulk export: {count} licenses in Acme Corp")
    async with portal_for(settings) as portal:
        await demo.seed(portal.db)
        seeded = await demo.seed_licenses(portal.db, portal.settings, portal.keys, count)
        async with portal.db.read() as session:
            acme = await session.scalar(select(Account.id).where(Account.name == "Acme Corp"))
    assert acme is not None
    say(f"seeded {seeded['created']} licenses in {seeded['seconds']} s")
    server = Server(settings.database_url, data_dir)
    await server.start()
    client = PortalClient(server.base_url)
    try:
        await client.sign_in(demo.USERS[0][0], demo.DEMO_PASSWORD)
        assert server.pid is not None
        pid = server.pid
        baseline = peak = rss_kb(pid)
        cpu_before = cpu_seconds(pid)
        began = time.perf_counter()
        started = (await client.gql(START, {"input": {"query": QUERY % to_global_id("Account", acme)}}))[
            "bulkExportStart"
        ]
        if started["__typename"] != "BulkExportStartSuccess":
            raise RuntimeError(f"bulkExportStart: {started}")
        export_id = started["bulkExport"]["id"]
        while True:
            peak = max(peak, rss_kb(pid))
            found = (await client.gql(EXPORT, {"id": export_id}))["bulkExport"]
            if found["status"] not in ("CREATED", "RUNNING"):
                break
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - began
        cpu = cpu_seconds(pid) - cpu_before
        if found["status"] != "COMPLETED":
            raise RuntimeError(f"bulk export ended {found['status']}: {found['errorMessage']}")
        lines = size = inner = 0
        async with client.http.stream("GET", found["url"]) as response:
            response.raise_for_status()
            buffer = b""
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                buffer += chunk
                *whole, buffer = buffer.split(b"\n")
                for line in whole:
                    node = json.loads(line)
                    lines += 1
                    inner += len(node["keys"]) + len(node["customValues"])
    except Exception:
        print(f"server log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        await client.close()
        await server.stop()
    rate = round(found["objectCount"] / seconds)
    growth = round((peak - baseline) / 1024, 1)
    return {
        "count": count,
        "objects": found["objectCount"],
        "lines_downloaded": lines,
        # keys and custom values are lists inside each license's line, not lines of their own
        "objects_with_keys_and_values": lines + inner,
        "objects_with_keys_and_values_per_s": round((lines + inner) / seconds),
        "bytes": size,
        "seconds": round(seconds, 1),
        "nodes_per_s": rate,
        "server_cpu_s": round(cpu, 1),
        "nodes_per_cpu_s": round(found["objectCount"] / cpu) if cpu else None,
        "rss_before_mb": round(baseline / 1024, 1),
        "rss_peak_mb": round(peak / 1024, 1),
        "rss_growth_mb": growth,
        "targets": {
            f"≥ {TARGET_NODES_PER_S:,} nodes/s": rate >= TARGET_NODES_PER_S,
            f"< {TARGET_RSS_MB} MB RSS growth": growth < TARGET_RSS_MB,
        },
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"{'bulk export (JSONL)':34} {'db':10} {'lines':>8} {'s':>6} {'lines/s':>8} {'objects/s':>10}  RSS",
    ]
    for result in results:
        data = result.get("bulk_export")
        if not data:
            continue
        lines.append(
            f"{'licenses + keys + custom values':34} {result['database']:10} {data['objects']:>8} "
            f"{data['seconds']:>6} {data['nodes_per_s']:>8} {data['objects_with_keys_and_values_per_s']:>10}  "
            f"{data['rss_before_mb']} → "
            f"{data['rss_peak_mb']} MB (+{data['rss_growth_mb']} MB)"
        )
        lines.append(
            f"{'  per second of server CPU':34} {result['database']:10} {data['server_cpu_s']:>8} "
            f"{'':>6} {data['nodes_per_cpu_s']!s:>8}"
        )
        lines.append(f"{'targets':34} {result['database']:10} {data['targets']}")
    return "\n".join(lines)
