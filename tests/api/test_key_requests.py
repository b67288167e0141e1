"""Get a Key over GraphQL: the happy path and every error code."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default

import jwt
from sqlalchemy import func, select, update

from backend.db.models import (
    AuditEvent,
    KeyRequest,
    License,
    LicenseKey,
    Product,
    Serial,
    SerialKind,
    SerialStatus,
    utcnow,
)
from backend.domain.licenses import search as license_search
from backend.domain.serials import luhn_digit
from backend.keys import normalize_activation_key
from backend.portal import Portal
from tests.api.flows import (
    ALICE,
    BOB,
    KEY_REQUEST,
    REGISTRATION,
    REMOVE,
    VICTOR,
    account_id,
    confirm,
    enter,
    get_a_key,
    new_serials,
    serial_status,
    set_registration,
    sign_in,
    start,
    wait_ready,
)
from tests.api.licenses_world import gid, plain
from tests.support import GraphQLClient

FIND_LICENSES = """
query Find($accountId: ID!, $search: String!) {
  licenses(accountId: $accountId, first: 50, filter: {search: $search}) { edges { node { id } } }
}"""


async def test_get_a_key_happy_path_issues_a_verifiable_key(client: GraphQLClient, portal: Portal) -> None:
    # given
    me = await sign_in(client)
    acc = account_id(me)
    numbers = await new_serials(portal, "EPS-14", count=2, quantity=25)
    request = await start(client, acc)
    assert request["status"] == "DRAFT" and request["step"] == "SERIALS"

    # when
    entered = await enter(
        client, request["id"], [f" {numbers[0].lower()} ", numbers[1][:4] + "-" + numbers[1][4:]]
    )
    registered = await set_registration(client, request["id"])
    confirmed = await confirm(client, request["id"])
    ready = await wait_ready(client, request["id"])

    # then
    assert entered["__typename"] == "KeyRequestEnterSerialsSuccess"
    assert [s["number"] for s in entered["keyRequest"]["serials"]] == numbers
    assert entered["keyRequest"]["step"] == "REGISTRATION"
    assert registered["keyRequest"]["step"] == "CONFIRM"
    assert registered["keyRequest"]["registration"]["technicalContact"]["email"] == "tess@acme.example"
    assert confirmed["__typename"] == "KeyRequestConfirmSuccess"
    assert confirmed["keyRequest"]["status"] in ("SUBMITTED", "FULFILLING", "READY")
    assert ready["status"] == "READY" and ready["step"] == "KEYS"
    assert len(ready["licenses"]) == 2 and len(ready["keys"]) == 2
    expected_end = (
        date.today().replace(year=date.today().year + 1)
        if not (date.today().month == 2 and date.today().day == 29)
        else date(date.today().year + 1, 2, 28)
    )
    assert {lic["maintenanceUntil"] for lic in ready["licenses"]} == {expected_end.isoformat()}
    for serial in numbers:
        assert await serial_status(portal, serial) == SerialStatus.REGISTERED

    # the key verifies with an independent JOSE implementation against the published JWKS
    jwks = (await client.http.get("/.well-known/jwks.json")).json()
    key = ready["keys"][0]
    header = jwt.get_unverified_header(key["licenseFile"])
    assert header == {"alg": "EdDSA", "kid": key["kid"], "typ": "license+jwt"}
    public = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    claims = jwt.decode(key["licenseFile"], public.key, algorithms=["EdDSA"], options={"verify_aud": False})
    assert claims["product"] == "EPS-14" and claims["version"] == "14.3"
    assert claims["quantity"] == 25 and claims["maintenance_until"] == expected_end.isoformat()
    assert claims["sub"] in {lic["id"] for lic in ready["licenses"]} or claims["sub"]
    assert "host" not in claims and "exp" not in claims
    assert normalize_activation_key(key["activationKey"]) == key["activationKey"]
    assert len(key["activationKey"].replace("-", "")) == 25

    # every confirm writes an audit event
    async with portal.db.read() as session:
        confirms = await session.scalar(
            select(func.count()).where(AuditEvent.action == "key_request.confirm")
        )
    assert confirms == 1


async def test_tampered_license_file_does_not_verify(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me))
    token = ready["keys"][0]["licenseFile"]
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"quantity":10', b'"quantity":99')
    ).decode()
    jwks = (await client.http.get("/.well-known/jwks.json")).json()
    public = jwt.PyJWK(jwks["keys"][0])
    try:
        jwt.decode(f"{header}.{forged_payload}.{signature}", public.key, algorithms=["EdDSA"])
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("a tampered license file verified")


async def test_host_locked_product_needs_host_id_and_binds_the_key(
    client: GraphQLClient, portal: Portal
) -> None:
    # given
    me = await sign_in(client)
    numbers = await new_serials(portal, "MGW-10")
    request = await start(client, account_id(me))
    entered = await enter(client, request["id"], numbers)
    assert entered["keyRequest"]["requiresHostId"] is True

    # when: no host id
    missing = await set_registration(client, request["id"])
    # then
    assert missing["__typename"] == "InvalidInput"
    assert [e["field"] for e in missing["fieldErrors"]] == ["hostId"]

    # when: with a host id
    ok = await set_registration(client, request["id"], host_id="mail-gw-01.acme.example")
    assert ok["__typename"] == "KeyRequestSetRegistrationSuccess"
    assert (await confirm(client, request["id"]))["__typename"] == "KeyRequestConfirmSuccess"
    ready = await wait_ready(client, request["id"])
    claims = jwt.decode(ready["keys"][0]["licenseFile"], options={"verify_signature": False})
    assert claims["host"] == "mail-gw-01.acme.example"
    assert ready["keys"][0]["hostId"] == "mail-gw-01.acme.example"


async def test_subscription_product_key_expires_with_its_term(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    ready = await get_a_key(client, portal, account_id(me), sku="DLP-16")
    claims = jwt.decode(ready["keys"][0]["licenseFile"], options={"verify_signature": False})
    assert claims["exp"] > claims["iat"]


async def test_every_serial_problem_is_reported_in_input_order_and_nothing_is_added(
    client: GraphQLClient, portal: Portal
) -> None:
    # given
    me = await sign_in(client)
    good = (await new_serials(portal))[0]
    registered, void = await new_serials(portal, count=2)
    upgrade_serial = (await new_serials(portal, kind=SerialKind.UPGRADE))[0]
    async with portal.db.write() as session:
        from backend.db.models import Serial

        await session.execute(
            update(Serial).where(Serial.number == registered).values(status=SerialStatus.REGISTERED)
        )
        await session.execute(update(Serial).where(Serial.number == void).values(status=SerialStatus.VOID))
    typo = good[:10] + str((int(good[10]) + 1) % 10)
    body = "123456789"
    unknown = "M" + body + luhn_digit(body)
    request = await start(client, account_id(me))

    # when
    result = await enter(
        client, request["id"], [good, "hello", typo, unknown, registered, void, upgrade_serial]
    )

    # then
    assert result["__typename"] == "SerialNumbersRejected"
    assert result["code"] == "SERIALS_REJECTED" and result["field"] == "serialNumbers"
    assert [(p["serialNumber"], p["code"]) for p in result["problems"]] == [
        ("hello", "MALFORMED"),
        (typo, "CHECK_DIGIT"),
        (unknown, "UNKNOWN"),
        (registered, "ALREADY_REGISTERED"),
        (void, "VOID"),
        (upgrade_serial, "NOT_ELIGIBLE"),
    ]
    after = (await client(KEY_REQUEST, {"id": request["id"]}))["keyRequest"]
    assert after["serials"] == []


async def test_serial_count_must_be_between_1_and_50(client: GraphQLClient) -> None:
    me = await sign_in(client)
    request = await start(client, account_id(me))
    empty = await enter(client, request["id"], [])
    too_many = await enter(client, request["id"], [f"M00000000{i:02d}" for i in range(51)])
    assert empty["__typename"] == too_many["__typename"] == "InvalidInput"
    assert empty["field"] == "serialNumbers"


async def test_remove_serial_and_duplicates_are_taken_once(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    a, b = await new_serials(portal, count=2)
    request = await start(client, account_id(me))
    entered = await enter(client, request["id"], [a, a.lower(), b])
    assert [s["number"] for s in entered["keyRequest"]["serials"]] == [a, b]
    again = await enter(client, request["id"], [a])
    assert [s["number"] for s in again["keyRequest"]["serials"]] == [a, b]
    removed = (await client(REMOVE, {"input": {"keyRequestId": request["id"], "serialNumber": a}}))[
        "keyRequestRemoveSerial"
    ]
    assert [s["number"] for s in removed["keyRequest"]["serials"]] == [b]


async def test_registration_field_errors_name_every_field_and_change_nothing(
    client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    request = await start(client, account_id(me))
    await enter(client, request["id"], await new_serials(portal))
    bad = {
        **REGISTRATION,
        "company": " ",
        "address": {**REGISTRATION["address"], "country": "XX", "city": ""},
        "technicalContact": {"name": "Tess", "email": "not-an-email", "phone": "call me"},
    }
    result = await set_registration(client, request["id"], bad)
    assert result["__typename"] == "InvalidInput"
    assert [(e["field"], e["code"]) for e in result["fieldErrors"]] == [
        ("company", "REQUIRED"),
        ("address.city", "REQUIRED"),
        ("address.country", "INVALID_COUNTRY"),
        ("technicalContact.email", "INVALID_EMAIL"),
        ("technicalContact.phone", "INVALID_PHONE"),
    ]
    after = (await client(KEY_REQUEST, {"id": request["id"]}))["keyRequest"]
    assert after["registration"] is None and after["step"] == "REGISTRATION"


async def test_registration_before_serials_is_incomplete(client: GraphQLClient) -> None:
    me = await sign_in(client)
    request = await start(client, account_id(me))
    result = await set_registration(client, request["id"])
    assert result["__typename"] == "KeyRequestNotEditable" and result["code"] == "INCOMPLETE"


async def test_confirm_is_idempotent_and_a_second_key_is_refused(
    client: GraphQLClient, portal: Portal
) -> None:
    # given
    me = await sign_in(client)
    request = await start(client, account_id(me))
    await enter(client, request["id"], await new_serials(portal))
    incomplete = await confirm(client, request["id"], "key-incomplete-1")
    await set_registration(client, request["id"])

    # when
    first = await confirm(client, request["id"], "same-key-123")
    replay = await confirm(client, request["id"], "same-key-123")
    other = await confirm(client, request["id"], "other-key-456")
    short = await confirm(client, request["id"], "short")

    # then
    assert incomplete["code"] == "INCOMPLETE" and incomplete["field"] == "registration"
    assert first["__typename"] == replay["__typename"] == "KeyRequestConfirmSuccess"
    assert first["keyRequest"]["id"] == replay["keyRequest"]["id"]
    assert other["__typename"] == "KeyRequestNotEditable" and other["code"] == "ALREADY_CONFIRMED"
    assert short["__typename"] == "InvalidInput" and short["field"] == "idempotencyKey"
    await wait_ready(client, request["id"])
    async with portal.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(License)) == 1
        assert await session.scalar(select(func.count()).select_from(LicenseKey)) == 1
    edit = await enter(client, request["id"], await new_serials(portal))
    assert edit["__typename"] == "KeyRequestNotEditable" and edit["code"] == "NOT_EDITABLE"


async def test_serial_registered_elsewhere_meanwhile_fails_confirm_and_changes_nothing(
    client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    acc = account_id(me)
    shared = (await new_serials(portal))[0]
    drafts = []
    for _ in range(2):
        request = await start(client, acc)  # a new draft once the previous one holds a serial
        await enter(client, request["id"], [shared])
        await set_registration(client, request["id"])
        drafts.append(request)
    first, second = drafts
    assert first["id"] != second["id"]
    assert (await confirm(client, first["id"], "first-confirm"))["__typename"] == "KeyRequestConfirmSuccess"
    lost = await confirm(client, second["id"], "second-confirm")
    assert lost["__typename"] == "SerialNumbersRejected"
    assert [p["code"] for p in lost["problems"]] == ["ALREADY_REGISTERED"]
    after = (await client(KEY_REQUEST, {"id": second["id"]}))["keyRequest"]
    assert after["status"] == "DRAFT"


async def test_drafts_expire_after_seven_days(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    request = await start(client, account_id(me))
    async with portal.db.write() as session:
        await session.execute(update(KeyRequest).values(updated_at=utcnow() - timedelta(days=8)))
    result = await enter(client, request["id"], await new_serials(portal))
    assert result["__typename"] == "KeyRequestNotEditable" and result["code"] == "EXPIRED"
    assert (await client(KEY_REQUEST, {"id": request["id"]}))["keyRequest"]["status"] == "EXPIRED"


async def test_another_accounts_ids_behave_like_unknown_ids(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    # given: Alice's draft, and Bob of another customer
    alice = await sign_in(client, ALICE)
    request = await start(client, account_id(alice))
    await sign_in(other_client, BOB)
    unknown_id = request["id"][:-4] + ("AAAA" if not request["id"].endswith("AAAA") else "BBBB")
    numbers = await new_serials(portal)

    # when / then: every door answers the same for a foreign and an unknown id
    for kr_id in (request["id"], unknown_id, "not-an-id"):
        assert (await other_client(KEY_REQUEST, {"id": kr_id}))["keyRequest"] is None
        answer = await enter(other_client, kr_id, numbers)
        assert (answer["__typename"], answer["code"], answer["field"], answer["message"]) == (
            "NotFound",
            "NOT_FOUND",
            "keyRequestId",
            "No such key request, or you do not have access to it.",
        )
        for result in (
            await set_registration(other_client, kr_id),
            await confirm(other_client, kr_id),
        ):
            assert result["__typename"] == "NotFound"
    foreign_start = (
        await other_client(
            "mutation($i: KeyRequestStartInput!) { keyRequestStart(input: $i) { __typename ... on UserError { code } } }",
            {"i": {"accountId": account_id(alice)}},
        )
    )["keyRequestStart"]
    assert foreign_start == {"__typename": "NotFound", "code": "NOT_FOUND"}
    # and nothing changed on Alice's draft
    assert (await client(KEY_REQUEST, {"id": request["id"]}))["keyRequest"]["serials"] == []


async def test_a_viewer_cannot_start_a_key_request(client: GraphQLClient) -> None:
    me = await sign_in(client, VICTOR)
    result = (
        await client(
            "mutation($i: KeyRequestStartInput!) { keyRequestStart(input: $i) { __typename ... on UserError { code } } }",
            {"i": {"accountId": account_id(me)}},
        )
    )["keyRequestStart"]
    assert result == {"__typename": "NotAllowed", "code": "NOT_ALLOWED"}  # he sees the account


async def test_failed_serials_are_rate_limited_per_user(client: GraphQLClient, portal: Portal) -> None:
    # given: ten unknown serials in ten minutes
    me = await sign_in(client)
    request = await start(client, account_id(me))
    unknown = ["M" + f"{n:09d}" + luhn_digit(f"{n:09d}") for n in range(100, 110)]
    first = await enter(client, request["id"], unknown)
    assert {p["code"] for p in first["problems"]} == {"UNKNOWN"}

    # when: even a good serial now
    good = (await new_serials(portal))[0]
    limited = await enter(client, request["id"], [good])

    # then
    assert limited["__typename"] == "SerialNumbersRejected"
    assert [p["code"] for p in limited["problems"]] == ["RATE_LIMITED"]
    assert await serial_status(portal, good) == SerialStatus.UNREGISTERED


async def test_keys_are_mailed_to_the_technical_contact_over_smtp(
    database_url: str, tmp_path: object, smtp: tuple[object, str]
) -> None:
    from pathlib import Path

    from backend.domain import demo
    from tests.conftest import client_for, make_settings, running_app
    from tests.support import eventually

    mailbox, smtp_url = smtp
    settings = make_settings(database_url, Path(str(tmp_path)), smtp_url=smtp_url)
    async with running_app(settings) as (app, portal):
        await demo.seed(portal.db)
        async with client_for(app) as http:
            client = GraphQLClient(http)
            me = await sign_in(client)
            ready = await get_a_key(client, portal, account_id(me))

            async def delivered() -> list[object]:
                return [m for m in mailbox.messages if "tess@acme.example" in m.rcpt_tos]  # type: ignore[attr-defined]

            messages = await eventually(delivered)
            body = message_from_bytes(messages[0].content, policy=default).get_body().get_content()
            assert ready["keys"][0]["activationKey"] in body

            # the outbox row turns SENT once the server accepted it (just after the mailbox saw it)
            async def sent() -> bool:
                rows = (await client("{ messages(first: 10) { subject status to } }"))["messages"]
                return {
                    "subject": "Your license keys (1)",
                    "status": "SENT",
                    "to": "tess@acme.example",
                } in rows

            assert await eventually(sent)


async def test_without_smtp_the_mail_is_held_for_the_messages_page(
    client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    await get_a_key(client, portal, account_id(me))
    messages = (await client("{ messages(first: 10) { subject status to body } }"))["messages"]
    assert messages[0]["status"] == "HELD" and messages[0]["to"] == "tess@acme.example"


async def test_reopening_get_a_key_reuses_the_users_empty_draft(
    client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    first = await start(client, account_id(me))
    again = await start(client, account_id(me))
    assert again["id"] == first["id"]
    await enter(client, first["id"], await new_serials(portal))
    assert (await start(client, account_id(me)))["id"] != first["id"]


async def test_next_registration_is_prefilled_from_the_last_one(
    client: GraphQLClient, portal: Portal
) -> None:
    me = await sign_in(client)
    await get_a_key(client, portal, account_id(me))
    request = await start(client, account_id(me))
    assert request["suggestedRegistration"] == {"company": "Acme Corp"}
    # The newest of the account's registrations, not any older one.
    await enter(client, request["id"], await new_serials(portal))
    renamed = {**REGISTRATION, "company": "Acme Holdings"}
    assert (await set_registration(client, request["id"], renamed))["__typename"] == (
        "KeyRequestSetRegistrationSuccess"
    )
    assert (await confirm(client, request["id"], "confirm-key-0002"))[
        "__typename"
    ] == "KeyRequestConfirmSuccess"
    await wait_ready(client, request["id"])
    assert (await start(client, account_id(me)))["suggestedRegistration"] == {"company": "Acme Holdings"}


async def test_a_new_keys_license_is_found_by_its_serial_key_and_product(
    client: GraphQLClient, portal: Portal
) -> None:
    """Confirmation writes a new license's search text from its parts, fulfillment recomputes it with
    the key (all parts in one read): it is exactly the text of its parts, found by each of them."""
    acc = account_id(await sign_in(client))
    ready = await get_a_key(client, portal, acc)
    [key] = ready["keys"]
    [serial] = ready["serials"]
    async with portal.db.read() as session:
        license_ = await session.scalar(
            select(License).where(License.key_request_id == plain(ready["id"], "KeyRequest"))
        )
        assert license_ is not None
        number = await session.scalar(select(Serial.number).where(Serial.id == license_.origin_serial_id))
        product = await session.get_one(Product, license_.product_id)
    assert number is not None
    assert license_.search_text == license_search.compose(
        [number], [key["activationKey"]], (product.sku, product.name), []
    )
    for term in (serial["number"], key["activationKey"], serial["product"]["name"].upper()):
        page = (await client(FIND_LICENSES, {"accountId": acc, "search": term}))["licenses"]
        assert [edge["node"]["id"] for edge in page["edges"]] == [gid("License", license_.id)], term
