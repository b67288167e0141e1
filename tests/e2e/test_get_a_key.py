"""The Get a Key wizard in headless Chromium: all six steps to a visible key, the key delivered by
the keyRequestUpdated subscription."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


class Wire:
    """What the page sends and receives on /graphql: the operations it POSTs, the frames its
    WebSocket gets."""

    def __init__(self, page: Any) -> None:
        self.posted: list[str] = []
        self.frames: list[dict[str, Any]] = []
        page.on("request", self._request)
        page.on("websocket", self._websocket)

    def _request(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/graphql"):
            self.posted.append(json.loads(request.post_data or "{}").get("operationName") or "")

    def _websocket(self, ws: Any) -> None:
        if ws.url.endswith("/graphql"):
            ws.on("framereceived", lambda payload: self.frames.append(json.loads(payload)))

    def streamed(self, status: str) -> list[dict[str, Any]]:
        """The keyRequestUpdated payloads with this status the socket delivered."""
        return [
            update
            for frame in self.frames
            if frame.get("type") == "next"
            and (update := ((frame.get("payload") or {}).get("data") or {}).get("keyRequestUpdated"))
            and update["status"] == status
        ]


def test_get_a_key_in_the_browser(live_portal: dict[str, Any], page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    wire = Wire(page)
    base = live_portal["base"]
    alice = live_portal["users"][0]
    serials = [s["number"] for s in live_portal["serials"] if s["locking"] == "NONE"]

    # 1 Login
    sign_in(page, base, alice["email"], alice["password"])
    # 2 Select 'Get a Key'
    page.get_by_role("link", name=re.compile("Get a Key")).first.click()
    expect(page.get_by_label("Serial numbers")).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_contain_text("Input Serial Number")

    # 3 Input Serial Number: a typo first gives an inline error and keeps the text
    typo = serials[0][:10] + str((int(serials[0][10]) + 1) % 10)
    page.get_by_label("Serial numbers").fill(f"{typo}\n{serials[1]}")
    page.get_by_role("button", name="Add serial numbers").click()
    expect(page.get_by_text(re.compile("check digit", re.I))).to_be_visible()
    expect(page.get_by_label("Serial numbers")).to_have_value(f"{typo}\n{serials[1]}")
    page.get_by_label("Serial numbers").fill(f"{serials[0]}\n{serials[1]}")
    page.get_by_role("button", name="Add serial numbers").click()
    grouped = f"{serials[1][:4]}-{serials[1][4:7]}-{serials[1][7:]}"  # one format everywhere
    expect(page.get_by_role("cell", name=grouped)).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    # 4 Product & Support Registration
    expect(page.locator("[aria-current=step]")).to_contain_text("Support Registration")
    page.get_by_label("Company").fill("Acme Corp")
    page.get_by_label("Address line 1").fill("1 Main Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postal code").fill("12345")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Technical contact name").fill("Tess Tech")
    page.get_by_label("Technical contact email").fill("not-an-email")
    page.get_by_label("Technical contact phone").fill("+1 555 0100")
    page.get_by_label("Primary contact name").fill("Paul Primary")
    page.get_by_label("Primary contact email").fill("paul@acme.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Enter a valid e-mail address.").first).to_be_visible()
    expect(page.get_by_label("Company")).to_have_value("Acme Corp")
    page.get_by_label("Technical contact email").fill("tess@acme.example")
    page.get_by_role("button", name="Continue").click()

    # 5 Confirm Information
    expect(page.locator("[aria-current=step]")).to_contain_text("Confirm Information")
    expect(page.get_by_text("tess@acme.example").first).to_be_visible()
    loaded = wire.posted.count("KeyRequest")  # the page's one load of the request
    page.get_by_role("button", name="Confirm and get keys").click()

    # 6 Receive a Key — live
    expect(page.locator("[aria-current=step]")).to_contain_text("Receive a Key")
    key_pattern = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}")
    expect(page.get_by_text(key_pattern).first).to_be_visible(timeout=20_000)
    assert page.get_by_text(key_pattern).count() >= 2
    # The keys came over the subscription: the socket delivered READY with them, the page never
    # asked for the request again (the polling fallback re-runs the KeyRequest query) and never
    # said it fell back.
    (ready,) = wire.streamed("READY")
    shown = {key["activationKey"] for key in ready["keys"]}
    assert len(shown) == 2
    for activation_key in shown:
        expect(page.get_by_text(activation_key).first).to_be_visible()
    assert wire.posted.count("KeyRequest") == loaded, wire.posted
    expect(page.get_by_text("Live updates are unavailable")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Download", re.I)).first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "get-a-key-keys.png"), full_page=True)

    # the Messages page holds the key mail (no SMTP server configured)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    expect(page.get_by_text("Your license keys (2)")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "messages.png"), full_page=True)
