"""Server CPU per Get a Key step: one client, one key after another, against `portal serve`
(one web process) on PostgreSQL or SQLite.

    .venv/bin/python -m bench.steps [--db postgresql|sqlite] [--keys 200] [--profile FILE]

Prints the mean server CPU (user + system, from /proc, in clock ticks: hence a mean over many keys) of each step, so a change to one
step's work or to the documents the SPA sends shows where it lands. Figures, not tests.
With --profile, py-spy (pip install py-spy) samples the server during the measured keys and
writes collapsed stacks to FILE."""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from backend.portal import Portal
from bench import documents
from bench.__main__ import database
from bench.client import PortalClient
from bench.cpu import process_cpu
from bench.http_run import READY_TIMEOUT, _expect, sign_in_all
from bench.server import Server
from bench.world import PASSWORD, add_users, issue_pool, migrate_and_seed, settings_for

STEPS = (
    "start",
    "enterSerials",
    "setRegistration",
    "subscribe + first frame",
    "confirm",
    "job + frames to READY",
)
# Whatever the server still does after READY (the mail's delivery job) is counted in this window.
SETTLE_SECONDS = 0.05


async def one_key(client: PortalClient, serial: str, pid: int) -> dict[str, float]:
    assert client.socket is not None and client.account_id is not None
    spent: dict[str, float] = {}
    mark = process_cpu(pid)

    def step(name: str) -> None:
        nonlocal mark
        now = process_cpu(pid)
        spent[name] = (now - mark) * 1000
        mark = now

    started = await client.gql(documents.START, {"input": {"accountId": client.account_id}})
    request_id = _expect(started["keyRequestStart"], "KeyRequestStartSuccess")["keyRequest"]["id"]
    step("start")
    entered = await client.gql(
        documents.ENTER_SERIALS, {"input": {"keyRequestId": request_id, "serialNumbers": [serial]}}
    )
    _expect(entered["keyRequestEnterSerials"], "KeyRequestEnterSerialsSuccess")
    step("enterSerials")
    saved = await client.gql(
        documents.SET_REGISTRATION,
        {"input": {"keyRequestId": request_id, "registration": documents.REGISTRATION, "hostId": None}},
    )
    _expect(saved["keyRequestSetRegistration"], "KeyRequestSetRegistrationSuccess")
    step("setRegistration")
    subscription = await client.socket.subscribe(documents.KEY_REQUEST_UPDATED, {"id": request_id})
    await subscription.next(READY_TIMEOUT)
    step("subscribe + first frame")
    confirmed = await client.gql(
        documents.CONFIRM, {"input": {"keyRequestId": request_id, "idempotencyKey": uuid.uuid4().hex}}
    )
    _expect(confirmed["keyRequestConfirm"], "KeyRequestConfirmSuccess")
    step("confirm")
    try:
        status = confirmed["keyRequestConfirm"]["keyRequest"]["status"]
        while status != "READY":
            message = await subscription.next(READY_TIMEOUT)
            status = message.payload["data"]["keyRequestUpdated"]["status"]
    finally:
        client.socket.forget(subscription)
    await asyncio.sleep(SETTLE_SECONDS)
    step("job + frames to READY")
    return spent


async def run(db: str, keys: int, admin_url: str, profile: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="portal-steps-") as tmp:
        data_dir = Path(tmp)
        async with database(db, admin_url, data_dir) as url:
            settings = settings_for(url, data_dir)
            await migrate_and_seed(settings)
            portal = Portal(settings)
            await portal.start(run_worker=False)
            try:
                users = await add_users(portal, "steps", 1)
                serials = deque(await issue_pool(portal, keys + 20))
            finally:
                await portal.stop()
            server = Server(url, data_dir, processes=1)
            await server.start()
            try:
                (client,) = await sign_in_all(server.base_url, [users[0].email], PASSWORD)
                assert server.pid is not None
                for _ in range(20):  # warm-up: caches, prepared statements, pools
                    await one_key(client, serials.popleft(), server.pid)
                spy = await _profiler(server.pid, profile) if profile else None
                samples = [await one_key(client, serials.popleft(), server.pid) for _ in range(keys)]
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    await spy.wait()
                await client.close()
            finally:
                await server.stop()
    return {name: statistics.fmean(s[name] for s in samples) for name in STEPS}


async def _profiler(pid: int, output: Path) -> asyncio.subprocess.Process:
    spy = await asyncio.create_subprocess_exec(
        Path(sys.executable).with_name("py-spy"),
        "record",
        "--format",
        "raw",
        "--rate",
        "250",
        "--output",
        str(output),
        "--pid",
        str(pid),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(1.0)  # attached before the first measured key
    return spy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", type=Path, help="collapsed py-spy stacks of the server, written here")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    medians = asyncio.run(run(args.db, args.keys, args.admin_url, args.profile))
    print(
        f"server CPU per Get a Key step, {args.db}, mean of {args.keys} keys, one client ({documents.SOURCE})"
    )
    for name, value in medians.items():
        print(f"  {name:<28} {value:6.1f} ms")
    print(f"  {'total':<28} {sum(medians.values()):6.1f} ms   ({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
