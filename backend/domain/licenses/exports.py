"""Downloads: the CSV export of a filter (every matching row, streamed in keyset pages), one
license file, and a zip of the license files of a selection."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select

from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Account,
    CustomField,
    KeyStatus,
    License,
    LicenseCustomValue,
    LicenseKey,
    LicenseSerial,
    Product,
    Serial,
    User,
)
from backend.domain.access import Actor, LicenseAccess, Permission, require, require_licenses
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.licenses import finding, provenance
from backend.domain.licenses.custom_fields import fields_of
from backend.domain.serials import display
from backend.domain.spreadsheet import safe_row

EXPORT_PAGE = 1000
MAX_FILES = 500
COLUMNS = [
    "License ID",
    "Product SKU",
    "Product",
    "Version",
    "Status",
    "Quantity",
    "Maintenance until",
    "Host ID",
    "Serial numbers",
    "Activation keys",
    "Owner",
    "Requested by",
    "Created",
]


@dataclass
class CsvExport:
    query: finding.Query
    fields: list[CustomField]
    on: object


async def prepare_csv(
    db: Database,
    actor: Actor,
    account_id: uuid.UUID | None,
    flt: finding.Filter | None,
    order: finding.Order | None,
) -> CsvExport:
    """Check access and build the query before the first byte is sent (a refusal is a 404)."""
    if account_id is None:
        raise NotFoundError("accountId", "account")
    async with db.read() as session:
        await require(
            as_driver_transaction(session),
            actor,
            account_id,
            Permission.VIEW,
            field="accountId",
            what="account",
        )
        query = await finding.prepare(session, finding.Scope(account_id=account_id), flt, order)
        fields = await fields_of(session, account_id)
    return CsvExport(query=query, fields=fields, on=finding.today())


def _line(writer_buffer: io.StringIO, row: list[str]) -> None:
    csv.writer(writer_buffer, lineterminator="\r\n").writerow(safe_row(row))


async def stream_csv(db: Database, export: CsvExport) -> AsyncIterator[bytes]:
    """Header, then one chunk per page of EXPORT_PAGE licenses; each page in a short read session
    of its own, so memory stays flat however many rows match."""
    buffer = io.StringIO()
    _line(buffer, COLUMNS + [f.name for f in export.fields])
    yield buffer.getvalue().encode()
    async with db.read() as session:
        products = {p.id: p for p in await session.scalars(select(Product))}
    after: str | None = None
    today = finding.today()
    while True:
        async with db.read() as session:
            page = await finding.page(session, export.query, EXPORT_PAGE, after, limit=EXPORT_PAGE)
            rows = [row for row, _ in page.rows]
            ids = [row.id for row in rows]
            numbers: dict[uuid.UUID, list[str]] = defaultdict(list)
            keys: dict[uuid.UUID, list[str]] = defaultdict(list)
            values: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
            owners: dict[uuid.UUID, str] = {}
            requested: dict[uuid.UUID, str] = {}
            if ids:
                for license_id, number in await session.execute(
                    select(LicenseSerial.license_id, Serial.number)
                    .join(Serial, Serial.id == LicenseSerial.serial_id)
                    .where(LicenseSerial.license_id.in_(ids))
                    .order_by(LicenseSerial.id)
                ):
                    numbers[license_id].append(display(number))
                for license_id, key in await session.execute(
                    select(LicenseKey.license_id, LicenseKey.activation_key)
                    .where(LicenseKey.license_id.in_(ids), LicenseKey.status == KeyStatus.ACTIVE)
                    .order_by(LicenseKey.issued_at, LicenseKey.id)
                ):
                    keys[license_id].append(key)
                if export.fields:
                    for license_id, field_id, text in await session.execute(
                        select(
                            LicenseCustomValue.license_id,
                            LicenseCustomValue.field_id,
                            LicenseCustomValue.value_text,
                        ).where(LicenseCustomValue.license_id.in_(ids))
                    ):
                        values[(license_id, field_id)] = text or ""
                requesters = await provenance.requesters(as_driver_transaction(session), ids)
                user_ids = {row.owner_user_id for row in rows if row.owner_user_id is not None}
                user_ids |= {r.user_id for r in requesters.values()}
                # A license without an owning user is owned by its account (a partner got it).
                account_ids = {row.account_id for row in rows if row.owner_user_id is None}
                account_ids |= {r.through_account_id for r in requesters.values() if r.through_account_id}
                owners = {
                    uid: email
                    for uid, email in await session.execute(
                        select(User.id, User.email).where(User.id.in_(user_ids))
                    )
                }
                names = {
                    aid: name
                    for aid, name in await session.execute(
                        select(Account.id, Account.name).where(Account.id.in_(account_ids))
                    )
                }
                owners |= names
                for license_id, r in requesters.items():
                    who = owners.get(r.user_id, "")
                    through = names.get(r.through_account_id) if r.through_account_id else None
                    requested[license_id] = f"{who} ({through})" if through else who
        buffer = io.StringIO()
        for row in rows:
            product = products[row.product_id]
            status = finding.license_status(row.state, row.maintenance_until, product.license_model, today)
            _line(
                buffer,
                [
                    str(row.id),
                    product.sku,
                    product.name,
                    product.version,
                    status.value,
                    str(row.quantity),
                    row.maintenance_until.isoformat(),
                    row.host_id or "",
                    " ".join(numbers[row.id]),
                    " ".join(keys[row.id]),
                    owners.get(row.owner_user_id or row.account_id, ""),
                    requested.get(row.id, ""),
                    row.created_at.isoformat(timespec="seconds"),
                    *(values.get((row.id, f.id), "") for f in export.fields),
                ],
            )
        if rows:
            yield buffer.getvalue().encode()
        if not page.has_next or not page.rows:
            return
        after = page.cursor(-1)


async def _newest_keys(db: Database, license_ids: list[uuid.UUID]) -> list[LicenseKey]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(LicenseKey)
                .where(LicenseKey.license_id.in_(license_ids), LicenseKey.status == KeyStatus.ACTIVE)
                .order_by(LicenseKey.issued_at.desc(), LicenseKey.id)
            )
        )


async def license_file(db: Database, actor: Actor, license_id: uuid.UUID | None) -> tuple[str, str]:
    """(file name, content) of the newest active key of one license."""
    async with db.read() as session:
        await require_licenses(session, actor, [license_id], LicenseAccess.VIEW, field="licenseId")
    assert license_id is not None
    keys = await _newest_keys(db, [license_id])
    if not keys:
        raise NotFoundError("licenseId", "license file")
    return f"{keys[0].activation_key}.lic", keys[0].license_file


async def license_files_zip(
    db: Database, actor: Actor, license_ids: list[uuid.UUID | None], account_id: uuid.UUID | None
) -> bytes:
    """A zip with one <activationKey>.lic per active key of the selected licenses (at most 500)."""
    if len(license_ids) > MAX_FILES:
        raise InvalidInputError([FieldProblem("ids", "TOO_MANY", f"At most {MAX_FILES} licenses at once.")])
    async with db.read() as session:
        rows: list[License] = await require_licenses(
            session, actor, license_ids, LicenseAccess.VIEW, field="ids"
        )
    if account_id is not None and any(row.account_id != account_id for row in rows):
        raise NotFoundError("ids", "license")
    keys = await _newest_keys(db, [row.id for row in rows])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in keys:
            archive.writestr(f"{key.activation_key}.lic", key.license_file + "\n")
    return buffer.getvalue()
