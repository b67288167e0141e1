"""Operations on PostgreSQL (issue 18): 503 while the database is away and recovery by itself;
graceful shutdown (SIGTERM finishes the running job and in-flight requests, subscribers get 1012);
one /metrics answer for several web processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from sqlalchemy.engine import make_url

from backend.db.migrate import upgrade
from backend.domain import demo
from backend.schema.common import from_global_id
from tests.api.flows import (
    ENTER,
    LOGIN_VARS,
    REGISTRATION,
    SET_REGISTRATION,
    START,
    account_id,
    get_a_key,
    sign_in,
)
from tests.api.test_observability import sample
from tests.conftest import client_for, make_settings, running_app
from tests.pg.test_two_instances import PORTAL, _env, _gql, _serve, _wait_healthy, shared_database
from tests.support import LOGIN, GraphQLClient, eventually, free_port

pytestmark = pytest.mark.pg
__all__ = ["shared_database"]  # the fixture, for this module's tests


class TcpProxy:
    """Between the portal and PostgreSQL: `down()` drops every connection and refuses new ones
    (what a database restart or a network cut looks like to the portal), `up()` lets them in."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _link(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self.links |= {client_writer, server_writer}

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))


@pytest.fixture
async def proxied(shared_database: str, tmp_path: Path) -> AsyncIterator[tuple[Any, Any, TcpProxy]]:
    await upgrade(shared_database)
    url = make_url(shared_database)
    proxy = TcpProxy(url.port or 5432)
    await proxy.up()
    through = url.set(port=proxy.port).render_as_string(hide_password=False)
    async with running_app(make_settings(through, tmp_path)) as (app, portal):
        await demo.seed(portal.db)
        yield app, portal, proxy
        with contextlib.suppress(Exception):
            await proxy.up()  # so the app can stop cleanly whatever the test did


async def test_while_the_database_is_away_graphql_answers_503_and_recovers_by_itself(
    proxied: tuple[Any, Any, TcpProxy],
) -> None:
    app, portal, proxy = proxied
    async with client_for(app) as signed_in, client_for(app) as anonymous:
        client = GraphQLClient(signed_in)
        me = await sign_in(client)

        # when the database goes away
        await proxy.down()

        # then: alive, not ready, and /graphql says 503 — signed in (the session lookup fails) or
        # not (a resolver fails), never 500
        assert (await signed_in.get("/healthz")).status_code == 200
        ready = await signed_in.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
        answer = await signed_in.post("/graphql", json={"query": "{ me { email } }"})
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        login = await anonymous.post("/graphql", json={"query": LOGIN, "variables": LOGIN_VARS})
        assert login.status_code == 503, login.text

        # when it is back: nobody restarts anything
        await proxy.up()

        async def answers() -> bool:
            response = await signed_in.post("/graphql", json={"query": "{ me { email } }"})
            return response.status_code == 200

        await eventually(answers, timeout=30)
        assert (await signed_in.get("/readyz")).status_code == 200
        # and the whole pipeline works again: confirm, the worker, the events, READY
        done = await get_a_key(client, portal, account_id(me))
        assert done["status"] == "READY" and len(done["keys"]) == 1

        # and the metrics counted it as what it was
        metrics = (await signed_in.get("/metrics")).text
        assert (sample(metrics, "portal_http_server_errors_total", route="/graphql", status="503") or 0) >= 2
        away = sample(metrics, "portal_graphql_errors_total", operation="Login", code="DATABASE_UNAVAILABLE")
        assert (away or 0) >= 1


async def _draft(http: httpx.AsyncClient, acc: str, serial: str) -> str:
    draft = (await _gql(http, START, {"input": {"accountId": acc}}))["keyRequestStart"]["keyRequest"]
    entered = await _gql(http, ENTER, {"input": {"keyRequestId": draft["id"], "serialNumbers": [serial]}})
    assert entered["keyRequestEnterSerials"]["__typename"] == "KeyRequestEnterSerialsSuccess"
    registered = await _gql(
        http, SET_REGISTRATION, {"input": {"keyRequestId": draft["id"], "registration": REGISTRATION}}
    )
    assert registered["keyRequestSetRegistration"]["__typename"] == "KeyRequestSetRegistrationSuccess"
    return str(draft["id"])


CONFIRM_TYPENAME = """
mutation C($input: KeyRequestConfirmInput!) { keyRequestConfirm(input: $input) { __typename } }"""


async def test_sigterm_finishes_the_running_job_and_in_flight_requests_and_closes_subscriptions_with_1012(
    shared_database: str, tmp_path: Path
) -> None:
    env = _env(shared_database, tmp_path)
    info = json.loads(
        subprocess.run([PORTAL, "demo", "--json"], env=env, check=True, capture_output=True).stdout
    )
    serials = [s["number"] for s in info["serials"] if s["locking"] == "NONE"][:2]
    port = free_port()
    server = _serve(env, port)
    dsn = make_url(shared_database).set(drivername="postgresql").render_as_string(hide_password=False)
    holder = await asyncpg.connect(dsn)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(base, server)
        async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(120.0)) as http:
            assert (await _gql(http, LOGIN, LOGIN_VARS))["login"]["__typename"] == "LoginSuccess"
            me = (await _gql(http, "{ me { memberships { account { id kind } } } }", {}))["me"]
            acc = account_id(me)
            slow, in_flight = [await _draft(http, acc, serial) for serial in serials]
            cookie = f"portal_session={http.cookies.get('portal_session')}"

            # given: signing waits on a lock the test holds (the job runs, and cannot finish), and
            # the second serial's row is locked too (its confirm is a request in flight)
            lock = holder.transaction()
            await lock.start()
            await holder.execute("LOCK TABLE license_keys IN EXCLUSIVE MODE")
            await holder.fetchval("SELECT id FROM serials WHERE number = $1 FOR UPDATE", serials[1])
            first = await _gql(
                http, CONFIRM_TYPENAME, {"input": {"keyRequestId": slow, "idempotencyKey": "sigterm-1"}}
            )
            assert first["keyRequestConfirm"]["__typename"] == "KeyRequestConfirmSuccess"
            slow_id = from_global_id(slow, "KeyRequest")

            async def fulfilling() -> bool:
                status = await holder.fetchval("SELECT status FROM key_requests WHERE id = $1", slow_id)
                return bool(status == "FULFILLING")

            await eventually(fulfilling, timeout=60)
            pending = asyncio.create_task(
                _gql(
                    http,
                    CONFIRM_TYPENAME,
                    {"input": {"keyRequestId": in_flight, "idempotencyKey": "sigterm-2"}},
                )
            )

            async def waiting_on_locks() -> bool:
                # Inside a transaction PostgreSQL reads pg_stat_activity once and keeps that
                # snapshot: clear it, or the first (too early) look is all the test ever sees.
                await holder.execute("SELECT pg_stat_clear_snapshot()")
                count = await holder.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                return bool(count >= 2)  # the job's INSERT and the confirm's serial

            await eventually(waiting_on_locks, timeout=60)

            async with websockets.connect(
                f"ws://127.0.0.1:{port}/graphql",
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                additional_headers={"Cookie": cookie, "Origin": base},
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe = {
                    "query": "subscription($id: ID!) { keyRequestUpdated(id: $id) { status } }",
                    "variables": {"id": slow},
                }
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
                now = json.loads(await asyncio.wait_for(ws.recv(), 20))
                assert now["payload"]["data"]["keyRequestUpdated"]["status"] == "FULFILLING"

                # when: the service is told to stop
                server.send_signal(signal.SIGTERM)

                # then: the subscriber is told "service restart" (1012) and may resubscribe elsewhere
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(ws.recv(), 30)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012

            # the process waits for its job and its request: still running while they are held
            assert server.poll() is None and not pending.done()
            await lock.commit()

            # the request in flight is answered, the job finishes, then the process exits cleanly
            answered = await asyncio.wait_for(pending, 60)
            assert answered["keyRequestConfirm"]["__typename"] == "KeyRequestConfirmSuccess"
        code = await asyncio.to_thread(server.wait, 90)
        # uvicorn re-raises the SIGTERM once it has shut down, so the exit is the signal's own
        # (what systemd and container runtimes count as a clean stop)
        assert code in (0, -signal.SIGTERM), server.stderr.read() if server.stderr else b""
        assert await holder.fetchval("SELECT status FROM key_requests WHERE id = $1", slow_id) == "READY"
        # nothing left half done: no job still claimed; the in-flight confirm's job ran before the
        # worker stopped, or waits QUEUED for the next process
        assert await holder.fetchval("SELECT count(*) FROM jobs WHERE status = 'RUNNING'") == 0
        assert (
            await holder.fetchval("SELECT count(*) FROM license_keys WHERE key_request_id = $1", slow_id) == 1
        )
        job = await holder.fetchrow(
            "SELECT status, attempts FROM jobs WHERE kind = 'fulfil_key_request' AND payload::text LIKE $1",
            f"%{slow_id}%",
        )
        assert job is not None and (job["status"], job["attempts"]) == ("DONE", 1)
    finally:
        with contextlib.suppress(Exception):
            await holder.close()
        if server.poll() is None:
            server.kill()
            server.wait(10)


async def test_one_scrape_counts_the_requests_of_every_web_process(
    shared_database: str, tmp_path: Path
) -> None:
    env = _env(shared_database, tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [PORTAL, "serve", "--no-demo", "--processes", "2", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(base, server)
        # when: 24 requests, each on a new connection (the kernel spreads them over the processes)
        for _ in range(24):
            async with httpx.AsyncClient(base_url=base) as http:
                answer = await http.post("/graphql", json={"query": "query ScrapeProbe { me { email } }"})
                assert answer.status_code == 200
        # then: whichever process answers a scrape counts all of them
        for _ in range(6):
            async with httpx.AsyncClient(base_url=base) as http:
                text = (await http.get("/metrics")).text
            count = sample(text, "portal_graphql_operation_duration_seconds_count", operation="ScrapeProbe")
            assert count == 24, text[:2000]
    finally:
        server.terminate()
        server.wait(60)
