"""API tokens in headless Chromium: Alice makes a token on the API tokens page of Your account, copies it
once, a script uses it, the list shows that use, and she revokes it after confirming; the page is
photographed at 1280 and 390 px."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import sign_in

pytestmark = pytest.mark.e2e


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"tokens-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def script_request(base: str, token: str, query: str) -> tuple[int, dict[str, Any]]:
    """What a reporting script does: POST /graphql with the token and nothing else."""
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_make_use_and_revoke_a_token(live_portal: dict[str, Any], page: Any) -> None:
    base = live_portal["base"]
    alice = live_portal["users"][0]
    sign_in(page, base, alice["email"], alice["password"])
    page.goto(f"{base}/account/tokens")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    # Alice makes a token that reads licenses
    page.get_by_label("Name", exact=True).fill("Nightly license report")
    page.get_by_role("checkbox", name="licenses:read").check()
    page.get_by_label("Expires after").select_option("90")
    shoot(page, "new")
    page.get_by_role("button", name="Make token").click()
    secret = page.get_by_test_id("new-token")
    expect(secret).to_contain_text("lp_")
    token = secret.inner_text().strip()
    expect(page.get_by_text("It is shown only this once")).to_be_visible()
    shoot(page, "shown-once")

    # a script uses it
    status, body = script_request(base, token, "{ me { email } rateLimit { remaining } }")
    assert status == 200 and body["data"]["me"]["email"] == alice["email"], body

    # the list shows the token by its prefix, and its use
    page.get_by_role("button", name="I have copied it").click()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    page.reload()
    row = (
        page.get_by_role("table", name="Your API tokens")
        .get_by_role("row")
        .filter(has_text="Nightly license report")
    )
    expect(row).to_contain_text(token[:9] + "…")
    expect(row).to_contain_text("from 127.0.0.1")
    expect(row).to_contain_text("licenses:read")
    shoot(page, "list")

    # she revokes it after confirming; the script is refused from then on
    row.get_by_role("button", name="Revoke Nightly license report").click()
    dialog = page.get_by_role("dialog", name="Revoke “Nightly license report”?")
    expect(dialog).to_be_visible()
    shoot(page, "revoke")
    dialog.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("is revoked: requests with it are refused")).to_be_visible()
    status, body = script_request(base, token, "{ me { email } }")
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
