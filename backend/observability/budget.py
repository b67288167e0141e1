"""PostgreSQL connections a deployment may open at most, from the pool settings (docs/deploy.md
prints it with `portal connection-budget`, so the numbers there follow the code)."""

from __future__ import annotations

from dataclasses import dataclass

# Connections PostgreSQL keeps for itself and the operator: superuser_reserved_connections (3),
# plus one each for a running pg_dump, `portal migrate` and an operator's psql.
RESERVED = 3 + 3


@dataclass(frozen=True)
class Budget:
    pool_size: int
    orm: int  # SQLAlchemy: pool_size plus as many again in overflow (db/engine.py)
    driver: int  # asyncpg pool of the hot statements: half the pool, at least 4 (db/engine.py)
    events: int  # LISTEN and NOTIFY (events.py)
    per_process: int
    processes: int
    total: int
    max_connections: int


def connection_budget(pool_size: int, web_processes: int, workers: int) -> Budget:
    orm = 2 * pool_size
    driver = max(4, pool_size // 2)
    events = 2
    per_process = orm + driver + events
    processes = web_processes + workers
    total = per_process * processes
    return Budget(pool_size, orm, driver, events, per_process, processes, total, total + RESERVED)


def describe(budget: Budget) -> str:
    return "\n".join(
        [
            f"per process (PORTAL_DB_POOL_SIZE={budget.pool_size}): {budget.orm} ORM + "
            f"{budget.driver} driver + {budget.events} events = {budget.per_process}",
            f"{budget.processes} processes: {budget.total} connections at most",
            f"max_connections >= {budget.max_connections} (with {RESERVED} reserved)",
        ]
    )
