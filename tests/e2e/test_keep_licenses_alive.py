"""Renewal, Version Upgrade and re-host in headless Chromium."""

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

pytestmark = pytest.mark.e2e
KEY = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}")


def unused_serial(portal: dict[str, Any], sku: str, kind: str = "NEW") -> str:
    """A fresh serial from the operator CLI, so tests never compete for the demo stock."""
    out = subprocess.run(
        [PORTAL, "serials", "issue", "--product", sku, "--quantity", "10", "--count", "1", "--kind", kind],
        env=portal["env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[0]


def test_renew_a_license_from_its_page(live_portal: dict[str, Any], page: Any) -> None:
    # given: a license obtained over the API
    api = ApiClient(live_portal["base"])
    request = api.get_a_key(api.login(), unused_serial(live_portal, "EPS-14"))
    license_id = request["licenses"][0]["id"]
    renewal = unused_serial(live_portal, "EPS-14", "RENEWAL")
    alice = live_portal["users"][0]

    # when: Renew on the license page, enter the renewal serial, pick the license, confirm
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    page.goto(f"{live_portal['base']}/licenses/{license_id}")
    page.get_by_role("link", name="Renew").click()
    page.get_by_label("Serial numbers", exact=True).fill(renewal)
    page.get_by_role("button", name="Add serial numbers").click()
    grouped = f"{renewal[:4]}-{renewal[4:7]}-{renewal[7:]}"  # one serial format everywhere
    expect(page.get_by_role("cell", name=grouped)).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Licenses to renew")).to_be_visible()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Use these licenses").click()
    expect(page.get_by_role("table", name="Licenses to renew and their new maintenance end")).to_be_visible()
    page.get_by_role("button", name="Confirm and get keys").click()

    # then
    expect(page.get_by_text(KEY).first).to_be_visible(timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "renewal-keys.png"), full_page=True)
    page.goto(f"{live_portal['base']}/licenses/{license_id}")
    expect(page.get_by_text(grouped)).to_be_visible()


def test_version_upgrade_wizard(live_portal: dict[str, Any], page: Any) -> None:
    # given: an EPS-14 license and an upgrade notification from the operator CLI
    api = ApiClient(live_portal["base"])
    api.get_a_key(api.login(), unused_serial(live_portal, "EPS-14"))
    out = subprocess.run(
        [PORTAL, "upgrades", "notify", "--from", "EPS-14", "--to", "EPS-15", "--json"],
        env=live_portal["env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    code = json.loads(out)["notifications"][0]["notificationId"]
    alice = live_portal["users"][0]

    # when: the seven steps
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Version Upgrade").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Input Notification ID")
    page.get_by_label("Notification ID", exact=True).fill(code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Select Product to Upgrade")
    page.get_by_role("group", name="License to upgrade").get_by_role("radio").first.check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Select Quantity to Upgrade")
    page.get_by_label("Quantity to upgrade").fill("4")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Edit Existing Support Registration")
    expect(page.get_by_label("Company")).to_have_value("Acme Corp")  # prefilled from the license
    page.get_by_role("button", name="Continue").click()
    # the confirm screen has its own step, not the registration step's label
    expect(page.locator("[aria-current=step]")).to_contain_text("Confirm Upgrade")
    page.get_by_role("button", name="Confirm upgrade").click()

    # then
    expect(page.locator("[aria-current=step]")).to_contain_text("Receive a Key")
    expect(page.get_by_text(KEY).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Endpoint Protection 15.0").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "upgrade-keys.png"), full_page=True)


def test_rehost_and_deactivate_on_the_license_page(live_portal: dict[str, Any], page: Any) -> None:
    # given: a host-locked key on host-a, activated there by the installed product
    api = ApiClient(live_portal["base"])
    request = api.get_a_key(api.login(), unused_serial(live_portal, "MGW-10"), host_id="host-a")
    license_id, key = request["licenses"][0]["id"], request["keys"][0]["activationKey"]
    activated = api(
        "mutation($i: ActivateInput!) { activate(input: $i) { __typename } }",
        {"i": {"activationKey": key, "hostId": "host-a"}},
    )
    assert activated["activate"]["__typename"] == "ActivateSuccess"
    alice = live_portal["users"][0]

    # when: Re-host to host-b
    sign_in(page, live_portal["base"], alice["email"], alice["password"])
    page.goto(f"{live_portal['base']}/licenses/{license_id}")
    expect(page.get_by_role("table", name="Hosts that hold a seat of this license")).to_contain_text("host-a")
    page.screenshot(path=str(ARTIFACTS / "license-detail.png"), full_page=True)
    page.get_by_role("button", name="Re-host").click()
    page.get_by_label("New host ID", exact=True).fill("host-b")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm re-host").click()

    # then: a new key for host-b; the old one is revoked and its activation gone
    expect(page.get_by_text(KEY).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("host-b").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "rehost-keys.png"), full_page=True)
    page.goto(f"{live_portal['base']}/licenses/{license_id}")
    expect(page.get_by_text("REVOKED", exact=False).first).to_be_visible()

    # and Deactivate asks first, then frees a host's seat
    new_key = next(
        k
        for k in api(
            "query($id: ID!) { license(id: $id) { keys { activationKey status } } }", {"id": license_id}
        )["license"]["keys"]
        if k["status"] == "ACTIVE"
    )["activationKey"]
    api(
        "mutation($i: ActivateInput!) { activate(input: $i) { __typename } }",
        {"i": {"activationKey": new_key, "hostId": "host-b"}},
    )
    page.reload()
    hosts = page.get_by_role("table", name="Hosts that hold a seat of this license")
    expect(hosts).to_contain_text("host-b")
    hosts.get_by_role("button", name="Deactivate").first.click()
    dialog = page.get_by_role("dialog", name="Deactivate host host-b?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(hosts).to_contain_text("host-b")
    hosts.get_by_role("button", name="Deactivate").first.click()
    dialog.get_by_role("button", name="Deactivate host").click()
    expect(page.get_by_text("Host host-b was deactivated; its seat is free again.")).to_be_visible()
