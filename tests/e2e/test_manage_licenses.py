"""Manage My Licenses in headless Chromium: filter, set a custom field, share, export a CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.api import ApiClient
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import sign_in
from tests.e2e.test_keep_licenses_alive import unused_serial

pytestmark = pytest.mark.e2e

CREATE_FIELD = """
mutation($i: CustomFieldCreateInput!) {
  customFieldCreate(input: $i) { __typename ... on CustomFieldCreateSuccess { customField { id } } }
}"""


def test_filter_set_a_field_share_and_export(live_portal: dict[str, Any], page: Any) -> None:
    # given: two licenses of ACME and a custom field its admin defined
    api = ApiClient(live_portal["base"])
    account = api.login()
    serial = unused_serial(live_portal, "EPS-14")
    wanted = api.get_a_key(account, serial)["licenses"][0]["id"]
    api.get_a_key(account, unused_serial(live_portal, "EPS-14"))
    created = api(CREATE_FIELD, {"i": {"accountId": account, "name": "Cost center", "type": "TEXT"}})
    assert created["customFieldCreate"]["__typename"] == "CustomFieldCreateSuccess"
    alice = live_portal["users"][0]

    # when: search for the serial and keep only active licenses
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    page.goto(f"{live_portal['base']}/licenses")
    page.get_by_role("searchbox", name="Search").fill(serial)
    page.get_by_role("searchbox", name="Search").press("Enter")
    active = page.get_by_role("checkbox", name="Active", exact=True)
    active.click()
    expect(active).to_be_checked()
    rows = page.get_by_test_id("license-row")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"status=ACTIVE"))

    # and set the custom field on the selection
    page.get_by_test_id("license-row-checkbox").first.check()
    page.get_by_role("button", name="Set field…").click()
    dialog = page.get_by_role("dialog", name="Set field")
    dialog.get_by_label("Field").select_option(label="Cost center")
    dialog.get_by_label("Value").fill("CC-4711")
    dialog.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Cost center was set on 1 license.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "licenses-table.png"), full_page=True)

    # and export the current filter as CSV, then read it back
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(exported)))
    assert len(table) == 1, exported
    assert serial in table[0]["Serial numbers"].replace("-", "")
    assert table[0]["Cost center"] == "CC-4711"
    assert table[0]["Status"] == "ACTIVE"

    # and share the license with an auditor from its page
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(re.escape(f"/licenses/{wanted}")))
    page.get_by_role("button", name="Share…").click()
    share = page.get_by_role("dialog", name="Share license")
    share.get_by_role("textbox", name="E-mail").fill("auditor@example.com")
    share.get_by_label("Permission").select_option(label="Can view")
    share.get_by_role("button", name="Share", exact=True).click()
    expect(share.get_by_role("button", name="Remove auditor@example.com")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "license-share.png"), full_page=True)
    share.get_by_role("button", name="Done").click()

    # then: the share and the custom value are on the license, for API clients too
    license_ = api(
        "query($id: ID!) { license(id: $id) { shares { email permission } customValues { value } } }",
        {"id": wanted},
    )["license"]
    assert license_["shares"] == [{"email": "auditor@example.com", "permission": "VIEW"}]
    assert license_["customValues"] == [{"value": "CC-4711"}]


def _overflowing(page: Any, selector: str, width: int) -> list[str]:
    """The texts of elements matching `selector` that are cut: clipped inside themselves, or
    reaching past the right edge of a `width` px viewport or of the table box they sit in."""
    found: list[str] = page.eval_on_selector_all(
        selector,
        """(els, width) => els
            .filter((el) => el.offsetParent !== null)
            .filter((el) => {
                const right = el.getBoundingClientRect().right;
                const box = el.closest('.table-wrap');
                const visible = Math.min(width, box ? box.getBoundingClientRect().right : width);
                return el.scrollWidth > el.clientWidth + 1 || right > visible + 1;
            })
            .map((el) => el.textContent.trim())""",
        width,
    )
    return found


def test_layout_at_1280_and_390_px(live_portal: dict[str, Any], page: Any) -> None:
    # given: ACME's licenses with a custom field column
    api = ApiClient(live_portal["base"])
    account = api.login()
    api.get_a_key(account, unused_serial(live_portal, "EPS-14"))
    created = api(CREATE_FIELD, {"i": {"accountId": account, "name": "Department", "type": "TEXT"}})
    assert created["customFieldCreate"]["__typename"] == "CustomFieldCreateSuccess"
    alice = live_portal["users"][0]
    sign_in(page, live_portal["base"], alice["email"], alice["password"])

    # when: the licenses at 1280 px
    page.goto(f"{live_portal['base']}/licenses")
    expect(page.get_by_test_id("license-row").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "layout-licenses-1280.png"), full_page=True)

    # then: no column header is clipped ("DEPART…"), the table fits or scrolls inside its card
    assert _overflowing(page, ".table--licenses thead th", 1280) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # when: the same page at 390 px
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("license-row").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "layout-licenses-390.png"), full_page=True)

    # then: product links are whole, and the page does not scroll sideways
    assert _overflowing(page, ".table--licenses .license-title a", 390) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # and the top bar's links sit behind a menu, each on screen once it is open
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Messages")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    for name in ("Home", "Licenses", "Partners", "Custom fields", "Messages"):
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    page.screenshot(path=str(ARTIFACTS / "layout-menu-390.png"), full_page=True)
    nav.get_by_role("link", name="Messages", exact=True).click()
    expect(page).to_have_url(re.compile(r"/messages$"))
    expect(nav.get_by_role("link", name="Messages", exact=True)).to_be_hidden()  # the menu closed
