"""Operations: /healthz, /readyz, /metrics, request ids and the log lines (issue 18)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from backend.db.models import Job, JobStatus, LicenseKey, utcnow
from backend.domain.demo import DEMO_PASSWORD
from backend.observability.logging import handler, redact
from backend.portal import Portal
from tests.api.flows import ALICE, account_id, get_a_key, new_serials, sign_in
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, eventually, statements

ME_NAMED = "query PortalMessages { messages(first: 1) { id } }"


def sample(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None when it is absent."""
    for line in exposition.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, label_text = series.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', label_text))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


async def scrape(client: GraphQLClient, **headers: str) -> str:
    response = await client.http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


# ---------------------------------------------------------------- health


async def test_healthz_answers_without_touching_the_database(client: GraphQLClient, portal: Portal) -> None:
    # when
    with statements(portal) as sent:
        response = await client.http.get("/healthz")
    # then
    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert sent == []


async def test_readyz_checks_database_migrations_and_the_in_process_worker(
    client: GraphQLClient, portal: Portal
) -> None:
    response = await client.http.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]
    assert body["checks"]["workers"]["inProcess"] is True and body["checks"]["workers"]["ok"] is True


async def test_readyz_is_503_while_the_schema_is_behind_the_code(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: the database says an older revision
    async with portal.db.write() as session:
        head = await session.scalar(text("SELECT version_num FROM alembic_version"))
        await session.execute(text("UPDATE alembic_version SET version_num = '0014'"))
    try:
        # when
        response = await client.http.get("/readyz")
        # then
        assert response.status_code == 503
        migrations = response.json()["checks"]["migrations"]
        assert migrations == {"ok": False, "current": "0014", "head": head}
    finally:
        async with portal.db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


async def test_readyz_keeps_serving_when_the_schema_is_ahead_of_the_code(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: a rolling deploy migrated for the next release (a revision this code does not know)
    async with portal.db.write() as session:
        head = await session.scalar(text("SELECT version_num FROM alembic_version"))
        await session.execute(text("UPDATE alembic_version SET version_num = '9999_next_release'"))
    try:
        # when
        response = await client.http.get("/readyz")
        # then: this (older) process stays in rotation, and says why
        assert response.status_code == 200, response.text
        migrations = response.json()["checks"]["migrations"]
        assert migrations == {"ok": True, "current": "9999_next_release", "head": head, "ahead": True}
    finally:
        async with portal.db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


async def test_readyz_without_a_worker_waits_for_a_standalone_workers_heartbeat(
    database_url: str, tmp_path: Path
) -> None:
    # given: a web process without a worker of its own (PORTAL_WORKERS=0)
    settings = make_settings(database_url, tmp_path, workers=0)
    async with running_app(settings, run_worker=False) as (app, portal), client_for(app) as http:
        # when nothing beats
        refused = await http.get("/readyz")
        # then: not ready, and it says why
        assert refused.status_code == 503
        workers = refused.json()["checks"]["workers"]
        assert workers == {"standalone": 0, "inProcess": False, "ok": False, "wanted": 1}

        # when a standalone worker (`portal worker`) runs, with its heartbeat
        worker = portal.new_worker()
        worker.start(heartbeat=True)
        try:
            await eventually(lambda: _ready(http))
            ready = await http.get("/readyz")
            assert ready.json()["checks"]["workers"]["standalone"] == 1
        finally:
            await worker.stop()
        # then a stopped worker takes its row with it
        assert (await http.get("/readyz")).status_code == 503


async def _ready(http: Any) -> bool:
    return bool((await http.get("/readyz")).status_code == 200)


# ---------------------------------------------------------------- metrics


async def test_metrics_count_operations_by_name_and_routes_by_template(
    client: GraphQLClient, portal: Portal
) -> None:
    # given
    before = await scrape(client)
    base = sample(
        before, "portal_graphql_operation_duration_seconds_count", type="query", operation="PortalMessages"
    )
    unauthenticated = sample(
        before, "portal_graphql_errors_total", operation="PortalMessages", code="UNAUTHENTICATED"
    )
    # when: signed out, then signed in; and a license file of an id that does not exist
    assert (await client.raw(ME_NAMED))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await sign_in(client)
    await client(ME_NAMED)
    missing = "/api/licenses/00000000-0000-0000-0000-00000000beef/license.lic"
    assert (await client.http.get(missing)).status_code == 404
    after = await scrape(client)
    # then
    count = sample(
        after, "portal_graphql_operation_duration_seconds_count", type="query", operation="PortalMessages"
    )
    assert count == (base or 0) + 2
    errors = sample(after, "portal_graphql_errors_total", operation="PortalMessages", code="UNAUTHENTICATED")
    assert errors == (unauthenticated or 0) + 1
    route = "/api/licenses/{license_id}/license.lic"
    assert (sample(after, "portal_http_request_duration_seconds_count", route=route, method="GET") or 0) >= 1
    assert "beef" not in after  # never a raw path
    assert sample(after, "portal_http_request_duration_seconds_count", route="/graphql", method="POST")


async def test_operation_names_are_bounded_labels(client: GraphQLClient) -> None:
    # when: a name longer than a label may be
    long_name = "x" * 100
    body = await client.http.post(
        "/graphql", json={"query": "query %s { me { email } }" % long_name, "operationName": long_name}
    )
    assert body.status_code == 200
    exposition = await scrape(client)
    # then: it is counted as "other"
    assert long_name not in exposition
    assert sample(exposition, "portal_graphql_operation_duration_seconds_count", operation="other")


async def test_metrics_read_the_job_queue_and_keys_issued_from_the_database(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: a key issued, and a job waiting since a minute ago that no worker can run
    me = await sign_in(client)
    await get_a_key(client, portal, account_id(me))
    async with portal.db.write() as session:
        session.add(
            Job(
                kind="observability-test",
                payload={},
                status=JobStatus.QUEUED,
                run_after=utcnow() - timedelta(minutes=1),
            )
        )
    async with portal.db.read() as session:
        keys = await session.scalar(select(func.count()).select_from(LicenseKey))
    # when
    exposition = await scrape(client)
    # then
    assert sample(exposition, "portal_keys_issued_total") == keys and keys
    assert sample(exposition, "portal_jobs_queued", kind="observability-test") == 1
    age = sample(exposition, "portal_jobs_oldest_queued_age_seconds")
    assert age is not None and age >= 60
    assert sample(exposition, "portal_db_connections", pool="orm", state="in_use") is not None


async def test_metrics_want_the_token_when_one_is_set(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, metrics_token="scrape-secret-1")
    async with running_app(settings, run_worker=False) as (app, _portal), client_for(app) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        answered = await http.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
        assert answered.status_code == 200 and "portal_jobs_queued" in answered.text


async def test_metrics_are_not_public_in_production_without_a_token(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, env="production")
    async with running_app(settings, run_worker=False) as (app, _portal), client_for(app) as http:
        assert (await http.get("/metrics")).status_code == 404


# ---------------------------------------------------------------- request ids


async def test_every_response_names_its_request_id(client: GraphQLClient) -> None:
    one = await client.http.get("/healthz")
    two = await client.http.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", one.headers["x-request-id"])
    assert one.headers["x-request-id"] != two.headers["x-request-id"]
    # without trusted proxies a client's own id is not believed
    mine = await client.http.get("/healthz", headers={"X-Request-ID": "client-chosen-id-1"})
    assert mine.headers["x-request-id"] != "client-chosen-id-1"


async def test_a_trusted_proxys_request_id_is_kept_if_well_formed(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, trusted_proxies=("127.0.0.1",))
    async with running_app(settings, run_worker=False) as (app, _portal), client_for(app) as http:
        kept = await http.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
        assert kept.headers["x-request-id"] == "nginx-0123456789abcdef"
        odd = await http.get("/healthz", headers={"X-Request-ID": "bad id\nwith a newline"})
        assert odd.headers["x-request-id"] != "bad id\nwith a newline"


# ---------------------------------------------------------------- logs


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything every logger writes, at DEBUG (SQLAlchemy's statements with their parameters
    too), through the production handler: JSON lines."""
    out = io.StringIO()
    root = logging.getLogger()
    sink = handler("json", out)
    old_level = root.level
    root.addHandler(sink)
    root.setLevel(logging.DEBUG)
    engine_log = logging.getLogger("sqlalchemy.engine")
    engine_level = engine_log.level
    engine_log.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(sink)
        root.setLevel(old_level)
        engine_log.setLevel(engine_level)


async def test_log_lines_carry_ids_and_never_secrets(
    database_url: str, tmp_path: Path, captured_logs: io.StringIO
) -> None:
    # given: the app started while everything logs (SQLAlchemy decides at connect whether to log)
    async with running_app(make_settings(database_url, tmp_path)) as (app, portal), client_for(app) as http:
        from backend.domain import demo

        await demo.seed(portal.db)
        client = GraphQLClient(http)
        # when: a sign-in with the password, and Get a Key to the end
        me = await sign_in(client)
        request = await get_a_key(client, portal, account_id(me))
        await new_serials(portal)  # more serials in the log, never confirmed
    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    everything = captured_logs.getvalue()

    # then: the secrets of the flow appear nowhere
    key = request["keys"][0]
    serial = request["serials"][0]["number"]
    assert DEMO_PASSWORD not in everything
    assert serial not in everything and f"[…{serial[-4:]}]" in everything
    assert key["activationKey"] not in everything
    assert key["licenseFile"] not in everything and key["licenseFile"][:40] not in everything
    assert "$argon2" not in everything
    assert len(lines) > 50  # the statements were logged, redacted

    # and every line of a request names it; the job the confirm enqueued says the confirm's id
    confirm = [
        line
        for line in lines
        if line["logger"] == "portal.access" and line["request_id"] and "POST /graphql" in line["message"]
    ]
    assert confirm and all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in confirm)
    job_lines = [line for line in lines if line["logger"] == "backend.jobs" and "fulfil" in line["message"]]
    assert job_lines, "the fulfilment job logged"
    assert {line["request_id"] for line in job_lines} <= {line["request_id"] for line in confirm}
    assert all(line["request_id"] for line in job_lines)
    # the signed-in steps say who acted, and on which account
    acted = [line for line in lines if line["user_id"] is not None]
    assert acted and len({line["user_id"] for line in acted}) == 1
    assert any(line["account_id"] for line in acted)


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        ('password="hunter2-long"', "password=[redacted]", "hunter2"),
        ("{'newPassword': 's3cret pass'}", "'newPassword': [redacted]", "s3cret"),
        ("Authorization: Bearer lp_abcdefghijklmnopqrstuv", "Authorization: [redacted]", "abcdefghijkl"),
        ("sent with bearer lp_abcdefghijklmnopqrstuv", "bearer [token]", "abcdefghijkl"),
        ("serial M1234567897 and M123-456-7897", "[…7897] and […7897]", "M12345"),
        ("key ABCDE-FGHJK-MNPQR-STVWX-YZ012 ok", "key […Z012] ok", "ABCDE"),
        ("voucher 0123-4567-89AB-CDEF", "voucher […CDEF]", "0123-"),
        (
            "file eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJsaWNlbnNlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
            "file [license file]",
            "eyJ",
        ),
    ],
)
def test_redaction_keeps_what_tells_apart_and_drops_the_secret(line: str, kept: str, gone: str) -> None:
    redacted = redact(line)
    assert kept in redacted and gone not in redacted


def test_text_format_in_development_says_the_request_id(caplog: Any) -> None:
    from backend.observability import context

    out = io.StringIO()
    sink = handler("text", out)
    log = logging.getLogger("portal.test")
    log.addHandler(sink)
    log.setLevel(logging.INFO)
    token = context.request_id.set("rid-0000000000000001")
    try:
        log.info("hello %s", "M1234567897")
    finally:
        context.request_id.reset(token)
        log.removeHandler(sink)
    written = out.getvalue()
    assert "[rid-0000000000000001]" in written and "hello […7897]" in written
    assert ALICE not in written


async def test_open_subscriptions_are_counted_while_they_run(
    portal_app: tuple[Any, Portal], client: GraphQLClient
) -> None:
    from tests.api.sockets import receive, served, session_cookie, socket, subscribe

    app, _portal = portal_app
    me = await sign_in(client)
    request = (await client(START_DRAFT, {"input": {"accountId": account_id(me)}}))["keyRequestStart"]
    before = sample(await scrape(client), "portal_graphql_subscriptions_open") or 0
    async with served(app) as host:
        async with socket(host, session_cookie(client)) as ws:
            # when: a subscription is being served
            await subscribe(ws, request["keyRequest"]["id"])
            assert (await receive(ws))["type"] == "next"
            # then
            assert sample(await scrape(client), "portal_graphql_subscriptions_open") == before + 1

        # when the socket closes, the count comes back down
        async def closed() -> bool:
            return sample(await scrape(client), "portal_graphql_subscriptions_open") == before

        await eventually(closed)


START_DRAFT = (
    "mutation S($input: KeyRequestStartInput!) { keyRequestStart(input: $input) "
    "{ __typename ... on KeyRequestStartSuccess { keyRequest { id } } } }"
)
