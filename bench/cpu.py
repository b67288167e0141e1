"""Where the CPU goes during a measured window: the server process, the PostgreSQL processes, this
(client) process and the machine as a whole, from /proc (Linux)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int | str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may contain spaces: the fields after it start behind the last ')'.
    head, _, rest = raw.rpartition(")")
    return [head.split("(", 1)[-1], *rest.split()]


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a process and its live descendants (a `portal serve
    --processes N` supervisor and its web processes), all threads."""
    if pid is None:
        return 0.0
    stats = {
        entry.name: _stat_fields(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
    }
    children: dict[str, list[str]] = {}
    for child, fields in stats.items():
        if fields is not None:
            children.setdefault(fields[2], []).append(child)  # fields[2] is the parent's pid
    total, todo = 0.0, [str(pid)]
    while todo:
        current = todo.pop()
        fields = stats.get(current)
        if fields is not None:
            # fields[0] is comm; fields[1] is state (stat field 3), so utime (field 14) is fields[12].
            total += (int(fields[12]) + int(fields[13])) / _TICK
        todo += children.get(current, [])
    return total


def _is_ours(pid: str, database: str | None) -> bool:
    """A backend serving `database`, or one of the server's own processes (WAL writer,
    checkpointer…); backends of other databases on the same server are someone else's load."""
    if database is None:
        return True
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    is_backend = "(" in title or "[local]" in title
    return database in title or not is_backend


def postgres_cpu(database: str | None = None) -> dict[int, float]:
    """CPU seconds per process named `postgres` on this machine that works for `database`."""
    found: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields and fields[0] == "postgres" and _is_ours(entry.name, database):
            found[int(entry.name)] = (int(fields[12]) + int(fields[13])) / _TICK
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    values = [int(v) for v in first[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICK, sum(values) / _TICK


@dataclass(frozen=True)
class Snapshot:
    wall: float
    server: float
    postgres: dict[int, float]  # pid -> CPU seconds (backends come and go)
    client: float
    busy: float
    total: float
    transactions: int | None = None  # committed + rolled back in the database (PostgreSQL)
    statements: int | None = None  # issued by this process (in-process runs only)

    @classmethod
    def take(cls, server_pid: int | None, *, postgres_database: str | None) -> Snapshot:
        """postgres_database: the database whose backends count, or None on SQLite."""
        busy, total = machine_cpu()
        return cls(
            wall=time.perf_counter(),
            server=process_cpu(server_pid),
            postgres=postgres_cpu(postgres_database) if postgres_database else {},
            client=time.process_time(),
            busy=busy,
            total=total,
        )


async def background_load(seconds: float = 1.0) -> float:
    """Cores busy on the machine while this benchmark does nothing (other work skews results)."""
    import asyncio

    busy0, _ = machine_cpu()
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    busy1, _ = machine_cpu()
    return (busy1 - busy0) / (time.perf_counter() - began)


def usage(before: Snapshot, after: Snapshot, keys: int) -> dict[str, float | None]:
    """Cores busy per component over the window, and CPU milliseconds per key. `other` is load on
    the machine that is none of the benchmark's processes."""
    wall = max(after.wall - before.wall, 1e-9)
    parts = {
        "server": after.server - before.server,
        # Processes that exited in between are missed: an undercount, never negative.
        "postgres": sum(cpu - before.postgres.get(pid, 0.0) for pid, cpu in after.postgres.items()),
        "client": after.client - before.client,
        "machine": after.busy - before.busy,
    }
    parts["other"] = max(0.0, parts["machine"] - parts["server"] - parts["postgres"] - parts["client"])
    result: dict[str, float | None] = {}
    for name, seconds in parts.items():
        result[f"{name}_cores"] = seconds / wall
        result[f"{name}_ms_per_key"] = 1000 * seconds / keys if keys else None
    if before.transactions is not None and after.transactions is not None and keys:
        # pg_stat_database is flushed by each backend about once a second: approximate.
        result["db_transactions_per_key"] = (after.transactions - before.transactions) / keys
    if before.statements is not None and after.statements is not None and keys:
        result["statements_per_key"] = (after.statements - before.statements) / keys
    span = after.total - before.total
    result["machine_busy_share"] = parts["machine"] / span if span > 0 else None
    return result


class StatementCounter:
    """Counts the SQL statements this process sends through SQLAlchemy and, on PostgreSQL, straight
    through the driver (`Prepared.args` runs once per such statement); NOTIFYs left out."""

    def __init__(self) -> None:
        self.statements = 0
        self._args: Any = None

    def _on_execute(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "pg_notify" not in statement:
            self.statements += 1

    def __enter__(self) -> StatementCounter:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from backend.db.driver import Prepared

        event.listen(Engine, "before_cursor_execute", self._on_execute)
        self._args = args = Prepared.args

        def counted(prepared: Prepared, params: Any) -> list[Any]:
            if "pg_notify" not in prepared.sql:
                self.statements += 1
            return args(prepared, params)

        Prepared.args = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from backend.db.driver import Prepared

        event.remove(Engine, "before_cursor_execute", self._on_execute)
        Prepared.args = self._args  # type: ignore[method-assign]


class Probe:
    """Takes snapshots for one process under test (or none) and, on PostgreSQL, counts the
    database's transactions through a connection of its own."""

    def __init__(
        self, server_pid: int | None, database_url: str, counter: StatementCounter | None = None
    ) -> None:
        from sqlalchemy.engine import make_url

        self.counter = counter
        self.server_pid = server_pid
        url = make_url(database_url)
        self.database = None if url.drivername.startswith("sqlite") else url.database
        self._dsn = (
            None if self.database is None else url.set(drivername="postgresql").render_as_string(False)
        )
        self._conn: object | None = None

    async def __aenter__(self) -> Probe:
        if self._dsn is not None:
            import asyncpg

            self._conn = await asyncpg.connect(self._dsn)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()  # type: ignore[attr-defined]

    async def snapshot(self) -> Snapshot:
        transactions = None
        if self._conn is not None:
            value = await self._conn.fetchval(  # type: ignore[attr-defined]
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
            )
            transactions = int(value)
        snap = Snapshot.take(self.server_pid, postgres_database=self.database)
        statements = self.counter.statements if self.counter is not None else None
        return Snapshot(**{**snap.__dict__, "transactions": transactions, "statements": statements})
