"""Downloads behind a real nginx (Debian's package): the test writes its own nginx.conf — its own
pid, logs and temp paths, a free port, workable without root — proxying to the portal served by
uvicorn, with the internal location of docs/downloads.md aliasing the storage root. The portal checks
the link and answers X-Accel-Redirect; nginx sends the bytes with sendfile and answers Range itself.
Under CI=true a missing nginx fails the run."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.domain import demo
from backend.domain.releases import links
from backend.domain.releases.storage import local_root
from backend.http.downloads import INVALID_LINK
from tests.api.sockets import served
from tests.api.test_downloads import alice_and_account, audit_rows_when, publish, with_params
from tests.conftest import make_settings, running_app
from tests.support import eventually, free_port

NGINX = os.environ.get("PORTAL_NGINX", "/usr/sbin/nginx")
ACCEL = "/internal/"


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    if os.access(NGINX, os.X_OK):
        return NGINX
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"nginx is required under CI: install the Debian package nginx-light (or set PORTAL_NGINX); {NGINX} is missing"
        )
    pytest.skip(f"{NGINX} is missing (Debian package nginx-light)")


def nginx_conf(workdir: Path, port: int, portal: str, storage_root: Path) -> str:
    # Run as root (CI), nginx would hand its workers to `nobody`, who cannot read pytest's private
    # temp dirs: keep them as the user running the test.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {workdir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    # What the portal told nginx: the internal path it sent the request on to.
    log_format accel '$status "$upstream_http_x_accel_redirect" $request_method $uri';
    access_log {workdir / "access.log"} accel;
    {temp}
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{portal};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;  # overwrite: see PORTAL_TRUSTED_PROXIES
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
        location {ACCEL} {{
            internal;
            alias {storage_root}/;
            etag off;
            add_header ETag $upstream_http_etag;
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_nginx(binary: str, workdir: Path, conf: str, port: int) -> Iterator[None]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen(
        [binary, "-e", str(workdir / "error.log"), "-p", f"{workdir}/", "-c", str(path)]
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            # Only a connect: a request would be proxied to the portal, whose event loop waits here.
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                error_log = workdir / "error.log"
                log = error_log.read_text() if error_log.exists() else ""
                assert process.poll() is None, f"nginx exited: {log}"
                assert time.monotonic() < deadline, f"nginx did not start: {log}"
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
async def behind_nginx(
    nginx_binary: str, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Any, str, Path]]:
    """The portal (PORTAL_DOWNLOADS_ACCEL=/internal/) on a socket, nginx in front: the portal, nginx's
    base URL and nginx's working directory."""
    settings = make_settings(
        database_url, tmp_path / "data", downloads_accel=ACCEL, trusted_proxies=("127.0.0.1",)
    )
    root = local_root(settings)
    root.mkdir(parents=True)
    async with running_app(settings, run_worker=False) as (app, portal), served(app) as host:
        await demo.seed(portal.db)
        port = free_port()
        workdir = tmp_path / "nginx"
        with running_nginx(nginx_binary, workdir, nginx_conf(workdir, port, host, root), port):
            yield portal, f"http://127.0.0.1:{port}", workdir


async def test_nginx_sends_the_file_the_portal_names_with_ranges_and_the_portals_headers(
    behind_nginx: tuple[Any, str, Path],
) -> None:
    portal, base, workdir = behind_nginx
    # given a published file of 5 MiB and a bit, and Alice's link
    data = os.urandom(5 * (1 << 20) + 321)
    file = await publish(portal, data)
    alice, account = await alice_and_account(portal)
    url = await links.download_url(portal, file, alice, account)
    etag = f'"{file.sha256}"'
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        # when it is downloaded through nginx
        whole = await client.get(url)
        # then nginx sent the bytes, under the portal's name, type and ETag
        assert whole.status_code == 200, whole.text
        assert whole.headers["server"].startswith("nginx")
        assert hashlib.sha256(whole.content).hexdigest() == file.sha256
        assert whole.headers["content-length"] == str(len(data))
        assert (
            whole.headers["content-disposition"]
            == "attachment; filename*=UTF-8''" + url.split("/")[3].split("?")[0]
        )
        assert whole.headers["content-type"] == file.content_type
        assert whole.headers["etag"] == etag
        assert whole.headers["accept-ranges"] == "bytes"
        # an interrupted download resumes: nginx answers the Range, If-Range holds with the SHA-256
        cut = int(len(data) * 0.4)
        rest = await client.get(url, headers={"Range": f"bytes={cut}-", "If-Range": etag})
        assert rest.status_code == 206
        assert rest.headers["content-range"] == f"bytes {cut}-{len(data) - 1}/{len(data)}"
        assert hashlib.sha256(whole.content[:cut] + rest.content).hexdigest() == file.sha256
        # a different file under that name: the whole file again
        stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"0123"'})
        assert (stale.status_code, len(stale.content)) == (200, len(data))
        # the client has it: the portal's 304, through nginx
        assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
        head = await client.head(url)
        assert (head.status_code, head.headers["content-length"], head.content) == (200, str(len(data)), b"")
        # the internal location is not reachable from outside, and a tampered link stays refused
        inside = await client.get(f"{ACCEL}{file.sha256[:2]}/{file.sha256}")
        assert inside.status_code == 404
        refused = await client.get(with_params(url, u=str(uuid.uuid4())))
        assert (refused.status_code, refused.text) == (403, INVALID_LINK)

    # the portal answered with X-Accel-Redirect (nginx logged where it sent each request on to)
    lines = (workdir / "access.log").read_text().splitlines()
    internal = f'"{ACCEL}{file.sha256[:2]}/{file.sha256}"'
    assert [line.split(" ")[:2] for line in lines[:4]] == [
        ["200", internal],
        ["206", internal],
        ["200", internal],
        ["304", '"-"'],
    ]
    # and every GET is audited with what nginx was to send
    rows = await eventually(lambda: audit_rows_when(portal, file.id, 4))
    assert [(r.status, r.bytes_sent) for r in rows] == [
        (200, len(data)),
        (206, len(data) - cut),
        (200, len(data)),
        (304, 0),
    ]
    assert {r.client_ip for r in rows} == {"127.0.0.1"}
