"""The header in headless Chromium: the notification centre (an upgrade notification started from
the bell, through to its keys), the one search box driven by the keyboard, help and contact
support; screenshots at 1280 and 390 px."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.api import ApiClient
from tests.e2e.conftest import ARTIFACTS, PORTAL
from tests.e2e.test_get_a_key import sign_in
from tests.e2e.test_keep_licenses_alive import unused_serial

pytestmark = pytest.mark.e2e
KEY = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}")
UNREAD = re.compile(r"^Notifications, \d+ unread$")


def notify_upgrade(portal: dict[str, Any], source: str, target: str) -> list[str]:
    """An operator sends upgrade notifications (the CLI); their IDs."""
    out = subprocess.run(
        [PORTAL, "upgrades", "notify", "--from", source, "--to", target, "--json"],
        env=portal["env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [n["notificationId"] for n in json.loads(out)["notifications"]]


def test_start_an_upgrade_from_its_notification(live_portal: dict[str, Any], page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # given: Alice holds an EPS-14 key, then the operator announces EPS-15
    api = ApiClient(live_portal["base"])
    api.get_a_key(api.login(), unused_serial(live_portal, "EPS-14"))
    codes = notify_upgrade(live_portal, "EPS-14", "EPS-15")
    alice = live_portal["users"][0]

    # when: she signs in, the bell says so
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    bell = page.get_by_role("button", name=UNREAD)
    expect(bell).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "header-1280.png"))
    bell.click()
    panel = page.get_by_role("dialog", name="Notifications")
    expect(panel).to_be_visible()
    item = panel.get_by_role("listitem").filter(has_text="Upgrade available").first
    expect(item).to_be_visible()
    code = next(c for c in codes if c in (item.text_content() or ""))
    expect(item.get_by_text(code)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "header-panel-1280.png"))
    unread_before = int(re.findall(r"\d+", bell.get_attribute("aria-label") or "0")[0])

    # and starts it from the notification: the ID is filled in
    item.get_by_role("link", name="Start upgrade").click()
    expect(page).to_have_url(re.compile(rf"/version-upgrade\?notification={code}$"))
    expect(panel).to_be_hidden()
    expect(page.get_by_role("textbox", name="Notification ID", exact=True)).to_have_value(code)
    # it is read now: the badge counts one fewer
    expect(page.get_by_role("button", name=re.compile(r"^Notifications"))).to_have_attribute(
        "aria-label", "Notifications" if unread_before == 1 else f"Notifications, {unread_before - 1} unread"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Select Product to Upgrade")
    page.get_by_role("group", name="License to upgrade").get_by_role("radio").first.check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Select Quantity to Upgrade")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Edit Existing Support Registration")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Confirm Upgrade")
    page.get_by_role("button", name="Confirm upgrade").click()

    # then: the keys, and all of them in one download
    expect(page.locator("[aria-current=step]")).to_contain_text("Receive a Key")
    expect(page.get_by_text(KEY).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Endpoint Protection 15.0").first).to_be_visible()
    download_all = page.get_by_role("link", name=re.compile("^Download all"))
    expect(download_all).to_be_visible()
    with page.expect_download() as download:
        download_all.click()
    assert download.value.suggested_filename.endswith(".zip")
    # the keys-ready notice reached the bell live (inboxUpdated), without a reload: one unread again
    expect(page.get_by_role("button", name=re.compile(r"^Notifications"))).to_have_attribute(
        "aria-label", f"Notifications, {unread_before} unread", timeout=10_000
    )
    page.get_by_role("button", name=UNREAD).click()
    expect(panel.get_by_role("listitem").filter(has_text="Keys ready").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    # the full page: cursor pages and the unread filter
    page.goto(f"{live_portal['base']}/notifications")
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_test_id("page-range")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "notifications-1280.png"), full_page=True)
    # The box follows the URL: click, then wait for it (check() wants the state at once).
    unread_only = page.get_by_role("checkbox", name="Unread only")
    unread_only.click()
    expect(page).to_have_url(re.compile(r"unread=1"))
    expect(unread_only).to_be_checked()
    expect(page.get_by_role("list", name="Unread notifications").get_by_text(code)).to_have_count(0)


def test_find_a_license_by_serial_number_with_the_keyboard(live_portal: dict[str, Any], page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    api = ApiClient(live_portal["base"])
    serial = unused_serial(live_portal, "EPS-14")
    license_id = api.get_a_key(api.login(), serial)["licenses"][0]["id"]
    alice = live_portal["users"][0]
    sign_in(page, live_portal["base"], alice["email"], alice["password"])

    page.locator("body").press("/")
    search = page.get_by_role("combobox", name="Search the portal")
    expect(search).to_be_focused()
    page.keyboard.type(serial)
    results = page.get_by_role("listbox", name="Search results")
    expect(results.get_by_role("option").first).to_be_visible()
    expect(results.get_by_role("group", name="Serial numbers")).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=str(ARTIFACTS / "header-search-1280.png"))
    first = results.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/licenses/{re.escape(license_id)}$"))
    expect(results).to_be_hidden()


def test_help_and_contact_support(live_portal: dict[str, Any], browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_portal["base"]
    alice = live_portal["users"][0]
    api = ApiClient(base)
    api.get_a_key(api.login(), unused_serial(live_portal, "EPS-14"))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        # the sign-in page links support
        page.goto(f"{base}/login")
        contact = page.get_by_role("link", name="Contact support")
        expect(contact).to_have_attribute("href", re.compile(r"^mailto:[^?]+@[^?]+\?subject=.*Sign%20in"))
        sign_in(page, base, alice["email"], alice["password"])
        expect(page.get_by_role("button", name=re.compile(r"^Notifications"))).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "header-390.png"))

        # the panel fits the narrow screen
        page.get_by_role("button", name=re.compile(r"^Notifications")).click()
        panel = page.get_by_role("dialog", name="Notifications")
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(ARTIFACTS / "header-panel-390.png"))
        page.keyboard.press("Escape")

        # search collapses to a button that opens a full-width field
        search = page.get_by_role("combobox", name="Search the portal")
        expect(search).to_be_hidden()
        page.get_by_role("button", name="Search").click()
        expect(search).to_be_focused()
        field = search.bounding_box()
        assert field and field["width"] > 300
        search.type("Endpoint")
        expect(page.get_by_role("listbox", name="Search results").get_by_role("option").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "header-search-390.png"))
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        expect(search).to_be_hidden()
        expect(page.get_by_role("button", name="Search")).to_be_focused()  # closed back into its button

        # help: from the header, questions and answers
        page.get_by_role("link", name="Help").first.click()
        expect(page.get_by_role("heading", name="Help", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Where do I find my serial number?")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "help-390.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(ARTIFACTS / "help-1280.png"), full_page=True)
        expect(page.get_by_role("contentinfo").get_by_role("link", name="Contact support")).to_have_attribute(
            "href", re.compile(r"subject=.*Help")
        )
        # a partner user's header (account switcher, Act for a customer) still fits at 1280 px
        page.get_by_role("button", name="Sign out").click()
        partner = next(u for u in live_portal["users"] if u["account"]["kind"] == "PARTNER")
        sign_in(page, base, partner["email"], partner["password"])
        header = page.get_by_role("banner").bounding_box()
        assert header and header["height"] < 160, header
        page.screenshot(path=str(ARTIFACTS / "header-partner-1280.png"))
    finally:
        context.close()
