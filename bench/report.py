"""The side-by-side table and the JSON written to bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# The targets on the 2-core reference machine (evaluated, never asserted).
TARGET_KEYS_PER_S_PG_32 = 150.0
TARGET_FLOOR_RATIO = 4.0
TARGET_READY_P99_MS = 100.0


def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "nproc": usable,
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def ratio(floor: float | None, http: float | None) -> float | None:
    """How many times faster the floor is than the HTTP path (1.0: no overhead)."""
    if not floor or not http:
        return None
    return round(floor / http, 2)


# Get a Key sends four GraphQL mutations over HTTP; each costs the server at least what the
# cheapest authenticated request does.
MUTATIONS_PER_KEY = 4


def ceiling(result: dict[str, Any], cores: int | None = None) -> dict[str, Any] | None:
    """The most keys/s any server could give on this machine if it ran exactly the driver floor's
    statements behind four GraphQL mutations costing no more than `{ me { id } }` each, with free
    subscriptions and no session lookups in PostgreSQL: the machine's cores over the CPU of one key
    (floor process + floor PostgreSQL + benchmark client + four trivial requests), at 32
    clients/tasks. An upper bound: everything left out only adds CPU."""
    cores = cores or os.cpu_count() or 1
    floor = _get(result, "floor_driver", "c32", "cpu") or {}
    parts = {
        "floor_process_ms": floor.get("client_ms_per_key"),
        "floor_postgres_ms": floor.get("postgres_ms_per_key"),
        "bench_client_ms": _get(result, "http", "c32", "cpu", "client_ms_per_key"),
        "requests_ms": None,
    }
    per_request = _get(result, "me", "c32", "server_cpu_ms_per_request")
    if per_request is not None:
        parts["requests_ms"] = MUTATIONS_PER_KEY * per_request
    if any(value is None for value in parts.values()):
        return None
    total = sum(parts.values())
    return {
        **{k: round(v, 2) for k, v in parts.items()},
        "cores": cores,
        "keys_per_s": round(1000 * cores / total, 1),
    }


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    http32 = result["http"]["c32"]
    p99 = http32["latency"].get("confirm_to_ready", {}).get("p99_ms")
    # The floor: the statements straight through the driver (the Core floor is shown beside).
    floor_ratio = result["ratios"]["driver_over_http_c32"]
    checks: dict[str, dict[str, Any]] = {
        "ready_p99_ms_below_100": {
            "value": p99,
            "target": f"< {TARGET_READY_P99_MS:g} ms",
            "met": p99 is not None and p99 < TARGET_READY_P99_MS,
        },
        "http_within_4x_of_driver_floor": {
            "value": floor_ratio,
            "target": f"<= {TARGET_FLOOR_RATIO:g}x",
            "met": floor_ratio is not None and floor_ratio <= TARGET_FLOOR_RATIO,
        },
    }
    if result["database"] == "postgresql":
        checks["keys_per_s_32_clients"] = {
            "value": http32["keys_per_s"],
            "target": f">= {TARGET_KEYS_PER_S_PG_32:g}/s",
            "met": http32["keys_per_s"] >= TARGET_KEYS_PER_S_PG_32,
        }
    return checks


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "MISSED"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}{unit}"
    return str(value)


def _pair(a: Any, b: Any, unit: str = "", digits: int = 1) -> str:
    return f"{_fmt(a, '', digits)} / {_fmt(b, '', digits)}{unit}"


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data


def table(report: dict[str, Any]) -> str:
    results: list[dict[str, Any]] = report["results"]
    names = [r["database"] for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, render: Any) -> None:
        rows.append((label, [render(r) for r in results]))

    def section(label: str) -> None:
        rows.append((label, ["" for _ in results]))

    section("Get a Key over HTTP + GraphQL (real server)")
    row("  keys/s, 1 client", lambda r: _fmt(r["http"]["c1"]["keys_per_s"]))
    row("  keys/s, 32 clients", lambda r: _fmt(r["http"]["c32"]["keys_per_s"]))
    for step, label in (
        ("confirm_to_ready", "confirm → READY (subscription)"),
        ("whole_flow", "whole wizard, start → READY"),
        ("confirm_response", "confirm mutation response"),
        ("enter_serials", "enterSerials mutation"),
    ):
        for c in ("c1", "c32"):
            row(
                f"  {label} p50/p99 ms, {c[1:]} cl.",
                lambda r, s=step, c=c: _pair(
                    _get(r, "http", c, "latency", s, "p50_ms"), _get(r, "http", c, "latency", s, "p99_ms")
                ),
            )
    for floor, ratio_key, title in (
        ("floor_driver", "driver", "Driver floor: same statements, prebuilt, through the driver + Ed25519"),
        ("floor_sql", "sql", "Core floor: same statements built per call in SQLAlchemy Core"),
    ):
        section(title)
        for c, unit in (("c1", "1 task"), ("c32", "32 tasks")):
            row(f"  keys/s, {unit}", lambda r, f=floor, c=c: _fmt(r[f][c]["keys_per_s"]))
        for c in ("c1", "c32"):
            row(
                f"  floor ÷ HTTP, {c[1:]}",
                lambda r, k=ratio_key, c=c: _fmt(r["ratios"][f"{k}_over_http_{c}"], "x", 2),
            )
    section("Domain floor: backend.domain functions + worker, no HTTP")
    row("  keys/s, 1 task", lambda r: _fmt(r["floor_domain"]["c1"]["keys_per_s"]))
    row("  keys/s, 32 tasks", lambda r: _fmt(r["floor_domain"]["c32"]["keys_per_s"]))
    row("  domain ÷ HTTP, 32", lambda r: _fmt(r["ratios"]["domain_over_http_c32"], "x", 2))
    row("  raw ÷ domain, 32", lambda r: _fmt(r["ratios"]["sql_over_domain_c32"], "x", 2))
    section("{ me { id } } over HTTP")
    row("  p50/p99 ms, 1 client", lambda r: _pair(r["me"]["c1"]["p50_ms"], r["me"]["c1"]["p99_ms"], "", 2))
    row("  req/s, 1 client", lambda r: _fmt(r["me"]["c1"]["requests_per_s"]))
    row(
        "  p50/p99 ms, 32 clients", lambda r: _pair(r["me"]["c32"]["p50_ms"], r["me"]["c32"]["p99_ms"], "", 2)
    )
    row("  req/s, 32 clients", lambda r: _fmt(r["me"]["c32"]["requests_per_s"]))
    section("CPU ms per key, 1 | 32 clients (HTTP path)")
    for part, label in (
        ("server", "server process"),
        ("postgres", "PostgreSQL"),
        ("client", "benchmark clients"),
    ):
        row(
            f"  {label}",
            lambda r, p=part: " | ".join(
                _fmt(_get(r, "http", c, "cpu", p + "_ms_per_key"), "", 1) for c in ("c1", "c32")
            ),
        )
    row(
        "  driver floor process | PostgreSQL (32)",
        lambda r: " | ".join(
            _fmt(_get(r, "floor_driver", "c32", "cpu", p + "_ms_per_key"), "", 1)
            for p in ("client", "postgres")
        ),
    )
    row(
        "  Core floor process | PostgreSQL (32)",
        lambda r: " | ".join(
            _fmt(_get(r, "floor_sql", "c32", "cpu", p + "_ms_per_key"), "", 1) for p in ("client", "postgres")
        ),
    )
    row(
        "  domain floor process | PostgreSQL (32)",
        lambda r: " | ".join(
            _fmt(_get(r, "floor_domain", "c32", "cpu", p + "_ms_per_key"), "", 1)
            for p in ("client", "postgres")
        ),
    )
    section("Cores busy at 32 clients")
    row(
        "  server / PostgreSQL / clients",
        lambda r: " / ".join(
            _fmt(_get(r, "http", "c32", "cpu", p + "_cores"), "", 2) for p in ("server", "postgres", "client")
        ),
    )
    row(
        "  other processes (not this run)",
        lambda r: _fmt(_get(r, "http", "c32", "cpu", "other_cores"), "", 2),
    )
    row("  other load before the run (cores)", lambda r: _fmt(r.get("background_load_cores"), "", 2))
    section("Database work per key")
    row(
        "  DB transactions (32): HTTP / domain / Core / driver",
        lambda r: " / ".join(
            _fmt(_get(r, part, "c32", "cpu", "db_transactions_per_key"), "", 0)
            for part in ("http", "floor_domain", "floor_sql", "floor_driver")
        ),
    )
    row(
        "  SQL statements (1): domain / Core / driver floor",
        lambda r: " / ".join(
            _fmt(_get(r, part, "c1", "cpu", "statements_per_key"), "", 0)
            for part in ("floor_domain", "floor_sql", "floor_driver")
        ),
    )
    section("Ceiling: the driver floor behind four trivial GraphQL requests (32)")
    row(
        "  CPU ms per key: floor process + floor PG + client + 4 requests",
        lambda r: " + ".join(
            _fmt(_get(r, "ceiling", k), "", 1)
            for k in ("floor_process_ms", "floor_postgres_ms", "bench_client_ms", "requests_ms")
        ),
    )
    row("  keys/s at most, on these cores", lambda r: _fmt(_get(r, "ceiling", "keys_per_s")))
    section("Targets")
    row(
        "  ≥ 150 keys/s at 32 clients (PostgreSQL)",
        lambda r: _fmt(_get(r, "targets", "keys_per_s_32_clients", "met")),
    )
    row(
        "  HTTP within 4x of the driver floor (32)",
        lambda r: _fmt(r["targets"]["http_within_4x_of_driver_floor"]["met"]),
    )
    row("  confirm → READY p99 < 100 ms (32)", lambda r: _fmt(r["targets"]["ready_p99_ms_below_100"]["met"]))

    width = max(len(label) for label, _ in rows) + 2
    col = max(16, *(len(v) for _, values in rows for v in values)) + 2
    m = report["machine"]
    lines = [
        f"Licensing Portal — Get a Key benchmark ({report['mode']} run)",
        f"{m['nproc']} CPUs, {m['cpu_model']}; Python {m['python']}; SQLite {m['sqlite']}"
        + "".join(f"; {r['server_version']}" for r in results if r.get("server_version")),
        f"GraphQL documents: {report.get('documents', '?')}; {report['concurrency']} clients/tasks in the"
        " concurrent runs",
        "",
        "".ljust(width) + "".join(n.rjust(col) for n in names),
    ]
    for label, values in rows:
        lines.append(label.ljust(width) + "".join(v.rjust(col) for v in values))
    if any(
        _get(r, part, c, "pool_exhausted")
        for r in results
        for part in ("http", "floor_sql", "floor_driver", "floor_domain")
        for c in ("c1", "c32")
    ):
        lines.append("\nnote: a serial pool ran dry in some run; its rate covers the time until then.")
    return "\n".join(lines)


def write_json(report: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path
