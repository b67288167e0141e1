"""Release file downloads by signed link (SQLite and PostgreSQL): the bytes and their headers, 403
for an expired, tampered or another user's link, 410 once withdrawn, HEAD, Range and If-Range,
If-None-Match → 304, a download interrupted at 40 % and resumed whose joined SHA-256 matches, the
X-Accel-Redirect answer for nginx, and a file_downloads row for every GET."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from backend.db.models import FileDownload, Membership, ReleaseFile, utcnow
from backend.domain import demo
from backend.domain.releases import links, publishing
from backend.domain.releases.storage import LocalStorage, local_root
from backend.http.downloads import (
    CHUNK_BYTES,
    INVALID_LINK,
    UNREADABLE,
    WITHDRAWN,
    Unsatisfiable,
    parse_range,
)
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, sign_in
from tests.api.licenses_world import user_id
from tests.api.sockets import served
from tests.conftest import client_for, make_settings, running_app
from tests.support import GraphQLClient, eventually

NAME = "Endpoint Protection 14.3.1 für Windows.exe"  # a non-ASCII name, as operators publish them


async def chunks_of(data: bytes) -> AsyncIterator[bytes]:
    for at in range(0, len(data), 1 << 20):
        yield data[at : at + (1 << 20)]


async def publish(portal: Portal, data: bytes, version: str = "14.3.1", name: str = NAME) -> ReleaseFile:
    release = await publishing.create(portal.db, None, publishing.NewRelease("EPS-14", version, "Windows"))
    storage = LocalStorage(local_root(portal.settings))
    return await publishing.add_file(portal.db, storage, None, release.id, name, chunks_of(data))


async def alice_and_account(portal: Portal) -> tuple[uuid.UUID, uuid.UUID]:
    alice = await user_id(portal, ALICE)
    async with portal.db.read() as session:
        account = await session.scalar(select(Membership.account_id).where(Membership.user_id == alice))
    assert account is not None
    return alice, account


async def audit_rows(portal: Portal, file_id: uuid.UUID) -> list[FileDownload]:
    async with portal.db.read() as session:
        rows = await session.scalars(
            select(FileDownload).where(FileDownload.file_id == file_id).order_by(FileDownload.at)
        )
        return list(rows)


async def audit_rows_when(portal: Portal, file_id: uuid.UUID, count: int) -> list[FileDownload] | None:
    """The audit rows once there are `count` of them (a wait: over a socket they follow the last byte)."""
    rows = await audit_rows(portal, file_id)
    return rows if len(rows) >= count else None


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def with_params(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True)) | changes
    return f"{parts.path}?{urlencode(params)}"


@pytest.fixture
async def http(portal_app: tuple[Any, Portal]) -> AsyncIterator[httpx.AsyncClient]:
    # No session cookie: a download manager or curl on a server has none, the link is enough.
    async with client_for(portal_app[0]) as client:
        yield client


async def test_a_signed_link_serves_the_file_with_its_headers_and_is_audited(
    portal: Portal, http: httpx.AsyncClient
) -> None:
    # given a published file (three chunks and a bit) and a link made for Alice
    data = os.urandom(3 * (1 << 20) + 12345)
    file = await publish(portal, data)
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    assert url.startswith(f"/downloads/{file.id}/")
    # when she follows it
    response = await http.get(url)
    # then the bytes and what a download manager needs to name, check and resume them
    assert response.status_code == 200, response.text
    assert sha(response.content) == file.sha256 == sha(data)
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == f'"{file.sha256}"'
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == file.content_type
    assert response.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Endpoint%20Protection%2014.3.1%20f%C3%BCr%20Windows.exe"
    )
    [row] = await audit_rows(portal, file.id)
    assert (row.user_id, row.account_id, row.status, row.bytes_sent) == (alice, account, 200, len(data))
    assert row.range_header is None and row.client_ip == "127.0.0.1"


async def test_expired_tampered_and_other_users_links_are_refused_alike(
    portal: Portal, http: httpx.AsyncClient
) -> None:
    # given a link for Alice, one made six minutes ago, and a second file
    file = await publish(portal, b"installer bytes")
    other = await publish(portal, b"another installer", version="14.3.2")
    alice, account = await alice_and_account(portal)
    bob = await user_id(portal, BOB)
    url = await links.download_url(portal, file, alice, account)
    expired = await links.download_url(portal, file, alice, account, now=time.time() - 360)
    signature = dict(parse_qsl(urlsplit(url).query))["s"]
    tampered = [
        expired,
        with_params(url, u=str(bob)),  # Bob presenting Alice's link as his own
        with_params(url, a=str(uuid.uuid4())),  # another account's entitlement
        with_params(url, e=str(int(time.time()) + 86_400)),  # a longer life
        with_params(url, s=signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        with_params(url, s=""),
        url.replace(str(file.id), str(other.id)),  # another file under the same signature
        f"/downloads/{file.id}/{NAME}",  # no signature at all
        f"/downloads/not-a-uuid/x?{urlsplit(url).query}",
    ]
    # when each is followed, then the same plain 403 and nothing is served or audited
    for bad in tampered:
        response = await http.get(bad)
        assert response.status_code == 403, bad
        assert response.text == INVALID_LINK
        assert response.headers["content-type"].startswith("text/plain")
    assert await audit_rows(portal, file.id) == [] and await audit_rows(portal, other.id) == []
    # and the genuine link still works
    assert (await http.get(url)).content == b"installer bytes"


async def test_a_link_whose_user_no_longer_exists_is_refused(portal: Portal, http: httpx.AsyncClient) -> None:
    # given a correctly signed link for a user id that is not (or no longer) a user
    file = await publish(portal, b"installer bytes")
    url = await links.download_url(portal, file, uuid.uuid4(), None)
    # then 403
    response = await http.get(url)
    assert (response.status_code, response.text) == (403, INVALID_LINK)


async def test_a_withdrawn_file_or_release_answers_410(portal: Portal, http: httpx.AsyncClient) -> None:
    # given links to two files, then one file withdrawn and the other's release withdrawn
    alice, account = await alice_and_account(portal)
    one = await publish(portal, b"first")
    two = await publish(portal, b"second", version="14.3.2")
    url_one = await links.download_url(portal, one, alice, account)
    url_two = await links.download_url(portal, two, alice, account)
    async with portal.db.write() as session:
        await session.execute(
            update(ReleaseFile).where(ReleaseFile.id == one.id).values(withdrawn_at=utcnow())
        )
    await publishing.withdraw(portal.db, None, two.release_id)
    # then both links answer 410 with a plain explanation, audited
    for url, file in ((url_one, one), (url_two, two)):
        response = await http.get(url)
        assert (response.status_code, response.text) == (410, WITHDRAWN)
        [row] = await audit_rows(portal, file.id)
        assert (row.status, row.bytes_sent) == (410, 0)


async def test_bytes_storage_cannot_give_answer_503_not_a_broken_200(
    portal: Portal, http: httpx.AsyncClient
) -> None:
    # given a listed file whose stored bytes are gone (a lost disk, a wrong data directory)
    file = await publish(portal, b"installer bytes")
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    LocalStorage(local_root(portal.settings)).path_for(file.sha256).unlink()
    # then a plain 503 to try again later, audited as such
    response = await http.get(url)
    assert (response.status_code, response.text) == (503, UNREADABLE)
    [row] = await audit_rows(portal, file.id)
    assert (row.status, row.bytes_sent) == (503, 0)


async def test_head_answers_the_headers_of_get_without_a_body(
    portal: Portal, http: httpx.AsyncClient
) -> None:
    data = os.urandom(70_000)
    file = await publish(portal, data)
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    response = await http.head(url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == f'"{file.sha256}"'
    ranged = await http.head(url, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.headers["content-length"] == "10"
    # HEAD sends no file: not a download
    assert await audit_rows(portal, file.id) == []


async def test_ranges_conditional_requests_and_their_audit(portal: Portal, http: httpx.AsyncClient) -> None:
    data = os.urandom(2 * (1 << 20) + 7)
    size = len(data)
    file = await publish(portal, data)
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    etag = f'"{file.sha256}"'

    # a middle range, several reads long and ending inside one
    first, last = 1001, 1001 + 3 * CHUNK_BYTES + 16
    middle = await http.get(url, headers={"Range": f"bytes={first}-{last}"})
    assert middle.status_code == 206
    assert middle.content == data[first : last + 1]
    assert middle.headers["content-range"] == f"bytes {first}-{last}/{size}"
    assert middle.headers["content-length"] == str(3 * CHUNK_BYTES + 17)
    # the last bytes, and a range running past the end
    assert (await http.get(url, headers={"Range": "bytes=-7"})).content == data[-7:]
    tail = await http.get(url, headers={"Range": f"bytes={size - 3}-{size + 100}"})
    assert (tail.status_code, tail.content) == (206, data[-3:])
    # past the end: 416 with the size
    beyond = await http.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    # several ranges or another unit: the whole file
    many = await http.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert (many.status_code, len(many.content)) == (200, size)
    # If-Range with this file's ETag keeps the range; another ETag or a date sends everything
    kept = await http.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (kept.status_code, kept.content) == (206, data[:10])
    changed = await http.get(url, headers={"Range": "bytes=0-9", "If-Range": '"0000"'})
    assert (changed.status_code, len(changed.content)) == (200, size)
    dated = await http.get(url, headers={"Range": "bytes=0-9", "If-Range": "Wed, 02 Dec 2026 10:00:00 GMT"})
    assert dated.status_code == 200
    # If-None-Match: the client has these bytes (a weak tag or a list matches too)
    for tags in (etag, f"W/{etag}", f'"abc", {etag}', "*"):
        same = await http.get(url, headers={"If-None-Match": tags})
        assert (same.status_code, same.content) == (304, b"")
        assert same.headers["etag"] == etag
    assert (await http.get(url, headers={"If-None-Match": '"abc"'})).status_code == 200

    rows = await audit_rows(portal, file.id)
    assert [r.status for r in rows] == [206, 206, 206, 416, 200, 206, 200, 200, 304, 304, 304, 304, 200]
    assert [r.bytes_sent for r in rows][:5] == [3 * CHUNK_BYTES + 17, 7, 3, 0, size]
    assert rows[0].range_header == f"bytes={first}-{last}"


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=2-100", 10, (2, 9)),
        ("BYTES = 1-2", 10, (1, 2)),
        ("bytes=5-2", 10, None),
        ("bytes=a-b", 10, None),
        ("bytes=-", 10, None),
        ("bytes=1-2,4-5", 10, None),
        ("items=1-2", 10, None),
        ("bytes=+1-2", 10, None),
        (None, 10, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_parse_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


async def test_an_interrupted_download_resumes_and_the_joined_file_matches(
    portal_app: tuple[Any, Portal],
) -> None:
    # given a 40 MiB file served on a real socket (a disconnect is real only there)
    app, portal = portal_app
    data = os.urandom(40 * (1 << 20))
    size = len(data)
    file = await publish(portal, data)
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    received = bytearray()
    async with served(app) as host, httpx.AsyncClient(base_url=f"http://{host}", timeout=60) as client:
        # when the connection drops at 40 %
        async with client.stream("GET", url) as first:
            assert first.status_code == 200
            etag = first.headers["etag"]
            async for chunk in first.aiter_raw():
                received += chunk
                if len(received) >= size * 0.4:
                    break
        # and the client asks for the rest, if the file is still the same
        resumed = await client.get(url, headers={"Range": f"bytes={len(received)}-", "If-Range": etag})
    # then it gets exactly the rest, and the whole is the published file
    assert resumed.status_code == 206
    assert resumed.headers["content-range"] == f"bytes {len(received)}-{size - 1}/{size}"
    assert sha(bytes(received) + resumed.content) == file.sha256
    # and both requests are audited: the broken one with what it was handed, not the whole file
    # (the server noticed the disconnect and stopped reading), the resumed one with its range
    # (over a socket the row is written after the last byte went out: wait for both)
    rows = await eventually(lambda: audit_rows_when(portal, file.id, 2))
    assert [r.status for r in rows] == [200, 206]
    assert len(received) <= rows[0].bytes_sent < size
    assert rows[1].range_header == f"bytes={len(received)}-"
    assert rows[1].bytes_sent == size - len(received)


async def test_behind_nginx_the_portal_answers_with_x_accel_redirect(
    database_url: str, tmp_path: Path
) -> None:
    # given a portal configured for nginx's internal location
    settings = make_settings(database_url, tmp_path, downloads_accel="/internal/")
    async with running_app(settings, run_worker=False) as (app, portal):
        await demo.seed(portal.db)
        data = os.urandom(5000)
        file = await publish(portal, data)
        alice, account = await alice_and_account(portal)
        url = await links.download_url(portal, file, alice, account)
        async with client_for(app) as http:
            # when a link is followed (with a range, as a resuming client does)
            response = await http.get(url, headers={"Range": "bytes=100-"})
            # then the portal names the stored file for nginx and sends no bytes itself
            assert response.status_code == 200
            assert response.content == b""
            assert response.headers["x-accel-redirect"] == f"/internal/{file.sha256[:2]}/{file.sha256}"
            assert response.headers["etag"] == f'"{file.sha256}"'
            assert response.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
            # the checks stay the portal's: a tampered link is still refused
            assert (await http.get(with_params(url, u=str(uuid.uuid4())))).status_code == 403
        # and the audit records what nginx will send
        [row] = await audit_rows(portal, file.id)
        assert (row.status, row.bytes_sent, row.range_header) == (206, 4900, "bytes=100-")


DOWNLOADS = """
query { downloads(first: 50) { nodes { version platform lockedReason product { sku }
  files { id name size sha256 downloadUrl } } } }"""


async def test_the_download_url_graphql_hands_out_serves_the_file_it_lists(
    portal: Portal, client: GraphQLClient, http: httpx.AsyncClient
) -> None:
    # given the demo releases and Bob, whose EPS-14 maintenance ended 90 days ago
    await demo.seed_releases(portal.db, portal.settings)
    await sign_in(client, BOB)
    nodes = (await client(DOWNLOADS))["downloads"]["nodes"]
    eps = {(n["version"], n["platform"]): n for n in nodes if n["product"]["sku"] == "EPS-14"}
    # when he follows the link of a file he may download (no cookie: the link is enough)
    file = eps[("14.2", "windows-x64")]["files"][0]
    assert eps[("14.2", "windows-x64")]["lockedReason"] is None
    response = await http.get(file["downloadUrl"])
    # then he gets exactly the listed bytes
    assert response.status_code == 200
    assert len(response.content) == file["size"]
    assert sha(response.content) == file["sha256"] == response.headers["etag"].strip('"')
    # and the locked release has no link at all
    locked = eps[("14.3", "windows-x64")]
    assert locked["lockedReason"] and all(f["downloadUrl"] is None for f in locked["files"])
    # the audit names Bob and the account whose license entitles him
    bob = await user_id(portal, BOB)
    file_id = uuid.UUID(file["downloadUrl"].split("/")[2])
    [row] = await audit_rows(portal, file_id)
    async with portal.db.read() as session:
        bobs_accounts = set(
            await session.scalars(select(Membership.account_id).where(Membership.user_id == bob))
        )
    assert row.user_id == bob and row.account_id in bobs_accounts
