"""Custom fields: admins define them; members (and MANAGE share holders) set values, validated by
type; a bad value names its field and changes nothing; bulk edits are all or nothing. Also the
bulk edit of support registrations."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from backend.db.models import LicenseCustomValue, SharePermission, SupportRegistration
from backend.portal import Portal
from tests.api.flows import ALICE, BOB, REGISTRATION, VICTOR, account_id, sign_in
from tests.api.licenses_world import (
    CREATE_FIELD,
    create_field,
    gid,
    make_license,
    plain,
    set_values,
    share,
    user_id,
)
from tests.support import GraphQLClient

UPDATE = """
mutation U($input: CustomFieldUpdateInput!) {
  customFieldUpdate(input: $input) {
    __typename
    ... on CustomFieldUpdateSuccess { customField { id name options required position } }
    ... on InvalidInput { fieldErrors { field code } }
    ... on NotFound { field }
  }
}"""
DELETE = """
mutation D($input: CustomFieldDeleteInput!) {
  customFieldDelete(input: $input) {
    __typename ... on CustomFieldDeleteSuccess { deletedId } ... on NotFound { field }
  }
}"""
FIELDS = "query A($id: ID!) { node(id: $id) { ... on Account { viewerRole customFields { name type options required position } } } }"
VALUES = "query L($id: ID!) { license(id: $id) { customValues { field { name } value } } }"
SET_REGISTRATION = """
mutation R($input: LicensesSetRegistrationInput!) {
  licensesSetRegistration(input: $input) {
    __typename
    ... on LicensesSetRegistrationSuccess { licenses { id registration { company technicalContact { email } } } }
    ... on InvalidInput { fieldErrors { field code } }
    ... on NotFound { field }
  }
}"""


async def create(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client(CREATE_FIELD, {"input": input}))["customFieldCreate"]
    return result


async def values_of(client: GraphQLClient, license_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client(VALUES, {"id": license_id}))["license"]["customValues"]
    return found


async def stored_values(portal: Portal) -> int:
    async with portal.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(LicenseCustomValue)) or 0)


async def test_admins_define_fields_with_checked_names_and_options(
    client: GraphQLClient, other_client: GraphQLClient
) -> None:
    account = account_id(await sign_in(client))
    text = await create_field(client, account, "Cost center", "TEXT")
    choice = await create_field(client, account, "Dept", "CHOICE", ["Eng", "Ops"], required=True)
    number = await create_field(client, account, "Budget", "NUMBER", ["ignored"])
    await create_field(client, account, "Review", "DATE")
    assert number["options"] == [] and choice["required"] is True
    assert [text["position"], choice["position"], number["position"]] == [0, 1, 2]
    problems = [
        ({"name": "  ", "type": "TEXT"}, [("name", "REQUIRED")]),
        ({"name": "x" * 81, "type": "TEXT"}, [("name", "TOO_LONG")]),
        ({"name": "cost CENTER", "type": "NUMBER"}, [("name", "DUPLICATE")]),
        ({"name": "Kind", "type": "CHOICE"}, [("options", "REQUIRED")]),
        ({"name": "Kind", "type": "CHOICE", "options": ["a", "b", "a"]}, [("options", "DUPLICATE")]),
    ]
    for input, expected in problems:
        result = await create(client, accountId=account, **input)
        assert result["__typename"] == "InvalidInput", input
        assert [(e["field"], e["code"]) for e in result["fieldErrors"]] == expected
    listed = (await client(FIELDS, {"id": account}))["node"]
    assert listed["viewerRole"] == "ADMIN"
    assert [f["name"] for f in listed["customFields"]] == ["Cost center", "Dept", "Budget", "Review"]
    # Update: rename, move, required; removing an option in use is refused.
    moved = (
        await client(
            UPDATE, {"input": {"customFieldId": number["id"], "position": 0, "name": "Budget (EUR)"}}
        )
    )["customFieldUpdate"]
    assert moved["customField"]["position"] == 0 and moved["customField"]["name"] == "Budget (EUR)"
    listed = (await client(FIELDS, {"id": account}))["node"]["customFields"]
    assert [(f["name"], f["position"]) for f in listed] == [
        ("Budget (EUR)", 0),
        ("Cost center", 1),
        ("Dept", 2),
        ("Review", 3),
    ]
    # A VIEWER and a foreign admin cannot define or change fields: the unknown-id answer.
    await sign_in(other_client, VICTOR)
    assert (await create(other_client, accountId=account, name="Mine", type="TEXT"))[
        "__typename"
    ] == "NotFound"
    assert (await other_client(FIELDS, {"id": account}))["node"]["viewerRole"] == "VIEWER"
    denied = await other_client(UPDATE, {"input": {"customFieldId": text["id"], "name": "Hacked"}})
    assert denied["customFieldUpdate"]["__typename"] == "NotFound"


async def test_values_are_validated_by_type_and_name_the_field(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    made = await make_license(portal, plain(account, "Account"))
    text = await create_field(client, account, "Cost center", "TEXT")
    number = await create_field(client, account, "Budget", "NUMBER")
    day = await create_field(client, account, "Review", "DATE")
    choice = await create_field(client, account, "Dept", "CHOICE", ["Eng", "Ops"])
    ok = await set_values(
        client,
        [made.global_id],
        [
            {"fieldId": text["id"], "value": "  CC-7 "},
            {"fieldId": number["id"], "value": "1.50E2"},
            {"fieldId": day["id"], "value": "2027-03-01"},
            {"fieldId": choice["id"], "value": "Ops"},
        ],
    )
    assert ok["__typename"] == "LicensesSetCustomValuesSuccess", ok
    expected = [
        {"field": {"name": "Cost center"}, "value": "CC-7"},
        {"field": {"name": "Budget"}, "value": "150"},
        {"field": {"name": "Review"}, "value": "2027-03-01"},
        {"field": {"name": "Dept"}, "value": "Ops"},
    ]
    assert await values_of(client, made.global_id) == expected
    bad = [
        (text, "x" * 501, "TOO_LONG"),
        (number, "12,5", "NOT_A_NUMBER"),
        (number, "NaN", "NOT_A_NUMBER"),
        (day, "2027-02-30", "NOT_A_DATE"),
        (day, "03/01/2027", "NOT_A_DATE"),
        (choice, "Sales", "NOT_AN_OPTION"),
    ]
    for field, value, code in bad:
        result = await set_values(
            client,
            [made.global_id],
            [{"fieldId": text["id"], "value": "changed"}, {"fieldId": field["id"], "value": value}],
        )
        assert result["__typename"] == "CustomValueRejected", (value, result)
        assert result["code"] == code
        assert result["field"] == "values.1.value"
        assert result["customField"] == {"id": field["id"], "name": field["name"]}
        assert field["name"] in result["message"]
        assert await values_of(client, made.global_id) == expected  # nothing changed
    # Clearing: null and "" clear an optional field; a REQUIRED field cannot be cleared.
    cleared = await set_values(client, [made.global_id], [{"fieldId": text["id"], "value": ""}])
    assert cleared["__typename"] == "LicensesSetCustomValuesSuccess"
    assert [v["field"]["name"] for v in await values_of(client, made.global_id)] == [
        "Budget",
        "Review",
        "Dept",
    ]
    updated = await client(UPDATE, {"input": {"customFieldId": choice["id"], "required": True}})
    assert updated["customFieldUpdate"]["customField"]["required"] is True
    refused = await set_values(client, [made.global_id], [{"fieldId": choice["id"], "value": None}])
    assert refused["__typename"] == "CustomValueRejected" and refused["code"] == "REQUIRED"
    assert refused["field"] == "values.0.value"
    # An option still in use cannot be removed; an unused one can.
    in_use = await client(UPDATE, {"input": {"customFieldId": choice["id"], "options": ["Eng"]}})
    assert in_use["customFieldUpdate"]["fieldErrors"] == [{"field": "options", "code": "IN_USE"}]
    fine = await client(UPDATE, {"input": {"customFieldId": choice["id"], "options": ["Ops", "Sales"]}})
    assert fine["customFieldUpdate"]["customField"]["options"] == ["Ops", "Sales"]
    # Deleting a field deletes its values.
    before = await stored_values(portal)
    gone = (await client(DELETE, {"input": {"customFieldId": number["id"]}}))["customFieldDelete"]
    assert gone == {"__typename": "CustomFieldDeleteSuccess", "deletedId": number["id"]}
    assert await stored_values(portal) == before - 1
    assert [v["field"]["name"] for v in await values_of(client, made.global_id)] == ["Review", "Dept"]


async def test_bulk_set_is_all_or_nothing(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    made = [await make_license(portal, plain(account, "Account")) for _ in range(3)]
    ids = [m.global_id for m in made]
    number = await create_field(client, account, "Budget", "NUMBER")
    text = await create_field(client, account, "Note", "TEXT")
    result = await set_values(
        client, ids, [{"fieldId": number["id"], "value": "7"}, {"fieldId": text["id"], "value": "n"}]
    )
    assert result["__typename"] == "LicensesSetCustomValuesSuccess"
    assert [lic["id"] for lic in result["licenses"]] == ids
    assert all(len(lic["customValues"]) == 2 for lic in result["licenses"])
    assert await stored_values(portal) == 6
    bad = await set_values(
        client, ids, [{"fieldId": number["id"], "value": "8"}, {"fieldId": text["id"], "value": "y" * 501}]
    )
    assert bad["__typename"] == "CustomValueRejected"
    for m in made:
        assert {v["value"] for v in await values_of(client, m.global_id)} == {"7", "n"}
    too_many = await set_values(
        client, [gid("License", uuid.uuid4()) for _ in range(501)], [{"fieldId": number["id"], "value": "1"}]
    )
    assert too_many["__typename"] == "InvalidInput"
    assert (
        too_many["fieldErrors"][0]["field"] == "licenseIds"
        and too_many["fieldErrors"][0]["code"] == "TOO_MANY"
    )
    none = await set_values(client, [], [{"fieldId": number["id"], "value": "1"}])
    assert none["__typename"] == "InvalidInput"
    # A field of another account is unknown here.
    unknown = await set_values(client, ids, [{"fieldId": gid("CustomField", uuid.uuid4()), "value": "1"}])
    assert unknown == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "values.0.fieldId"}


async def test_viewers_foreign_licenses_and_shares(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    mine = await make_license(portal, plain(account, "Account"), owner_id=await user_id(portal, ALICE))
    field = await create_field(client, account, "Note", "TEXT")
    assert (await set_values(client, [mine.global_id], [{"fieldId": field["id"], "value": "original"}]))[
        "__typename"
    ] == "LicensesSetCustomValuesSuccess"
    # Bob's own license, in a batch with Alice's: NotFound on licenseIds, nothing changes.
    bob = await sign_in(other_client, BOB)
    his = await make_license(portal, plain(account_id(bob), "Account"))
    refused = await set_values(
        client, [mine.global_id, his.global_id], [{"fieldId": field["id"], "value": "changed"}]
    )
    assert refused == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "licenseIds"}
    assert await values_of(client, mine.global_id) == [{"field": {"name": "Note"}, "value": "original"}]
    # Bob cannot touch Alice's license, until it is shared with him to MANAGE (VIEW is not enough).
    attempt = [{"fieldId": field["id"], "value": "by bob"}]
    assert (await set_values(other_client, [mine.global_id], attempt))["__typename"] == "NotFound"
    await share(portal, mine.license_id, BOB, SharePermission.VIEW)
    assert (await set_values(other_client, [mine.global_id], attempt))["__typename"] == "NotFound"
    assert await values_of(client, mine.global_id) == [{"field": {"name": "Note"}, "value": "original"}]


async def test_a_viewer_is_refused(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    made = await make_license(portal, plain(account, "Account"))
    field = await create_field(client, account, "Note", "TEXT")
    await sign_in(other_client, VICTOR)
    refused = await set_values(other_client, [made.global_id], [{"fieldId": field["id"], "value": "v"}])
    assert refused["__typename"] == "NotFound"
    assert await stored_values(portal) == 0


async def test_manage_share_may_set_values(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    made = await make_license(portal, plain(account, "Account"))
    field = await create_field(client, account, "Note", "TEXT")
    await share(portal, made.license_id, BOB, SharePermission.MANAGE)
    await sign_in(other_client, BOB)
    done = await set_values(other_client, [made.global_id], [{"fieldId": field["id"], "value": "by bob"}])
    assert done["__typename"] == "LicensesSetCustomValuesSuccess"
    assert await values_of(client, made.global_id) == [{"field": {"name": "Note"}, "value": "by bob"}]


async def test_bulk_support_registration(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    account = account_id(await sign_in(client))
    made = [await make_license(portal, plain(account, "Account")) for _ in range(3)]
    ids = [m.global_id for m in made]
    registration = {
        **REGISTRATION,
        "company": "Acme Subsidiary",
        "technicalContact": {"name": "Nia", "email": "nia@acme.example", "phone": None},
    }
    done = (await client(SET_REGISTRATION, {"input": {"licenseIds": ids, "registration": registration}}))[
        "licensesSetRegistration"
    ]
    assert done["__typename"] == "LicensesSetRegistrationSuccess"
    assert [lic["registration"] for lic in done["licenses"]] == [
        {"company": "Acme Subsidiary", "technicalContact": {"email": "nia@acme.example"}}
    ] * 3
    async with portal.db.read() as session:
        assert int(await session.scalar(select(func.count()).select_from(SupportRegistration)) or 0) == 3
    invalid = {**registration, "company": "", "address": {**REGISTRATION["address"], "country": "XX"}}
    bad = (await client(SET_REGISTRATION, {"input": {"licenseIds": ids, "registration": invalid}}))[
        "licensesSetRegistration"
    ]
    assert bad["__typename"] == "InvalidInput"
    assert {(e["field"], e["code"]) for e in bad["fieldErrors"]} == {
        ("company", "REQUIRED"),
        ("address.country", "INVALID_COUNTRY"),
    }
    await sign_in(other_client, VICTOR)
    denied = (
        await other_client(SET_REGISTRATION, {"input": {"licenseIds": ids[:1], "registration": REGISTRATION}})
    )["licensesSetRegistration"]
    assert denied == {"__typename": "NotFound", "field": "licenseIds"}
    async with portal.db.read() as session:
        stored = list(await session.scalars(select(SupportRegistration.data)))
    assert [data["company"] for data in stored] == ["Acme Subsidiary"] * 3
