"""Closed-loop load: N concurrent actors each take a serial from a shared pool and run one Get a
Key; completions inside [warm-up end, warm-up end + duration] count."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.cpu import Snapshot, usage
from bench.stats import summary_ms


@dataclass
class Sample:
    done_at: float  # perf_counter() when the key was READY
    steps: dict[str, float] = field(default_factory=dict)  # step name -> seconds


Flow = Callable[[str], Awaitable[Sample]]


@dataclass
class Measured:
    concurrency: int
    warmup: float
    duration: float
    keys: int
    keys_per_s: float
    steps: dict[str, dict[str, Any]]
    cpu: dict[str, float | None]
    pool_exhausted: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "warmup_s": round(self.warmup, 3),
            "duration_s": round(self.duration, 3),
            "keys": self.keys,
            "keys_per_s": round(self.keys_per_s, 1),
            "latency": self.steps,
            "cpu": {k: (None if v is None else round(v, 3)) for k, v in self.cpu.items()},
            "pool_exhausted": self.pool_exhausted,
        }


async def measure(
    flows: list[Flow],
    pool: deque[str],
    *,
    warmup: float,
    duration: float,
    snapshot: Callable[[], Awaitable[Snapshot]],
    max_warmup: float = 30.0,
) -> Measured:
    """Warm up for `warmup` seconds and until every actor has finished one flow (the actors all
    start together; counting before they have spread out would measure that start), at most
    `max_warmup`; then count the keys that become READY during `duration` seconds."""
    began = time.perf_counter()
    window = {"start": math.inf, "end": math.inf}
    samples: list[Sample] = []
    marks: dict[str, Snapshot] = {}
    exhausted = False
    warmed = 0
    all_warm = asyncio.Event()

    async def timer() -> None:
        await asyncio.sleep(warmup)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_warm.wait(), max(0.0, began + max_warmup - time.perf_counter()))
        marks["start"] = await snapshot()
        window["start"] = time.perf_counter()
        window["end"] = window["start"] + duration
        await asyncio.sleep(duration)
        marks["end"] = await snapshot()

    async def actor(flow: Flow) -> None:
        nonlocal exhausted, warmed
        first = True
        while time.perf_counter() < window["end"]:
            if not pool:
                exhausted = True
                all_warm.set()
                return
            samples.append(await flow(pool.popleft()))
            if first:
                first = False
                warmed += 1
                if warmed == len(flows):
                    all_warm.set()

    await asyncio.gather(timer(), *(actor(flow) for flow in flows))
    start, end = window["start"], window["end"]
    counted = [s for s in samples if start <= s.done_at <= end]
    span = duration
    if exhausted and counted:
        span = max(1e-9, max(s.done_at for s in counted) - start)
    names = list(dict.fromkeys(name for s in counted for name in s.steps))
    steps = {name: summary_ms([s.steps[name] for s in counted if name in s.steps]) for name in names}
    return Measured(
        concurrency=len(flows),
        warmup=start - began,
        duration=span,
        keys=len(counted),
        keys_per_s=len(counted) / span,
        steps=steps,
        cpu=usage(marks["start"], marks["end"], len(counted)),
        pool_exhausted=exhausted,
    )
