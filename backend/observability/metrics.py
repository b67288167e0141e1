"""Prometheus metrics (prometheus_client): request latency per HTTP route and per GraphQL
operation, errors by kind, open subscriptions, database pool use — recorded by this process — and
the job queue, keys issued and live workers, read from the database when /metrics is scraped.

Several web processes on one port (backend/processes.py) run prometheus_client's multiprocess
mode: the supervisor gives every process one PROMETHEUS_MULTIPROC_DIR, each writes its values
there, and whichever process answers a scrape sums them all (decision record 0020)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import cast

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Table, func, select
from sqlalchemy.pool import QueuePool

from backend.db.engine import Database
from backend.db.models import Job, JobStatus, LicenseKey, WorkerHeartbeat, utcnow

# Up to 10 s: a voucher conversion of 10,000 codes is the slowest request the portal answers.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "HTTP requests by route template (never the raw path) and method, until the response is sent",
    ["route", "method"],
    buckets=BUCKETS,
)
HTTP_SERVER_ERRORS = Counter(
    "portal_http_server_errors_total", "HTTP answers with status 5xx", ["route", "status"]
)
GRAPHQL_LATENCY = Histogram(
    "portal_graphql_operation_duration_seconds",
    "GraphQL queries and mutations by operation name",
    ["type", "operation"],
    buckets=BUCKETS,
)
GRAPHQL_ERRORS = Counter(
    "portal_graphql_errors_total",
    "GraphQL errors by code (UNAUTHENTICATED, NOT_FOUND, …; INTERNAL for a fault of ours)",
    ["operation", "code"],
)
SUBSCRIPTIONS_OPEN = Gauge(
    "portal_graphql_subscriptions_open", "Subscriptions being served", multiprocess_mode="livesum"
)
DB_CONNECTIONS = Gauge(
    "portal_db_connections",
    "Database connections of this portal's pools (orm: SQLAlchemy, driver: asyncpg)",
    ["pool", "state"],
    multiprocess_mode="livesum",
)

# Operation names are the client's choice: a bounded set of label values keeps a client from
# growing the series without end (the SPA's documents name about a hundred).
MAX_OPERATION_NAMES = 300
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _seen_names:
        return name
    if not _NAME.match(name) or len(_seen_names) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_names.add(name)
    return name


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def record_pool_use(db: Database) -> None:
    """This process's pools as gauges (set every few seconds and at each scrape)."""
    pool = db.engine.pool
    if isinstance(pool, QueuePool):
        in_use = pool.checkedout()
        DB_CONNECTIONS.labels("orm", "in_use").set(in_use)
        DB_CONNECTIONS.labels("orm", "idle").set(pool.checkedin())
    in_use, size = db.driver.usage()
    DB_CONNECTIONS.labels("driver", "in_use").set(in_use)
    DB_CONNECTIONS.labels("driver", "idle").set(size - in_use)


@contextlib.asynccontextmanager
async def pool_sampler(db: Database, every: float = 5.0) -> AsyncIterator[None]:
    async def sample() -> None:
        while True:
            record_pool_use(db)
            await asyncio.sleep(every)

    task = asyncio.create_task(sample(), name="metrics-pool-sampler")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


_jobs = cast(Table, Job.__table__)
_keys = cast(Table, LicenseKey.__table__)
_beats = cast(Table, WorkerHeartbeat.__table__)
HEARTBEAT_FRESH = timedelta(seconds=30)


async def database_metrics(db: Database) -> list[Metric]:
    """What the whole deployment shares, read now: the same value from every process (aggregate
    with max(), not sum())."""
    now = utcnow()
    async with db.read() as session:
        queued = (
            await session.execute(
                select(_jobs.c.kind, func.count(), func.min(_jobs.c.run_after))
                .where(_jobs.c.status == JobStatus.QUEUED, _jobs.c.run_after <= now)
                .group_by(_jobs.c.kind)
            )
        ).all()
        by_status: dict[JobStatus, int] = dict(
            (
                await session.execute(
                    select(_jobs.c.status, func.count())
                    .where(_jobs.c.status.in_([JobStatus.RUNNING, JobStatus.FAILED]))
                    .group_by(_jobs.c.status)
                )
            ).all()
        )
        keys = await session.scalar(select(func.count()).select_from(_keys))
        workers = await session.scalar(
            select(func.count()).select_from(_beats).where(_beats.c.seen_at >= now - HEARTBEAT_FRESH)
        )
    depth = GaugeMetricFamily("portal_jobs_queued", "Jobs ready to run and not yet claimed", labels=["kind"])
    oldest = None
    for kind, count, first in queued:
        depth.add_metric([kind], count)
        oldest = first if oldest is None or first < oldest else oldest
    age = GaugeMetricFamily(
        "portal_jobs_oldest_queued_age_seconds", "How long the oldest ready job has waited (0: none)"
    )
    age.add_metric([], 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
    running = GaugeMetricFamily("portal_jobs_running", "Jobs claimed by a worker")
    running.add_metric([], by_status.get(JobStatus.RUNNING, 0))
    failed = GaugeMetricFamily("portal_jobs_failed", "Jobs that gave up after their last attempt")
    failed.add_metric([], by_status.get(JobStatus.FAILED, 0))
    issued = CounterMetricFamily("portal_keys_issued", "License keys signed")
    issued.add_metric([], keys or 0)
    alive = GaugeMetricFamily("portal_workers_alive", "Workers whose heartbeat is fresh")
    alive.add_metric([], workers or 0)
    return [depth, age, running, failed, issued, alive]


class _Read(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


async def exposition(db: Database) -> bytes:
    """The text a scrape receives: this process's (or, in multiprocess mode, every process's)
    recorded metrics, then the database's."""
    record_pool_use(db)
    started = time.perf_counter()
    read = await database_metrics(db)
    took = GaugeMetricFamily("portal_metrics_database_seconds", "Time spent reading the database metrics")
    took.add_metric([], time.perf_counter() - started)
    live = CollectorRegistry()
    live.register(_Read([*read, took]))
    if multiprocess_dir() is None:
        recorded = generate_latest(REGISTRY)
    else:
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        recorded = generate_latest(merged)
    return recorded + generate_latest(live)
