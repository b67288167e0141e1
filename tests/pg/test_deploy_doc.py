"""docs/deploy.md cannot rot: its commands run here, in order, against a scratch database on the
local PostgreSQL server — `sh checked` blocks with bash (each must succeed; a `text expected` block
is the output of the block before it), `sh background` blocks as the long-running processes the
later blocks talk to — and its nginx configuration passes `nginx -t` and then serves for real: TLS,
the redirect, /metrics kept private, the request id, a WebSocket to /graphql. Only ports and the
certificate's path are changed. Under CI=true a missing nginx fails, it does not skip."""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.pg.test_two_instances import PORTAL, shared_database
from tests.support import eventually, free_port

pytestmark = pytest.mark.pg
__all__ = ["shared_database"]
DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
NGINX = os.environ.get("PORTAL_NGINX", "/usr/sbin/nginx")
_BLOCK = re.compile(r"^```(\w+)(?: (\w+))?\n(.*?)^```$", re.M | re.S)


def doc_blocks() -> list[tuple[str, str, str]]:
    return [(lang, tag, body) for lang, tag, body in _BLOCK.findall(DOC.read_text())]


def test_the_doc_has_the_blocks_this_test_runs() -> None:
    kinds = [(lang, tag) for lang, tag, _ in doc_blocks()]
    assert kinds.count(("sh", "checked")) >= 6 and kinds.count(("sh", "background")) == 2
    assert ("nginx", "checked") in kinds and ("text", "expected") in kinds
    # a command block without a tag would be run by nobody
    assert not [body for lang, tag, body in doc_blocks() if lang == "sh" and not tag]


def _nginx() -> str:
    if os.access(NGINX, os.X_OK):
        return NGINX
    if os.environ.get("CI") == "true":
        pytest.fail(f"nginx is required under CI: install the Debian package nginx-light; {NGINX} is missing")
    pytest.skip(f"{NGINX} is missing (Debian package nginx-light)")


def _certificate(directory: Path) -> None:
    directory.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def _nginx_conf(body: str, work: Path, ports: dict[str, int]) -> str:
    user = "user root;" if os.geteuid() == 0 else ""  # root's workers would become nobody
    temp = " ".join(
        f"{kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    body = (
        body.replace("/etc/ssl/portal/", f"{work / 'ssl'}/")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{ports['https']} ssl;")
        .replace("listen 80;", f"listen 127.0.0.1:{ports['http']};")
        .replace("listen 127.0.0.1:9464;", f"listen 127.0.0.1:{ports['metrics']};")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    {temp}
    access_log off;
    default_type application/octet-stream;
{body}
}}
"""


async def _through_nginx(ports: dict[str, int]) -> None:
    https = f"https://127.0.0.1:{ports['https']}"
    async with httpx.AsyncClient(verify=False) as http:
        # the redirect to TLS
        plain = await http.get(f"http://127.0.0.1:{ports['http']}/healthz")
        assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
        # nginx's request id reaches the portal and comes back; a client's own is overwritten
        alive = await http.get(f"{https}/healthz", headers={"X-Request-ID": "client-chosen-0123456"})
        assert alive.status_code == 200, alive.text
        assert re.fullmatch(r"[0-9a-f]{32}", alive.headers["x-request-id"])
        assert (await http.get(f"{https}/readyz")).status_code == 200
        # GraphQL through the proxy
        answer = await http.post(f"{https}/graphql", json={"query": "{ me { email } }"})
        assert answer.status_code == 200 and answer.json() == {"data": {"me": None}}
        # /metrics: 404 on the public server, the token on the private one
        assert (await http.get(f"{https}/metrics")).status_code == 404
        private = f"http://127.0.0.1:{ports['metrics']}/metrics"
        assert (await http.get(private)).status_code == 401
        scraped = await http.get(private, headers={"Authorization": "Bearer deploy-doc-token"})
        assert scraped.status_code == 200 and "portal_workers_alive 1.0" in scraped.text
        assert (await http.get(f"http://127.0.0.1:{ports['metrics']}/graphql")).status_code == 404
    # a subscription socket through nginx's upgrade
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    async with websockets.connect(
        f"wss://127.0.0.1:{ports['https']}/graphql",
        ssl=context,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        additional_headers={"Origin": https},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"


async def test_every_command_in_deploy_md_runs(shared_database: str, tmp_path: Path) -> None:
    port = free_port()
    work = tmp_path / "ops"
    work.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        "PORTAL_ENV": "production",
        "PORTAL_DATABASE_URL": shared_database,
        "PORTAL_DATA_DIR": str(tmp_path / "data"),
        "PORTAL_SECRET_KEY": "deploy-doc-secret-key-0123456789",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PORTAL_TRUSTED_PROXIES": "127.0.0.1",
        "PORTAL_METRICS_TOKEN": "deploy-doc-token",
        "PORTAL_SHUTDOWN_GRACE_SECONDS": "5",
        "PORTAL_LOG_FORMAT": "json",
    }
    # Licenses with keys, so the rotation block has a file signed before it.
    subprocess.run([PORTAL, "demo", "--licenses", "2", "--json"], env=env, check=True, capture_output=True)

    def local(text: str) -> str:
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace("--port 8000", f"--port {port}")

    background: list[subprocess.Popen[bytes]] = []
    nginx_body: str | None = None
    last_output = ""
    ran = 0
    try:
        for lang, tag, body in doc_blocks():
            if (lang, tag) == ("sh", "checked"):
                done = subprocess.run(
                    ["bash", "-euo", "pipefail", "-c", local(body)],
                    cwd=work,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert done.returncode == 0, f"{body}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
                last_output, ran = done.stdout, ran + 1
            elif (lang, tag) == ("text", "expected"):
                assert last_output == body
            elif (lang, tag) == ("sh", "background"):
                background.append(
                    subprocess.Popen(
                        ["bash", "-c", local(body)],
                        cwd=work,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,  # its own process group: stopped as a unit below
                    )
                )
            elif (lang, tag) == ("nginx", "checked"):
                nginx_body = body
        assert ran >= 6 and len(background) == 2 and nginx_body is not None

        # the nginx configuration: syntax, then serving
        nginx = _nginx()
        _certificate(work / "ssl")
        ports = {"https": free_port(), "http": free_port(), "metrics": free_port()}
        conf = work / "nginx.conf"
        conf.write_text(_nginx_conf(local(nginx_body), work, ports))
        checked = subprocess.run(
            [nginx, "-t", "-c", str(conf), "-p", str(work), "-e", "stderr"], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        server = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(work), "-e", "stderr"], stderr=subprocess.PIPE
        )
        try:

            async def listening() -> bool:
                try:
                    async with httpx.AsyncClient(verify=False) as http:
                        await http.get(f"https://127.0.0.1:{ports['https']}/healthz")
                except httpx.TransportError:
                    return False
                return True

            await eventually(listening, timeout=30)
            await _through_nginx(ports)
        finally:
            server.send_signal(signal.SIGQUIT)  # graceful stop
            server.wait(30)
    finally:
        for process in background:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in background:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
