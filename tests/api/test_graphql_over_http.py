"""GraphQL over HTTP (issue 17): a client asking for application/graphql-response+json gets it,
with the specification's status codes — a request that never executed is a 4xx without `data`
(400 for parse, validation and limit errors, 403 for a CSRF or scope refusal), a field error is
a 200 with `data`. A client asking for application/json keeps 200 with errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from backend.auth.tokens import CSRF_COOKIE
from tests.api.flows import ALICE, sign_in
from tests.api.test_api_tokens import make_token
from tests.support import GraphQLClient

GQL = "application/graphql-response+json"
JSON = "application/json"


async def post(http: httpx.AsyncClient, query: str, accept: str, **headers: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query}, headers={"Accept": accept, **headers})


@pytest.mark.parametrize(
    "query",
    [
        "{ me { id ",  # does not parse
        "{ me { nosuchfield } }",  # does not validate
        "{ messages(first: 101) { id } }",  # a page over 100: refused before execution
    ],
)
async def test_a_request_that_never_ran_is_a_400_without_data(client: GraphQLClient, query: str) -> None:
    await sign_in(client, ALICE)
    response = await post(client.http, query, f"{GQL}, {JSON};q=0.9")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GQL)
    body = response.json()
    assert "data" not in body and body["errors"]
    legacy = await post(client.http, query, JSON)
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith(JSON)
    assert legacy.json()["data"] is None


async def test_a_csrf_refusal_is_a_403(client: GraphQLClient) -> None:
    await sign_in(client, ALICE)
    mutation = "mutation { signOutEverywhere { __typename } }"
    response = await post(client.http, mutation, GQL)  # the cookie, no X-CSRF-Token
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert (await post(client.http, mutation, JSON)).status_code == 200  # the older convention


async def test_a_scope_refusal_is_a_403(client: GraphQLClient, other_client: GraphQLClient) -> None:
    await sign_in(client, ALICE)
    token, _ = await make_token(client, ["partners:read"])
    response = await post(
        other_client.http, "{ inbox(first: 1) { unreadCount } }", GQL, Authorization=f"Bearer {token}"
    )
    assert response.status_code == 403 and "data" not in response.json()


async def test_a_field_error_is_a_200_with_data(client: GraphQLClient) -> None:
    # signed out: `me` is null and rateLimit too; a field that needs a user answers UNAUTHENTICATED
    response = await post(client.http, "{ me { id } inbox(first: 1) { unreadCount } }", GQL)
    assert response.status_code == 200 and response.headers["content-type"].startswith(GQL)
    body = response.json()
    assert "data" in body and body["errors"][0]["path"] == ["inbox"]


async def test_a_successful_request_is_a_200_in_the_media_type_asked_for(client: GraphQLClient) -> None:
    await sign_in(client, ALICE)
    response = await post(client.http, "{ me { email } }", GQL)
    assert response.status_code == 200 and response.headers["content-type"].startswith(GQL)
    assert response.json() == {"data": {"me": {"email": ALICE}}}
    assert client.http.cookies.get(CSRF_COOKIE)


async def test_get_is_not_served(client: GraphQLClient) -> None:
    # Queries only over POST: a GET could be sent by any page the browser visits (no CSRF check on
    # queries), and no client of ours needs it.
    response = await client.http.get("/graphql", params={"query": "{ me { id } }"}, headers={"Accept": GQL})
    # 405 names the method that is served (RFC 9110); development's GraphiQL page stays on GET
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    ide = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()


@pytest.mark.parametrize("name", [{"obj": "ect"}, ["array"], 0, False])
async def test_an_operation_name_that_is_not_a_string_is_a_400(client: GraphQLClient, name: object) -> None:
    # found by the graphql-http audit: a map reached the executor ("unhashable type: 'dict'")
    response = await client.http.post(
        "/graphql", json={"query": "{ __typename }", "operationName": name}, headers={"Accept": GQL}
    )
    assert response.status_code == 400 and "operationName" in response.text


@pytest.mark.parametrize("body", ["null", '"{ me { id } }"', "123"])
async def test_a_body_that_is_not_a_json_object_is_a_400(client: GraphQLClient, body: str) -> None:
    # valid JSON but no object: it reached the library's `data.get(...)` and answered 500
    response = await client.http.post("/graphql", content=body, headers={"Content-Type": JSON, "Accept": GQL})
    assert response.status_code == 400 and "JSON object" in response.text


async def test_a_subscription_over_http_is_a_request_error(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    # it ran as a query, its event stream where a value belongs: an unexpected error at ERROR
    await sign_in(client, ALICE)
    query = 'subscription { keyRequestUpdated(id: "S2V5UmVxdWVzdDox") { id } }'
    response = await post(client.http, query, GQL)
    assert response.status_code == 400 and "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
