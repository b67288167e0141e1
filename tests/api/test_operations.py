"""Operator tasks and the schema: migrations match the models, keys rotate, files verify offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from backend.db.models import Base, include_object
from backend.portal import Portal
from tests.api.flows import account_id, get_a_key, sign_in
from tests.support import GraphQLClient

PORTAL = str(Path(sys.executable).with_name("portal"))


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": include_object(sync.dialect.name)}),
                Base.metadata,
            )
        )
    await engine.dispose()
    assert diff == []


async def test_rotated_keys_keep_old_files_verifying(
    client: GraphQLClient, portal: Portal, tmp_path: Path
) -> None:
    # given: a key signed before rotation
    me = await sign_in(client)
    old = await get_a_key(client, portal, account_id(me))
    # when
    new_kid = await portal.keys.rotate()
    new = await get_a_key(client, portal, account_id(me))
    jwks = (await client.http.get("/.well-known/jwks.json")).json()
    # then: both verify offline with the CLI against the published JWKS
    assert new["keys"][0]["kid"] == new_kid != old["keys"][0]["kid"]
    assert {k["kid"] for k in jwks["keys"]} >= {old["keys"][0]["kid"], new_kid}
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    for n, ready in enumerate((old, new)):
        lic = tmp_path / f"{n}.lic"
        lic.write_text(ready["keys"][0]["licenseFile"])
        done = subprocess.run(
            [PORTAL, "license", "verify", str(lic), "--jwks", str(tmp_path / "jwks.json")],
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.decode().split("\n", 1)[1])["product"] == "EPS-14"
    tampered = tmp_path / "bad.lic"
    tampered.write_text(new["keys"][0]["licenseFile"][:-4] + "AAAA")
    refused = subprocess.run(
        [PORTAL, "license", "verify", str(tampered), "--jwks", str(tmp_path / "jwks.json")]
    )
    assert refused.returncode == 1


def test_cli_issues_serials_and_demo_prints_json(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
    }
    info = json.loads(
        subprocess.run([PORTAL, "demo", "--json"], env=env, check=True, capture_output=True).stdout
    )
    kinds = [u["account"]["kind"] for u in info["users"]]
    assert kinds.count("CUSTOMER") >= 2 and "PARTNER" in kinds and "VENDOR" in kinds
    assert sum(1 for s in info["serials"] if s["locking"] == "NONE") >= 5
    assert any(s["locking"] == "HOST" for s in info["serials"])
    issued = subprocess.run(
        [PORTAL, "serials", "issue", "--product", "EPS-14", "--quantity", "5", "--count", "3"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert len(issued) == 3 and all(n.startswith("M") and len(n) == 11 for n in issued)
    bad = subprocess.run(
        [PORTAL, "serials", "issue", "--product", "NOPE", "--quantity", "5"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "No product" in bad.stderr

    # Serials a partner holds for its customers: listed apart, never among the open demo serials.
    held = {s["number"] for s in info["partnerSerials"]}
    assert held and all(s["holder"] == "Initech Partners" for s in info["partnerSerials"])
    assert not held & {s["number"] for s in info["serials"]}
    partner_number = subprocess.run(
        [PORTAL, "serials", "issue", "--product", "EPS-14", "--quantity", "5", "--holder", "P-0000000"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert partner_number.returncode == 2 and "No partner account" in partner_number.stderr


def test_shared_schema_is_current() -> None:
    exported = subprocess.run([PORTAL, "schema", "export"], check=True, capture_output=True, text=True).stdout
    assert Path("shared/schema.graphql").read_text() == exported
