"""The whole Get a Key over HTTP and graphql-transport-ws, as the SPA drives it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench import documents
from bench.client import BenchError, PortalClient
from bench.cpu import Snapshot
from bench.runner import Flow, Sample
from bench.stats import summary_ms

READY_TIMEOUT = 60.0


def _expect(result: dict[str, Any], typename: str) -> dict[str, Any]:
    if result.get("__typename") != typename:
        raise BenchError(f"expected {typename}, got {result}")
    return result


def http_flow(client: PortalClient) -> Flow:
    """start → enter serial → registration → (subscribe) → confirm → READY on the subscription."""

    async def run(serial: str) -> Sample:
        assert client.socket is not None and client.account_id is not None
        steps: dict[str, float] = {}
        t = began = time.perf_counter()
        started = _expect(
            (await client.gql(documents.START, {"input": {"accountId": client.account_id}}))[
                "keyRequestStart"
            ],
            "KeyRequestStartSuccess",
        )
        request_id = started["keyRequest"]["id"]
        steps["start"] = -t + (t := time.perf_counter())
        _expect(
            (
                await client.gql(
                    documents.ENTER_SERIALS,
                    {"input": {"keyRequestId": request_id, "serialNumbers": [serial]}},
                )
            )["keyRequestEnterSerials"],
            "KeyRequestEnterSerialsSuccess",
        )
        steps["enter_serials"] = -t + (t := time.perf_counter())
        _expect(
            (
                await client.gql(
                    documents.SET_REGISTRATION,
                    {
                        "input": {
                            "keyRequestId": request_id,
                            "registration": documents.REGISTRATION,
                            "hostId": None,
                        }
                    },
                )
            )["keyRequestSetRegistration"],
            "KeyRequestSetRegistrationSuccess",
        )
        steps["set_registration"] = -t + (t := time.perf_counter())
        # Subscribe before confirming (the first frame is the current DRAFT), so no update is missed
        # and confirm → READY is measured from the moment the confirm leaves the client.
        subscription = await client.socket.subscribe(documents.KEY_REQUEST_UPDATED, {"id": request_id})
        await subscription.next(READY_TIMEOUT)
        steps["subscribe"] = -t + (t := time.perf_counter())

        confirm_done: list[float] = []

        async def confirm() -> dict[str, Any]:
            data = await client.gql(
                documents.CONFIRM, {"input": {"keyRequestId": request_id, "idempotencyKey": uuid.uuid4().hex}}
            )
            confirm_done.append(time.perf_counter())
            return data

        confirm_sent = t
        confirming = asyncio.create_task(confirm())
        try:
            while True:
                message = await subscription.next(READY_TIMEOUT)
                update = message.payload["data"]["keyRequestUpdated"]
                if update["status"] == "READY":
                    ready_at = message.at
                    break
                if update["status"] in ("FAILED", "EXPIRED"):
                    raise BenchError(f"key request ended {update['status']}: {update.get('failureReason')}")
        finally:
            client.socket.forget(subscription)
            if not confirming.done():
                await asyncio.wait([confirming], timeout=READY_TIMEOUT)
        _expect(confirming.result()["keyRequestConfirm"], "KeyRequestConfirmSuccess")
        if len(update["keys"]) != 1 or not update["keys"][0]["licenseFile"]:
            raise BenchError(f"READY without its key: {update['keys']}")
        steps["confirm_response"] = confirm_done[0] - confirm_sent
        steps["confirm_to_ready"] = ready_at - confirm_sent
        steps["whole_flow"] = ready_at - began
        return Sample(done_at=ready_at, steps=steps)

    return run


async def sign_in_all(base_url: str, emails: list[str], password: str) -> list[PortalClient]:
    clients = [PortalClient(base_url) for _ in emails]
    try:
        # A few at a time: each sign-in verifies an argon2 hash on the server.
        gate = asyncio.Semaphore(4)

        async def one(client: PortalClient, email: str) -> None:
            async with gate:
                await client.sign_in(email, password)
                await client.open_socket()

        await asyncio.gather(*(one(c, e) for c, e in zip(clients, emails, strict=True)))
    except BaseException:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        raise
    return clients


async def me_sequential(client: PortalClient, duration: float, warmup: int = 50) -> dict[str, Any]:
    """`{ me { id } }` one after another on one keep-alive connection for `duration` seconds."""
    for _ in range(warmup):
        await client.gql(documents.ME_ID)
    samples: list[float] = []
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        t = time.perf_counter()
        await client.gql(documents.ME_ID)
        samples.append(time.perf_counter() - t)
    return {
        "concurrency": 1,
        "requests": len(samples),
        "requests_per_s": round(len(samples) / sum(samples), 1),
        **summary_ms(samples),
    }


async def me_concurrent(
    clients: list[PortalClient], duration: float, snapshot: Callable[[], Awaitable[Snapshot]]
) -> dict[str, Any]:
    """`{ me { id } }` from every client in a closed loop for `duration` seconds."""
    samples: list[float] = []
    end = time.perf_counter() + duration

    async def loop(client: PortalClient) -> None:
        while time.perf_counter() < end:
            t = time.perf_counter()
            await client.gql(documents.ME_ID)
            samples.append(time.perf_counter() - t)

    before = await snapshot()
    begin = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    elapsed = time.perf_counter() - begin
    after = await snapshot()
    server_cpu = after.server - before.server
    return {
        "concurrency": len(clients),
        "requests": len(samples),
        "requests_per_s": round(len(samples) / elapsed, 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / len(samples), 3) if samples else None,
        **summary_ms(samples),
    }
