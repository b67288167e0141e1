"""Reports in headless Chromium: Alice's two new keys show in every report, the licenses CSV the
page links holds the table's figures, and the page is photographed at 1280 and 390 px."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.api import ApiClient
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import sign_in
from tests.e2e.test_manage_licenses import unused_serial

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PORTAL_SHOTS", str(ARTIFACTS)))


def test_reports_in_the_browser(live_portal: dict[str, Any], page: Any) -> None:
    # given two licenses of Acme, with their keys, made through the API
    api = ApiClient(live_portal["base"])
    account = api.login()
    for _ in range(2):
        api.get_a_key(account, unused_serial(live_portal, "EPS-14"))
    alice = live_portal["users"][0]

    # when Alice opens Reports from the navigation
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    page.get_by_role("navigation").get_by_role("link", name="Reports", exact=True).click()

    # then each report counts them
    by_product = page.get_by_role("table", name="Licenses by product and status")
    row = by_product.get_by_role("row").filter(has_text="Endpoint Protection")
    expect(row).to_contain_text("Active")
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")
    expect(page.get_by_text("2 keys signed from")).to_be_visible()
    kinds = page.get_by_role("table", name="Keys issued by kind of request")
    expect(kinds.get_by_role("row").filter(has_text="Get a Key")).to_contain_text("2")
    expect(page.locator(".reports-chart .recharts-bar-rectangle").first).to_be_visible()

    # and the CSV link holds the same figures as the table
    link = page.get_by_role("link", name="Download CSV of licenses by product and status")
    response = page.request.get(live_portal["base"] + (link.get_attribute("href") or ""))
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.text())))
    seats = row.get_by_role("cell").nth(2).inner_text()
    assert [(r["sku"], r["status"], r["licenses"], r["seats"]) for r in rows] == [
        ("EPS-14", "ACTIVE", "2", seats)
    ]

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        expect(by_product).to_be_visible()
        page.screenshot(path=str(SHOTS / f"reports-{width}.png"), full_page=True)
