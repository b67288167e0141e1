"""Your account in headless Chromium: a forgotten password reset through a mailed link (a real
SMTP server), then two-factor sign-in with an authenticator app (codes computed with pyotp)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, serve_portal
from tests.support import Mailbox, start_smtp

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def mail_portal() -> Iterator[tuple[dict[str, Any], Mailbox]]:
    """A portal of its own (its passwords change here) that mails through a real SMTP server."""
    controller, mailbox, smtp_url = start_smtp()
    try:
        with serve_portal(lambda base: {"PORTAL_SMTP_URL": smtp_url, "PORTAL_PUBLIC_URL": base}) as portal:
            yield portal, mailbox
    finally:
        controller.stop()


def reset_link(mailbox: Mailbox, address: str) -> str:
    """The link in the reset mail, once it arrived (a wait, not a timing assertion)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for envelope in mailbox.messages:
            if envelope.rcpt_tos == [address]:
                body = message_from_bytes(envelope.content, policy=default).get_body().get_content()
                found = re.search(r"https?://\S+/reset-password\?token=[\w-]+", body)
                if found:
                    return found.group(0)
        time.sleep(0.05)
    raise AssertionError(f"no reset mail to {address}")


def shoot(page: Any, name: str) -> None:
    """The page at 1280 px and at 390 px (a phone), full length."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"account-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in_with_password(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_forgot_password_then_two_factor_sign_in(
    mail_portal: tuple[dict[str, Any], Mailbox], page: Any
) -> None:
    portal, mailbox = mail_portal
    base = portal["base"]
    alice = portal["users"][0]

    # Forgot password → mail link → new password → sign in
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(alice["email"])
    shoot(page, "forgot-password")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(reset_link(mailbox, alice["email"]))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    shoot(page, "reset-password")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    sign_in_with_password(page, base, alice["email"], alice["password"])
    expect(page.get_by_role("alert")).to_contain_text("not correct")  # the old password is gone
    sign_in_with_password(page, base, alice["email"], NEW_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Profile, then turn on two-factor sign-in with an authenticator app
    page.get_by_role("link", name=alice["email"]).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_label("Name")).not_to_have_value("")
    shoot(page, "profile")
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.get_by_role("table", name="Your sessions")).to_contain_text("This browser")
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code does not load"
    shoot(page, "two-factor-setup")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(app.now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    shoot(page, "recovery-codes")
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.get_by_text("On", exact=True)).to_be_visible()
    shoot(page, "security")

    # Sign out, and in again: the password, then a code from the app
    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in_with_password(page, base, alice["email"], NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    # The next time step's code: the one used to turn it on is never accepted twice.
    page.get_by_label("Authentication code").fill(app.at(time.time() + app.interval))
    shoot(page, "second-factor")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=alice["email"])).to_be_visible()
