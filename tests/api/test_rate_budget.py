"""The points budget (issue 17): every signed-in caller, cookie or token, spends points per clock
hour by the nodes a request may fetch (as GitHub counts them), sees them in rateLimit and the
X-RateLimit-* headers, and past the budget gets HTTP 429 with Retry-After — charged nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.db.models import RateBudget, User
from backend.domain import budget, demo
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, account_id, sign_in
from tests.api.test_api_tokens import bearer, make_token
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient

RATE = "{ rateLimit { limit cost remaining used resetAt } }"
# 100 licenses, each with its account's 100 licenses: 100 + 100 * 100 = 10,100 nodes, 101 points.
NESTED = """
query N($a: ID!) {
  licenses(accountId: $a, first: 100) {
    edges { node { id account { licenses(first: 100) { totalCount } } } }
  }
  rateLimit { cost remaining }
}"""


@pytest.fixture
async def small(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Any, Portal]]:
    """The app with a 150-point budget, so a test spends it in a few requests."""
    async with running_app(make_settings(database_url, tmp_path, points_per_hour=150)) as pair:
        await demo.seed(pair[1].db)
        yield pair


def test_cost_is_one_point_per_started_hundred_nodes() -> None:
    assert [budget.cost_of(n) for n in (0, 1, 100, 101, 10_100, 50_000)] == [1, 1, 1, 2, 101, 500]


async def test_each_request_says_its_budget_in_headers_and_rate_limit(client: GraphQLClient) -> None:
    # given
    acme = account_id(await sign_in(client, ALICE))
    # when
    response = await client.http.post("/graphql", json={"query": RATE})
    # then
    data = response.json()["data"]["rateLimit"]
    assert data["limit"] == 5000 and data["cost"] == 1
    assert data["remaining"] == 5000 - data["used"]
    reset = datetime.fromisoformat(data["resetAt"])
    assert reset.minute == 0 and reset.second == 0 and 0 < (reset - datetime.now(UTC)).total_seconds() <= 3600
    headers = response.headers
    assert headers["X-RateLimit-Limit"] == "5000"
    assert int(headers["X-RateLimit-Used"]) == data["used"]
    assert int(headers["X-RateLimit-Remaining"]) == data["remaining"]
    assert int(headers["X-RateLimit-Reset"]) == int(reset.timestamp())
    # a nested list costs what its node count says
    nested = (await client(NESTED, {"a": acme}))["rateLimit"]
    assert nested["cost"] == 101 and nested["remaining"] == data["remaining"] - 101


async def test_signed_out_callers_spend_no_budget(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"query": RATE})
    assert response.json()["data"]["rateLimit"] is None and "X-RateLimit-Limit" not in response.headers


async def test_over_budget_is_a_429_with_retry_after_and_charges_nothing(small: tuple[Any, Portal]) -> None:
    app, portal = small
    async with client_for(app) as http, client_for(app) as other_http:
        client, other = GraphQLClient(http), GraphQLClient(other_http)
        # given: Alice spent 102 of her 150 points (1 for who she is after signing in)
        acme = account_id(await sign_in(client, ALICE))
        assert (await client(NESTED, {"a": acme}))["rateLimit"] == {"cost": 101, "remaining": 48}
        # when she asks for another 101
        refused = await http.post("/graphql", json={"query": NESTED, "variables": {"a": acme}})
        # then
        assert refused.status_code == 429
        retry = int(refused.headers["Retry-After"])
        assert 0 < retry <= 3601
        assert refused.headers["X-RateLimit-Remaining"] == "48"
        body = refused.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfterSeconds": retry, "cost": 101}
        assert "101 points" in error["message"] and "48" in error["message"]
        # nothing was charged: a small request still fits
        small_one = (await client(RATE))["rateLimit"]
        assert small_one["used"] == 103 and small_one["remaining"] == 47
        # Bob's budget is his own
        await sign_in(other, BOB)
        assert (await other(RATE))["rateLimit"]["used"] == 2
    # The database holds what the process wrote: each user's first point of the hour, Alice's 101
    # with it; the single points since wait for the next batch (budget.WRITE_EVERY).
    async with portal.db.read() as session:
        assert sorted((await session.scalars(select(RateBudget.used))).all()) == [1, 102]


async def test_a_token_spends_its_users_budget(small: tuple[Any, Portal]) -> None:
    app, _portal = small
    async with client_for(app) as http, client_for(app) as script:
        client = GraphQLClient(http)
        acme = account_id(await sign_in(client, ALICE))
        token, _ = await make_token(client, ["licenses:read"])
        spent = (await bearer(script, token, NESTED, {"a": acme})).json()["data"]["rateLimit"]
        assert spent == {"cost": 101, "remaining": 47}  # who she is and making the token: 2 points
        # the browser session and the token share Alice's hour
        refused = await http.post("/graphql", json={"query": NESTED, "variables": {"a": acme}})
        assert refused.status_code == 429
        again = await bearer(script, token, NESTED, {"a": acme})
        assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0


async def test_instances_draw_on_one_budget(
    small: tuple[Any, Portal], database_url: str, tmp_path: Path
) -> None:
    """Two processes behind a load balancer: what one spent, the other refuses to spend again."""
    app, _portal = small
    async with (
        running_app(make_settings(database_url, tmp_path / "second", points_per_hour=150)) as (
            other,
            _,
        ),
        client_for(app) as http,
        client_for(other) as other_http,
    ):
        client = GraphQLClient(http)
        acme = account_id(await sign_in(client, ALICE))
        assert (await client(NESTED, {"a": acme}))["rateLimit"]["remaining"] == 48
        # the same browser session on the second instance
        other_http.cookies.update(http.cookies)
        refused = await other_http.post("/graphql", json={"query": NESTED, "variables": {"a": acme}})
        assert refused.status_code == 429 and refused.headers["X-RateLimit-Remaining"] == "48"


async def test_points_are_written_in_batches_and_exactly_near_the_limit(portal: Portal) -> None:
    # given a user of the demo
    async with portal.db.read() as session:
        user_id = (await session.scalars(select(User.id).where(User.email == BOB))).one()

    async def written() -> int:
        async with portal.db.read() as session:
            return (await session.scalars(select(RateBudget.used).where(RateBudget.user_id == user_id))).one()

    limit = 3 * budget.WRITE_EVERY
    # when the user spends single points, the first of the hour is written at once
    assert (await budget.charge(portal.db, user_id, 1, limit)).used == 1 and await written() == 1
    for n in range(2, budget.WRITE_EVERY + 1):
        assert (await budget.charge(portal.db, user_id, 1, limit)).used == n
    assert await written() == 1
    # then the next one writes the batch
    assert (await budget.charge(portal.db, user_id, 1, limit)).used == budget.WRITE_EVERY + 1
    assert await written() == budget.WRITE_EVERY + 1
    # and near the limit every answer is the database's own
    rest = limit - (budget.WRITE_EVERY + 1)
    assert (await budget.charge(portal.db, user_id, rest, limit)).used == limit and await written() == limit
    over = await budget.charge(portal.db, user_id, 1, limit)
    assert not over.allowed and over.remaining == 0 and await written() == limit
