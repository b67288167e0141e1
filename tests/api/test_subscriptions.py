"""keyRequestUpdated over a real WebSocket (graphql-transport-ws) on SQLite and PostgreSQL alike: the
stream to READY, the Origin check on the handshake, a partner cut off when the delegation is revoked."""

from __future__ import annotations

from typing import Any

import pytest
import websockets

from backend.portal import Portal
from tests.api.flows import account_id, confirm, enter, new_serials, set_registration, sign_in, start
from tests.api.sockets import receive, served, session_cookie, socket, subscribe
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.support import GraphQLClient


async def draft_to_confirm(client: GraphQLClient, portal: Portal, account: str) -> str:
    """A Get a Key draft at its last step."""
    request = await start(client, account)
    assert (await enter(client, request["id"], await new_serials(portal)))["__typename"] == (
        "KeyRequestEnterSerialsSuccess"
    )
    assert (await set_registration(client, request["id"]))["__typename"] == "KeyRequestSetRegistrationSuccess"
    return str(request["id"])


async def stream(ws: websockets.ClientConnection) -> list[dict[str, Any]]:
    """Every message up to `complete` (or an error), in order."""
    messages = []
    while True:
        message = await receive(ws)
        messages.append(message)
        if message["type"] in ("complete", "error") or message["payload"].get("errors"):
            return messages


async def test_the_subscription_streams_the_request_to_ready(
    portal_app: tuple[Any, Portal], client: GraphQLClient
) -> None:
    app, portal = portal_app
    account = account_id(await sign_in(client))
    kr = await draft_to_confirm(client, portal, account)
    async with served(app) as host, socket(host, session_cookie(client)) as ws:
        await subscribe(ws, kr)
        first = await receive(ws)
        assert first["payload"]["data"]["keyRequestUpdated"]["status"] == "DRAFT"

        assert (await confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"
        messages = await stream(ws)

    updates = [m["payload"]["data"]["keyRequestUpdated"] for m in messages if m["type"] == "next"]
    assert messages[-1] == {"id": "1", "type": "complete"}
    statuses = [u["status"] for u in updates]
    assert statuses[-1] == "READY" and set(statuses) <= {"SUBMITTED", "FULFILLING", "READY"}, statuses
    assert len(updates[-1]["keys"]) == 1 and len(updates[-1]["keys"][0]["activationKey"]) == 29


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://{host}.evil.example", "http://evil.example/{host}", "null"],
    ids=["other", "suffix", "path", "null"],
)
async def test_a_cross_origin_websocket_is_refused(
    origin: str, portal_app: tuple[Any, Portal], client: GraphQLClient
) -> None:
    """Cookies ride on the handshake: a page of another origin must not subscribe as the user."""
    app = portal_app[0]
    account = account_id(await sign_in(client))
    kr = (await start(client, account))["id"]
    cookie = session_cookie(client)
    async with served(app) as host:
        # the same origin is let in (so the refusal below is the Origin's doing)
        async with socket(host, cookie) as ws:
            await subscribe(ws, kr)
            assert (await receive(ws))["payload"]["data"]["keyRequestUpdated"]["status"] == "DRAFT"
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with socket(host, cookie, origin=origin.format(host=host)):
                pass
    assert refused.value.response.status_code == 403


async def test_a_subscribed_partner_is_cut_off_when_the_delegation_is_revoked(
    portal_app: tuple[Any, Portal], client: GraphQLClient, other_client: GraphQLClient
) -> None:
    app, portal = portal_app
    acme = account_id(await sign_in(client))
    await sign_in(other_client, CAROL)
    invited = await invite(client, acme, scope="MANAGE", partnerAccountNumber=await partner_number(portal))
    delegation = invited["delegation"]["id"]
    assert (await answer(other_client, "delegationAccept", delegation))[
        "__typename"
    ] == "DelegationAcceptSuccess"
    kr = await draft_to_confirm(client, portal, acme)

    async with served(app) as host, socket(host, session_cookie(other_client)) as ws:
        await subscribe(ws, kr)
        first = await receive(ws)
        assert first["payload"]["data"]["keyRequestUpdated"]["status"] == "DRAFT"  # the partner sees it

        assert (await answer(client, "delegationRevoke", delegation))[
            "__typename"
        ] == "DelegationRevokeSuccess"
        assert (await confirm(client, kr))["__typename"] == "KeyRequestConfirmSuccess"  # a change: an event
        messages = await stream(ws)

    assert [m["payload"]["data"] for m in messages if m["type"] == "next"] == [None], messages
    assert [e["extensions"]["code"] for e in messages[-1]["payload"]["errors"]] == ["NOT_FOUND"]
