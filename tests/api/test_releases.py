"""FileConnect over GraphQL (SQLite and PostgreSQL): who may download what — own, shared and
delegated licenses, ended maintenance (locked, with the reason), upgrade notifications,
subscriptions — the serial-number lookup and its guessing limit, operators' releaseCreate and
releaseWithdraw, the CLI, the streamed upload endpoint and download counts for operators only."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.db.models import (
    Account,
    Delegation,
    DelegationScope,
    DelegationStatus,
    FileDownload,
    License,
    LicenseSerial,
    LicenseShare,
    LicenseState,
    Product,
    Release,
    ReleaseFile,
    Serial,
    SerialStatus,
    SharePermission,
    UpgradeNotification,
    User,
    utcnow,
)
from backend.domain.releases import publishing
from backend.domain.releases.storage import LocalStorage, local_root, storage_for
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id
from tests.api.flows import ALICE, BOB, VICTOR, new_serials, sign_in
from tests.conftest import client_for
from tests.support import GraphQLClient, statements

OPS = "ops@vendor.example"
CAROL = "carol@initech.example"
TODAY = date.today()
ENDED = TODAY - timedelta(days=120)

DOWNLOADS = """
query D($filter: DownloadsFilter, $first: Int, $after: String) {
  downloads(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes {
      id version platform releasedOn notes lockedReason downloadCount product { sku }
      files { id name size sha256 contentType downloadUrl }
    }
  }
}"""
PRODUCTS = """
query { downloadProducts { product { sku } latestVersion releaseCount platforms maintenanceEndsOn } }"""
SERIAL = """
query S($n: String!) {
  serialDownloads(serialNumber: $n) {
    serialNumber product { sku }
    releases { version platform lockedReason files { name downloadUrl } }
    errors { __typename code message field ... on RateLimited { retryAfterSeconds } }
  }
}"""
CREATE = """
mutation C($input: ReleaseCreateInput!) {
  releaseCreate(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code message } }
    ... on ReleaseCreateSuccess { release { id version platform releasedOn notes product { sku } files { name } } }
  }
}"""
WITHDRAW = """
mutation W($id: ID!) {
  releaseWithdraw(id: $id) {
    __typename
    ... on UserError { code message field }
    ... on ReleaseWithdrawSuccess { release { id withdrawn } }
  }
}"""


async def bytes_of(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def publish(
    portal: Portal, sku: str, version: str, released_on: date, platform: str = "windows-x64", **files: bytes
) -> Release:
    release = await publishing.create(
        portal.db, None, publishing.NewRelease(sku, version, platform, released_on, f"# {sku} {version}")
    )
    storage = storage_for(portal.settings)
    for name, content in (files or {f"{sku.lower()}-{version}.zip": f"{sku} {version}".encode()}).items():
        await publishing.add_file(
            portal.db, storage, None, release.id, name.replace("_", "."), bytes_of(content)
        )
    return release


async def ids_of(portal: Portal) -> dict[str, uuid.UUID]:
    """Accounts by name, users by e-mail, products by SKU."""
    async with portal.db.read() as session:
        found: dict[str, uuid.UUID] = {
            name: i for i, name in await session.execute(select(Account.id, Account.name))
        }
        found.update({email: i for i, email in await session.execute(select(User.id, User.email))})
        found.update({sku: i for i, sku in await session.execute(select(Product.id, Product.sku))})
    return found


async def give_license(
    portal: Portal, account: uuid.UUID, product: uuid.UUID, until: date, **extra: Any
) -> uuid.UUID:
    license_id = uuid.uuid4()
    async with portal.db.write() as session:
        session.add(
            License(
                id=license_id,
                account_id=account,
                product_id=product,
                quantity=5,
                maintenance_until=until,
                **extra,
            )
        )
    return license_id


async def signed_in(portal_app: Any, email: str) -> GraphQLClient:
    client = GraphQLClient(client_for(portal_app[0]))
    await sign_in(client, email)
    return client


async def listed(client: GraphQLClient, **filter_: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await client(DOWNLOADS, {"filter": filter_ or None}))["downloads"]["nodes"]
    return nodes


def by_version(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{n['product']['sku']} {n['version']}": n for n in nodes}


@pytest.fixture
async def catalog(portal: Portal) -> dict[str, Any]:
    """EPS-14: 14.1 (a year ago), 14.2 (two months before ENDED), 14.3 (a month after ENDED, two
    platforms); EPS-15: 15.0, 15.1; DLP-16 (subscription): 16.1; MGW-10: 10.8; a withdrawn EPS-14 14.0."""
    ids = await ids_of(portal)
    made = {
        "14.1": await publish(portal, "EPS-14", "14.1", TODAY - timedelta(days=365)),
        "14.2": await publish(portal, "EPS-14", "14.2", ENDED - timedelta(days=60)),
        "14.3": await publish(portal, "EPS-14", "14.3", ENDED + timedelta(days=30)),
        "14.3-linux": await publish(portal, "EPS-14", "14.3", ENDED + timedelta(days=30), "linux-x64"),
        "15.0": await publish(portal, "EPS-15", "15.0", TODAY - timedelta(days=10)),
        "15.1": await publish(portal, "EPS-15", "15.1", TODAY - timedelta(days=1)),
        "16.1": await publish(portal, "DLP-16", "16.1", TODAY - timedelta(days=5)),
        "10.8": await publish(portal, "MGW-10", "10.8", TODAY - timedelta(days=5)),
        "14.0": await publish(portal, "EPS-14", "14.0", TODAY - timedelta(days=900)),
    }
    await publishing.withdraw(portal.db, None, made["14.0"].id)
    return {"ids": ids, "releases": made}


async def test_own_licenses_entitle_releases_up_to_the_latest_maintenance_end(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    # given Acme holds EPS-14 whose maintenance ended, Globex holds MGW-10
    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-14"], ENDED)
    await give_license(portal, ids["Globex Inc"], ids["MGW-10"], TODAY + timedelta(days=300))
    alice = await signed_in(portal_app, ALICE)
    # when
    nodes = await listed(alice)
    # then only EPS-14's listed releases show, newest first, the later ones locked with the reason
    assert [(n["version"], n["platform"]) for n in nodes] == [
        ("14.3", "linux-x64"),
        ("14.3", "windows-x64"),
        ("14.2", "windows-x64"),
        ("14.1", "windows-x64"),
    ]
    shown = {(n["version"], n["platform"]): n for n in nodes}
    ended = f"{ENDED.day} {ENDED:%b %Y}"
    assert shown["14.3", "linux-x64"]["lockedReason"] == f"Maintenance ended on {ended}; renew to download."
    assert shown["14.3", "linux-x64"]["files"][0]["downloadUrl"] is None
    open_file = shown["14.2", "windows-x64"]["files"][0]
    assert shown["14.2", "windows-x64"]["lockedReason"] is None
    file_id = from_global_id(open_file["id"], "ReleaseFile")
    assert open_file["downloadUrl"].startswith(f"/downloads/{file_id}/eps-14-14.2.zip?")
    assert open_file["sha256"] == hashlib.sha256(b"EPS-14 14.2").hexdigest()
    assert open_file["size"] == len(b"EPS-14 14.2") and open_file["contentType"] == "application/zip"
    assert shown["14.2", "windows-x64"]["downloadCount"] is None  # operators only
    # and the product list says what the user holds
    products = (await alice(PRODUCTS))["downloadProducts"]
    assert products == [
        {
            "product": {"sku": "EPS-14"},
            "latestVersion": "14.3",
            "releaseCount": 4,
            "platforms": ["linux-x64", "windows-x64"],
            "maintenanceEndsOn": ENDED.isoformat(),
        }
    ]
    # when a second license of the product runs longer, the latest end counts
    await give_license(portal, ids["Acme Corp"], ids["EPS-14"], TODAY + timedelta(days=30))
    assert all(n["lockedReason"] is None for n in await listed(alice))
    # and a revoked license entitles nothing
    await give_license(
        portal, ids["Acme Corp"], ids["EPS-15"], TODAY + timedelta(days=30), state=LicenseState.REVOKED
    )
    assert {n["product"]["sku"] for n in await listed(alice)} == {"EPS-14"}
    # and a viewer of the account sees the same
    victor = await signed_in(portal_app, VICTOR)
    assert len(await listed(victor)) == 4
    # and nobody else
    bob = await signed_in(portal_app, BOB)
    assert {n["product"]["sku"] for n in await listed(bob)} == {"MGW-10"}


async def test_filters_search_and_keyset_pages(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-14"], TODAY)
    await give_license(portal, ids["Acme Corp"], ids["EPS-15"], TODAY)
    alice = await signed_in(portal_app, ALICE)
    assert [n["version"] for n in await listed(alice, productSku="eps-15")] == ["15.1", "15.0"]
    assert [n["version"] for n in await listed(alice, platform="linux-x64")] == ["14.3"]
    assert [n["version"] for n in await listed(alice, search="15.1")] == ["15.1"]
    assert await listed(alice, search="%") == []  # wildcards are taken literally
    # pages of two walk every release once, in order
    seen: list[str] = []
    after = None
    while True:
        page = (await alice(DOWNLOADS, {"first": 2, "after": after}))["downloads"]
        assert page["totalCount"] == 6
        seen += [f"{n['version']} {n['platform']}" for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    everything = [f"{n['version']} {n['platform']}" for n in await listed(alice)]
    assert seen == everything and len(seen) == 6
    # a page over 100 or a cursor we never gave out is refused
    too_many = await alice.raw(DOWNLOADS, {"first": 101})
    assert too_many["errors"]
    bad = await alice.raw(DOWNLOADS, {"after": "bm90IGEgY3Vyc29y"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_shared_and_delegated_licenses_entitle(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    # given Globex holds EPS-15 and shares one license with alice; DLP-16 at Globex is not shared
    ids = catalog["ids"]
    shared = await give_license(portal, ids["Globex Inc"], ids["EPS-15"], TODAY + timedelta(days=90))
    await give_license(portal, ids["Globex Inc"], ids["DLP-16"], TODAY + timedelta(days=90))
    async with portal.db.write() as session:
        session.add(
            LicenseShare(license_id=shared, email=ALICE, user_id=ids[ALICE], permission=SharePermission.VIEW)
        )
    alice = await signed_in(portal_app, ALICE)
    assert set(by_version(await listed(alice))) == {"EPS-15 15.1", "EPS-15 15.0"}
    # and a partner sees a customer's releases while the delegation is active
    carol = await signed_in(portal_app, CAROL)
    assert await listed(carol) == []
    delegation = Delegation(
        customer_account_id=ids["Globex Inc"],
        partner_account_id=ids["Initech Partners"],
        scope=DelegationScope.VIEW,
        status=DelegationStatus.ACTIVE,
    )
    async with portal.db.write() as session:
        session.add(delegation)
    assert set(by_version(await listed(carol))) == {"EPS-15 15.1", "EPS-15 15.0", "DLP-16 16.1"}
    assert all(n["files"][0]["downloadUrl"] for n in await listed(carol))
    async with portal.db.write() as session:
        row = await session.get(Delegation, delegation.id)
        assert row is not None
        row.status = DelegationStatus.REVOKED
    assert await listed(carol) == []


async def test_an_upgrade_notification_entitles_its_target_version(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    # given Acme holds EPS-14 (maintenance running) and an open notification to upgrade to EPS-15
    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-14"], TODAY + timedelta(days=60))
    notification = UpgradeNotification(
        code=f"UPG{uuid.uuid4().hex[:10].upper()}",
        account_id=ids["Acme Corp"],
        from_product_id=ids["EPS-14"],
        to_product_id=ids["EPS-15"],
        expires_at=utcnow() + timedelta(days=30),
    )
    async with portal.db.write() as session:
        session.add(notification)
    alice = await signed_in(portal_app, ALICE)
    # then EPS-15 15.0 (the product's version) is downloadable; 15.1 is listed, locked
    shown = by_version(await listed(alice, productSku="EPS-15"))
    assert shown["EPS-15 15.0"]["lockedReason"] is None and shown["EPS-15 15.0"]["files"][0]["downloadUrl"]
    assert shown["EPS-15 15.1"]["lockedReason"] == "Your upgrade notification entitles version 15.0 only."
    products = {p["product"]["sku"]: p for p in (await alice(PRODUCTS))["downloadProducts"]}
    assert products["EPS-15"]["maintenanceEndsOn"] is None
    # when the notification expires, it entitles nothing
    async with portal.db.write() as session:
        row = await session.get(UpgradeNotification, notification.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
    assert await listed(alice, productSku="EPS-15") == []


async def test_a_subscription_entitles_while_it_runs(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    ids = catalog["ids"]
    license_id = await give_license(portal, ids["Acme Corp"], ids["DLP-16"], TODAY)
    alice = await signed_in(portal_app, ALICE)
    [release] = await listed(alice)
    assert release["lockedReason"] is None and release["files"][0]["downloadUrl"]
    async with portal.db.write() as session:
        row = await session.get(License, license_id)
        assert row is not None
        row.maintenance_until = TODAY - timedelta(days=1)
    [release] = await listed(alice)
    yesterday = TODAY - timedelta(days=1)
    assert (
        release["lockedReason"]
        == f"Subscription ended on {yesterday.day} {yesterday:%b %Y}; renew to download."
    )
    assert release["files"][0]["downloadUrl"] is None


async def test_the_statements_do_not_grow_with_the_licenses(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    ids = catalog["ids"]
    alice = await signed_in(portal_app, ALICE)
    counts = []
    for total in (2, 100):  # both products from the first round: the same page, more licenses
        async with portal.db.write() as session:
            have = len(
                (
                    await session.scalars(select(License.id).where(License.account_id == ids["Acme Corp"]))
                ).all()
            )
            for i in range(total - have):
                session.add(
                    License(
                        account_id=ids["Acme Corp"],
                        product_id=ids["EPS-14" if i % 2 else "EPS-15"],
                        quantity=1,
                        maintenance_until=ENDED + timedelta(days=i),
                    )
                )
        with statements(portal) as sent:
            await alice(DOWNLOADS)
            await alice(PRODUCTS)
        # The request's statements: not the session lookup, nor the in-process worker polling its
        # queue meanwhile (it shares the engine the count listens on).
        counts.append(len([s for s in sent if "user_sessions" not in s and "FROM jobs" not in s]))
    assert counts[0] == counts[1], counts


async def test_serial_lookup(portal: Portal, portal_app: Any, catalog: dict[str, Any]) -> None:
    ids = catalog["ids"]
    alice = await signed_in(portal_app, ALICE)
    bob = await signed_in(portal_app, BOB)
    # given an unregistered EPS-14 serial: it lists the product's releases, downloadable
    [fresh] = await new_serials(portal, "EPS-14")
    found = (await alice(SERIAL, {"n": fresh.lower()}))["serialDownloads"]
    assert found["errors"] == [] and found["product"] == {"sku": "EPS-14"}
    assert [r["version"] for r in found["releases"]] == ["14.3", "14.3", "14.2", "14.1"]
    assert all(r["lockedReason"] is None and r["files"][0]["downloadUrl"] for r in found["releases"])
    # given a serial registered onto an Acme license whose maintenance ended
    [registered] = await new_serials(portal, "EPS-14")
    license_id = await give_license(portal, ids["Acme Corp"], ids["EPS-14"], ENDED)
    async with portal.db.write() as session:
        serial = await session.scalar(select(Serial).where(Serial.number == registered))
        assert serial is not None
        serial.status = SerialStatus.REGISTERED
        session.add(LicenseSerial(license_id=license_id, serial_id=serial.id))
    found = (await alice(SERIAL, {"n": registered}))["serialDownloads"]
    assert found["errors"] == []
    locks = [r["lockedReason"] for r in found["releases"]]
    assert locks[0] is not None and locks[0].startswith("Maintenance ended on") and locks[2:] == [None, None]
    # a foreign, an unknown and a mistyped serial answer alike
    answers = [
        (await bob(SERIAL, {"n": number}))["serialDownloads"]
        for number in (registered, "M0000000000"[:-1] + "0", "M12345")
    ]
    for answer in answers:
        assert answer["product"] is None and answer["releases"] == []
        assert [e["code"] for e in answer["errors"]] == ["NOT_FOUND"]
        assert answer["errors"] == answers[0]["errors"]
    # and they count against the guessing limit, like Get a Key's
    for _ in range(10 - len(answers)):
        await bob(SERIAL, {"n": "M12345"})
    limited = (await bob(SERIAL, {"n": registered}))["serialDownloads"]
    assert limited["errors"][0]["__typename"] == "RateLimited"
    assert limited["errors"][0]["retryAfterSeconds"] > 0
    # and alice's budget is her own
    assert (await alice(SERIAL, {"n": fresh}))["serialDownloads"]["errors"] == []


async def test_only_operators_publish_and_withdraw(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-15"], TODAY + timedelta(days=30))
    alice = await signed_in(portal_app, ALICE)
    ops = await signed_in(portal_app, OPS)
    new = {"productSku": "eps-15", "version": "15.2", "platform": "macos", "notes": "Faster scans."}
    refused = (await alice(CREATE, {"input": new}))["releaseCreate"]
    assert refused["__typename"] == "NotFound"
    created = (await ops(CREATE, {"input": new}))["releaseCreate"]
    assert created["__typename"] == "ReleaseCreateSuccess", created
    assert created["release"]["releasedOn"] == TODAY.isoformat()
    assert created["release"]["product"] == {"sku": "EPS-15"} and created["release"]["files"] == []
    again = (await ops(CREATE, {"input": new}))["releaseCreate"]
    assert again["__typename"] == "InvalidInput" and again["fieldErrors"][0]["code"] == "TAKEN"
    bad = (await ops(CREATE, {"input": {**new, "productSku": "NOPE", "version": "a b"}}))["releaseCreate"]
    assert {e["field"] for e in bad["fieldErrors"]} == {"productSku", "version"}
    assert "EPS-15 15.2" in by_version(await listed(alice))
    release_id = created["release"]["id"]
    assert (await alice(WITHDRAW, {"id": release_id}))["releaseWithdraw"]["__typename"] == "NotFound"
    unknown = to_global_id("Release", uuid.uuid4())
    assert (await ops(WITHDRAW, {"id": unknown}))["releaseWithdraw"]["__typename"] == "NotFound"
    withdrawn = (await ops(WITHDRAW, {"id": release_id}))["releaseWithdraw"]
    assert withdrawn == {
        "__typename": "ReleaseWithdrawSuccess",
        "release": {"id": release_id, "withdrawn": True},
    }
    assert "EPS-15 15.2" not in by_version(await listed(alice))


async def test_download_counts_are_for_operators(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-15"], TODAY + timedelta(days=30))
    async with portal.db.write() as session:
        [file] = await session.scalars(
            select(ReleaseFile).where(ReleaseFile.release_id == catalog["releases"]["15.0"].id)
        )
        # a whole file and the first part of one count; its resume, a 304 and a refusal do not
        for status, range_header in (
            (200, None),
            (206, "bytes=0-"),
            (206, "bytes=400-"),
            (304, None),
            (410, None),
        ):
            session.add(
                FileDownload(
                    file_id=file.id,
                    user_id=ids[ALICE],
                    account_id=ids["Acme Corp"],
                    status=status,
                    range_header=range_header,
                    bytes_sent=5,
                )
            )
    alice = await signed_in(portal_app, ALICE)
    ops = await signed_in(portal_app, OPS)
    assert {n["version"]: n["downloadCount"] for n in await listed(alice)} == {"15.1": None, "15.0": None}
    # operators see every listed release, with its downloads
    counts = {
        f"{n['product']['sku']} {n['version']} {n['platform']}": n["downloadCount"] for n in await listed(ops)
    }
    assert counts["EPS-15 15.0 windows-x64"] == 2 and counts["EPS-15 15.1 windows-x64"] == 0
    assert len(counts) == 8 and set(counts.values()) == {0, 2}


async def test_the_cli_publishes_lists_and_withdraws(
    portal: Portal,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from backend.cli import main

    monkeypatch.setenv("PORTAL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PORTAL_SECRET_KEY", settings.secret_key)
    installer = tmp_path / "eps-15.2-setup.exe"
    content = bytes(range(256)) * 5000
    installer.write_bytes(content)
    notes = tmp_path / "notes.md"
    notes.write_text("# 15.2\n\n- Faster scans\n")
    add = ["releases", "add", "--product", "eps-15", "--version", "15.2", "--platform", "windows-x64"]
    assert (
        await asyncio.to_thread(
            main, [*add, "--released", "2026-11-30", "--notes", str(notes), str(installer)]
        )
        == 0
    )
    out = capsys.readouterr().out
    digest = hashlib.sha256(content).hexdigest()
    assert digest in out
    # the bytes are in storage under their SHA-256
    stored = LocalStorage(local_root(settings)).path_for(digest)
    assert stored.read_bytes() == content
    assert await asyncio.to_thread(main, ["releases", "list", "--product", "EPS-15"]) == 0
    listing = capsys.readouterr().out
    assert (
        "15.2" in listing and "windows-x64" in listing and "2026-11-30" in listing and "1 file(s)" in listing
    )
    assert (
        await asyncio.to_thread(
            main,
            ["releases", "withdraw", "--product", "EPS-15", "--version", "15.2", "--platform", "windows-x64"],
        )
        == 0
    )
    assert "withdrawn" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["releases", "list"]) == 0
    assert "WITHDRAWN" in capsys.readouterr().out
    # an unknown product changes nothing and says why
    assert (
        await asyncio.to_thread(
            main,
            ["releases", "add", "--product", "NOPE", "--version", "1", "--platform", "x", str(installer)],
        )
        == 2
    )
    assert "No product has this SKU" in capsys.readouterr().err


UPLOAD_BOUNDARY = "portal-test-boundary-7f3a"


async def multipart_body(name: str, content: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A multipart/form-data body with a plain field and one file part, sent a chunk at a time."""
    yield (
        f'--{UPLOAD_BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
        f'--{UPLOAD_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/x-msdownload\r\n\r\n"
    ).encode()
    for start in range(0, len(content), chunk):
        yield content[start : start + chunk]
    yield f"\r\n--{UPLOAD_BOUNDARY}--\r\n".encode()


async def upload(client: GraphQLClient, release_id: str, name: str, content: bytes, **headers: str) -> Any:
    token = client.http.cookies.get("portal_csrf")
    sent = {"Content-Type": f"multipart/form-data; boundary={UPLOAD_BOUNDARY}", **headers}
    if token and "X-CSRF-Token" not in sent:
        sent["X-CSRF-Token"] = token
    return await client.http.post(
        f"/releases/{release_id}/files", content=multipart_body(name, content), headers=sent
    )


async def test_the_upload_endpoint_streams_into_storage_and_hashes(
    portal: Portal, portal_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await ids_of(portal)
    await give_license(portal, ids["Acme Corp"], ids["EPS-15"], TODAY + timedelta(days=30))
    ops = await signed_in(portal_app, OPS)
    alice = await signed_in(portal_app, ALICE)
    created = await ops(
        CREATE, {"input": {"productSku": "EPS-15", "version": "15.3", "platform": "linux-x64"}}
    )
    release_id = created["releaseCreate"]["release"]["id"]
    content = bytes(range(256)) * (5 * 4096)  # 5 MiB
    # the storage sees the bytes as they arrive, never the whole file at once
    chunks_seen: list[int] = []
    put = LocalStorage.put

    async def counting_put(self: LocalStorage, chunks: AsyncIterator[bytes]) -> Any:
        async def counted() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                chunks_seen.append(len(chunk))
                yield chunk

        return await put(self, counted())

    monkeypatch.setattr(LocalStorage, "put", counting_put)
    # when an operator uploads
    answer = await upload(ops, release_id, "eps-15.3-linux.tar.gz", content)
    # then
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["name"] == "eps-15.3-linux.tar.gz" and body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert sum(chunks_seen) == len(content) and len(chunks_seen) > 10 and max(chunks_seen) <= 1024 * 1024
    stored = LocalStorage(local_root(portal.settings)).path_for(body["sha256"])
    assert stored.read_bytes() == content
    [shown] = [n for n in await listed(alice) if n["version"] == "15.3"]
    assert shown["files"] == [
        {
            "id": body["id"],
            "name": "eps-15.3-linux.tar.gz",
            "size": len(content),
            "sha256": body["sha256"],
            "contentType": "application/x-msdownload",
            "downloadUrl": shown["files"][0]["downloadUrl"],
        }
    ]
    # the same name twice is refused, naming the field
    again = await upload(ops, release_id, "eps-15.3-linux.tar.gz", b"other")
    assert again.status_code == 400 and again.json()["fieldErrors"][0]["code"] == "TAKEN"
    # a customer, an unknown release, a request without the CSRF header or a session: refused
    assert (await upload(alice, release_id, "x.bin", b"x")).status_code == 404
    unknown = to_global_id("Release", uuid.uuid4())
    assert (await upload(ops, unknown, "x.bin", b"x")).status_code == 404
    assert (await upload(ops, release_id, "x.bin", b"x", **{"X-CSRF-Token": "forged"})).status_code == 403
    async with client_for(portal_app[0]) as anonymous:
        assert (await upload(GraphQLClient(anonymous), release_id, "x.bin", b"x")).status_code == 401
    # a body that is not multipart, or holds no file, or a path in the name
    plain = await ops.http.post(
        f"/releases/{release_id}/files",
        content=b"x",
        headers={"X-CSRF-Token": ops.http.cookies["portal_csrf"]},
    )
    assert plain.status_code == 415
    assert (await upload(ops, release_id, "../etc/passwd", b"x")).status_code == 400
    # and nothing of the refused uploads was listed
    [shown] = [n for n in await listed(alice) if n["version"] == "15.3"]
    assert [f["name"] for f in shown["files"]] == ["eps-15.3-linux.tar.gz"]


async def test_the_demo_publishes_releases_and_one_is_locked_for_bob(portal: Portal, portal_app: Any) -> None:
    from backend.domain import demo

    # given the demo's releases, twice (the second run adds nothing)
    await demo.seed_releases(portal.db, portal.settings)
    await demo.seed_releases(portal.db, portal.settings)
    assert len(await publishing.listing(portal.db)) == len(demo.DEMO_RELEASES)
    bob = await signed_in(portal_app, BOB)
    # then Globex's lapsed EPS-14 license opens 14.2 and locks 14.3
    shown = {(n["version"], n["platform"]): n for n in await listed(bob)}
    assert set(shown) == {("14.3", "windows-x64"), ("14.2", "windows-x64"), ("14.2", "linux-x64")}
    ended = TODAY - timedelta(days=demo.LAPSED_DAYS)
    assert shown["14.3", "windows-x64"]["lockedReason"] == (
        f"Maintenance ended on {ended.day} {ended:%b %Y}; renew to download."
    )
    open_release = shown["14.2", "windows-x64"]
    assert open_release["lockedReason"] is None
    for file in open_release["files"]:
        content = demo.demo_file_content(file["name"], "14.2")
        assert file["sha256"] == hashlib.sha256(content).hexdigest() and file["size"] == len(content)
        assert file["downloadUrl"]


async def test_a_reporting_script_lists_downloads_with_the_downloads_scope(
    portal: Portal, portal_app: Any, catalog: dict[str, Any]
) -> None:
    from tests.api.test_api_tokens import bearer, make_token

    ids = catalog["ids"]
    await give_license(portal, ids["Acme Corp"], ids["EPS-15"], TODAY + timedelta(days=30))
    alice = await signed_in(portal_app, ALICE)
    with_scope, _ = await make_token(alice, ["downloads:read"])
    without, _ = await make_token(alice, ["licenses:read"], name="licenses only")
    async with client_for(portal_app[0]) as script:
        answer = (await bearer(script, with_scope, DOWNLOADS)).json()
        assert [n["version"] for n in answer["data"]["downloads"]["nodes"]] == ["15.1", "15.0"]
        assert all(n["files"][0]["downloadUrl"] for n in answer["data"]["downloads"]["nodes"])
        refused = (await bearer(script, without, PRODUCTS)).json()
        assert refused["errors"] and not refused.get("data")
        # nor does node(id:) hand a release (and its links) to a token without the scope
        release_id = answer["data"]["downloads"]["nodes"][0]["id"]
        by_node = "query N($id: ID!) { node(id: $id) { ... on Release { files { downloadUrl } } } }"
        assert (await bearer(script, with_scope, by_node, {"id": release_id})).json()["data"]["node"]["files"]
        sneaked = (await bearer(script, without, by_node, {"id": release_id})).json()
        assert sneaked["errors"] and not (sneaked.get("data") or {}).get("node")


async def test_the_same_release_published_at_once_is_made_once(portal: Portal, portal_app: Any) -> None:
    ops = [await signed_in(portal_app, OPS) for _ in range(4)]
    new = {"productSku": "EPS-15", "version": "15.9", "platform": "windows-x64"}
    answers = await asyncio.gather(*(client(CREATE, {"input": new}) for client in ops))
    kinds = sorted(a["releaseCreate"]["__typename"] for a in answers)
    assert kinds == ["InvalidInput", "InvalidInput", "InvalidInput", "ReleaseCreateSuccess"], answers
    assert all(
        a["releaseCreate"]["fieldErrors"][0]["code"] == "TAKEN"
        for a in answers
        if a["releaseCreate"]["__typename"] == "InvalidInput"
    )
    # and two uploads of one name at once: one file
    release_id = next(
        a["releaseCreate"]["release"]["id"]
        for a in answers
        if a["releaseCreate"]["__typename"] != "InvalidInput"
    )
    statuses = sorted(
        r.status_code
        for r in await asyncio.gather(*(upload(c, release_id, "same.bin", b"x" * 200_000) for c in ops))
    )
    assert statuses == [201, 400, 400, 400]
