"""Key delivery: a partner's key for a customer is mailed to the customer's technical contact
through a real SMTP server; the partner sees QUEUED/SENT/FAILED (with the reason) and re-sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from backend.domain import demo
from tests.api.flows import (
    REGISTRATION,
    account_id,
    confirm,
    enter,
    new_serials,
    set_registration,
    sign_in,
    start,
)
from tests.api.test_delegations import CAROL, answer, invite, partner_number
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, Mailbox, eventually, free_port

DELIVERIES = (
    "query K($id: ID!) { keyRequest(id: $id) { status deliveries { recipient status error sentAt } } }"
)
RESEND = """
mutation R($input: KeyRequestResendKeysInput!) {
  keyRequestResendKeys(input: $input) {
    __typename
    ... on UserError { code field }
    ... on KeyRequestResendKeysSuccess { keyRequest { deliveries { recipient status } } }
  }
}"""


class BouncingMailbox(Mailbox):
    """Refuses mailboxes named bounce@… permanently, as a real server refuses an unknown user."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_partner_sees_delivery_status_and_resends(database_url: str, tmp_path: Path) -> None:
    mailbox = BouncingMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = make_settings(database_url, tmp_path, smtp_url=f"smtp://127.0.0.1:{port}")
        async with running_app(settings) as (app, portal):
            await demo.seed(portal.db)
            async with client_for(app) as h1, client_for(app) as h2:
                customer, partner = GraphQLClient(h1), GraphQLClient(h2)
                acme = account_id(await sign_in(customer))
                await sign_in(partner, CAROL)
                invited = await invite(
                    customer, acme, scope="MANAGE", partnerAccountNumber=await partner_number(portal)
                )
                await answer(partner, "delegationAccept", invited["delegation"]["id"])

                # The partner gets a key for ACME; the technical contact's mailbox refuses it.
                registration = {
                    **REGISTRATION,
                    "technicalContact": {**REGISTRATION["technicalContact"], "email": "bounce@acme.example"},
                }
                request = await start(partner, acme)
                await enter(partner, request["id"], await new_serials(portal, "EPS-14"))
                await set_registration(partner, request["id"], registration)
                assert (await confirm(partner, request["id"]))["__typename"] == "KeyRequestConfirmSuccess"

                async def failed() -> dict[str, Any] | None:
                    kr = (await partner(DELIVERIES, {"id": request["id"]}))["keyRequest"]
                    done = kr["deliveries"] and kr["deliveries"][0]["status"] == "FAILED"
                    return kr if done else None

                kr = await eventually(failed)
                [delivery] = kr["deliveries"]
                assert delivery["recipient"] == "bounce@acme.example"
                assert "550" in delivery["error"] and "No such user" in delivery["error"]
                assert delivery["sentAt"] is None

                # Re-send to a corrected address: a second delivery, SENT through the server.
                resent = (
                    await partner(
                        RESEND, {"input": {"keyRequestId": request["id"], "email": "tess@acme.example"}}
                    )
                )["keyRequestResendKeys"]
                assert resent["__typename"] == "KeyRequestResendKeysSuccess", resent

                async def sent() -> list[dict[str, Any]] | None:
                    kr = (await partner(DELIVERIES, {"id": request["id"]}))["keyRequest"]
                    return kr["deliveries"] if kr["deliveries"][-1]["status"] == "SENT" else None

                deliveries = await eventually(sent)
                assert [(d["recipient"], d["status"]) for d in deliveries] == [
                    ("bounce@acme.example", "FAILED"),
                    ("tess@acme.example", "SENT"),
                ]
                assert deliveries[1]["sentAt"] is not None
                assert any("tess@acme.example" in m.rcpt_tos for m in mailbox.messages)

                # The customer sees the same request and its deliveries in its own portal.
                own = (await customer(DELIVERIES, {"id": request["id"]}))["keyRequest"]
                assert len(own["deliveries"]) == 2

                # A bad address changes nothing; another customer cannot re-send (unknown id).
                bad = (await partner(RESEND, {"input": {"keyRequestId": request["id"], "email": "nope"}}))[
                    "keyRequestResendKeys"
                ]
                assert bad == {"__typename": "InvalidInput", "code": "INVALID_INPUT", "field": "email"}
                await sign_in(partner, "bob@globex.example")
                foreign = (await partner(RESEND, {"input": {"keyRequestId": request["id"]}}))[
                    "keyRequestResendKeys"
                ]
                assert foreign == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "keyRequestId"}
                own = (await customer(DELIVERIES, {"id": request["id"]}))["keyRequest"]
                assert len(own["deliveries"]) == 2
    finally:
        controller.stop()
