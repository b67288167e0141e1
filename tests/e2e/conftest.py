"""Browser tests: a real `portal serve` with demo data, driven by headless Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port

pytestmark = pytest.mark.e2e
PORTAL = str(Path(sys.executable).with_name("portal"))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def chromium_path() -> str | None:
    path = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
    return path if Path(path).exists() else None


@contextlib.contextmanager
def serve_portal(extra_env: Callable[[str], dict[str, str]] | None = None) -> Iterator[dict[str, Any]]:
    """`portal serve` with demo data on a fresh SQLite database; `extra_env(base_url)` adds
    variables (an SMTP server, the public URL mailed links point at)."""
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is missing: run `make setup` first")
    data_dir = Path(tempfile.mkdtemp(prefix="portal-e2e-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir}/p.db",
    }
    env.pop("PORTAL_SMTP_URL", None)
    env.update(extra_env(base) if extra_env else {})
    info = json.loads(
        subprocess.run([PORTAL, "demo", "--json"], env=env, check=True, capture_output=True).stdout
    )
    proc = subprocess.Popen(
        [PORTAL, "serve", "--no-demo", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("portal did not start")
        yield {"base": base, "env": env, **info}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def live_portal() -> Iterator[dict[str, Any]]:
    with serve_portal() as portal:
        yield portal


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# which must end before the asyncio tests that follow run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "Chromium is required under CI: install the Debian package `chromium` or set PORTAL_CHROMIUM"
            )
        pytest.skip("no Chromium here (set PORTAL_CHROMIUM or install Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # launch() gives every run a fresh, empty profile directory of its own.
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
