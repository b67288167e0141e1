"""Single sign-on in headless Chromium: Acme's admin connects a real OpenID Connect provider (the
authlib one of tests/api/oidc_provider.py, served from a thread of this process) on the settings
page; then a newcomer types her company address on the sign-in page, goes to the provider and
comes back signed in."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.domain.demo import DEMO_PASSWORD
from tests.api.oidc_provider import TestProvider, TestUser, running_provider
from tests.e2e.conftest import ARTIFACTS, serve_portal

pytestmark = pytest.mark.e2e
ALICE = "alice@acme.example"
NINA = "nina@acme.example"


@contextlib.contextmanager
def provider_in_thread() -> Iterator[TestProvider]:
    """The provider on its own event loop in a thread (the browser test's thread is Playwright's)."""
    started = threading.Event()
    stop = threading.Event()
    found: dict[str, Any] = {}

    async def serve() -> None:
        async with running_provider() as provider:
            found["provider"] = provider
            started.set()
            await asyncio.to_thread(stop.wait)

    def run() -> None:
        try:
            asyncio.run(serve())
        finally:
            started.set()

    thread = threading.Thread(target=run, name="oidc-provider", daemon=True)
    thread.start()
    assert started.wait(30) and "provider" in found, "the OIDC provider did not start"
    try:
        yield found["provider"]
    finally:
        stop.set()
        thread.join(30)


@pytest.fixture(scope="module")
def sso_portal() -> Iterator[tuple[dict[str, Any], TestProvider]]:
    with provider_in_thread() as provider, serve_portal(lambda base: {"PORTAL_PUBLIC_URL": base}) as portal:
        provider.add_client("portal-e2e", "e2e-client-secret", f"{portal['base']}/sso/callback")
        yield portal, provider


def shoot(page: Any, name: str) -> None:
    """The page at 1280 px and at 390 px (a phone), full length."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top, not across the middle
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"sso-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_connects_the_provider_and_a_newcomer_signs_in_through_it(
    sso_portal: tuple[dict[str, Any], TestProvider], page: Any
) -> None:
    portal, provider = sso_portal
    base = portal["base"]

    # Alice (Acme's admin) connects the provider on the settings page
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ALICE)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="SSO", exact=True).click()
    expect(page.get_by_role("heading", name="Not connected", exact=True)).to_be_visible()
    page.get_by_label("Issuer URL", exact=True).fill(provider.issuer)
    page.get_by_label("Client ID", exact=True).fill("portal-e2e")
    page.get_by_label("Client secret", exact=True).fill("e2e-client-secret")
    page.get_by_label("E-mail domains", exact=True).fill("acme.example")
    page.get_by_role("button", name="Connect provider").click()
    expect(page.get_by_role("heading", name="Connected", exact=True)).to_be_visible()
    expect(page.get_by_text("Your identity provider is connected.")).to_be_visible()
    expect(page.get_by_text(f"{base}/sso/callback")).to_be_visible()
    shoot(page, "settings")
    page.get_by_role("button", name="Sign out").click()

    # Nina, new to the portal, gives her company address and is sent to the provider
    provider.user = TestUser(sub="nina-e2e", email=NINA, name="Nina North")
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(NINA)
    page.get_by_label("Email").press("Tab")
    company = page.get_by_role("link", name="Continue with company sign-in")
    expect(company).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    shoot(page, "sign-in")
    company.click()

    # back from the provider, signed in, in Acme's account as a member
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url == f"{base}/"
    expect(page.get_by_text(NINA).first).to_be_visible()
    assert provider.authorize_requests[-1]["code_challenge_method"] == "S256"
    shoot(page, "signed-in")

    # a callback that did not start in this browser: a plain page, no session
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/sso/callback?state=forged&code=whatever")
    expect(page.get_by_role("heading", name="Company sign-in failed")).to_be_visible()
    expect(page.get_by_text("You are not signed in.")).to_be_visible()
    shoot(page, "refused")
