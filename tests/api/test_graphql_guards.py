"""GraphQL hardening: caches, limits, GET, production settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from backend.graphql import build_schema
from backend.resolvers import api_tokens as api_token_resolvers
from tests.api.flows import ME, sign_in
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient


async def test_repeated_query_hits_the_validation_cache(client: GraphQLClient) -> None:
    await sign_in(client)
    cache = _get_validate_cache(512)
    await client(ME)
    before = cache.cache_info()
    for _ in range(5):
        await client(ME)
    after = cache.cache_info()
    assert after.hits - before.hits == 5
    assert after.misses == before.misses


async def test_no_mutation_over_get(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", params={"query": "mutation { logout { ok } }"})
    assert response.status_code in (400, 405)


async def test_depth_and_alias_limits(client: GraphQLClient) -> None:
    await sign_in(client)
    deep = "{ me { memberships { account { keyRequests { account { keyRequests { account { keyRequests { account {"
    deep += " keyRequests { account { keyRequests { account { id } } } } } } } } } } } } } }"
    body = await client.raw(deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }"
    body = await client.raw(aliases)
    assert "aliases" in body["errors"][0]["message"]


async def test_production_hides_introspection_suggestions_and_errors(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, env="production")
    async with running_app(settings) as (app, _portal), client_for(app) as http:
        client = GraphQLClient(http)
        introspection = await client.raw("{ __schema { types { name } } }")
        assert introspection["errors"] and "introspection" in introspection["errors"][0]["message"].lower()
        typo = await client.raw("{ mee { id } }")
        assert "Did you mean" not in typo["errors"][0]["message"]
        ide = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in ide.text.lower()


async def test_development_schema_keeps_introspection() -> None:
    result = await build_schema(False).execute("{ __schema { queryType { name } } }")
    assert result.errors is None


async def test_production_masks_an_unexpected_error_and_logs_it(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a production portal whose scope list breaks (a KeyError inside a resolver)
    monkeypatch.setattr(api_token_resolvers, "SCOPE_DESCRIPTIONS", {})
    settings = make_settings(database_url, tmp_path, env="production")
    async with running_app(settings) as (app, _portal), client_for(app) as http:
        # when a caller asks for it
        body = await GraphQLClient(http).raw("{ apiTokenScopes { name } }")
    # then the answer names no internals, and the log has the whole story at ERROR
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "KeyError" not in str(body) and "licenses:read" not in str(body)
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
