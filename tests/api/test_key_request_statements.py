"""The wizard's answers show the serials their step read: no second read of a request's serials or
of their products after the step (key_requests.SerialsSeen). Counted on the engines and the driver."""

from __future__ import annotations

from backend.portal import Portal
from tests.api.flows import account_id, enter, new_serials, set_registration, sign_in, start
from tests.support import GraphQLClient, statements

# The select of requests' serials with their products (key_requests.serials_of_requests).
SERIALS_OF_REQUEST = "key_request_serials.key_request_id"


def reads(sent: list[str], marker: str) -> int:
    return sum(1 for sql in sent if sql.lstrip().upper().startswith("SELECT") and marker in sql)


async def test_each_step_answers_with_the_serials_it_read(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    numbers = await new_serials(portal, count=2)
    if portal.worker is not None:
        await portal.worker.stop()  # its idle polls would land in the count

    with statements(portal) as sent:
        request = await start(client, account)
    assert (request["step"], request["serials"]) == ("SERIALS", [])
    assert reads(sent, SERIALS_OF_REQUEST) == 0

    with statements(portal) as sent:
        entered = await enter(client, request["id"], numbers[:1])
        again = await enter(client, request["id"], numbers[1:])
    assert entered["__typename"] == again["__typename"] == "KeyRequestEnterSerialsSuccess", (entered, again)
    serials = again["keyRequest"]["serials"]
    assert [s["number"] for s in serials] == numbers
    assert {s["product"]["sku"] for s in serials} == {"EPS-14"}
    assert again["keyRequest"]["step"] == "REGISTRATION"
    # One read per step: the serials the request already held, inside its transaction.
    assert reads(sent, SERIALS_OF_REQUEST) == 2
    assert reads(sent, "FROM products") == 0  # products came with the serials

    with statements(portal) as sent:
        saved = await set_registration(client, request["id"])
    assert saved["__typename"] == "KeyRequestSetRegistrationSuccess", saved
    assert saved["keyRequest"]["step"] == "CONFIRM"
    assert [s["number"] for s in saved["keyRequest"]["serials"]] == numbers
    assert reads(sent, SERIALS_OF_REQUEST) == 1
    assert reads(sent, "FROM products") == 0
