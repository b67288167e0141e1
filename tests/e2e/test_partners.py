"""Channel partners in headless Chromium: a customer invites its partner, the partner accepts,
acts for the customer, gets a key for it, and the customer sees that key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import sign_in
from tests.e2e.test_keep_licenses_alive import KEY, unused_serial

pytestmark = pytest.mark.e2e


def user(portal: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(u for u in portal["users"] if u["account"]["kind"] == kind)


def test_partner_gets_a_key_for_its_customer(live_portal: dict[str, Any], browser: Any) -> None:
    base = live_portal["base"]
    alice, carol = live_portal["users"][0], user(live_portal, "PARTNER")
    customer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    partner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The partner's account number, as its Customers page shows it.
    sign_in(partner, base, carol["email"], carol["password"])
    partner.goto(f"{base}/partner")
    number = re.search(
        r"P-[0-9A-Z-]+", partner.get_by_text(re.compile(r"partner account number")).first.inner_text()
    )
    assert number is not None

    # The customer admin invites the partner with MANAGE scope.
    sign_in(customer, base, alice["email"], alice["password"])
    customer.get_by_role("link", name="Partners").click()
    form = customer.get_by_role("form", name="Invite a partner")
    form.get_by_label("Partner account number").fill(number.group(0))
    form.get_by_role("radio", name="Manage").check()
    form.get_by_role("button", name="Invite partner").click()
    expect(customer.get_by_text(re.compile(r"^We invited Initech Partners"))).to_be_visible()

    # The partner accepts and acts for the customer.
    partner.goto(f"{base}/partner/delegations")
    partner.get_by_role("button", name="Accept the invitation of Acme Corp").click()
    expect(partner.get_by_text(re.compile(r"You now manage Acme Corp"))).to_be_visible()
    partner.screenshot(path=str(ARTIFACTS / "partner-delegations.png"), full_page=True)
    partner.get_by_role("button", name="Act for a customer").click()
    switcher = partner.get_by_role("dialog", name="Act for a customer")
    switcher.get_by_role("combobox", name="Customer name").fill("Acme")
    switcher.get_by_role("option", name=re.compile(r"^Acme Corp")).click()
    expect(partner.get_by_test_id("acting-for")).to_contain_text("Acting for: Acme Corp")

    # Get a Key for the customer, through the customer's own wizard.
    serial = unused_serial(live_portal, "EPS-14")
    partner.get_by_role("link", name="Get a Key").first.click()
    partner.get_by_label("Serial numbers", exact=True).fill(serial)
    partner.get_by_role("button", name="Add serial numbers").click()
    grouped = f"{serial[:4]}-{serial[4:7]}-{serial[7:]}"  # one serial format everywhere
    expect(partner.get_by_role("cell", name=grouped)).to_be_visible()
    partner.get_by_role("button", name="Continue").click()
    expect(partner.locator("[aria-current=step]")).to_contain_text("Support Registration")
    for label, value in (
        ("Company", "Acme Corp"),
        ("Address line 1", "1 Main Street"),
        ("City", "Springfield"),
        ("Postal code", "12345"),
        ("Technical contact name", "Tess Tech"),
        ("Technical contact email", "tess@acme.example"),
        ("Technical contact phone", "+1 555 0100"),
        ("Primary contact name", "Paul Primary"),
        ("Primary contact email", "paul@acme.example"),
    ):
        partner.get_by_label(label).fill(value)
    partner.get_by_label("Country").select_option("US")
    partner.get_by_role("button", name="Continue").click()
    partner.get_by_role("button", name="Confirm and get keys").click()
    key = partner.get_by_text(KEY).first
    expect(key).to_be_visible(timeout=20_000)
    activation_key = KEY.search(key.inner_text())
    assert activation_key is not None
    partner.screenshot(path=str(ARTIFACTS / "partner-keys.png"), full_page=True)

    # The customer sees the new license and its key in its own portal.
    customer.goto(f"{base}/licenses")
    customer.get_by_role("searchbox", name="Search").fill(serial)
    customer.get_by_role("searchbox", name="Search").press("Enter")
    rows = customer.get_by_test_id("license-row")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").first.click()
    expect(customer.get_by_text(activation_key.group(0)).first).to_be_visible()
    customer.screenshot(path=str(ARTIFACTS / "customer-sees-partner-key.png"), full_page=True)
