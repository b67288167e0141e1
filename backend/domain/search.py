"""Find anything: the header's one search box. A term finds licenses (by product, serial number,
activation key, custom values: the licenses' own search rule, `finding.search_condition`), key
requests holding a serial number, and the accounts the user can act for (a partner's customers
among them), only ever in accounts the user can see and licenses shared with them."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select

from backend.db.driver import DriverTransaction, Prepared, ids_match
from backend.db.engine import Database
from backend.db.models import (
    Account,
    KeyRequest,
    KeyRequestSerial,
    License,
    LicenseSerial,
    LicenseShare,
    Product,
    Serial,
)
from backend.domain import serials as serial_numbers
from backend.domain.access import Actor, viewable_accounts
from backend.domain.licenses.finding import like_escape, search_condition
from backend.keys import normalize_activation_key

MIN_TERM, MAX_TERM, MAX_HITS = 2, 100, 20

_licenses, _products, _accounts, _shares, _requests, _request_serials, _serials, _license_serials = (
    cast(Table, m.__table__)
    for m in (License, Product, Account, LicenseShare, KeyRequest, KeyRequestSerial, Serial, LicenseSerial)
)


class HitKind(enum.Enum):
    LICENSE = "LICENSE"
    SERIAL = "SERIAL"
    ACTIVATION_KEY = "ACTIVATION_KEY"
    KEY_REQUEST = "KEY_REQUEST"
    ACCOUNT = "ACCOUNT"


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    title: str
    detail: str
    license_id: uuid.UUID | None = None
    key_request_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None


def license_kind(term: str) -> HitKind:
    """What a license was found by: a whole serial number or activation key, else its text."""
    if serial_numbers.parse(term).problem is None:
        return HitKind.SERIAL
    if normalize_activation_key(term) is not None:
        return HitKind.ACTIVATION_KEY
    return HitKind.LICENSE


def _licenses_found(term: str, dialect: str) -> Prepared:
    shared = select(_shares.c.license_id).where(_shares.c.user_id == bindparam("user_id"))
    # The license's first serial number tells licenses of one product apart in the list.
    first_serial = (
        select(func.min(_serials.c.number))
        .join(_license_serials, _license_serials.c.serial_id == _serials.c.id)
        .where(_license_serials.c.license_id == _licenses.c.id)
        .scalar_subquery()
    )
    return Prepared(
        select(
            _licenses.c.id,
            _licenses.c.quantity,
            _licenses.c.account_id,
            _products.c.name,
            _products.c.version,
            _accounts.c.name.label("account_name"),
            first_serial.label("serial"),
        )
        .join(_products, _products.c.id == _licenses.c.product_id)
        .join(_accounts, _accounts.c.id == _licenses.c.account_id)
        .where(
            or_(ids_match(_licenses.c.account_id, dialect, "accounts"), _licenses.c.id.in_(shared)),
            search_condition(term),
        )
        .order_by(_licenses.c.created_at.desc(), _licenses.c.id)
        .limit(bindparam("limit"))
    )


def _requests_found(number: str, exact: bool, dialect: str) -> Prepared:
    matches = (
        _serials.c.number == number
        if exact
        else _serials.c.number.like(f"%{like_escape(number)}%", escape="\\")
    )
    return Prepared(
        select(
            _requests.c.id,
            _requests.c.kind,
            _requests.c.status,
            _serials.c.number,
            _accounts.c.name.label("account_name"),
        )
        .join(_request_serials, _request_serials.c.key_request_id == _requests.c.id)
        .join(_serials, _serials.c.id == _request_serials.c.serial_id)
        .join(_accounts, _accounts.c.id == _requests.c.account_id)
        .where(ids_match(_requests.c.account_id, dialect, "accounts"), matches)
        .order_by(_requests.c.updated_at.desc(), _requests.c.id)
        .limit(bindparam("limit"))
    )


def _accounts_found(term: str, dialect: str) -> Prepared:
    pattern = f"%{like_escape(term.lower())}%"
    return Prepared(
        select(_accounts.c.id, _accounts.c.name, _accounts.c.number, _accounts.c.kind)
        .where(
            ids_match(_accounts.c.id, dialect, "accounts"),
            or_(
                func.lower(_accounts.c.name).like(pattern, escape="\\"),
                _accounts.c.number == term.upper(),
            ),
        )
        .order_by(_accounts.c.name)
        .limit(bindparam("limit"))
    )


async def find(db: Database, actor: Actor, text: str, first: int = 8) -> list[Hit]:
    """Up to `first` hits of each kind for the term, best kinds first; none for a term of fewer
    than two characters."""
    term = " ".join(text.split())[:MAX_TERM]
    first = max(1, min(first, MAX_HITS))
    if len(term) < MIN_TERM:
        return []

    async def read(tx: DriverTransaction) -> list[Hit]:
        accounts = await viewable_accounts(tx, actor.user_id)
        params = {"accounts": accounts, "user_id": actor.user_id, "limit": first}
        hits: list[Hit] = []
        kind = license_kind(term)
        for row in await tx.all(_licenses_found(term, tx.dialect), params):
            hits.append(
                Hit(
                    kind,
                    f"{row['name']} {row['version']}",
                    " · ".join(
                        part
                        for part in (
                            serial_numbers.display(row["serial"]) if row["serial"] else None,
                            f"{row['quantity']} seat(s)",
                            row["account_name"],
                        )
                        if part
                    ),
                    license_id=row["id"],
                    account_id=row["account_id"],
                )
            )
        if not accounts:
            return hits
        number = serial_numbers.normalize(term)
        if number.isalnum():
            exact = serial_numbers.parse(term).problem is None
            for row in await tx.all(_requests_found(number, exact, tx.dialect), params):
                hits.append(
                    Hit(
                        HitKind.KEY_REQUEST,
                        f"Key request with {serial_numbers.display(row['number'])}",
                        f"{row['status'].capitalize()} · {row['account_name']}",
                        key_request_id=row["id"],
                    )
                )
        for row in await tx.all(_accounts_found(term, tx.dialect), params):
            hits.append(Hit(HitKind.ACCOUNT, row["name"], f"Account {row['number']}", account_id=row["id"]))
        return hits

    return await db.driver.run(read, transaction=False)
