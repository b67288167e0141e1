"""voucherConvert: a key request of kind VOUCHER. Up to 10,000 codes in one call, each answered on
its own line, with a constant number of statements whatever the count (set-based: one lookup that
locks the vouchers in id order, one conditional UPDATE, one multi-row INSERT of the licenses), so
a conversion of 10,000 codes costs what one of 1,000 does in statements.

Exactly once: the lookup locks the vouchers it found (PostgreSQL: FOR UPDATE, in id order, so two
overlapping conversions queue rather than deadlock; SQLite: the write transaction's lock), the
UPDATE only moves AVAILABLE vouchers, and licenses.voucher_id is unique. The same idempotency key
gets the first answer again (voucher_conversions is unique per user and key)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity, ids_match, prefixed
from backend.db.engine import Database
from backend.db.models import (
    Account,
    KeyRequest,
    KeyRequestKind,
    License,
    LicenseState,
    Product,
    Voucher,
    VoucherBatch,
    VoucherConversion,
    VoucherState,
    utcnow,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Permission, grant, require
from backend.domain.accounts.members import clean_email
from backend.domain.dates import add_months
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.key_requests.pipeline import mark_submitted, new_draft, submit, validate_idempotency_key
from backend.domain.licenses import search
from backend.domain.licenses.provenance import owner_for
from backend.domain.mail import queue_email
from backend.domain.vouchers import codes, targets
from backend.events import EventBus

MAX_CODES = 10_000
VOUCHER = KeyRequestKind.VOUCHER

_vouchers, _batches, _products, _conversions, _key_requests, _accounts, _licenses = (
    cast(Table, m.__table__)
    for m in (Voucher, VoucherBatch, Product, VoucherConversion, KeyRequest, Account, License)
)


class Result(StrEnum):
    CONVERTED = "CONVERTED"
    ALREADY_CONVERTED = "ALREADY_CONVERTED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"
    TYPO = "TYPO"
    UNKNOWN = "UNKNOWN"
    DUPLICATE = "DUPLICATE"
    RATE_LIMITED = "RATE_LIMITED"


# What a guesser learns from: counted against the unknown-code limit.
GUESSES = frozenset({Result.UNKNOWN, Result.TYPO})


@dataclass
class Line:
    """One code's answer. `detail`: TYPO — EMPTY, FORM or CHECK; DUPLICATE — the earlier line;
    EXPIRED — the expiry date."""

    line: int
    last_four: str | None
    result: Result
    license_id: uuid.UUID | None = None
    converted_at: datetime | None = None
    retry_after: int | None = None
    detail: str | int | None = None

    def dump(self) -> list[Any]:
        return [
            self.line,
            self.last_four,
            self.result.value,
            None if self.license_id is None else str(self.license_id),
            None if self.converted_at is None else self.converted_at.isoformat(),
            self.retry_after,
            self.detail,
        ]

    @classmethod
    def load(cls, data: list[Any]) -> Line:
        line, last_four, result, license_id, converted_at, retry_after, detail = data
        return cls(
            line,
            last_four,
            Result(result),
            None if license_id is None else uuid.UUID(license_id),
            None if converted_at is None else datetime.fromisoformat(converted_at),
            retry_after,
            detail,
        )

    @property
    def message(self) -> str:
        match self.result:
            case Result.CONVERTED:
                return "Converted into a license."
            case Result.ALREADY_CONVERTED:
                when = f" on {self.converted_at:%d %b %Y}" if self.converted_at else ""
                return f"This voucher was converted already{when}."
            case Result.EXPIRED:
                return (
                    f"This voucher expired on {self.detail}." if self.detail else "This voucher has expired."
                )
            case Result.VOID:
                return "This voucher was withdrawn by the vendor."
            case Result.TYPO:
                return {
                    "EMPTY": "This line is empty.",
                    "FORM": "A voucher code has 16 letters and digits (XXXX-XXXX-XXXX-XXXX).",
                }.get(str(self.detail), "The check character does not match: a character was mistyped.")
            case Result.UNKNOWN:
                return "No voucher of this account has this code."
            case Result.DUPLICATE:
                return f"The same code is on line {self.detail}."
            case Result.RATE_LIMITED:
                minutes = max(1, round((self.retry_after or 60) / 60))
                return f"Too many unknown codes: try this one again in about {minutes} minute(s)."


@dataclass(frozen=True)
class Conversion:
    record: VoucherConversion
    key_request: KeyRequest
    replayed: bool = False
    with_lines: bool = True  # False: read without them (the history); loaders.voucher_lines reads them

    @property
    def lines(self) -> list[Line] | None:
        return [Line.load(data) for data in self.record.lines["lines"]] if self.with_lines else None


@dataclass(frozen=True)
class Target:
    """What the caller asked for: an account, an e-mail, or neither (the OEM's own account)."""

    account_id: uuid.UUID | None = None
    email: str | None = None
    given: bool = False  # an account id was sent (None: it named no account we know)


class _Replay(Exception):
    """The idempotency key is taken: roll this attempt back and answer with the first one."""


_REPLAY = Prepared(
    select(*prefixed(_conversions, "c_"), *prefixed(_key_requests, "k_"))
    .join(_key_requests, _key_requests.c.id == _conversions.c.key_request_id)
    .where(_conversions.c.user_id == bindparam("user_id"), _conversions.c.idempotency_key == bindparam("key"))
)


@cache
def _claim_key(dialect: str) -> Prepared:
    """The conversion's row, inserted first: a second call with the same key waits for the first
    to commit and then inserts nothing."""
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return Prepared(
        insert_into(_conversions)
        .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
        .returning(_conversions.c.key_request_id),
        [
            "key_request_id",
            "account_id",
            "user_id",
            "idempotency_key",
            "target_account_id",
            "target_email",
            "total",
            "converted",
            "lines",
            "created_at",
        ],
    )


_RECORD = Prepared(
    update(_conversions)
    .where(_conversions.c.key_request_id == bindparam("conversion_id"))
    .values(
        converted=bindparam("converted_count"), lines=bindparam("answer", type_=_conversions.c.lines.type)
    )
    .returning(*_conversions.c)
)


@cache
def _lookup(dialect: str) -> Prepared:
    """The account's vouchers with these code hashes, with their batch and product, locked in id
    order (parameter `hashes`)."""
    statement = (
        select(
            *prefixed(_vouchers, "v_"),
            *prefixed(_batches, "b_"),
            _products.c.sku.label("p_sku"),
            _products.c.name.label("p_name"),
        )
        .join(_batches, _batches.c.id == _vouchers.c.batch_id)
        .join(_products, _products.c.id == _batches.c.product_id)
        .where(
            ids_match(_vouchers.c.code_hash, dialect, "hashes"),
            _batches.c.account_id == bindparam("account_id"),
        )
        .order_by(_vouchers.c.id)
    )
    return Prepared(statement.with_for_update(of=_vouchers) if dialect == "postgresql" else statement)


@cache
def _take(dialect: str) -> Prepared:
    """Move the chosen vouchers from AVAILABLE to CONVERTED (parameter `ids`)."""
    return Prepared(
        update(_vouchers)
        .where(ids_match(_vouchers.c.id, dialect, "ids"), _vouchers.c.state == VoucherState.AVAILABLE)
        .values(
            state=VoucherState.CONVERTED,
            key_request_id=bindparam("request_id"),
            converted_at=bindparam("now"),
        )
        .returning(_vouchers.c.id)
    )


_ACCOUNT_NAME = Prepared(select(_accounts.c.name).where(_accounts.c.id == bindparam("account_id")))


def _validate(raw: list[str], target: Target) -> tuple[str | None, list[FieldProblem]]:
    problems = []
    if not 1 <= len(raw) <= MAX_CODES:
        problems.append(FieldProblem("codes", "COUNT", f"Send 1 to {MAX_CODES:,} voucher codes at a time."))
    if target.given and target.email is not None:
        problems.append(FieldProblem("target", "ONE", "Choose an account or an e-mail address, not both."))
    email = None
    if target.email is not None:
        try:
            email = clean_email(target.email, "target.email")
        except InvalidInputError as error:
            problems += error.problems
    return email, problems


def read_lines(raw: list[str]) -> tuple[list[Line], dict[int, str]]:
    """Each code read on its own (typos and repeats answered here); the well-formed rest by line."""
    lines: list[Line] = []
    wanted: dict[int, str] = {}
    first_seen: dict[str, int] = {}
    for number, text in enumerate(raw, start=1):
        code = codes.read(text)
        line = Line(number, code.last_four, Result.CONVERTED)
        if code.reading == codes.Reading.EMPTY:
            line.result, line.detail = Result.TYPO, "EMPTY"
        elif code.reading == codes.Reading.MALFORMED:
            line.result, line.detail = Result.TYPO, "FORM"
        elif code.reading == codes.Reading.CHECK_FAILED:
            line.result, line.detail = Result.TYPO, "CHECK"
        elif code.symbols in first_seen:
            line.result, line.detail = Result.DUPLICATE, first_seen[code.symbols]
        else:
            first_seen[code.symbols] = number
            wanted[number] = code.symbols
        lines.append(line)
    return lines, wanted


async def convert(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    account_id: uuid.UUID | None,
    raw_codes: list[str],
    target: Target,
    idempotency_key: str,
) -> Conversion:
    """Convert the OEM account's vouchers into licenses in the target account; every code gets its
    own answer, and the licenses' keys come through the key-request pipeline."""
    key = validate_idempotency_key(idempotency_key)
    email, problems = _validate(raw_codes, target)
    if problems:
        raise InvalidInputError(problems)
    buckets = [f"voucher:user:{actor.user_id}", f"voucher:ip:{actor.ip}"]

    async def replay(tx: DriverTransaction) -> Conversion | None:
        row = await tx.one(_REPLAY, {"user_id": actor.user_id, "key": key})
        if row is None:
            return None
        record = entity(VoucherConversion, row, "c_")
        if record.account_id != account_id:
            raise InvalidInputError(
                [
                    FieldProblem(
                        "idempotencyKey", "USED", "This key was sent with another conversion: send a new one."
                    )
                ]
            )
        return Conversion(record, entity(KeyRequest, row, "k_"), replayed=True)

    async def work(tx: DriverTransaction) -> Conversion:
        if account_id is None:
            raise NotFoundError("accountId", "account")
        oem_grant = await require(
            tx,
            actor,
            account_id,
            Permission.REQUEST_KEYS,
            field="accountId",
            what="account",
            action="convert vouchers",
        )
        if target.given:
            chosen = await targets.for_account(tx, actor, target.account_id)
        elif email is not None:
            chosen = await targets.for_email(tx, actor, account_id, email)
        else:
            chosen = targets.Target(account_id)
        request = await new_draft(
            tx, actor, oem_grant, account_id, VOUCHER, "voucher.convert_start", codes=len(raw_codes)
        )
        now = utcnow()
        claimed = await tx.one(
            _claim_key(tx.dialect),
            {
                "key_request_id": request.id,
                "account_id": account_id,
                "user_id": actor.user_id,
                "idempotency_key": key,
                "target_account_id": chosen.account_id,
                "target_email": chosen.email,
                "total": len(raw_codes),
                "converted": 0,
                "lines": {"lines": []},
                "created_at": now,
            },
        )
        if claimed is None:
            raise _Replay

        lines, wanted = read_lines(raw_codes)
        hashes = {codes.code_hash(settings.secret_key, symbols): number for number, symbols in wanted.items()}
        rows = (
            await tx.all(_lookup(tx.dialect), {"hashes": list(hashes), "account_id": account_id})
            if hashes
            else []
        )
        found = {hashes[row["v_code_hash"]]: row for row in rows}
        today = now.date()
        chosen_rows: dict[int, Any] = {}
        for number in wanted:
            line = lines[number - 1]
            row = found.get(number)
            if row is None:
                line.result = Result.UNKNOWN
            elif row["v_state"] == VoucherState.CONVERTED:
                line.result, line.converted_at = Result.ALREADY_CONVERTED, row["v_converted_at"]
            elif row["v_state"] == VoucherState.VOID:
                line.result = Result.VOID
            elif row["b_expires_on"] is not None and row["b_expires_on"] < today:
                line.result, line.detail = Result.EXPIRED, row["b_expires_on"].isoformat()
            else:
                chosen_rows[number] = row
        await _limit_guesses(tx, settings, buckets, lines)

        taken = set()
        if chosen_rows:
            ids = [row["v_id"] for row in chosen_rows.values()]
            taken = {
                row["id"]
                for row in await tx.all(_take(tx.dialect), {"ids": ids, "request_id": request.id, "now": now})
            }
        license_rows = []
        owner = owner_for(oem_grant.acting_account_id, chosen.account_id, actor.user_id)
        for number, row in chosen_rows.items():
            line = lines[number - 1]
            if row["v_id"] not in taken:  # converted by a conversion that committed in between
                line.result, line.converted_at = Result.ALREADY_CONVERTED, None
                continue
            line.license_id, line.converted_at = uuid.uuid4(), now
            license_rows.append(
                {
                    "id": line.license_id,
                    "account_id": chosen.account_id,
                    "product_id": row["b_product_id"],
                    "owner_user_id": owner,
                    "voucher_id": row["v_id"],
                    "key_request_id": request.id,
                    "quantity": row["b_quantity"],
                    "maintenance_until": add_months(today, row["b_maintenance_months"]),
                    "host_id": None,
                    "state": LicenseState.CURRENT,
                    "search_text": search.compose([], [], (row["p_sku"], row["p_name"]), []),
                    "created_at": now,
                }
            )
        if license_rows:
            await tx.many(_NEW_LICENSE, license_rows)
        refused = [line for line in lines if line.result not in (Result.CONVERTED,)]
        if refused:
            await audit.record(
                tx,
                "voucher.refused",
                actor=actor,
                account_id=account_id,
                actor_account_id=oem_grant.acting_account_id,
                target=("KeyRequest", request.id),
                codes=[[line.line, line.last_four, line.result.value] for line in refused],
            )
        record_row = await tx.one(
            _RECORD,
            {
                "conversion_id": request.id,
                "converted_count": len(license_rows),
                "answer": {"lines": [line.dump() for line in lines]},
            },
        )
        assert record_row is not None
        if chosen.email is not None and license_rows:
            await _tell_recipient(tx, bus, settings, account_id, chosen, len(license_rows))
        submitted = await mark_submitted(tx, request, key)
        confirmed = await submit(
            tx,
            bus,
            actor,
            oem_grant,
            submitted,
            [row["id"] for row in license_rows],
            "voucher.convert",
            codes=len(raw_codes),
            converted=len(license_rows),
            target_account_id=str(chosen.account_id),
            target_email=chosen.email,
        )
        return Conversion(entity(VoucherConversion, record_row), confirmed.request)

    first = await db.driver.run(replay, transaction=False)
    if first is not None:
        return first
    try:
        return await db.driver.run(work)
    except _Replay:
        again = await db.driver.run(replay, transaction=False)
        assert again is not None
        return again


_NEW_LICENSE = Prepared(
    insert(_licenses),
    [
        "id",
        "account_id",
        "product_id",
        "owner_user_id",
        "voucher_id",
        "key_request_id",
        "quantity",
        "maintenance_until",
        "host_id",
        "state",
        "search_text",
        "created_at",
    ],
)


async def _limit_guesses(
    tx: DriverTransaction, settings: Settings, buckets: list[str], lines: list[Line]
) -> None:
    """Unknown and mistyped codes count against the caller's (and the client address's) hourly
    limit; past it they answer RATE_LIMITED (valid codes still convert)."""
    guesses = [line for line in lines if line.result in GUESSES and line.detail != "EMPTY"]
    if not guesses:
        return
    allowed, wait = await ratelimit.allowance(tx, buckets, settings.voucher_failures)
    for line in guesses[allowed:]:
        line.result, line.retry_after, line.detail = Result.RATE_LIMITED, wait, None
    await ratelimit.hit(tx, buckets, times=len(guesses))


async def _tell_recipient(
    tx: DriverTransaction,
    bus: EventBus,
    settings: Settings,
    oem_id: uuid.UUID,
    chosen: targets.Target,
    count: int,
) -> None:
    assert chosen.email is not None
    oem = await tx.one(_ACCOUNT_NAME, {"account_id": oem_id})
    name = oem["name"] if oem else "Your supplier"
    await queue_email(
        tx,
        bus,
        settings,
        to=chosen.email,
        account_id=chosen.account_id,
        subject=f"{name} registered {count} license(s) for you",
        body=f"Hello,\n\n{name} converted {count} voucher(s) into licenses for you on the Licensing Portal.\n\n"
        f"Sign in or sign up with this e-mail address to see them and download their keys:\n\n"
        f"{settings.public_url}/login\n",
    )


MAX_HISTORY = 100
# The history lists conversions without their lines (up to 10,000 each): those load on demand.
_HISTORY = Prepared(
    select(
        *(column.label("c_" + column.name) for column in _conversions.c if column.name != "lines"),
        *prefixed(_key_requests, "k_"),
    )
    .join(_key_requests, _key_requests.c.id == _conversions.c.key_request_id)
    .where(_conversions.c.account_id == bindparam("account_id"))
    .order_by(_conversions.c.created_at.desc(), _conversions.c.key_request_id)
    .limit(bindparam("limit"))
)
_ONE = Prepared(
    select(*prefixed(_conversions, "c_"), *prefixed(_key_requests, "k_"))
    .join(_key_requests, _key_requests.c.id == _conversions.c.key_request_id)
    .where(_conversions.c.key_request_id == bindparam("conversion_id"))
)


def _without_lines(row: Any) -> Conversion:
    record = entity(VoucherConversion, {**row, "c_lines": {"lines": []}}, "c_")
    return Conversion(record, entity(KeyRequest, row, "k_"), with_lines=False)


async def history(db: Database, actor: Actor, account_id: uuid.UUID | None, first: int) -> list[Conversion]:
    """The account's conversions, newest first (their lines are read when asked for); none for an
    account the caller cannot see."""
    if not 1 <= first <= MAX_HISTORY:
        raise InvalidInputError([FieldProblem("first", "RANGE", f"Ask for 1 to {MAX_HISTORY} conversions.")])
    if account_id is None:
        return []

    async def read(tx: DriverTransaction) -> list[Conversion]:
        if await grant(tx, actor.user_id, account_id) is None:
            return []
        return [
            _without_lines(row) for row in await tx.all(_HISTORY, {"account_id": account_id, "limit": first})
        ]

    return await db.driver.run(read, transaction=False)


async def one(db: Database, actor: Actor, conversion_id: uuid.UUID | None) -> Conversion | None:
    """A conversion the caller may see (node), else None."""
    if conversion_id is None:
        return None

    async def read(tx: DriverTransaction) -> Conversion | None:
        row = await tx.one(_ONE, {"conversion_id": conversion_id})
        if row is None or await grant(tx, actor.user_id, row["c_account_id"]) is None:
            return None
        return Conversion(entity(VoucherConversion, row, "c_"), entity(KeyRequest, row, "k_"))

    return await db.driver.run(read, transaction=False)
