"""Two `portal serve` processes on one PostgreSQL: subscribe on one, confirm on the other; thirty
confirms racing for one serial through both."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from sqlalchemy.engine import make_url

from backend.schema.common import from_global_id
from tests.api.flows import CONFIRM, ENTER, LOGIN_VARS, REGISTRATION, SET_REGISTRATION, START
from tests.conftest import run_in_thread
from tests.support import LOGIN, create_database, drop_database, eventually, free_port

pytestmark = pytest.mark.pg
PORTAL = str(Path(sys.executable).with_name("portal"))


@pytest.fixture
def shared_database(pg_admin: str) -> Iterator[str]:
    url: str = run_in_thread(create_database(pg_admin))
    yield url
    run_in_thread(drop_database(pg_admin, url))


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": "two-instance-secret-key",
    }


async def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}")
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("server did not become healthy")


async def _gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    headers = {"X-CSRF-Token": http.cookies.get("portal_csrf") or ""}
    body = (
        await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PORTAL, "serve", "--no-demo", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


CONFIRM_TYPENAME = """
mutation C($input: KeyRequestConfirmInput!) {
  keyRequestConfirm(input: $input) {
    __typename
    ... on SerialNumbersRejected { problems { serialNumber code } }
  }
}"""


async def test_thirty_confirms_racing_through_two_processes_make_exactly_one_license(
    shared_database: str, tmp_path: Path
) -> None:
    """tests/pg/test_concurrency.py races thirty confirms in one process; here half go to each of two
    `portal serve` processes, and the test shows they overlapped: it holds the serial's row lock
    while they run, and sees open confirm transactions of both processes waiting on it at once."""
    env = _env(shared_database, tmp_path)
    demo_info = json.loads(
        subprocess.run([PORTAL, "demo", "--json"], env=env, check=True, capture_output=True).stdout
    )
    serial = next(s["number"] for s in demo_info["serials"] if s["locking"] == "NONE")
    ports = [free_port(), free_port()]
    procs = [_serve(env, port) for port in ports]
    dsn = make_url(shared_database).set(drivername="postgresql").render_as_string(hide_password=False)
    lock = await asyncpg.connect(dsn)
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, proc in zip(bases, procs, strict=True):
            await _wait_healthy(base, proc)
        # The confirms wait on the held lock for as long as the test needs to see them: a client that
        # gave up after httpx's 5 s default would end their transactions before it looks (on a busy
        # machine the thirty take longer than that to reach the lock).
        waiting = httpx.Timeout(120.0)
        async with (
            httpx.AsyncClient(base_url=bases[0], timeout=waiting) as one,
            httpx.AsyncClient(base_url=bases[1], timeout=waiting) as two,
        ):
            assert (await _gql(one, LOGIN, LOGIN_VARS))["login"]["__typename"] == "LoginSuccess"
            two.cookies = one.cookies  # one session, both processes
            me = (await _gql(one, "{ me { memberships { account { id kind } } } }", {}))["me"]
            acc = next(m["account"]["id"] for m in me["memberships"] if m["account"]["kind"] == "CUSTOMER")
            drafts = []
            for i in range(30):
                http = (one, two)[i % 2]
                draft = (await _gql(http, START, {"input": {"accountId": acc}}))["keyRequestStart"][
                    "keyRequest"
                ]
                entered = await _gql(
                    http, ENTER, {"input": {"keyRequestId": draft["id"], "serialNumbers": [serial]}}
                )
                assert entered["keyRequestEnterSerials"]["__typename"] == "KeyRequestEnterSerialsSuccess"
                await _gql(
                    http,
                    SET_REGISTRATION,
                    {"input": {"keyRequestId": draft["id"], "registration": REGISTRATION}},
                )
                drafts.append(draft["id"])

            # when: the serial's row is locked, all thirty confirm — even ones to process one, odd
            # ones to process two — and wait on it
            async with lock.transaction():
                await lock.fetchval("SELECT id FROM serials WHERE number = $1 FOR UPDATE", serial)
                confirms = [
                    asyncio.create_task(
                        _gql(
                            (one, two)[i % 2],
                            CONFIRM_TYPENAME,
                            {"input": {"keyRequestId": kr, "idempotencyKey": f"two-process-race-{i:02d}"}},
                        )
                    )
                    for i, kr in enumerate(drafts)
                ]
                sent_to = {from_global_id(kr, "KeyRequest"): i % 2 for i, kr in enumerate(drafts)}

                async def waiting_in_both() -> list[int] | None:
                    # A confirm waiting on the serial has already marked its request SUBMITTED in
                    # its open transaction: the request row's xmax is that transaction's id. So
                    # the waiting transactions name their requests, and the requests the process
                    # they were sent to.
                    # Inside a transaction PostgreSQL keeps its first read of pg_stat_activity:
                    # clear it, or every look repeats the first one.
                    await lock.execute("SELECT pg_stat_clear_snapshot()")
                    rows = await lock.fetch(
                        "SELECT kr.id FROM key_requests AS kr JOIN pg_stat_activity AS a"
                        " ON a.backend_xid::text = kr.xmax::text"
                        " WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'"
                        " AND kr.id = ANY($1::uuid[])",
                        list(sent_to),
                    )
                    per_process = [sum(sent_to[r["id"]] == n for r in rows) for n in (0, 1)]
                    return per_process if min(per_process) >= 1 else None

                overlapped = await eventually(waiting_in_both, timeout=90)  # a wait: CI machines are slow
                assert not any(task.done() for task in confirms)  # all still held by the lock
            results = [r["keyRequestConfirm"] for r in await asyncio.gather(*confirms)]

        # then: one of thirty won (`overlapped`: how many waited on the serial at once, per process)
        winners = [r for r in results if r["__typename"] == "KeyRequestConfirmSuccess"]
        losers = [r for r in results if r["__typename"] == "SerialNumbersRejected"]
        assert (len(winners), len(losers)) == (1, 29), (overlapped, results)
        assert {p["code"] for r in losers for p in r["problems"]} == {"ALREADY_REGISTERED"}
        made = "SELECT count(*) FROM licenses WHERE origin_serial_id = (SELECT id FROM serials WHERE number = $1)"
        assert await lock.fetchval(made, serial) == 1
        assert await lock.fetchval("SELECT status FROM serials WHERE number = $1", serial) == "REGISTERED"
    finally:
        await lock.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


async def test_subscription_on_one_instance_sees_the_key_confirmed_on_the_other(
    shared_database: str, tmp_path: Path
) -> None:
    env = _env(shared_database, tmp_path)
    demo_info = json.loads(
        subprocess.run([PORTAL, "demo", "--json"], env=env, check=True, capture_output=True).stdout
    )
    serial = next(s["number"] for s in demo_info["serials"] if s["locking"] == "NONE")
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [PORTAL, "serve", "--no-demo", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, proc in zip(bases, procs, strict=True):
            await _wait_healthy(base, proc)
        async with httpx.AsyncClient(base_url=bases[1]) as http:
            login = (await _gql(http, LOGIN, LOGIN_VARS))["login"]
            assert login["__typename"] == "LoginSuccess"
            me = (await _gql(http, "{ me { memberships { account { id kind } } } }", {}))["me"]
            acc = next(m["account"]["id"] for m in me["memberships"] if m["account"]["kind"] == "CUSTOMER")
            draft = (await _gql(http, START, {"input": {"accountId": acc}}))["keyRequestStart"]["keyRequest"]
            await _gql(http, ENTER, {"input": {"keyRequestId": draft["id"], "serialNumbers": [serial]}})
            await _gql(
                http, SET_REGISTRATION, {"input": {"keyRequestId": draft["id"], "registration": REGISTRATION}}
            )
            cookie = f"portal_session={http.cookies.get('portal_session')}"

            # subscribe on instance A
            async with websockets.connect(
                f"ws://127.0.0.1:{ports[0]}/graphql",
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                additional_headers={"Cookie": cookie, "Origin": bases[0]},
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(
                    json.dumps(
                        {
                            "id": "1",
                            "type": "subscribe",
                            "payload": {
                                "query": "subscription($id: ID!) { keyRequestUpdated(id: $id) { status keys { activationKey } } }",
                                "variables": {"id": draft["id"]},
                            },
                        }
                    )
                )
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert first["payload"]["data"]["keyRequestUpdated"]["status"] == "DRAFT"

                # confirm on instance B
                confirmed = await _gql(
                    http,
                    CONFIRM,
                    {"input": {"keyRequestId": draft["id"], "idempotencyKey": "two-instances-1"}},
                )
                assert confirmed["keyRequestConfirm"]["__typename"] == "KeyRequestConfirmSuccess"

                # then A streams the changes up to READY with the key
                statuses = []
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    if message["type"] == "complete":
                        break
                    update = message["payload"]["data"]["keyRequestUpdated"]
                    statuses.append(update["status"])
                    if update["status"] == "READY":
                        assert len(update["keys"]) == 1 and len(update["keys"][0]["activationKey"]) == 29
                assert statuses[-1] == "READY"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


async def test_serve_runs_several_web_processes_on_postgresql(shared_database: str, tmp_path: Path) -> None:
    env = _env(shared_database, tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [PORTAL, "serve", "--demo", "--processes", "2", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(base, proc)
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await _gql(http, LOGIN, LOGIN_VARS))["login"]["__typename"] == "LoginSuccess"
            for _ in range(10):  # whichever process answers knows the session
                assert (await _gql(http, "{ me { email } }", {}))["me"]["email"] == "alice@acme.example"
        # New connections are spread over the processes (a socket each on Linux): every one of
        # them, on whichever process, answers.
        for _ in range(8):
            async with httpx.AsyncClient(base_url=base, cookies=http.cookies) as other:
                assert (await _gql(other, "{ me { email } }", {}))["me"]["email"] == "alice@acme.example"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # Stopping the command stops every web process: nothing listens on the port any more.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_several_web_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
    }
    done = subprocess.run(
        [PORTAL, "serve", "--processes", "2"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "PostgreSQL" in done.stderr
