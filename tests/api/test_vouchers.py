"""Voucher Center over GraphQL (SQLite and PostgreSQL): operators issue batches, OEM users convert
codes into licenses with an answer per line, exactly once under races, with the guessing limit,
idempotent replays, e-mail and account targets, and a statement count that does not grow with the
number of codes."""

from __future__ import annotations

import asyncio
import functools
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.db.models import (
    Account,
    AccountKind,
    AuditEvent,
    Delegation,
    DelegationScope,
    DelegationStatus,
    License,
    Membership,
    Role,
    User,
    Voucher,
    VoucherBatch,
    VoucherState,
    utcnow,
)
from backend.domain.accounts.users import create_account
from backend.domain.vouchers import codes
from backend.keys import CROCKFORD
from backend.portal import Portal
from backend.schema.common import from_global_id, to_global_id
from tests.api.flows import ALICE, BOB, VICTOR, account_id, sign_in, wait_ready
from tests.conftest import client_for
from tests.support import GraphQLClient, eventually, statements

OPS = "ops@vendor.example"
OTTO = "otto@oem.example"
CAROL = "carol@initech.example"

ISSUE = """
mutation I($input: VoucherBatchIssueInput!) {
  voucherBatchIssue(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code message } }
    ... on VoucherBatchIssueSuccess { codes batch { id count converted available quantity expiresOn product { sku } } }
  }
}"""
CONVERT = """
mutation C($input: VoucherConvertInput!) {
  voucherConvert(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on InvalidInput { fieldErrors { field code message } }
    ... on VoucherConvertSuccess {
      replayed
      keyRequest { id kind status }
      conversion {
        id total convertedCount targetEmail targetAccount { id name kind }
        lines { line lastFour result message convertedAt retryAfter license { id quantity product { sku } } }
      }
    }
  }
}"""
BATCHES = """
query B($a: ID!) { voucherBatches(accountId: $a) { id count converted available expiringSoon product { sku } } }"""
VOUCHERS = """
query V($b: ID!, $state: VoucherState, $after: String) {
  vouchers(batchId: $b, first: 100, after: $after, filter: {state: $state}) {
    totalCount pageInfo { hasNextPage endCursor } nodes { lastFour state convertedAt license { id } }
  }
}"""
HISTORY = """
query H($a: ID!) {
  voucherConversions(accountId: $a) {
    id total convertedCount requestedBy { email } keyRequest { kind } lines { line result }
  }
}"""
PROGRESS = "query P($id: ID!) { keyRequest(id: $id) { status keysReady keysTotal keys { id status } } }"


async def signed_in(portal_app: tuple[Any, Portal], email: str) -> tuple[GraphQLClient, dict[str, Any], Any]:
    http = client_for(portal_app[0])
    client = GraphQLClient(http)
    me = await sign_in(client, email)
    return client, me, http


async def issue(
    ops: GraphQLClient, oem: str, count: int, *, sku: str = "EPS-15", quantity: int = 5, **extra: Any
) -> dict[str, Any]:
    result = (
        await ops(
            ISSUE,
            {"input": {"accountId": oem, "productSku": sku, "quantity": quantity, "count": count, **extra}},
        )
    )["voucherBatchIssue"]
    assert result["__typename"] == "VoucherBatchIssueSuccess", result
    return dict(result)


async def convert(
    client: GraphQLClient, oem: str, codes_: list[str], key: str | None = None, **extra: Any
) -> dict[str, Any]:
    variables = {
        "accountId": oem,
        "codes": codes_,
        "idempotencyKey": key or f"convert-{uuid.uuid4()}",
        **extra,
    }
    result: dict[str, Any] = (await client(CONVERT, {"input": variables}))["voucherConvert"]
    return result


def results(answer: dict[str, Any]) -> list[str]:
    return [line["result"] for line in answer["conversion"]["lines"]]


def mistyped(code: str) -> str:
    """The code with its first symbol changed: the check symbol catches it."""
    first = code[0]
    return CROCKFORD[(CROCKFORD.index(first) + 1) % 32] + code[1:]


def fresh_code() -> str:
    return codes.new_code()


@pytest.fixture
async def world(portal_app: tuple[Any, Portal]) -> Any:
    opened = []
    ops, _, http = await signed_in(portal_app, OPS)
    opened.append(http)
    otto, me, http = await signed_in(portal_app, OTTO)
    opened.append(http)
    yield ops, otto, account_id(me, "OEM")
    for client in opened:
        await client.aclose()


async def test_a_conversion_answers_every_line_and_the_keys_arrive(
    world: Any, portal: Portal, portal_app: Any
) -> None:
    ops, otto, oem = world
    batch = await issue(ops, oem, 6)
    assert batch["batch"]["count"] == 6 and batch["batch"]["available"] == 6
    issued = batch["codes"]
    assert all(len(code) == 19 and code.count("-") == 3 for code in issued)
    earlier = await convert(otto, oem, [issued[5]])
    assert results(earlier) == ["CONVERTED"]

    expiring = await issue(ops, oem, 1, expiresOn=(date.today() + timedelta(days=1)).isoformat())
    async with portal.db.write() as session:
        await session.execute(
            update(VoucherBatch)
            .values(expires_on=date.today() - timedelta(days=1))
            .where(VoucherBatch.count == 1)
        )
    sent = [
        issued[0],
        issued[1].lower().replace("-", ""),  # case and dashes do not matter
        f"  {issued[2]} ",
        mistyped(issued[3]),
        fresh_code(),  # well formed, never issued
        issued[0],  # again: a duplicate of line 1
        issued[5],  # converted above
        expiring["codes"][0],
        "not a code",
    ]
    answer = await convert(otto, oem, sent)
    assert answer["__typename"] == "VoucherConvertSuccess", answer
    assert results(answer) == [
        "CONVERTED",
        "CONVERTED",
        "CONVERTED",
        "TYPO",
        "UNKNOWN",
        "DUPLICATE",
        "ALREADY_CONVERTED",
        "EXPIRED",
        "TYPO",
    ]
    lines = answer["conversion"]["lines"]
    assert [line["line"] for line in lines] == list(range(1, 10))
    assert lines[0]["lastFour"] == issued[0][-4:]
    assert lines[5]["message"] == "The same code is on line 1."
    assert lines[6]["convertedAt"] is not None
    assert "check character" in lines[3]["message"]
    assert lines[0]["license"]["quantity"] == 5 and lines[0]["license"]["product"]["sku"] == "EPS-15"
    assert answer["conversion"]["convertedCount"] == 3 and answer["conversion"]["total"] == 9
    assert answer["conversion"]["targetAccount"]["id"] == oem
    assert answer["keyRequest"]["kind"] == "VOUCHER"

    ready = await wait_ready(otto, answer["keyRequest"]["id"])
    assert ready["status"] == "READY"
    progress = (await otto(PROGRESS, {"id": answer["keyRequest"]["id"]}))["keyRequest"]
    assert progress["keysReady"] == progress["keysTotal"] == 3
    assert len(progress["keys"]) == 3 and {k["status"] for k in progress["keys"]} == {"ACTIVE"}

    listed = (await otto(BATCHES, {"a": oem}))["voucherBatches"]
    mine = next(b for b in listed if b["id"] == batch["batch"]["id"])
    assert (mine["converted"], mine["available"]) == (4, 2)
    page = (await otto(VOUCHERS, {"b": mine["id"], "state": "CONVERTED"}))["vouchers"]
    assert page["totalCount"] == 4 and all(n["license"] is not None for n in page["nodes"])
    available = (await otto(VOUCHERS, {"b": mine["id"], "state": "AVAILABLE"}))["vouchers"]
    assert sorted(n["lastFour"] for n in available["nodes"]) == sorted([issued[3][-4:], issued[4][-4:]])
    expired_batch = next(b for b in listed if b["id"] == expiring["batch"]["id"])
    assert expired_batch["available"] == 0
    shown = (await otto(VOUCHERS, {"b": expired_batch["id"], "state": None}))["vouchers"]
    assert [n["state"] for n in shown["nodes"]] == ["EXPIRED"]

    async with portal.db.read() as session:
        # Only keyed hashes: no column holds a code.
        stored = set(await session.scalars(select(Voucher.code_hash)))
        assert not any(code.replace("-", "") in stored for code in issued)
        refused = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "voucher.refused")
            .order_by(AuditEvent.at.desc())
            .limit(1)
        )
        assert refused is not None and len(refused.data["codes"]) == 6


async def test_the_same_idempotency_key_answers_the_first_answer_again(world: Any, portal: Portal) -> None:
    ops, otto, oem = world
    issued = (await issue(ops, oem, 2))["codes"]
    first = await convert(otto, oem, issued, key="same-key-0001")
    again = await convert(otto, oem, issued, key="same-key-0001")
    assert results(first) == ["CONVERTED", "CONVERTED"] and again["replayed"] is True
    assert again["conversion"]["id"] == first["conversion"]["id"]
    assert results(again) == results(first)
    other = await convert(otto, oem, issued, key="other-key-0001")
    assert results(other) == ["ALREADY_CONVERTED", "ALREADY_CONVERTED"]
    history = (await otto(HISTORY, {"a": oem}))["voucherConversions"]
    assert [c["id"] for c in history] == [other["conversion"]["id"], first["conversion"]["id"]]
    assert [line["result"] for line in history[1]["lines"]] == ["CONVERTED", "CONVERTED"]
    assert history[0]["requestedBy"]["email"] == OTTO and history[0]["keyRequest"]["kind"] == "VOUCHER"
    async with portal.db.read() as session:
        made = await session.scalar(
            select(func.count()).select_from(License).where(License.voucher_id.is_not(None))
        )
    assert made == 2


async def test_unknown_codes_past_the_hourly_limit_are_rate_limited_but_valid_codes_still_convert(
    world: Any, portal: Portal
) -> None:
    ops, otto, oem = world
    issued = (await issue(ops, oem, 2))["codes"]
    guesses = [fresh_code() for _ in range(18)] + [mistyped(fresh_code()) for _ in range(4)]
    answer = await convert(otto, oem, [*guesses, issued[0]])
    found = results(answer)
    assert found[:20] == ["UNKNOWN"] * 18 + ["TYPO"] * 2
    assert found[20:22] == ["RATE_LIMITED"] * 2 and found[22] == "CONVERTED"
    assert answer["conversion"]["lines"][20]["retryAfter"] > 0
    later = await convert(otto, oem, [fresh_code(), issued[1]])
    assert results(later) == ["RATE_LIMITED", "CONVERTED"]
    assert "try this one again" in later["conversion"]["lines"][0]["message"]


async def test_a_code_of_another_oem_answers_exactly_as_an_unknown_code(
    world: Any, portal: Portal, portal_app: Any
) -> None:
    ops, otto, oem = world
    async with portal.db.write() as session:
        other = await create_account(session, "Contoso Hardware", AccountKind.OEM)
    theirs = (await issue(ops, str(to_global_id("Account", other.id)), 1))["codes"][0]
    unknown = fresh_code()
    answer = await convert(otto, oem, [theirs, unknown])
    first, second = answer["conversion"]["lines"]
    assert first["result"] == second["result"] == "UNKNOWN"
    assert first["message"] == second["message"]


async def test_thirty_concurrent_conversions_of_one_code_make_one_license(world: Any, portal: Portal) -> None:
    ops, otto, oem = world
    code = (await issue(ops, oem, 1))["codes"][0]
    answers = await asyncio.gather(*(convert(otto, oem, [code]) for _ in range(30)))
    assert sorted(a["conversion"]["lines"][0]["result"] for a in answers) == ["ALREADY_CONVERTED"] * 29 + [
        "CONVERTED"
    ]
    async with portal.db.read() as session:
        made = await session.scalar(
            select(func.count()).select_from(License).where(License.voucher_id.is_not(None))
        )
    assert made == 1


async def test_two_concurrent_batches_sharing_500_codes_convert_each_once(world: Any, portal: Portal) -> None:
    ops, otto, oem = world
    issued = (await issue(ops, oem, 1500, quantity=1))["codes"]
    first, second = issued[:1000], issued[500:]
    a, b = await asyncio.gather(convert(otto, oem, first), convert(otto, oem, second))
    assert a["__typename"] == b["__typename"] == "VoucherConvertSuccess", (a, b)
    converted = results(a).count("CONVERTED") + results(b).count("CONVERTED")
    assert converted == 1500
    shared_a, shared_b = results(a)[500:], results(b)[:500]
    assert all({x, y} == {"CONVERTED", "ALREADY_CONVERTED"} for x, y in zip(shared_a, shared_b, strict=True))
    async with portal.db.read() as session:
        made = await session.scalar(
            select(func.count()).select_from(License).where(License.voucher_id.is_not(None))
        )
        states = await session.scalar(
            select(func.count()).select_from(Voucher).where(Voucher.state == VoucherState.CONVERTED)
        )
    assert made == states == 1500


async def test_licenses_for_an_email_go_to_a_customer_account_its_user_claims_on_sign_in(
    world: Any, portal: Portal, portal_app: Any
) -> None:
    ops, otto, oem = world
    issued = (await issue(ops, oem, 3))["codes"]
    answer = await convert(otto, oem, issued[:2], target={"email": "Buyer@Example.com"})
    assert results(answer) == ["CONVERTED", "CONVERTED"]
    target = answer["conversion"]["targetAccount"]
    assert target["kind"] == "CUSTOMER" and answer["conversion"]["targetEmail"] == "buyer@example.com"
    again = await convert(otto, oem, issued[2:], target={"email": "buyer@example.com"})
    assert again["conversion"]["targetAccount"]["id"] == target["id"]  # one account per OEM and address

    async with portal.db.read() as session:
        held = await session.scalar(
            select(func.count()).select_from(License).where(License.account_id == _raw(target["id"]))
        )
        assert held == 3
        # A verified user of that address joins at once (here: an existing demo user).
    to_bob = await convert(otto, oem, [(await issue(ops, oem, 1))["codes"][0]], target={"email": BOB})
    async with portal.db.read() as session:
        joined = await session.scalar(
            select(Membership.role).where(
                Membership.account_id == _raw(to_bob["conversion"]["targetAccount"]["id"])
            )
        )
    assert joined is not None and joined.value == "ADMIN"

    bad = await convert(otto, oem, [fresh_code()], target={"email": "not-an-address"})
    assert bad["__typename"] == "InvalidInput" and bad["fieldErrors"][0]["field"] == "target.email"


async def test_access_viewers_outsiders_and_targets(world: Any, portal: Portal, portal_app: Any) -> None:
    ops, otto, oem = world
    issued = (await issue(ops, oem, 2))["codes"]
    alice, me_alice, http = await signed_in(portal_app, ALICE)
    try:
        # An outsider: the OEM account answers as an unknown one; so do its batches.
        outsider = await convert(alice, oem, issued[:1])
        assert outsider["__typename"] == "NotFound" and outsider["field"] == "accountId"
        assert (await alice(BATCHES, {"a": oem}))["voucherBatches"] == []
        # A target account the OEM cannot act for answers as unknown, and nothing converts.
        foreign = await convert(otto, oem, issued[:1], target={"accountId": account_id(me_alice)})
        assert foreign["__typename"] == "NotFound" and foreign["field"] == "target.accountId"
        # Not an operator: voucherBatchIssue answers as unknown.
        refused = await alice(
            ISSUE, {"input": {"accountId": oem, "productSku": "EPS-15", "quantity": 1, "count": 1}}
        )
        assert refused["voucherBatchIssue"]["__typename"] == "NotFound"
    finally:
        await http.aclose()
    victor_id = await user_id(portal, VICTOR)
    async with portal.db.write() as session:
        session.add(Membership(user_id=victor_id, account_id=_raw(oem), role=Role.VIEWER))
    victor, _, http = await signed_in(portal_app, VICTOR)
    try:
        viewer = await convert(victor, oem, issued[:1])
        assert viewer["__typename"] == "NotAllowed" and "Viewer" in viewer["message"]
    finally:
        await http.aclose()
    still = await convert(otto, oem, issued[:1])
    assert results(still) == ["CONVERTED"]


async def test_bad_input_is_refused_by_field(world: Any) -> None:
    ops, otto, oem = world
    empty = await convert(otto, oem, [])
    assert empty["__typename"] == "InvalidInput" and empty["fieldErrors"][0]["field"] == "codes"
    short_key = await convert(otto, oem, [fresh_code()], key="x")
    assert (
        short_key["__typename"] == "InvalidInput" and short_key["fieldErrors"][0]["field"] == "idempotencyKey"
    )
    both = await convert(otto, oem, [fresh_code()], target={"accountId": oem, "email": "a@example.com"})
    assert both["__typename"] == "InvalidInput" and both["fieldErrors"][0]["field"] == "target"
    bad = (
        await ops(
            ISSUE,
            {
                "input": {
                    "accountId": oem,
                    "productSku": "NOPE",
                    "quantity": 0,
                    "count": 0,
                    "expiresOn": date.today().isoformat(),
                }
            },
        )
    )["voucherBatchIssue"]
    assert bad["__typename"] == "InvalidInput"
    assert {e["field"] for e in bad["fieldErrors"]} == {"productSku", "quantity", "count", "expiresOn"}


async def test_statements_do_not_grow_with_the_number_of_codes(world: Any, portal: Portal) -> None:
    """Set-based: converting 10,000 codes sends at most twice the statements 1,000 do (the
    conversion), and its keys are signed in chunks of a constant number of statements each."""
    ops, otto, oem = world
    small = (await issue(ops, oem, 1_000, quantity=1))["codes"]
    large = (await issue(ops, oem, 10_000, quantity=1))["codes"]
    counts = []
    for batch in (small, large):
        with statements(portal) as sent:
            answer = await convert(otto, oem, batch)
        assert answer["conversion"]["convertedCount"] == len(batch)
        counts.append(len(sent))
        request_id = answer["keyRequest"]["id"]
        done = await eventually(functools.partial(_ready, otto, request_id), timeout=300)
        assert done["keysReady"] == done["keysTotal"] == len(batch), done
    assert counts[1] <= 2 * counts[0], counts


async def _ready(client: GraphQLClient, request_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] = (
        await client(
            "query P($id: ID!) { keyRequest(id: $id) { status keysReady keysTotal } }", {"id": request_id}
        )
    )["keyRequest"]
    assert found["status"] != "FAILED", found
    return found if found["status"] == "READY" else None


def _raw(global_id: str) -> uuid.UUID:
    found = from_global_id(global_id, "Account")
    assert found is not None
    return found


async def user_id(portal: Portal, email: str) -> uuid.UUID:
    async with portal.db.read() as session:
        found = await session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


@pytest.mark.parametrize("scope", ["MANAGE", "VIEW"])
async def test_a_partner_converts_for_the_oem_within_its_delegation_scope(
    scope: str, world: Any, portal: Portal, portal_app: Any
) -> None:
    ops, _, oem = world
    code = (await issue(ops, oem, 1))["codes"][0]
    async with portal.db.write() as session:
        partner = await session.scalar(select(Account.id).where(Account.name == "Initech Partners"))
        assert partner is not None
        session.add(
            Delegation(
                id=uuid.uuid4(),
                customer_account_id=_raw(oem),
                partner_account_id=partner,
                scope=DelegationScope(scope),
                status=DelegationStatus.ACTIVE,
            )
        )
    carol, _, http = await signed_in(portal_app, CAROL)
    try:
        answer = await convert(carol, oem, [code])
        listed = (await carol(BATCHES, {"a": oem}))["voucherBatches"]
    finally:
        await http.aclose()
    assert listed, "a delegated partner sees the OEM's batches"
    if scope == "MANAGE":
        assert results(answer) == ["CONVERTED"]
        async with portal.db.read() as session:
            acted_from = await session.scalar(
                select(AuditEvent.actor_account_id).where(AuditEvent.action == "voucher.convert")
            )
        assert acted_from == partner
    else:
        assert answer["__typename"] == "NotAllowed", answer


async def test_a_void_voucher_answers_void(world: Any, portal: Portal) -> None:
    ops, otto, oem = world
    batch = await issue(ops, oem, 2)
    async with portal.db.write() as session:
        await session.execute(
            update(Voucher)
            .where(Voucher.batch_id == from_global_id(batch["batch"]["id"], "VoucherBatch"))
            .values(state=VoucherState.VOID)
        )
    answer = await convert(otto, oem, batch["codes"][:1])
    assert results(answer) == ["VOID"] and "withdrawn" in answer["conversion"]["lines"][0]["message"]


async def test_an_email_without_a_user_claims_its_licenses_on_first_sign_in(
    world: Any, portal: Portal, portal_app: Any
) -> None:
    ops, otto, oem = world
    codes_ = (await issue(ops, oem, 1))["codes"]
    answer = await convert(otto, oem, codes_, target={"email": "new.buyer@example.com"})
    target = answer["conversion"]["targetAccount"]["id"]
    async with portal.db.write() as session:
        password = await session.scalar(select(User.password_hash).where(User.email == OTTO))
        session.add(
            User(
                id=uuid.uuid4(),
                email="new.buyer@example.com",
                name="New Buyer",
                password_hash=password or "",
                email_verified_at=utcnow(),
            )
        )
    _, me, http = await signed_in(portal_app, "new.buyer@example.com")
    await http.aclose()
    assert [(m["account"]["id"], m["role"]) for m in me["memberships"]] == [(target, "ADMIN")]
