"""The Get a Key wizard in headless Chromium: all six steps to a visible key, the key delivered by
the keyRequestUpdated subscription; each key card names its serial number and links to its license,
"Download all" zips the license files, and the licenses table tells the licenses apart."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def grouped(number: str) -> str:
    """A serial number as the portal shows it: M123-456-7890."""
    return f"{number[:4]}-{number[4:7]}-{number[7:]}"


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
    expect(page.get_by_label("Serial numbers", exact=True)).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_contain_text("Input Serial Number")

    # 3 Input Serial Number: help next to the field says where the serial number is
    page.get_by_role("button", name="Where do I find my serial number?").click()
    expect(page.get_by_role("region", name="Where do I find my serial number?")).to_contain_text(
        "license certificate"
    )
    page.screenshot(path=str(ARTIFACTS / "get-a-key-serial-help.png"), full_page=True)
    # a typo first gives an inline error and keeps the text
    typo = serials[0][:10] + str((int(serials[0][10]) + 1) % 10)
    page.get_by_label("Serial numbers", exact=True).fill(f"{typo}\n{serials[1]}")
    page.get_by_role("button", name="Add serial numbers").click()
    expect(page.get_by_text(re.compile("check digit", re.I))).to_be_visible()
    expect(page.get_by_label("Serial numbers", exact=True)).to_have_value(f"{typo}\n{serials[1]}")
    page.get_by_label("Serial numbers", exact=True).fill(f"{serials[0]}\n{serials[1]}")
    page.get_by_role("button", name="Add serial numbers").click()
    expect(page.get_by_role("cell", name=grouped(serials[1]))).to_be_visible()  # one format everywhere
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

    # Keys of one product told apart: each card names the serial number its license came from and
    # links to that license; "Download all" is one zip link with every license id.
    cards = page.get_by_role("list", name="License keys").get_by_role("listitem")
    expect(cards).to_have_count(2)
    license_ids: list[str] = []
    for key in ready["keys"]:
        numbers = [serial["number"] for serial in key["license"]["serials"]]
        assert len(numbers) == 1 and numbers[0] in serials[:2], key
        card = cards.filter(has_text=key["activationKey"])
        expect(card).to_contain_text(f"Serial number {grouped(numbers[0])}")
        link = card.get_by_role("link", name=re.compile("^View license"))
        expect(link).to_have_attribute("href", f"/licenses/{key['license']['id']}")
        license_ids.append(key["license"]["id"])
    download_all = page.get_by_role("link", name=re.compile("^Download all"))
    href = "/api/licenses/files.zip?ids=" + quote(",".join(license_ids), safe="")
    expect(download_all).to_have_attribute("href", href)
    # The session cookie signs the download in: a zip with one license file per key.
    response = page.request.get(f"{base}{href}")
    assert response.status == 200, response.text()
    names = zipfile.ZipFile(io.BytesIO(response.body())).namelist()
    assert sorted(names) == sorted(f"{activation_key}.lic" for activation_key in shown)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(download_all).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "get-a-key-keys-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The key's link opens its license.
    first = ready["keys"][0]
    cards.filter(has_text=first["activationKey"]).get_by_role(
        "link", name=re.compile("^View license")
    ).click()
    expect(page).to_have_url(re.compile(f"/licenses/{re.escape(first['license']['id'])}$"))
    expect(page.get_by_text(first["activationKey"]).first).to_be_visible()

    # The licenses table shows serial numbers and activation keys as columns (the column chooser
    # offers both).
    page.goto(f"{base}/licenses")
    table = page.get_by_role("table", name=re.compile("^Licenses of"))
    expect(table.get_by_role("columnheader", name="Serial number")).to_be_visible()
    page.get_by_text("Columns", exact=True).click()
    expect(page.get_by_role("checkbox", name="Show Serial number column")).to_be_checked()
    page.get_by_role("checkbox", name="Show Activation key column").check()  # one click away
    page.keyboard.press("Escape")
    expect(table.get_by_role("columnheader", name="Activation key")).to_be_visible()
    for key in ready["keys"]:
        row = table.get_by_role("row").filter(has_text=key["activationKey"])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(grouped(key["license"]["serials"][0]["number"]))
    page.screenshot(path=str(ARTIFACTS / "licenses-serials.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(table.get_by_role("row").filter(has_text=shown.copy().pop())).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "licenses-serials-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Home lists the request with its product and requester; a fresh draft can be discarded from
    # its wizard (asked first), which goes back home.
    page.goto(f"{base}/")
    requests = page.get_by_role("table", name=re.compile("^Key requests of"))
    done = requests.get_by_role("row").filter(has_text="Endpoint Protection 14.3")
    expect(done.first).to_contain_text("Alice Admin")  # the demo user's name
    page.screenshot(path=str(ARTIFACTS / "home-requests.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(done.first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "home-requests-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Get a Key").click()
    expect(page.get_by_label("Serial numbers", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("^Discard")).click()
    dialog = page.get_by_role("dialog", name="Discard this draft?")
    expect(dialog.get_by_role("button", name="Keep the draft")).to_be_focused()
    page.screenshot(path=str(ARTIFACTS / "discard-dialog.png"))
    dialog.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_text("Your draft key request was discarded.")).to_be_visible()
    assert page.url.rstrip("/") == base

    # the Messages page holds the key mail (no SMTP server configured)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    expect(page.get_by_text("Your license keys (2)")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "messages.png"), full_page=True)
