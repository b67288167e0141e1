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
from tests.support import LOGIN

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PORTAL_SHOTS", str(ARTIFACTS)))
INVITE = """
mutation I($input: DelegationInviteInput!) {
  delegationInvite(input: $input) { __typename ... on DelegationInviteSuccess { delegation { id } } }
}"""
ACCEPT = """
mutation A($input: DelegationIdInput!) { delegationAccept(input: $input) { __typename } }"""


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

    # and a partner Acme delegated to sees Acme in its portfolio of every managed customer
    carol = next(u for u in live_portal["users"] if u["email"] == "carol@initech.example")
    invited = api(
        INVITE, {"input": {"accountId": account, "scope": "VIEW", "partnerUserEmail": carol["email"]}}
    )
    delegation = invited["delegationInvite"]["delegation"]["id"]
    partner_api = ApiClient(live_portal["base"])
    partner_api(LOGIN, {"input": {"email": carol["email"], "password": carol["password"]}})
    assert partner_api(ACCEPT, {"input": {"delegationId": delegation}})["delegationAccept"]["__typename"] == (
        "DelegationAcceptSuccess"
    )
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_portal["base"], carol["email"], carol["password"])
    page.goto(f"{live_portal['base']}/reports")
    expect(page.get_by_role("radio", name="Every customer account you manage")).to_be_checked()
    portfolio = page.get_by_role("table", name="Customer portfolio")
    expect(portfolio.get_by_role("row").filter(has_text="Acme Corp")).to_contain_text("2")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "reports-partner-1280.png"), full_page=True)
