"""Voucher Center: converting codes into licenses, in-process through the domain (`convert.convert`)
and the FULFIL job (`Worker.run_once`), as the API and the worker run them.

* bulk — one conversion of 10,000 codes of a fresh batch, then the worker until every key is signed
  (READY): codes/s end to end, the convert call's and the fulfilment's seconds, their CPU (this
  process, PostgreSQL), and the SQL statements of a conversion of 1,000 and of 10,000 codes
  (counted as tests/support.py `statements()` does: every statement through SQLAlchemy and every
  `Prepared` sent straight through asyncpg); beside it the signing ceiling — the same number of
  license claims signed alone with the key store's signer;
* singles — 32 clients each converting one code per iteration (and running one job, as Get a
  Key's domain flow does), measured beside Get a Key's domain flow in the same run."""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from backend.db.driver import Prepared
from backend.db.models import (
    AccountKind,
    KeyRequest,
    KeyRequestStatus,
    LicenseKey,
    LicenseModel,
    Membership,
    Role,
    User,
)
from backend.domain.access import Actor
from backend.domain.accounts.users import create_account
from backend.domain.key_requests.fulfilment import claims
from backend.domain.vouchers import batches, convert
from backend.jobs import Worker
from backend.portal import Portal
from bench import report
from bench.cpu import Snapshot
from bench.runner import Flow, Sample
from bench.world import PASSWORD, BenchUser

SKU = "EPS-14"
IP = "127.0.0.1"
BULK = 10_000
SMALL = 1_000  # the statement count of BULK codes must stay within 2x of SMALL's


@dataclass(frozen=True)
class Oem:
    user: BenchUser
    codes: deque[str]  # fresh codes of the account's batches, used from the left


async def add_oem_users(portal: Portal, label: str, count: int) -> list[BenchUser]:
    """`count` verified users, each the ADMIN of an OEM account of its own."""
    from backend.auth.passwords import hash_password

    password_hash = hash_password(PASSWORD)
    users: list[BenchUser] = []
    now = datetime.now(UTC)
    async with portal.db.write() as session:
        for i in range(count):
            account = await create_account(session, f"Bench OEM {label} {i}", AccountKind.OEM)
            email = f"bench-{label}-{i}-{uuid.uuid4().hex[:6]}@bench.example"
            user = User(
                id=uuid.uuid4(),
                email=email,
                name=f"Bench OEM User {i}",
                password_hash=password_hash,
                email_verified_at=now,
            )
            session.add(user)
            await session.flush()
            session.add(Membership(user_id=user.id, account_id=account.id, role=Role.ADMIN))
            users.append(BenchUser(email, user.id, account.id))
    return users


async def issue(portal: Portal, account_id: uuid.UUID, count: int) -> list[str]:
    """A batch of `count` one-seat vouchers of SKU for the account; its codes."""
    issued = await batches.issue(
        portal.db, portal.settings.secret_key, None, batches.NewBatch(account_id, SKU, 1, count)
    )
    return issued.codes


# ---------------------------------------------------------------- statements


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements this process sends while the block runs, counted as tests/support.py
    `statements()` does (which needs the test dependencies): every statement through SQLAlchemy
    (both engines) and, on PostgreSQL, every `Prepared` sent straight through asyncpg
    (`Prepared.args` runs once per statement; an executemany once per row). NOTIFYs included."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    args = Prepared.args

    def counted(prepared: Prepared, params: Any) -> list[Any]:
        seen.append(prepared.sql)
        return args(prepared, params)

    event.listen(Engine, "before_cursor_execute", count)
    Prepared.args = counted  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        Prepared.args = args  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", count)


def _kinds(sent: list[str]) -> dict[str, int]:
    """Statements by their first words (`INSERT INTO licenses`, `SELECT`, …), most frequent first."""
    found: dict[str, int] = {}
    for sql in sent:
        words = sql.split()
        head = " ".join(words[:3] if words[:2] in (["INSERT", "INTO"], ["DELETE", "FROM"]) else words[:2])
        found[head] = found.get(head, 0) + 1
    return dict(sorted(found.items(), key=lambda item: -item[1]))


# ---------------------------------------------------------------- bulk


def signing_ceiling(signer: Any, issuer: str, count: int) -> float:
    """Seconds to sign `count` license files alone (claims built and signed as the FULFIL job's
    `new_key` does, one-seat perpetual licenses of SKU), no database."""
    until = date(2027, 12, 31)
    began = time.perf_counter()
    for _ in range(count):
        signer.sign(
            claims(
                issuer,
                license_id=uuid.uuid4(),
                key_id=uuid.uuid4(),
                sku=SKU,
                version="14.3",
                license_model=LicenseModel.PERPETUAL,
                quantity=1,
                maintenance_until=until,
                host=None,
            )
        )
    return time.perf_counter() - began


async def _keys_ready(portal: Portal, request_id: uuid.UUID) -> tuple[str, int]:
    async with portal.db.read() as session:
        status = await session.scalar(select(KeyRequest.status).where(KeyRequest.id == request_id))
        keys = await session.scalar(
            select(func.count()).select_from(LicenseKey).where(LicenseKey.key_request_id == request_id)
        )
    return str(status), int(keys or 0)


def _cpu(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds of this process and of the database's PostgreSQL processes between two snapshots."""
    postgres = sum(cpu - before.postgres.get(pid, 0.0) for pid, cpu in after.postgres.items())
    return {
        "process_cpu_s": round(after.client - before.client, 3),
        "postgres_cpu_s": round(postgres, 3),
        "machine_busy_cores": round((after.busy - before.busy) / max(after.wall - before.wall, 1e-9), 2),
    }


async def _convert(portal: Portal, actor: Actor, account_id: uuid.UUID, codes: list[str]) -> uuid.UUID:
    done = await convert.convert(
        portal.db,
        portal.bus,
        portal.settings,
        actor,
        account_id,
        codes,
        convert.Target(),
        uuid.uuid4().hex,
    )
    converted = done.record.converted
    assert converted == len(codes), f"{converted} of {len(codes)} codes converted"
    return done.key_request.id


async def bulk_round(
    portal: Portal, worker: Worker, oem: BenchUser, snapshot: Any, size: int
) -> dict[str, Any]:
    """One conversion of SMALL codes (its statements), then one of `size` codes timed to READY."""
    actor = Actor(oem.user_id, IP)
    small = await issue(portal, oem.account_id, SMALL)
    large = await issue(portal, oem.account_id, size)
    with statements() as sent_small:
        await _convert(portal, actor, oem.account_id, small)
    await worker.drain()  # the small conversion's keys, not timed

    s0 = await snapshot()
    began = time.perf_counter()
    with statements() as sent_large:
        request_id = await _convert(portal, actor, oem.account_id, large)
    converted_at = time.perf_counter()
    s1 = await snapshot()
    with statements() as sent_fulfil:
        while await worker.run_once():
            pass
    ready_at = time.perf_counter()
    s2 = await snapshot()
    status, keys = await _keys_ready(portal, request_id)
    assert status == KeyRequestStatus.READY.value and keys == size, (status, keys, size)

    signer = await portal.keys.signer()
    signing = signing_ceiling(signer, portal.settings.issuer, size)
    total = ready_at - began
    return {
        "codes": size,
        "codes_per_s": round(size / total, 1),
        "end_to_end_s": round(total, 3),
        "convert_s": round(converted_at - began, 3),
        "fulfil_s": round(ready_at - converted_at, 3),
        "convert_cpu": _cpu(s0, s1),
        "fulfil_cpu": _cpu(s1, s2),
        "statements_small": len(sent_small),
        "statements_large": len(sent_large),
        "statements_growth": round(len(sent_large) / len(sent_small), 2),
        "statements_per_1000_codes": round(1000 * len(sent_large) / size, 2),
        "fulfil_statements": len(sent_fulfil),
        "fulfil_statements_per_1000_keys": round(1000 * len(sent_fulfil) / size, 2),
        "convert_statement_kinds": _kinds(sent_large),
        "signing_s": round(signing, 3),
        "signatures_per_s": round(size / signing, 1),
        "signing_share_of_end_to_end": round(signing / total, 3),
    }


# ---------------------------------------------------------------- singles


def flow(portal: Portal, worker: Worker, oem: Oem) -> Flow:
    """One code of the client's own OEM account converted into a license on that account, then one
    job run (with 32 clients it may be another client's; the total is the same)."""
    actor = Actor(oem.user.user_id, IP)
    account_id = oem.user.account_id

    async def run(_token: str) -> Sample:
        if not oem.codes:
            raise RuntimeError("a voucher client ran out of codes: issue more per client")
        code = oem.codes.popleft()
        began = time.perf_counter()
        await _convert(portal, actor, account_id, [code])
        converted = time.perf_counter()
        await worker.run_once()
        done = time.perf_counter()
        return Sample(done_at=done, steps={"whole_flow": done - began, "convert": converted - began})

    return run


TARGET_CODES_PER_S_PG = 1_000
TARGET_STATEMENT_GROWTH = 2.0  # statements for BULK codes over those for SMALL
TARGET_SINGLES = 1.2  # Get a Key keys/s over conversions/s, at most


def targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    vouchers = result["vouchers"]
    bulk, singles = vouchers["bulk"], vouchers["singles"]
    growth = max(r["statements_growth"] for r in bulk["rounds"])
    behind = report.ratio(singles["getakey"]["keys_per_s"], singles["convert"]["keys_per_s"])
    checks: dict[str, dict[str, Any]] = {
        "statements_10000_within_2x_of_1000": {
            "value": growth,
            "target": f"<= {TARGET_STATEMENT_GROWTH:g}x",
            "met": growth <= TARGET_STATEMENT_GROWTH,
        },
        "singles_within_1_2x_of_getakey": {
            "value": behind,
            "target": f"Get a Key / conversions <= {TARGET_SINGLES:g}",
            "met": behind is not None and behind <= TARGET_SINGLES,
        },
    }
    if result["database"] == "postgresql":
        checks["codes_per_s_to_ready"] = {
            "value": bulk["mean"]["codes_per_s"],
            "target": f">= {TARGET_CODES_PER_S_PG:,}/s",
            "met": bulk["mean"]["codes_per_s"] >= TARGET_CODES_PER_S_PG,
        }
    return checks


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"Voucher Center, bulk: one conversion of {BULK:,} codes, then the FULFIL job to READY (in-process)",
        "| database | round | codes/s to READY | convert s | fulfil s | statements 1,000 / 10,000 codes "
        "| per 1,000 codes | fulfil statements | signing alone s (sig/s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        vouchers = result.get("vouchers")
        if not vouchers:
            continue
        for i, r in enumerate(vouchers["bulk"]["rounds"], start=1):
            lines.append(
                f"| {result['database']} | {i} | {r['codes_per_s']:,.0f} | {r['convert_s']:.2f} "
                f"| {r['fulfil_s']:.2f} | {r['statements_small']} / {r['statements_large']} "
                f"| {r['statements_per_1000_codes']:.1f} | {r['fulfil_statements']} "
                f"| {r['signing_s']:.2f} ({r['signatures_per_s']:,.0f}) |"
            )
        mean = vouchers["bulk"]["mean"]
        lines.append(
            f"| {result['database']} | mean | {mean['codes_per_s']:,.0f} | {mean['convert_s']:.2f} "
            f"| {mean['fulfil_s']:.2f} | | | | {mean['signing_s']:.2f} |"
        )
    lines += [
        "",
        "Voucher Center, singles: 32 in-process clients, one code per conversion (+ one job run), "
        "beside Get a Key's domain flow; two rounds in opposite orders, averaged",
        "| database | Get a Key keys/s | conversions/s | conversions / Get a Key | convert p50 / p99 ms "
        "| statements per flow: convert / Get a Key |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        vouchers = result.get("vouchers")
        if not vouchers:
            continue
        singles = vouchers["singles"]
        lat = singles["convert"]["latency"]
        lines.append(
            f"| {result['database']} | {singles['getakey']['keys_per_s']:.1f} "
            f"| {singles['convert']['keys_per_s']:.1f} | {singles['ratio_convert_over_getakey']:.2f} "
            f"| {lat.get('p50_ms')} / {lat.get('p99_ms')} "
            f"| {singles['convert']['statements_per_key']} / {singles['getakey']['statements_per_key']} |"
        )
    lines.append("")
    for result in results:
        for name, check in result.get("vouchers", {}).get("targets", {}).items():
            met = "met" if check["met"] else "MISSED"
            lines.append(f"{result['database']:10} {name:38} {check['value']!s:>8}  {check['target']}: {met}")
    return "\n".join(lines)
