"""Renewals inside Get a Key: an R serial extends maintenance on a license of the same product."""

from __future__ import annotations

from datetime import date, timedelta

import jwt
from sqlalchemy import update

from backend.db.models import License, SerialKind
from backend.domain.dates import add_months
from backend.portal import Portal
from tests.api.flows import (
    BOB,
    FIELD_ERRORS,
    KEY_REQUEST,
    account_id,
    confirm,
    enter,
    get_a_key,
    license_of,
    mutate,
    new_serials,
    sign_in,
    start,
    wait_ready,
    with_key_request,
)
from tests.support import GraphQLClient

SELECT = with_key_request("KeyRequestSelectRenewalsSuccess") + FIELD_ERRORS


async def select(client: GraphQLClient, kr_id: str, targets: list[tuple[str, str]]) -> dict:  # type: ignore[type-arg]
    return await mutate(
        client,
        "keyRequestSelectRenewals",
        "KeyRequestSelectRenewalsInput",
        {"keyRequestId": kr_id, "renewals": [{"serialNumber": s, "licenseId": lic} for s, lic in targets]},
        SELECT,
    )


async def test_a_renewal_extends_maintenance_from_the_current_end_and_issues_a_fresh_file(
    client: GraphQLClient, portal: Portal
) -> None:
    # given: a license whose maintenance ends in 30 days
    me = await sign_in(client)
    acc = account_id(me)
    first = await get_a_key(client, portal, acc)
    license_id = first["licenses"][0]["id"]
    end = date.today() + timedelta(days=30)
    async with portal.db.write() as session:
        await session.execute(update(License).values(maintenance_until=end))
    renewal = (await new_serials(portal, kind=SerialKind.RENEWAL))[0]

    # when
    request = await start(client, acc)
    entered = await enter(client, request["id"], [renewal])
    chosen = await select(client, request["id"], [(renewal, license_id)])
    confirmed = await confirm(client, request["id"], "renewal-confirm-1")
    ready = await wait_ready(client, request["id"])

    # then
    assert entered["keyRequest"]["step"] == "RENEWAL_TARGETS"
    assert chosen["keyRequest"]["step"] == "CONFIRM"  # no registration needed for a renewal
    assert chosen["keyRequest"]["renewals"][0]["newMaintenanceUntil"] == add_months(end, 12).isoformat()
    assert confirmed["__typename"] == "KeyRequestConfirmSuccess"
    assert [lic["id"] for lic in ready["licenses"]] == [license_id]
    claims = jwt.decode(ready["keys"][0]["licenseFile"], options={"verify_signature": False})
    assert claims["maintenance_until"] == add_months(end, 12).isoformat()
    detail = await license_of(client, license_id)
    assert detail["maintenanceUntil"] == add_months(end, 12).isoformat()
    assert [s["kind"] for s in detail["serials"]] == ["NEW", "RENEWAL"]
    assert len(detail["keys"]) == 2  # the earlier file stays valid until its own date


async def test_a_lapsed_license_is_renewed_from_today(client: GraphQLClient, portal: Portal) -> None:
    me = await sign_in(client)
    acc = account_id(me)
    license_id = (await get_a_key(client, portal, acc))["licenses"][0]["id"]
    async with portal.db.write() as session:
        await session.execute(update(License).values(maintenance_until=date.today() - timedelta(days=100)))
    renewal = (await new_serials(portal, kind=SerialKind.RENEWAL))[0]
    request = await start(client, acc)
    await enter(client, request["id"], [renewal])
    chosen = await select(client, request["id"], [(renewal, license_id)])
    assert (
        chosen["keyRequest"]["renewals"][0]["newMaintenanceUntil"] == add_months(date.today(), 12).isoformat()
    )


async def test_renewal_candidates_and_product_mismatch(client: GraphQLClient, portal: Portal) -> None:
    # given: an EPS-14 and a DLP-16 license, and an EPS-14 renewal serial
    me = await sign_in(client)
    acc = account_id(me)
    eps = (await get_a_key(client, portal, acc, sku="EPS-14"))["licenses"][0]["id"]
    dlp = (await get_a_key(client, portal, acc, sku="DLP-16"))["licenses"][0]["id"]
    renewal = (await new_serials(portal, "EPS-14", kind=SerialKind.RENEWAL))[0]
    request = await start(client, acc)
    entered = await enter(client, request["id"], [renewal])
    candidates = entered["keyRequest"]["renewalCandidates"]
    assert [c["serialNumber"] for c in candidates] == [renewal]
    assert [lic["id"] for lic in candidates[0]["licenses"]] == [eps]

    # when: the DLP license is chosen
    mismatch = await select(client, request["id"], [(renewal, dlp)])

    # then
    assert mismatch["__typename"] == "InvalidInput"
    assert mismatch["fieldErrors"] == [
        {
            "field": "renewals.0.licenseId",
            "code": "PRODUCT_MISMATCH",
            "message": "This renewal is for another product: choose a license of the same product.",
        }
    ]
    incomplete = await confirm(client, request["id"], "renewal-incomplete")
    assert incomplete["code"] == "INCOMPLETE" and incomplete["field"] == "renewals"


async def test_a_target_on_another_account_answers_like_an_unknown_one(
    client: GraphQLClient, other_client: GraphQLClient, portal: Portal
) -> None:
    alice = await sign_in(client)
    alices_license = (await get_a_key(client, portal, account_id(alice)))["licenses"][0]["id"]
    bob = await sign_in(other_client, BOB)
    renewal = (await new_serials(portal, kind=SerialKind.RENEWAL))[0]
    request = await start(other_client, account_id(bob))
    await enter(other_client, request["id"], [renewal])
    foreign = await select(other_client, request["id"], [(renewal, alices_license)])
    unknown = await select(other_client, request["id"], [(renewal, alices_license[:-3] + "AAA")])
    for answer in (foreign, unknown):
        assert (answer["__typename"], answer["code"], answer["field"]) == (
            "NotFound",
            "NOT_FOUND",
            "renewals.0.licenseId",
        )
    after = (await other_client(KEY_REQUEST, {"id": request["id"]}))["keyRequest"]
    assert after["step"] == "RENEWAL_TARGETS"
