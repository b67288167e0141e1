"""GraphQL over HTTP conformance: the `graphql-http` package's server audit suite (npm, run by
tests/api/graphql_http_audit.mjs) against the portal served by uvicorn on a real port, anonymous
and with an API token — 0 warnings, 0 errors. Its notices are the MAY audits the portal declines
on purpose: GET is not served (docs/decisions/0024-api-conformance.md)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from backend.portal import Portal
from tests.api.flows import ALICE, sign_in
from tests.api.sockets import served
from tests.api.test_api_tokens import make_token
from tests.support import GraphQLClient

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
# The MAY audits a portal that serves no GET answers with a notice; any other notice is a change.
DECLINED = {"5A70", "D6D5", "6A70"}


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # The audit is about the HTTP layer: SQLite only (PostgreSQL gives the same answers).
    shutil.copy(sqlite_template, tmp_path / "portal.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found and (ROOT / "node_modules" / "graphql-http" / "package.json").exists():
        return found
    message = "node and the npm package graphql-http are needed: run `npm ci` (make setup)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


async def audit(node: str, url: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        url,
        json.dumps(headers or {}),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)  # a bound against a hang
    assert process.returncode == 0, err.decode()
    results: list[dict[str, Any]] = json.loads(out)
    return results


def failing(results: list[dict[str, Any]], *statuses: str) -> list[str]:
    return [
        f"{r['id']} {r['name']}: {r['reason']} (HTTP {r['httpStatus']})"
        for r in results
        if r["status"] in statuses
    ]


async def test_the_audit_finds_no_warning_and_no_error_for_an_anonymous_caller(
    portal_app: tuple[Any, Portal], node: str
) -> None:
    # given the portal on a real port
    app, _portal = portal_app
    async with served(app) as host:
        # when the whole server audit runs
        results = await audit(node, f"http://{host}/graphql")
    # then every MUST and SHOULD passes, and only the declined GET audits are notices
    assert len(results) > 50
    assert failing(results, "warn", "error") == []
    assert {r["id"] for r in results if r["status"] == "notice"} == DECLINED, failing(results, "notice")


async def test_the_audit_finds_no_warning_and_no_error_for_a_token(
    portal_app: tuple[Any, Portal], client: GraphQLClient, node: str
) -> None:
    # given a reporting script's token
    await sign_in(client, ALICE)
    token, _ = await make_token(client, ["licenses:read"])
    app, _portal = portal_app
    async with served(app) as host:
        # when the audit sends it with every request
        results = await audit(node, f"http://{host}/graphql", {"Authorization": f"Bearer {token}"})
    # then the answers are the same as anonymous ones
    assert failing(results, "warn", "error") == []
    assert {r["id"] for r in results if r["status"] == "notice"} == DECLINED, failing(results, "notice")
