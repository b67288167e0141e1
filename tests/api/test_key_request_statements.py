"""The wizard's answers show the serials their step read: no second read of a request's serials or of
their products after the step (`resolvers/steps.py` primes the loaders with what the step read).

Counted, not spelled: every statement sent on the engines and the driver counts, whatever its SQL
says. Asking a step's answer for the serials and their products costs no statement more than asking
for its id; and a step costs the same number of statements whether the request holds one serial of
one product or four serials of two products."""

from __future__ import annotations

from typing import Any

from backend.portal import Portal
from tests.api.flows import REGISTRATION, account_id, new_serials, sign_in
from tests.support import GraphQLClient, statements

BARE = "id status"  # nothing a step reads: `step` itself looks at the serials
SHOWN = "id step serials { number kind quantity product { sku name version locking } }"

START = """
mutation S($input: KeyRequestStartInput!) {
  keyRequestStart(input: $input) { __typename ... on KeyRequestStartSuccess { keyRequest { %s } } }
}"""
ENTER = """
mutation E($input: KeyRequestEnterSerialsInput!) {
  keyRequestEnterSerials(input: $input) {
    __typename ... on KeyRequestEnterSerialsSuccess { keyRequest { %s } }
  }
}"""
REGISTER = """
mutation R($input: KeyRequestSetRegistrationInput!) {
  keyRequestSetRegistration(input: $input) {
    __typename ... on KeyRequestSetRegistrationSuccess { keyRequest { %s } }
  }
}"""


async def counted(
    client: GraphQLClient, portal: Portal, document: str, fields: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """The step's answer (its one field) and the number of statements it sent."""
    with statements(portal) as sent:
        data = await client(document % fields, variables)
    (answer,) = data.values()
    assert answer["__typename"].endswith("Success"), answer
    request: dict[str, Any] = answer["keyRequest"]
    return request, len(sent)


async def draft_holding(client: GraphQLClient, portal: Portal, account: str, skus: list[str]) -> str:
    """A Get a Key draft holding a fresh serial of each of these products."""
    request = (await client(START % "id", {"input": {"accountId": account}}))["keyRequestStart"]["keyRequest"]
    numbers = [number for sku in skus for number in await new_serials(portal, sku)]
    if numbers:
        variables = {"input": {"keyRequestId": request["id"], "serialNumbers": numbers}}
        entered = (await client(ENTER % "id", variables))["keyRequestEnterSerials"]
        assert entered["__typename"] == "KeyRequestEnterSerialsSuccess", entered
    return str(request["id"])


async def start_cost(
    client: GraphQLClient, portal: Portal, account: str, fields: str, *, reuse: bool
) -> tuple[Any, int]:
    """Starting a draft: a new one, or (reuse) the user's empty draft again."""
    variables = {"input": {"accountId": account}}
    if reuse:
        await client(START % "id", variables)  # an empty draft to come back to
    answer, cost = await counted(client, portal, START, fields, variables)
    if not reuse:  # the next start makes a new draft again
        more = {"input": {"keyRequestId": answer["id"], "serialNumbers": await new_serials(portal)}}
        assert (await client(ENTER % "id", more))["keyRequestEnterSerials"]["__typename"].endswith("Success")
    return answer, cost


async def enter_cost(
    client: GraphQLClient, portal: Portal, account: str, fields: str, held: list[str]
) -> tuple[Any, int]:
    """Entering one more serial (DLP-16) into a draft holding serials of `held`."""
    kr = await draft_holding(client, portal, account, held)
    more = await new_serials(portal, "DLP-16")
    return await counted(
        client, portal, ENTER, fields, {"input": {"keyRequestId": kr, "serialNumbers": more}}
    )


async def registration_cost(
    client: GraphQLClient, portal: Portal, account: str, fields: str, held: list[str]
) -> tuple[Any, int]:
    kr = await draft_holding(client, portal, account, held)
    variables = {"input": {"keyRequestId": kr, "registration": REGISTRATION}}
    return await counted(client, portal, REGISTER, fields, variables)


ONE = ["EPS-14"]
FOUR = ["EPS-14", "EPS-14", "DLP-16", "DLP-16"]


async def signed_in_quiet(client: GraphQLClient, portal: Portal) -> str:
    account = account_id(await sign_in(client))
    if portal.worker is not None:
        await portal.worker.stop()  # its idle polls would land in the count
    # Once through every step first: what a process does once (e.g. the first draft's sweep of
    # expired drafts) is not what a step costs.
    await registration_cost(client, portal, account, BARE, ONE)
    return account


async def test_showing_the_serials_costs_no_statement(client: GraphQLClient, portal: Portal) -> None:
    account = await signed_in_quiet(client, portal)
    started = [await start_cost(client, portal, account, fields, reuse=False) for fields in (BARE, SHOWN)]
    again = [await start_cost(client, portal, account, fields, reuse=True) for fields in (BARE, SHOWN)]
    entered = [await enter_cost(client, portal, account, fields, ONE) for fields in (BARE, SHOWN)]
    saved = [await registration_cost(client, portal, account, fields, ONE) for fields in (BARE, SHOWN)]

    # the answers show what the step read
    assert started[1][0]["serials"] == again[1][0]["serials"] == [] and started[1][0]["step"] == "SERIALS"
    assert started[0][0]["id"] != started[1][0]["id"] and again[0][0]["id"] == again[1][0]["id"]
    assert [s["product"]["sku"] for s in entered[1][0]["serials"]] == ["EPS-14", "DLP-16"]
    assert entered[1][0]["step"] == "REGISTRATION"
    assert [s["product"]["sku"] for s in saved[1][0]["serials"]] == ["EPS-14"]
    assert saved[1][0]["step"] == "CONFIRM"
    # and showing it cost no statement
    costs = {"start": started, "start again": again, "enter": entered, "registration": saved}
    extra = {step: shown[1] - bare[1] for step, (bare, shown) in costs.items()}
    assert extra == {"start": 0, "start again": 0, "enter": 0, "registration": 0}, {
        k: (b[1], s[1]) for k, (b, s) in costs.items()
    }


async def test_a_step_costs_the_same_for_one_serial_or_four(client: GraphQLClient, portal: Portal) -> None:
    account = await signed_in_quiet(client, portal)
    entered = [await enter_cost(client, portal, account, SHOWN, held) for held in (ONE, FOUR)]
    saved = [await registration_cost(client, portal, account, SHOWN, held) for held in (ONE, FOUR)]

    assert [len(answer["serials"]) for answer, _ in entered] == [2, 5]
    assert [len(answer["serials"]) for answer, _ in saved] == [1, 4]
    assert {s["product"]["sku"] for s in entered[1][0]["serials"]} == {"EPS-14", "DLP-16"}
    costs = {"enter": [cost for _, cost in entered], "registration": [cost for _, cost in saved]}
    assert costs == {step: [one] * 2 for step, (one, _) in costs.items()}, costs
