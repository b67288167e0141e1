"""Enterprise Flexible in headless Chromium: alice draws down two products from the demo contract,
sees the keys arrive live, finds them in the deployments and downloads the true-up CSV."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import sign_in

pytestmark = pytest.mark.e2e

# Screenshots for people to look at (PORTAL_SHOTS=/tmp/shots keeps them elsewhere).
SHOTS = Path(os.environ.get("PORTAL_SHOTS", str(ARTIFACTS)))


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"flex-{name}-{page.viewport_size['width']}.png"), full_page=True)


def test_flex_draw_down_in_the_browser(live_portal: dict[str, Any], page: Any) -> None:
    base = live_portal["base"]
    alice = live_portal["users"][0]
    assert alice["email"].startswith("alice")

    sign_in(page, base, alice["email"], alice["password"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Enterprise Flexible").click()
    contract = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="EF-ACME-2026"))
    expect(contract).to_be_visible()
    expect(contract.get_by_text("Super user")).to_be_visible()
    expect(contract.get_by_text("Burn-down")).to_be_visible()
    shoot(page, "contracts")

    # Choose products: search the catalog, add two products, watch the total
    contract.get_by_role("button", name=re.compile("Draw down licenses")).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Choose Products")
    page.get_by_label("Search the catalog").fill("endpoint")
    catalog = page.get_by_role("list", name="Catalog products")
    expect(catalog.get_by_role("listitem")).to_have_count(1)
    catalog.get_by_role("button", name=re.compile("Add Endpoint Protection")).click()
    page.get_by_label("Search the catalog").fill("")
    catalog.get_by_role("button", name=re.compile("Add Data Loss Prevention")).click()
    page.get_by_label("Units of Endpoint Protection").fill("10")
    page.get_by_label("Units of Data Loss Prevention").fill("5")
    expect(page.get_by_test_id("cart-total")).to_have_text("220 points")  # 10 x 12 + 5 x 20
    # Far over what the contract can draw: refused on the spot
    page.get_by_label("Units of Data Loss Prevention").fill("5000")
    expect(page.get_by_text(re.compile("only .* can be drawn from EF-ACME-2026"))).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Choose Products")
    page.get_by_label("Units of Data Loss Prevention").fill("5")
    shoot(page, "cart")
    page.get_by_role("button", name="Continue").click()

    # The shared support registration step
    expect(page.locator("[aria-current=step]")).to_contain_text("Support Registration")
    if page.get_by_label("Company").input_value() == "":
        page.get_by_label("Company").fill("Acme Corp")
        page.get_by_label("Address line 1").fill("1 Main Street")
        page.get_by_label("City").fill("Springfield")
        page.get_by_label("Postal code").fill("12345")
        page.get_by_label("Country").select_option("US")
        page.get_by_label("Technical contact name").fill("Tess Tech")
        page.get_by_label("Technical contact email").fill("tess@acme.example")
        page.get_by_label("Technical contact phone").fill("+1 555 0100")
        page.get_by_label("Primary contact name").fill("Paul Primary")
        page.get_by_label("Primary contact email").fill("paul@acme.example")
    shoot(page, "registration")
    page.get_by_role("button", name="Continue").click()

    # Confirm, then the keys arrive live
    expect(page.locator("[aria-current=step]")).to_contain_text("Confirm Draw-down")
    expect(page.get_by_role("cell", name="220 points")).to_be_visible()
    shoot(page, "confirm")
    page.get_by_role("button", name="Confirm and draw down").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Receive Keys")
    keys = page.get_by_role("list", name="License keys")
    expect(keys.get_by_role("listitem")).to_have_count(2, timeout=20_000)
    key_pattern = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}")
    expect(keys.get_by_text(key_pattern).first).to_be_visible()
    expect(keys.get_by_text("Endpoint Protection").first).to_be_visible()
    expect(keys.get_by_text("Data Loss Prevention").first).to_be_visible()
    shoot(page, "keys")

    # The deployments list them, with their licenses and a Return action
    page.get_by_role("link", name="See the deployments").click()
    table = page.get_by_role("table", name=re.compile("Deployments of EF-ACME-2026"))
    expect(table.get_by_role("row")).to_have_count(3)  # header + 2
    expect(table.get_by_role("button", name=re.compile("^Return"))).to_have_count(2)
    page.get_by_label("Product").select_option(label="Endpoint Protection 15.0")
    expect(table.get_by_role("row")).to_have_count(2)
    page.get_by_label("Product").select_option(label="All products")
    shoot(page, "deployments")

    # The report, and the true-up CSV fetched in the page with the session cookie
    page.get_by_role("link", name="Report and roles").click()
    expect(page.get_by_role("heading", name="Consumption by product")).to_be_visible()
    download = page.get_by_role("link", name="Download true-up CSV")
    href = download.get_attribute("href")
    assert href and href.startswith("/exports/flex/") and href.endswith("/true-up.csv")
    shoot(page, "report")
    body = page.evaluate(
        """async (href) => {
            const response = await fetch(href, { credentials: 'same-origin' });
            return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
        }""",
        href,
    )
    assert body["status"] == 200, body
    rows = list(csv.DictReader(io.StringIO(body["text"])))
    by_sku = {row["sku"]: row for row in rows}
    assert by_sku["EPS-15"]["drawn_units"] == "10"
    assert by_sku["EPS-15"]["points"] == "120"
    assert by_sku["DLP-16"]["drawn_units"] == "5"
    assert by_sku["DLP-16"]["points"] == "100"
    assert by_sku["TOTAL"]["points"] == "220"
    assert all(row["contract"] == "EF-ACME-2026" for row in rows)

    # The same pages on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "report")
    page.get_by_role("link", name="Deployments").first.click()
    expect(page.get_by_role("table", name=re.compile("Deployments of"))).to_be_visible()
    shoot(page, "deployments")
    page.goto(f"{base}/flex")
    expect(page.get_by_role("heading", name="EF-ACME-2026")).to_be_visible()
    shoot(page, "contracts")

    # A new draw-down's cart on a phone (left as a draft)
    page.get_by_role("button", name=re.compile("Draw down licenses")).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Choose Products")
    page.get_by_role("button", name=re.compile("Add Messaging Gateway")).click()
    expect(page.get_by_test_id("cart-total")).to_have_text("150 points")
    shoot(page, "cart")
    page.get_by_role("button", name="Continue").click()
    # The registration is prefilled from the last one; the host-locked gateway needs its host ID
    expect(page.locator("[aria-current=step]")).to_contain_text("Support Registration")
    expect(page.get_by_label("Company")).to_have_value("Acme Corp")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#reg-hostId-error")).to_contain_text("enter its host ID")
    shoot(page, "registration")
    page.get_by_label("Host ID", exact=True).fill("gw-01.acme.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Confirm Draw-down")
    shoot(page, "confirm")
    page.get_by_role("button", name="Confirm and draw down").click()
    expect(page.get_by_role("list", name="License keys").get_by_role("listitem")).to_have_count(
        1, timeout=20_000
    )
    expect(page.get_by_text("gw-01.acme.example").first).to_be_visible()
    shoot(page, "keys")


def test_flex_contract_user_sees_points_not_reports(live_portal: dict[str, Any], page: Any) -> None:
    base = live_portal["base"]
    victor = next(u for u in live_portal["users"] if u["email"].startswith("victor"))
    sign_in(page, base, victor["email"], victor["password"])
    page.goto(f"{base}/flex")
    contract = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="EF-ACME-2026"))
    expect(contract.get_by_text("Contract user")).to_be_visible()
    expect(contract.get_by_role("meter")).to_be_visible()
    expect(contract.get_by_role("link", name="Report and roles")).to_have_count(0)
    shoot(page, "contract-user")
