"""Voucher Center in headless Chromium: the OEM user pastes ten codes — one mistyped, one converted
before through the API — sees the answer for every line, downloads it, and watches the keys arrive."""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.api import ApiClient
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_get_a_key import Wire, sign_in
from tests.support import LOGIN

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PORTAL_SHOTS", str(ARTIFACTS)))
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

ISSUE = """
mutation Issue($input: VoucherBatchIssueInput!) {
  voucherBatchIssue(input: $input) {
    __typename
    ... on VoucherBatchIssueSuccess { codes batch { id } }
    ... on UserError { code message }
  }
}"""
CONVERT = """
mutation Convert($input: VoucherConvertInput!) {
  voucherConvert(input: $input) {
    __typename
    ... on VoucherConvertSuccess { conversion { lines { result } } }
    ... on UserError { code message }
  }
}"""


def shoot(page: Any, name: str) -> None:
    """The whole page, and (for long pages) the same in slices a person can read at full size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top, not across the middle
    page.screenshot(path=str(SHOTS / f"vouchers-{name}-{width}.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    slice_height = 1600 if width < 600 else 1200
    if height > slice_height * 1.5:
        for part, top in enumerate(range(0, height, slice_height), start=1):
            clip = {
                "x": 0,
                "y": top,
                "width": width,
                "height": min(slice_height, height - top),
            }
            page.screenshot(
                path=str(SHOTS / f"vouchers-{name}-{width}-part{part}.png"),
                full_page=True,
                clip=clip,
            )


def api_as(base: str, email: str, password: str) -> ApiClient:
    client = ApiClient(base)
    assert (
        client(LOGIN, {"input": {"email": email, "password": password}})["login"]["__typename"]
        == "LoginSuccess"
    )
    return client


def mistyped(code: str) -> str:
    """The code with its check symbol changed (the browser catches it before sending)."""
    last = code[-1]
    return code[:-1] + CROCKFORD[(CROCKFORD.index(last) + 1) % 32]


def test_voucher_center_in_the_browser(live_portal: dict[str, Any], page: Any) -> None:
    wire = Wire(page)
    base = live_portal["base"]
    users = {u["email"]: u for u in live_portal["users"]}
    otto, ops = users["otto@oem.example"], users["ops@vendor.example"]

    # Ten fresh codes from the operator; one of them converted through the API before the test
    oem_api = api_as(base, otto["email"], otto["password"])
    me = oem_api("{ me { memberships { account { id name kind } } } }")["me"]
    oem = next(m["account"] for m in me["memberships"] if m["account"]["kind"] == "OEM")
    issue = {"accountId": oem["id"], "productSku": "EPS-15", "quantity": 2, "count": 10}
    issued = api_as(base, ops["email"], ops["password"])(ISSUE, {"input": issue})["voucherBatchIssue"]
    assert issued["__typename"] == "VoucherBatchIssueSuccess", issued
    codes: list[str] = issued["codes"]
    convert = {"accountId": oem["id"], "codes": [codes[0]], "idempotencyKey": f"e2e-{uuid.uuid4()}"}
    before = oem_api(CONVERT, {"input": convert})["voucherConvert"]
    assert [line["result"] for line in before["conversion"]["lines"]] == ["CONVERTED"]
    # Line 4 is mistyped, line 7 was converted before; the rest are fresh
    lines = [*codes[1:4], mistyped(codes[9]), *codes[4:6], codes[0], *codes[6:9]]

    sign_in(page, base, otto["email"], otto["password"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Voucher Center").click()
    expect(page.get_by_role("heading", name="Voucher Center", level=1)).to_be_visible()
    batches = page.get_by_role("table", name=re.compile("Voucher batches"))
    # The demo's two batches and the new one; the demo's DLP batch expires in 20 days
    expect(batches.get_by_role("row")).to_have_count(4)
    expect(batches.get_by_text("Expiring soon")).to_have_count(1)
    new_batch = batches.get_by_role("meter").first
    expect(new_batch).to_have_attribute("aria-valuenow", "1")
    shoot(page, "batches")

    # Paste: the browser counts the lines and names the typo before anything is sent
    page.get_by_label("Voucher codes").fill("\n".join(lines))
    expect(page.get_by_test_id("voucher-count")).to_have_text("10 codes · 1 to fix")
    expect(page.get_by_text(re.compile(r"Line 4: check character wrong — a typo\?"))).to_be_visible()
    shoot(page, "pasted")
    page.get_by_role("button", name="Convert 9 vouchers").click()

    # One answer per line: 8 converted, the typo (not sent) and the one converted before
    results = page.get_by_role("region", name="Results", exact=True)
    expect(results.get_by_test_id("voucher-summary")).to_contain_text(
        "10 lines: 8 converted, 1 already converted, 1 typo."
    )
    rows = results.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(11)
    expect(rows.nth(4)).to_contain_text("Typo")
    expect(rows.nth(4)).to_contain_text("Not sent")
    expect(rows.nth(7)).to_contain_text("Already converted")
    expect(results.locator("tr[data-result=CONVERTED]")).to_have_count(8)
    expect(rows.nth(1).get_by_role("link", name=re.compile("Endpoint Protection"))).to_be_visible()

    # The keys arrive live (a progress bar while they are signed), then the eight keys
    keys = page.get_by_role("list", name="License keys")
    expect(keys.get_by_role("listitem")).to_have_count(8, timeout=30_000)
    expect(keys.get_by_text(re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}")).first).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    # They came over the subscription, with the progress figures, and the page never fell back to polling
    (ready,) = wire.streamed("READY")
    assert ready["keysReady"] == ready["keysTotal"] == 8
    for key in ready["keys"]:
        expect(keys.get_by_text(key["activationKey"])).to_be_visible()
    expect(page.get_by_text("Live updates are unavailable")).to_have_count(0)
    shoot(page, "results")

    # The results as CSV, one row per line in the order pasted
    with page.expect_download() as info:
        results.get_by_role("button", name="Download results (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [row["code"] for row in table] == lines
    assert [row["result"] for row in table].count("CONVERTED") == 8
    assert table[3]["result"] == "TYPO" and table[6]["result"] == "ALREADY_CONVERTED"
    assert all(row["license_id"] for row in table if row["result"] == "CONVERTED")

    # The history lists the conversion with who made it
    history = page.get_by_role("table", name=re.compile("Conversions"))
    expect(history.get_by_role("row").nth(1)).to_contain_text("8 of 9")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Otto")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Ready")  # read again once the keys were
    # Its results again, later: the codes are not kept, so each line shows its last four characters
    history.get_by_role("button", name=re.compile("^Results")).first.click()
    past = page.get_by_role("region", name=re.compile("^Results of"))
    expect(past.get_by_test_id("voucher-summary")).to_contain_text(
        "9 lines: 8 converted, 1 already converted."
    )
    expect(past.get_by_role("row").nth(1)).to_contain_text(f"…{lines[0][-4:]}")

    # The batch's vouchers, filtered to the converted ones
    batches.get_by_role("button", name=re.compile("^Vouchers")).first.click()
    drill = page.get_by_role("region", name=re.compile("Vouchers of"))
    drill.get_by_label("State").select_option("CONVERTED")
    expect(drill.get_by_test_id("page-range")).to_contain_text("of 9")
    expect(drill.get_by_role("link", name=re.compile("^License"))).to_have_count(9)
    drill.screenshot(path=str(SHOTS / "vouchers-batch-1280.png"))

    # The same page on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "results")
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Voucher Center")
    ).to_be_visible()
    shoot(page, "menu")


def test_the_voucher_center_link_is_for_oem_accounts_only(live_portal: dict[str, Any], page: Any) -> None:
    base = live_portal["base"]
    alice = live_portal["users"][0]
    sign_in(page, base, alice["email"], alice["password"])
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Licenses")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Voucher Center")
    ).to_have_count(0)


def test_a_csv_of_2000_codes_shows_the_keys_signed_chunk_by_chunk(
    live_portal: dict[str, Any], page: Any
) -> None:
    wire = Wire(page)
    base = live_portal["base"]
    users = {u["email"]: u for u in live_portal["users"]}
    otto, ops = users["otto@oem.example"], users["ops@vendor.example"]
    oem_api = api_as(base, otto["email"], otto["password"])
    me = oem_api("{ me { memberships { account { id name kind } } } }")["me"]
    oem = next(m["account"] for m in me["memberships"] if m["account"]["kind"] == "OEM")
    issue = {"accountId": oem["id"], "productSku": "DLP-16", "quantity": 1, "count": 2000}
    issued = api_as(base, ops["email"], ops["password"])(ISSUE, {"input": issue})["voucherBatchIssue"]
    assert issued["__typename"] == "VoucherBatchIssueSuccess", issued
    text = "Order;Voucher code\r\n" + "".join(f"PO-{i};{code}\r\n" for i, code in enumerate(issued["codes"]))

    sign_in(page, base, otto["email"], otto["password"])
    page.goto(f"{base}/vouchers")
    page.get_by_label("Or upload a CSV file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    expect(page.get_by_test_id("voucher-count")).to_have_text("2,000 codes · all look right")
    page.get_by_role("button", name="Convert 2,000 vouchers").click()
    results = page.get_by_role("region", name="Results", exact=True)
    expect(results.get_by_test_id("voucher-summary")).to_contain_text("2,000 lines: 2,000 converted.")
    expect(results.get_by_test_id("page-range")).to_have_text("1\u2013100 of 2,000")
    expect(page.get_by_text("2,000 keys are ready")).to_be_visible(timeout=60_000)
    # Signed in chunks of 1,000: the socket carried the progress, and the keys themselves stay on
    # the license pages (too many to show)
    assert all(0 <= update["keysReady"] < 2000 for update in wire.streamed("FULFILLING"))
    (ready,) = wire.streamed("READY")
    assert ready["keysReady"] == ready["keysTotal"] == 2000
    assert "keys" not in ready
    expect(page.get_by_role("list", name="License keys")).to_have_count(0)
    history = page.get_by_role("table", name=re.compile("Conversions"))
    expect(history.get_by_role("row").nth(1)).to_contain_text("2,000 of 2,000")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Ready")
    shoot(page, "many")


def test_a_voucher_converted_for_a_customer_by_e_mail(live_portal: dict[str, Any], page: Any) -> None:
    base = live_portal["base"]
    otto = next(u for u in live_portal["users"] if u["email"] == "otto@oem.example")
    code = next(v["code"] for v in live_portal["vouchers"] if v["product"] == "EPS-15")

    sign_in(page, base, otto["email"], otto["password"])
    page.goto(f"{base}/vouchers")
    page.get_by_label("Voucher codes").fill(code.lower().replace("-", " "))
    expect(page.get_by_test_id("voucher-count")).to_have_text("1 code · all look right")
    page.get_by_role("radio", name="A customer").check()
    page.get_by_role("button", name="Convert 1 voucher").click()
    expect(page.locator("#voucher-target-email-error")).to_be_visible()  # asked before sending
    page.get_by_label(re.compile("e-mail address")).fill("buyer@customer.example")
    page.get_by_role("button", name="Convert 1 voucher").click()
    results = page.get_by_role("region", name="Results", exact=True)
    expect(results.get_by_test_id("voucher-summary")).to_contain_text("1 line: 1 converted.")
    expect(page.get_by_role("list", name="License keys").get_by_role("listitem")).to_have_count(
        1, timeout=30_000
    )
    expect(page.get_by_text("The licenses are for buyer@customer.example")).to_be_visible()
    history = page.get_by_role("table", name=re.compile("Conversions"))
    expect(history.get_by_role("row").nth(1)).to_contain_text("buyer@customer.example")
    shoot(page, "customer")
