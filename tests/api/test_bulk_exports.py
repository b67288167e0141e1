"""Bulk exports: start → COMPLETED → download → the JSONL read back equals the licenses made;
nested connection lines link to their parents (their later pages through node(id:)); one export
runs per user, also when two starts race; cancel; a foreign id answers as unknown; the link's
expiry and tampering; a token without licenses:read cannot export licenses."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from backend.db.models import BulkExport, Job, utcnow
from backend.domain.bulk_exports import exports, query
from backend.jobs import Worker
from backend.portal import Portal
from backend.schema.common import from_global_id
from tests.api.flows import ALICE, BOB, account_id, sign_in
from tests.api.licenses_world import create_field, make_license, plain, set_values
from tests.api.sockets import receive, served, session_cookie, socket
from tests.api.test_api_tokens import bearer, make_token
from tests.api.test_partners import delegate
from tests.conftest import client_for
from tests.support import GraphQLClient, eventually

START = """
mutation S($input: BulkExportStartInput!) {
  bulkExportStart(input: $input) {
    __typename
    ... on BulkExportStartSuccess { bulkExport { id status } }
    ... on BulkExportRunning { code field message runningExport { id status } }
    ... on InvalidInput { code field fieldErrors { field code message } }
  }
}"""
EXPORT = """
query E($id: ID!) {
  bulkExport(id: $id) { id status objectCount errorMessage url expiresAt createdAt completedAt query }
}"""
EXPORTS = "query { bulkExports(first: 10) { edges { node { id status } } pageInfo { hasNextPage } } }"
CANCEL = """
mutation C($input: BulkExportCancelInput!) {
  bulkExportCancel(input: $input) {
    __typename
    ... on BulkExportCancelSuccess { bulkExport { id status } }
    ... on UserError { code field }
  }
}"""


def licenses_query(account: str) -> str:
    return (
        f'{{ licenses(accountId: "{account}") {{ edges {{ node {{ id quantity '
        "product { sku } keys { activationKey } customValues { value field { name } } } } } }"
    )


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2, so a handful of licenses crosses several pages."""
    monkeypatch.setattr(query, "PAGE", 2)


@pytest.fixture
async def script(portal_app: tuple[Any, Portal]) -> AsyncIterator[httpx.AsyncClient]:
    """A script's HTTP client: no cookies, a token or a link."""
    async with client_for(portal_app[0]) as http:
        yield http


async def start(client: GraphQLClient, text: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client(START, {"input": {"query": text}}))["bulkExportStart"]
    return result


async def finished(client: GraphQLClient, export_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        found: dict[str, Any] = (await client(EXPORT, {"id": export_id}))["bulkExport"]
        return found if found["status"] not in ("CREATED", "RUNNING") else None

    done: dict[str, Any] = await eventually(check)
    return done


async def download(http: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    http.cookies.clear()  # the link is the proof: no session needed
    response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jsonl")
    return [json.loads(line) for line in response.text.splitlines()]


async def test_an_export_reads_back_as_the_licenses_made(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given an account with five licenses (pages of 2), two with custom values
    account = account_id(await sign_in(client))
    made = [
        await make_license(portal, plain(account, "Account"), "EPS-14", quantity=10 + i) for i in range(5)
    ]
    note = await create_field(client, account, "Cost centre", "TEXT")
    await set_values(
        client, [made[0].global_id, made[3].global_id], [{"fieldId": note["id"], "value": "=CC-7"}]
    )
    # when Alice exports them
    started = await start(client, licenses_query(account))
    assert started["__typename"] == "BulkExportStartSuccess", started
    assert started["bulkExport"]["status"] in ("CREATED", "RUNNING", "COMPLETED")
    done = await finished(client, started["bulkExport"]["id"])
    # then every license is one line with the fields asked for
    assert done["status"] == "COMPLETED", done
    assert done["errorMessage"] is None and done["completedAt"] is not None
    rows = await download(other_client.http, done["url"])
    by_id = {row["id"]: row for row in rows}
    for m in made:
        row = by_id[m.global_id]
        assert row["product"] == {"sku": "EPS-14"}
        assert row["keys"] == [{"activationKey": m.activation_key}]
        assert "_bulkId" not in row and "__parentId" not in row
    assert [by_id[m.global_id]["quantity"] for m in made] == [10, 11, 12, 13, 14]
    assert by_id[made[0].global_id]["customValues"] == [{"value": "=CC-7", "field": {"name": "Cost centre"}}]
    assert by_id[made[1].global_id]["customValues"] == []
    # and the file holds exactly the account's licenses (the demo's too), as the API lists them
    listed = await client(
        "query L($a: ID!) { accountLicenses: licenses(accountId: $a, first: 100) { edges { node { id } } } }",
        {"a": account},
    )
    assert sorted(by_id) == sorted(e["node"]["id"] for e in listed["accountLicenses"]["edges"])
    assert len(rows) == len(by_id) == done["objectCount"]
    # the link lasts seven days and the list shows the export
    expires = done["expiresAt"]
    assert expires[:10] == (utcnow() + timedelta(days=7)).date().isoformat()
    listing = (await client(EXPORTS))["bulkExports"]
    assert [e["node"]["id"] for e in listing["edges"]] == [done["id"]]


async def test_nested_connection_lines_link_to_their_parent(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given a partner managing Alice's account, which holds three licenses more
    customer = await delegate(portal, client, other_client, ALICE, "VIEW")
    made = [await make_license(portal, plain(customer, "Account"), "EPS-14") for _ in range(3)]
    text = "{ managedAccounts { edges { node { id name licenses { edges { node { id quantity } } } } } } }"
    # when the partner exports accounts with their licenses (nested pages of 2: node(id:) fetches the rest)
    started = await start(other_client, text)
    assert started["__typename"] == "BulkExportStartSuccess", started
    done = await finished(other_client, started["bulkExport"]["id"])
    assert done["status"] == "COMPLETED", done
    rows = await download(client.http, done["url"])
    # then the account has its line, and each of its licenses a line naming it as parent
    accounts = [r for r in rows if "__parentId" not in r]
    assert [a["id"] for a in accounts] == [customer]
    assert "licenses" not in accounts[0]
    children = [r for r in rows if r.get("__parentId") == customer]
    assert {m.global_id for m in made} <= {c["id"] for c in children}
    assert len(children) == len({c["id"] for c in children}) == len(rows) - 1 >= 3


async def test_one_export_runs_per_user_even_when_two_start_at_once(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    await sign_in(other_client)  # Alice again, in a second session
    text = licenses_query(account)
    # given the worker is not taking jobs, so the first export stays CREATED
    assert portal.worker is not None
    await portal.worker.stop()
    # when two starts race
    first, second = await asyncio.gather(start(client, text), start(other_client, text))
    # then exactly one starts and the other names it
    kinds = sorted([first["__typename"], second["__typename"]])
    assert kinds == ["BulkExportRunning", "BulkExportStartSuccess"], (first, second)
    won = first if first["__typename"] == "BulkExportStartSuccess" else second
    lost = second if won is first else first
    assert lost["code"] == "BULK_EXPORT_RUNNING" and lost["field"] == "query"
    assert lost["runningExport"]["id"] == won["bulkExport"]["id"]
    # a cancel frees the way; cancelling twice is refused
    canceled = (await client(CANCEL, {"input": {"id": won["bulkExport"]["id"]}}))["bulkExportCancel"]
    assert canceled == {
        "__typename": "BulkExportCancelSuccess",
        "bulkExport": {"id": won["bulkExport"]["id"], "status": "CANCELED"},
    }
    again = (await client(CANCEL, {"input": {"id": won["bulkExport"]["id"]}}))["bulkExportCancel"]
    assert again == {"__typename": "BulkExportNotCancelable", "code": "NOT_CANCELABLE", "field": "id"}
    assert (await start(client, text))["__typename"] == "BulkExportStartSuccess"


async def test_a_running_export_stops_when_canceled(client: GraphQLClient, portal: Portal) -> None:
    # given an export that has written its first page
    account = account_id(await sign_in(client))
    for _ in range(4):
        await make_license(portal, plain(account, "Account"), "EPS-14")
    assert portal.worker is not None
    await portal.worker.stop()
    started = await start(client, licenses_query(account))
    export_id = started["bulkExport"]["id"]
    assert portal.bulk_runner is not None
    inner = portal.bulk_runner
    calls = 0

    class CancelAfterFirstPage:
        schema = inner.schema

        async def __call__(self, *args: Any) -> dict[str, Any]:
            nonlocal calls
            calls += 1
            if calls == 2:  # the user cancels while the export runs
                await client(CANCEL, {"input": {"id": export_id}})
            return await inner(*args)

    # when the job runs with a cancel between its pages
    await exports.run(
        portal.db,
        portal.bus,
        portal.settings,
        CancelAfterFirstPage,
        {"export_id": str(from_global_id(export_id, "BulkExport"))},
    )
    # then it stopped there: CANCELED, no file, no link
    done = (await client(EXPORT, {"id": export_id}))["bulkExport"]
    assert done["status"] == "CANCELED" and done["url"] is None
    assert calls == 2
    row_id = from_global_id(export_id, "BulkExport")
    assert row_id is not None
    assert not exports.file_path(portal.settings, row_id).exists()
    assert list(exports.file_path(portal.settings, row_id).parent.glob("*.part")) == []


async def test_a_foreign_export_answers_as_unknown(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    done = await finished(client, (await start(client, licenses_query(account)))["bulkExport"]["id"])
    await sign_in(other_client, BOB)
    assert (await other_client(EXPORT, {"id": done["id"]}))["bulkExport"] is None
    unknown = "QnVsa0V4cG9ydDo" + "x"  # not an id at all
    assert (await other_client(EXPORT, {"id": unknown}))["bulkExport"] is None
    assert (await other_client(EXPORTS))["bulkExports"]["edges"] == []
    for given in (done["id"], unknown):
        refused = (await other_client(CANCEL, {"input": {"id": given}}))["bulkExportCancel"]
        assert refused == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "id"}


async def test_the_link_expires_and_cannot_be_altered(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    done = await finished(client, (await start(client, licenses_query(account)))["bulkExport"]["id"])
    url = done["url"]
    http = other_client.http
    assert (await http.get(url)).status_code == 200
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    later = str(int(params["e"]) + 86400)
    tampered = [
        f"{parts.path}?e={later}&s={params['s']}",  # a longer life
        f"{parts.path}?e={params['e']}&s={'0' * 64}",
        f"{parts.path.replace(parts.path.split('/')[-1], str(uuid.uuid4()) + '.jsonl')}?{parts.query}",
        parts.path,
    ]
    for bad in tampered:
        assert (await http.get(bad)).status_code == 404, bad
    # past its expiry the link is refused even before the file is deleted ...
    row_id = from_global_id(done["id"], "BulkExport")
    assert row_id is not None
    assert await exports.verified_file(portal.db, portal.settings, str(row_id), params) is not None
    week_on = utcnow() + timedelta(days=7, minutes=1)
    assert await exports.verified_file(portal.db, portal.settings, str(row_id), params, now=week_on) is None
    # ... and the expiry job deletes the file and says EXPIRED
    await exports.expire(portal.db, portal.bus, portal.settings, {"export_id": str(row_id)})
    assert not exports.file_path(portal.settings, row_id).exists()
    expired = (await client(EXPORT, {"id": done["id"]}))["bulkExport"]
    assert expired["status"] == "EXPIRED" and expired["url"] is None
    assert (await http.get(url)).status_code == 404


async def test_invalid_queries_are_refused_naming_the_query(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    cases = {
        "": "REQUIRED",
        "{ licenses(accountId: ": "SYNTAX",
        "{ nope { id } }": "INVALID_QUERY",
        "mutation { logout { __typename } }": "NOT_A_QUERY",
        "{ me { id } }": "INVALID_QUERY",
        f'{{ a: licenses(accountId: "{account}") {{ edges {{ node {{ id }} }} }} me {{ id }} }}': "INVALID_QUERY",
        "query Q($a: ID!) { licenses(accountId: $a) { edges { node { id } } } }": "INVALID_QUERY",
        "{ managedAccounts { edges { node { licenses { edges { node { id account { licenses { edges { node { id } } } } } } } } } } }": "TOO_DEEP",
    }
    for text, code in cases.items():
        refused = await start(client, text)
        assert refused["__typename"] == "InvalidInput", (text, refused)
        assert [(e["field"], e["code"]) for e in refused["fieldErrors"]] == [("query", code)], (text, refused)
    # nothing was started
    assert (await client(EXPORTS))["bulkExports"]["edges"] == []
    async with portal.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(BulkExport)) == 0


async def test_a_token_exports_only_what_its_scopes_open(
    client: GraphQLClient, portal: Portal, script: httpx.AsyncClient
) -> None:
    account = account_id(await sign_in(client))
    made = await make_license(portal, plain(account, "Account"), "EPS-14")
    reports_only, _ = await make_token(client, ["reports:read"])
    reader, _ = await make_token(client, ["licenses:read"], name="licenses")
    # a token without licenses:read cannot export licenses
    refused = (
        await bearer(script, reports_only, START, {"input": {"query": licenses_query(account)}})
    ).json()
    answer = refused["data"]["bulkExportStart"]
    assert answer["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in answer["fieldErrors"]] == [("query", "MISSING_SCOPE")]
    # with it, a script starts, polls and downloads
    started = (await bearer(script, reader, START, {"input": {"query": licenses_query(account)}})).json()
    export_id = started["data"]["bulkExportStart"]["bulkExport"]["id"]

    async def check() -> dict[str, Any] | None:
        found = (await bearer(script, reader, EXPORT, {"id": export_id})).json()["data"]["bulkExport"]
        return found if found["status"] == "COMPLETED" else None

    done = await eventually(check)
    rows = await download(script, done["url"])
    assert done["objectCount"] == len(rows) and made.global_id in {r["id"] for r in rows}
    # the token's scopes were captured at start and hold for the run
    async with portal.db.read() as session:
        row = await session.get(BulkExport, from_global_id(export_id, "BulkExport"))
    assert row is not None and row.scopes == ["licenses:read"]


SUBSCRIBE = "subscription U($id: ID!) { bulkExportUpdated(id: $id) { id status objectCount url } }"


async def test_a_subscriber_sees_the_export_through_to_completed(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal, portal_app: tuple[Any, Portal]
) -> None:
    # given an export that waits for the worker, and a subscriber on a real WebSocket
    account = account_id(await sign_in(client))
    await make_license(portal, plain(account, "Account"), "EPS-14")
    assert portal.worker is not None
    await portal.worker.stop()
    export_id = (await start(client, licenses_query(account)))["bulkExport"]["id"]
    async with served(portal_app[0]) as host, socket(host, session_cookie(client)) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"id": export_id}},
                }
            )
        )
        first = await receive(ws)
        assert first["payload"]["data"]["bulkExportUpdated"]["status"] == "CREATED"
        # when a worker runs it
        worker = portal.new_worker()
        assert await worker.run_once()
        # then the subscriber is told until COMPLETED, with the link, and the subscription ends
        seen = []
        while True:
            message = await receive(ws)
            if message["type"] == "complete":
                break
            seen.append(message["payload"]["data"]["bulkExportUpdated"])
        assert seen[-1]["status"] == "COMPLETED" and seen[-1]["url"] and seen[-1]["objectCount"] >= 1
        # a stranger's subscription to it is refused like an unknown id
        await sign_in(other_client, BOB)
        async with socket(host, session_cookie(other_client)) as stranger:
            await stranger.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIBE, "variables": {"id": export_id}},
                    }
                )
            )
            refused = await receive(stranger)
            assert refused["type"] == "next" and refused["payload"]["data"] is None
            assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_export_longer_than_a_job_lease_is_not_taken_over(
    client: GraphQLClient, portal: Portal
) -> None:
    # given a worker whose leases last 2 s and an export whose pages take half a second each
    account = account_id(await sign_in(client))
    for _ in range(10):
        await make_license(portal, plain(account, "Account"), "EPS-14")
    assert portal.worker is not None and portal.bulk_runner is not None
    await portal.worker.stop()
    inner = portal.bulk_runner

    class Slow:
        schema = inner.schema

        async def __call__(self, *args: Any) -> dict[str, Any]:
            await asyncio.sleep(0.5)
            return await inner(*args)

    portal.bulk_runner = Slow()
    worker = Worker(portal.db, portal.bus, portal.job_kinds, concurrency=2, lease_seconds=2, grace_seconds=5)
    export_id = (await start(client, licenses_query(account)))["bulkExport"]["id"]
    worker.start()
    try:
        done = await finished(client, export_id)
    finally:
        await worker.stop()
        portal.bulk_runner = inner
    # then one run did it all (the lease was renewed page by page) and the file is whole
    assert done["status"] == "COMPLETED"
    async with portal.db.read() as session:
        attempts = list(await session.scalars(select(Job.attempts).where(Job.kind == exports.JOB)))
    assert attempts == [1]
    rows = await download(client.http, done["url"])
    assert len(rows) == done["objectCount"] >= 10
