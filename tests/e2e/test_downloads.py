"""Downloads in headless Chromium: an operator publishes a small release with `portal releases add`;
Bob (Globex, whose EPS-14 maintenance ended 90 days ago) opens Downloads, downloads the file and
its bytes hash to the SHA-256 the page shows; a link older than five minutes is renewed before it
is followed; the release after his maintenance end is locked with its reason; a serial number that
is not his is refused at the field, a new certificate's lists its product's files; the page fits 390 px."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PORTAL
from tests.e2e.test_get_a_key import Wire, sign_in
from tests.e2e.test_keep_licenses_alive import unused_serial

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PORTAL_SHOTS", str(ARTIFACTS)))
FILE_NAME = "eps-14.2.1-hotfix.zip"
NOTES = """## Hotfix 14.2.1

- Fixes the scheduled scan that skipped **network shares**
- <script>alert('notes')</script>Raw HTML in notes is not rendered

| Platform | Installer |
| --- | --- |
| Linux x64 | tar.gz |
"""


def shoot(page: Any, name: str) -> None:
    """The whole page, and the same in slices a person can read at full size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top, not across the middle
    page.screenshot(path=str(SHOTS / f"downloads-{name}-{width}.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    slice_height = 1000 if width < 600 else 1200
    for part, top in enumerate(range(0, height, slice_height), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(slice_height, height - top)}
        page.screenshot(
            path=str(SHOTS / f"downloads-{name}-{width}-part{part}.png"), full_page=True, clip=clip
        )


def publish(env: dict[str, str], content: bytes, released: date) -> None:
    """The operator's way: the CLI streams the file into storage while hashing it."""
    folder = Path(tempfile.mkdtemp(prefix="portal-release-"))
    (folder / FILE_NAME).write_bytes(content)
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    subprocess.run(
        [
            PORTAL,
            "releases",
            "add",
            "--product",
            "EPS-14",
            "--version",
            "14.2.1",
            "--platform",
            "linux-x64",
            "--released",
            released.isoformat(),
            "--notes",
            str(folder / "notes.md"),
            str(folder / FILE_NAME),
        ],
        env=env,
        check=True,
        capture_output=True,
    )


def test_downloads_in_the_browser(live_portal: dict[str, Any], page: Any) -> None:
    # given: a release of 300 KiB published before Bob's maintenance ended (90 days ago)
    content = os.urandom(300 * 1024)
    released = datetime.now(UTC).date() - timedelta(days=120)
    publish(live_portal["env"], content, released)
    expected_sha = hashlib.sha256(content).hexdigest()
    bob = next(u for u in live_portal["users"] if u["email"] == "bob@globex.example")
    wire = Wire(page)
    page.clock.install()  # the page's clock, so "five minutes later" needs no waiting
    sign_in(page, live_portal["base"], bob["email"], bob["password"])

    # when: Bob opens Downloads from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Downloads").click()
    expect(page.get_by_role("heading", name="Downloads", level=1)).to_be_visible()
    products = page.get_by_role("region", name="Your products")
    expect(products.get_by_role("link", name=re.compile("Endpoint Protection"))).to_have_attribute(
        "aria-current", "true"
    )

    # then: the new version is listed with its notes rendered, raw HTML left out
    hotfix = page.get_by_role("article", name=re.compile(r"14\.2\.1$"))
    expect(hotfix).to_be_visible()
    notes = hotfix.locator("details", has_text="Release notes")
    notes.get_by_text("Release notes").click()  # only the newest version's notes start open
    expect(notes.get_by_role("heading", name="Hotfix 14.2.1")).to_be_visible()
    expect(notes.locator("strong", has_text="network shares")).to_be_visible()
    expect(notes.get_by_role("table")).to_be_visible()
    expect(notes.locator("script")).to_have_count(0)
    item = hotfix.get_by_test_id("download-file").filter(has_text=FILE_NAME)
    expect(item).to_contain_text("307 KB")
    shown = item.get_by_test_id("sha256").inner_text().strip()
    assert shown == expected_sha
    item.get_by_text("Check the file after downloading").click()
    expect(item).to_contain_text(f"echo '{expected_sha}  {FILE_NAME}' | sha256sum --check")

    # and: the release after the maintenance end is listed, locked, with the reason and a way to renew
    locked = page.get_by_role("article", name=re.compile(r"14\.3$"))
    expect(locked.get_by_role("note")).to_contain_text("renew to download")
    expect(locked.get_by_role("note")).to_contain_text(re.compile("[Mm]aintenance ended"))
    expect(locked.get_by_role("link", name="Get a Key")).to_have_attribute("href", "/get-a-key")
    expect(locked.get_by_role("link", name=re.compile(r"^Download"))).to_have_count(0)
    shoot(page, "list")

    # when: he downloads the file
    with page.expect_download() as info:
        item.get_by_role("link", name=re.compile(rf"^Download {re.escape(FILE_NAME)}")).click()
    download = info.value
    # then: the saved bytes are the published ones, and hash to the SHA-256 shown
    assert download.suggested_filename == FILE_NAME
    saved = Path(download.path()).read_bytes()
    assert hashlib.sha256(saved).hexdigest() == shown
    assert saved == content

    # when: he comes back to it after more than five minutes, the link may have expired,
    # so the page asks for a new one first and follows that
    asked = wire.posted.count("Downloads")
    page.clock.fast_forward("05:30")
    with page.expect_download() as again:
        item.get_by_role("link", name=re.compile(rf"^Download {re.escape(FILE_NAME)}")).click()
    assert hashlib.sha256(Path(again.value.path()).read_bytes()).hexdigest() == expected_sha
    assert wire.posted.count("Downloads") == asked + 1

    # when: he looks up a serial number that is not his
    serial = page.get_by_label("Serial number", exact=True)
    serial.fill("M000-000-0001")
    page.get_by_role("button", name="Show downloads").click()
    # then: the answer is at the field
    expect(serial).to_have_attribute("aria-invalid", "true")
    error = page.locator("#download-serial-error")
    expect(error).to_be_visible()
    expect(serial).to_be_focused()

    # when: he looks up a serial number from a new certificate (not turned into a license yet)
    fresh = unused_serial(live_portal, "EPS-15")
    serial.fill(fresh)
    page.get_by_role("button", name="Show downloads").click()
    # then: the product's releases are listed with their links, and a file downloads intact
    found = page.get_by_role("heading", name=re.compile(r"serial number"), level=3)
    expect(found).to_contain_text("Endpoint Protection")
    expect(serial).not_to_have_attribute("aria-invalid", "true")
    result = page.locator(".serial-lookup__result")
    item = result.get_by_test_id("download-file").filter(has_text="eps-15.0.pkg")
    with page.expect_download() as from_serial:
        item.get_by_role("link", name=re.compile(r"^Download eps-15\.0\.pkg")).click()
    saved_sha = hashlib.sha256(Path(from_serial.value.path()).read_bytes()).hexdigest()
    assert saved_sha == item.get_by_test_id("sha256").inner_text().strip()
    shoot(page, "serial")

    # when: the same page on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("article", name=re.compile(r"14\.2\.1$"))).to_be_visible()
    # then: nothing scrolls sideways, and the download button spans the card
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_role("link", name=re.compile(rf"^Download {re.escape(FILE_NAME)}"))
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # and the commands wrap inside their card
    phone_item = page.get_by_test_id("download-file").filter(has_text=FILE_NAME)
    phone_item.get_by_text("Check the file after downloading").click()
    expect(phone_item.get_by_text("sha256sum --check")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "list")
