"""Schema-based fuzzing: schemathesis' GraphQL mode generates queries and mutations from the
schema's introspection and sends them to the seeded portal on a real port, signed in as Alice
(session cookie + CSRF header), on SQLite and on PostgreSQL (a NUL in a string failed only
there). No request may end in a server error: no 5xx, no unexpected exception logged, and every
GraphQL error it meets is an expected refusal that names its code.

The run is bounded by examples per operation (PORTAL_FUZZ_EXAMPLES, 4 by default) with a fixed
seed (PORTAL_FUZZ_SEED), so CI replays the same cases; raise both locally to explore further."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from backend.auth.tokens import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from backend.portal import Portal
from tests.api.flows import ALICE, sign_in
from tests.api.sockets import served
from tests.support import GraphQLClient

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "4"))
SEED = int(os.environ.get("PORTAL_FUZZ_SEED", "17"))
# Signing out would turn every later case into an UNAUTHENTICATED answer.
SIGN_OUTS = ("Mutation.logout", "Mutation.signOutEverywhere")
# An expected refusal is a GraphQL error with a code (backend/domain/errors.py, the limits, the
# access rules); an unexpected exception has none. INTERNAL_SERVER_ERROR is never expected.
BODY = re.compile(r"^\s*`(\{.*\})`\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def st() -> str:
    found = Path(sys.executable).with_name("st")
    if found.exists():
        return str(found)
    message = "schemathesis is needed: pip install -e '.[dev]' (make setup)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def failures(report: Path) -> list[tuple[str, str, str]]:
    """(operation, failure code, text) for each failure in schemathesis' JUnit report."""
    found = []
    for case in ET.parse(report).getroot().iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            found.append((case.get("name", ""), failure.get("message", ""), failure.text or ""))
    return found


def unexpected_errors(text: str) -> list[dict[str, Any]]:
    """The GraphQL errors in a reported response that carry no code of an expected refusal."""
    bad = []
    for body in BODY.findall(text):
        for error in json.loads(body).get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            if not code or code == "INTERNAL_SERVER_ERROR":
                bad.append(error)
    return bad


async def test_fuzzing_the_schema_signed_in_finds_no_server_error(
    portal_app: tuple[Any, Portal],
    client: GraphQLClient,
    st: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given the seeded portal on a real port and Alice's browser session
    await sign_in(client, ALICE)
    session, csrf = client.http.cookies.get(SESSION_COOKIE), client.http.cookies.get(CSRF_COOKIE)
    assert session and csrf
    app, _portal = portal_app
    report = tmp_path / "junit.xml"
    caplog.set_level(logging.WARNING)
    async with served(app) as host:
        # when schemathesis fuzzes every query and mutation
        command = [
            st,
            "run",
            f"http://{host}/graphql",
            "--header",
            f"Cookie: {SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}",
            "--header",
            f"{CSRF_HEADER}: {csrf}",
            *(arg for name in SIGN_OUTS for arg in ("--exclude-name", name)),
            "--checks",
            "not_a_server_error",
            "--continue-on-failure",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-deterministic",  # the seed's cases alone, no replay of earlier runs
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
            "--output-truncate",
            "false",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ]
        process = await asyncio.create_subprocess_exec(
            # in the test's directory: schemathesis keeps a cache beside it
            *command,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 600)  # a bound against a hang
    output = out.decode(errors="replace")
    # then it tested the whole schema (a run that reached nothing proves nothing)
    assert report.exists(), output[-3000:]
    tested = [case.get("name", "") for case in ET.parse(report).getroot().iter("testcase")]
    assert len(tested) > 80, output[-3000:]
    assert {"Query.licenses", "Mutation.keyRequestStart"} <= set(tested)
    # no 5xx, and every GraphQL error schemathesis flagged is a refusal with a code
    found = failures(report)
    assert [f for f in found if f[1] != "ST113"] == [], output[-5000:]
    assert [(op, unexpected_errors(text)) for op, _code, text in found if unexpected_errors(text)] == []
    # and the server logged no unexpected exception while it ran
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [f"{r.name}: {r.getMessage()}" for r in errors] == []
