"""Release files on an S3-compatible object store: moto's server, started by the test as a process
of its own on a free port. A file is streamed up in parts (never whole in memory) under its
SHA-256, publishing on S3 works end to end, and the download link is the store's presigned GET,
which serves the bytes (and a Range) under the file's name."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from backend.config import Settings
from backend.domain.releases import links, publishing, s3
from backend.domain.releases.storage import storage_for
from backend.portal import Portal
from tests.api.flows import ALICE
from tests.api.licenses_world import user_id
from tests.conftest import client_for, make_settings
from tests.support import free_port

BUCKET = "releases"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in its own process, so what the test measures of its own memory is the
    portal's, not the store's."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, "moto's S3 server exited"
                assert time.monotonic() < deadline, "moto's S3 server did not start"
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def storage_url(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # Any key pair: the standard variables are where boto3's default chain finds them.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "portal-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
    client: Any = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="portal-test",
        aws_secret_access_key="portal-test-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    s3.s3_storage.cache_clear()
    yield f"s3://{BUCKET}?endpoint={s3_endpoint}&region=us-east-1"
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    s3.s3_storage.cache_clear()


@pytest.fixture
async def settings(database_url: str, tmp_path: Path, storage_url: str) -> Settings:
    return make_settings(database_url, tmp_path, storage_url=storage_url)


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def keys(storage: s3.S3Storage) -> list[str]:
    listed = storage.client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_the_storage_url_names_bucket_prefix_endpoint_and_region() -> None:
    location = s3.S3Location.parse(
        "s3://files/portal/releases?endpoint=http://10.0.0.5:9000&region=eu-west-1"
    )
    assert location == s3.S3Location("files", "portal/releases/", "http://10.0.0.5:9000", "eu-west-1")
    assert s3.S3Location.parse("s3://files") == s3.S3Location("files", "", None, None)
    with pytest.raises(ValueError, match="s3://bucket"):
        s3.S3Location.parse("https://files")


async def test_a_large_file_is_streamed_up_in_parts_under_its_sha256(storage_url: str) -> None:
    # given 40 MiB and a bit, arriving in 256 KiB pieces (as an upload's body does)
    storage = s3.s3_storage(storage_url)
    data = os.urandom(40 * (1 << 20) + 999)
    digest = hashlib.sha256(data).hexdigest()
    # when it is stored
    tracemalloc.start()
    try:
        blob = await storage.put(pieces(data, 256 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then it is addressed by its hash, whole, and the temporary upload is gone
    assert (blob.sha256, blob.size) == (digest, len(data))
    assert keys(storage) == [f"{digest[:2]}/{digest}"]
    stored = storage.client.get_object(Bucket=BUCKET, Key=storage.key_for(digest))
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == digest
    assert await storage.exists(digest)
    assert not await storage.exists("0" * 64)
    # and at no time did the upload hold the file: a few parts at most
    assert peak < 4 * s3.PART_SIZE, f"{peak / (1 << 20):.1f} MiB held while streaming"
    # the same bytes again are one object still; small bytes take a single PUT
    assert await storage.put(pieces(data, 1 << 20)) == blob
    small = await storage.put(pieces(b"release notes", 4))
    assert small.sha256 == hashlib.sha256(b"release notes").hexdigest()
    assert len(keys(storage)) == 2


async def test_a_failed_upload_leaves_nothing_behind(storage_url: str) -> None:
    storage = s3.s3_storage(storage_url)

    async def broken() -> AsyncIterator[bytes]:
        yield os.urandom(s3.PART_SIZE + 10)  # one part sent
        raise ConnectionResetError("the uploader went away")

    with pytest.raises(ConnectionResetError):
        await storage.put(broken())
    assert keys(storage) == []
    uploads = storage.client.list_multipart_uploads(Bucket=BUCKET)
    assert uploads.get("Uploads", []) == []


async def test_publishing_on_s3_and_the_presigned_link_downloads_the_file(
    portal_app: tuple[Any, Portal], storage_url: str
) -> None:
    # given a release file published into the object store
    app, portal = portal_app
    storage = storage_for(portal.settings)
    assert isinstance(storage, s3.S3Storage)
    data = os.urandom(3 * (1 << 20) + 17)
    release = await publishing.create(portal.db, None, publishing.NewRelease("EPS-14", "14.3.1", "Linux"))
    file = await publishing.add_file(
        portal.db, storage, None, release.id, "eps-14.3.1 linux.tar.gz", pieces(data, 1 << 20)
    )
    assert file.sha256 == hashlib.sha256(data).hexdigest()
    alice = await user_id(portal, ALICE)
    # when Alice's link is made
    url = await links.download_url(portal, file, alice, None)
    # then it is the store's own presigned GET, valid five minutes, and it serves the bytes
    assert url.startswith(f"{storage.location.endpoint}/{BUCKET}/{file.sha256[:2]}/{file.sha256}?")
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    async with httpx.AsyncClient(timeout=30) as store:
        whole = await store.get(url)
        assert whole.status_code == 200
        assert hashlib.sha256(whole.content).hexdigest() == file.sha256
        assert (
            whole.headers["content-disposition"] == "attachment; filename*=UTF-8''eps-14.3.1%20linux.tar.gz"
        )
        assert whole.headers["content-type"] == file.content_type
        # resumable there too
        part = await store.get(url, headers={"Range": "bytes=1048576-"})
        assert part.status_code == 206 and part.content == data[1 << 20 :]
    # and a portal link (made before the switch to S3) is sent on to the store
    portal_link = links.signed_path(
        portal.settings, links.LinkClaims(file.id, alice, None, int(time.time()) + 60), file.name
    )
    async with client_for(app) as http:
        moved = await http.get(portal_link)
    assert moved.status_code == 302
    assert moved.headers["location"].startswith(f"{storage.location.endpoint}/{BUCKET}/")
