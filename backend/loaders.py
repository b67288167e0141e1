"""Per-request DataLoaders: one batched query per relation and request shape, never one per row.

Created for every request (never shared across requests: a process-wide cache would leak one
tenant's rows to another). The by-id loaders, a key request's serials and the registration prefill
run prebuilt statements on the driver (decision record 0010): each batch one autocommit statement,
its rows made into detached ORM instances. The other loaders read through one read session, taken
on first use and closed when the operation ends; a lock hands it to one batch at a time, so
concurrent resolvers never use the AsyncSession at once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache, cached_property
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.db.driver import Prepared, entity, ids_match, prefixed
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountInvitation,
    Activation,
    AuditEvent,
    CustomField,
    EmailMessage,
    KeyRequest,
    KeyRequestLicense,
    KeyRequestRenewal,
    License,
    LicenseKey,
    LicenseSerial,
    LicenseShare,
    Membership,
    Product,
    Role,
    Serial,
    SupportRegistration,
    UpgradeLine,
    UpgradeNotification,
    User,
    utcnow,
)
from backend.domain import key_requests, partners
from backend.domain import licenses as finding
from backend.domain.access import LicenseAccess, effective_roles, license_access_from
from backend.domain.rehost import rehosts_in_window_many

RECENT_KEY_REQUESTS = 50
HISTORY_LIMIT = 100


# (account, first, filter, order, what its licenses show): one account's first page of licenses.
AccountPageKey = tuple[uuid.UUID, int, "finding.Filter", "finding.Order", "finding.Shown"]


@cache
def _by_ids(model: Any, column: Any, order: tuple[Any, ...], dialect: str) -> Prepared:
    """A loader's statement, built once per process: building and keying a statement costs more
    CPU than many of the reads it makes."""
    table = cast(Table, model.__table__)
    return Prepared(select(table).where(ids_match(column, dialect)).order_by(*order))


@cache
def _keys_of_requests(dialect: str) -> Prepared:
    keys, licenses, products = (cast(Table, model.__table__) for model in (LicenseKey, License, Product))
    return Prepared(
        select(*prefixed(keys, "k_"), *prefixed(licenses, "l_"), *prefixed(products, "p_"))
        .join(licenses, licenses.c.id == keys.c.license_id)
        .join(products, products.c.id == licenses.c.product_id)
        .where(ids_match(keys.c.key_request_id, dialect))
        .order_by(keys.c.issued_at, keys.c.id)
    )


@cache
def _last_registrations_of(dialect: str) -> Prepared:
    # One index probe per account (account_id, created_at), however many licenses it holds.
    newest = (
        select(SupportRegistration.data)
        .where(SupportRegistration.account_id == Account.id)
        .order_by(SupportRegistration.created_at.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    return Prepared(
        select(Account.id.label("account_id"), newest.label("data")).where(ids_match(Account.id, dialect))
    )


class Loaders:
    """The request's DataLoaders, each made on first use: most requests touch one or two of them,
    and every request (an installed product's activation too) makes a Loaders."""

    def __init__(self, db: Database, draft_ttl_days: int = 7) -> None:
        self._db = db
        self._draft_ttl_days = draft_ttl_days
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None

    @cached_property
    def account(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(Account)

    @cached_property
    def product(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(Product)

    @cached_property
    def serials_by_key_request(self) -> DataLoader[uuid.UUID, list[Serial]]:
        return DataLoader(self._serials_by_request)

    @cached_property
    def licenses_by_key_request(self) -> DataLoader[uuid.UUID, list[License]]:
        return DataLoader(self._licenses_by_request)

    @cached_property
    def activations_by_license(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(Activation, Activation.license_id, (Activation.first_seen_at, Activation.id))

    @cached_property
    def renewals_by_key_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(KeyRequestRenewal, KeyRequestRenewal.key_request_id, (KeyRequestRenewal.id,))

    @cached_property
    def notification(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(UpgradeNotification)

    @cached_property
    def lines_by_notification(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(UpgradeLine, UpgradeLine.notification_id, (UpgradeLine.id,))

    @cached_property
    def license_key(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(LicenseKey)

    @cached_property
    def serials_by_license(self) -> DataLoader[uuid.UUID, list[Serial]]:
        return DataLoader(self._serials_by_license)

    @cached_property
    def rehosts_by_license(self) -> DataLoader[uuid.UUID, list[datetime]]:
        return DataLoader(self._rehosts_by_license)

    @cached_property
    def keys_by_key_request(self) -> DataLoader[uuid.UUID, list[LicenseKey]]:
        return DataLoader(self._keys_by_request)

    @cached_property
    def keys_by_license(self) -> DataLoader[uuid.UUID, list[finding.KeyRow]]:
        # A license's keys without their license files; a file is read when asked for.
        return DataLoader(self._keys_by_license)

    @cached_property
    def license_file(self) -> DataLoader[uuid.UUID, str]:
        return DataLoader(self._license_files)

    @cached_property
    def license(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(License)

    @cached_property
    def registration_by_license(self) -> DataLoader[uuid.UUID, dict[str, Any] | None]:
        return DataLoader(self._registrations)

    @cached_property
    def last_registration(self) -> DataLoader[uuid.UUID, dict[str, Any] | None]:
        return DataLoader(self._last_registrations)

    @cached_property
    def recent_key_requests(self) -> DataLoader[uuid.UUID, list[KeyRequest]]:
        return DataLoader(self._recent_key_requests)

    @cached_property
    def custom_fields_by_account(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(
            CustomField,
            CustomField.account_id,
            (CustomField.position, CustomField.created_at, CustomField.id),
        )

    @cached_property
    def custom_values_by_license(self) -> DataLoader[uuid.UUID, list[tuple[CustomField, str]]]:
        return DataLoader(self._custom_values)

    @cached_property
    def history_by_license(self) -> DataLoader[uuid.UUID, list[AuditEvent]]:
        return DataLoader(self._history)

    @cached_property
    def user(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(User)

    @cached_property
    def account_summary(self) -> DataLoader[uuid.UUID, partners.Summary]:
        return DataLoader(self._account_summaries)

    @cached_property
    def account_first_page(self) -> DataLoader[AccountPageKey, tuple[finding.Page, int]]:
        # Each account's first page of licenses (managedAccounts), one window query per batch.
        return DataLoader(self._account_first_pages)

    @cached_property
    def mails_by_key_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        # The key mails of a key request: its deliveries.
        return self._many(
            EmailMessage, EmailMessage.key_request_id, (EmailMessage.created_at, EmailMessage.id)
        )

    @cached_property
    def account_role(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], Role | None]:
        # Keyed by (user id, account id) and (user id, license id): what that user may do there.
        return DataLoader(self._account_roles)

    @cached_property
    def license_access(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], LicenseAccess | None]:
        return DataLoader(self._license_access)

    @cached_property
    def shares_by_license(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(LicenseShare, LicenseShare.license_id, (LicenseShare.created_at, LicenseShare.id))

    @cached_property
    def members_by_account(self) -> DataLoader[uuid.UUID, list[tuple[Membership, User]]]:
        return DataLoader(self._members)

    @cached_property
    def invitations_by_account(self) -> DataLoader[uuid.UUID, list[AccountInvitation]]:
        return DataLoader(self._pending_invitations)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The request's read session, exclusively for the block (do not await a loader inside it)."""
        async with self._lock:
            if self._session is None:
                self._session = self._db.read_sessions()
            yield self._session

    async def close(self) -> None:
        async with self._lock:
            if self._session is not None:
                session, self._session = self._session, None
                # Finish the close even if the request is being cancelled (a socket went away),
                # so the connection goes back to the pool in a clean state.
                await asyncio.shield(session.close())

    async def _read(self, prepared: Prepared, ids: Sequence[uuid.UUID]) -> list[Mapping[str, Any]]:
        """One prebuilt read on the driver, outside any transaction."""
        params = {"ids": list(ids)}
        rows: list[Mapping[str, Any]] = await self._db.driver.run(
            lambda tx: tx.all(prepared, params), transaction=False
        )
        return rows

    def _one(self, model: Any) -> DataLoader[uuid.UUID, Any]:
        prepared = _by_ids(model, model.id, (), self._db.dialect)

        async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
            rows = {row.id: row for row in (entity(model, r) for r in await self._read(prepared, ids))}
            return [rows.get(i) for i in ids]

        return DataLoader(load)

    def _many(self, model: Any, column: Any, order: tuple[Any, ...]) -> DataLoader[uuid.UUID, list[Any]]:
        prepared = _by_ids(model, column, order, self._db.dialect)
        name = column.property.columns[0].name

        async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
            grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for row in await self._read(prepared, ids):
                grouped[row[name]].append(entity(model, row))
            return [grouped[i] for i in ids]

        return DataLoader(load)

    def prime_serials(self, key_request_id: uuid.UUID, rows: key_requests.SerialsHeld) -> None:
        """A request's serials and their products as a step just read them (key_requests.SerialsSeen)."""
        self.serials_by_key_request.prime(key_request_id, [serial for serial, _ in rows], force=True)
        self.product.prime_many({product.id: product for _, product in rows})

    async def _serials_by_request(self, ids: Sequence[uuid.UUID]) -> list[list[Serial]]:
        # With their products in the same statement: every caller asks for them next.
        grouped: dict[uuid.UUID, list[Serial]] = defaultdict(list)
        products: dict[uuid.UUID, Product] = {}
        for row in await self._read(key_requests.serials_of_requests(self._db.dialect), ids):
            serial, product = key_requests.serial_and_product(row)
            grouped[row["key_request_id"]].append(serial)
            products.setdefault(product.id, product)
        self.product.prime_many(products)
        return [grouped[i] for i in ids]

    async def _keys_by_request(self, ids: Sequence[uuid.UUID]) -> list[list[LicenseKey]]:
        # With their licenses and products in the same statement: a key's view shows them next.
        grouped: dict[uuid.UUID, list[LicenseKey]] = defaultdict(list)
        licenses: dict[uuid.UUID, License] = {}
        products: dict[uuid.UUID, Product] = {}
        for row in await self._read(_keys_of_requests(self._db.dialect), ids):
            key = entity(LicenseKey, row, "k_")
            grouped[row["k_key_request_id"]].append(key)
            if key.license_id not in licenses:
                licenses[key.license_id] = entity(License, row, "l_")
                if row["p_id"] not in products:
                    products[row["p_id"]] = entity(Product, row, "p_")
        self.license.prime_many(licenses)
        self.product.prime_many(products)
        return [grouped[i] for i in ids]

    async def _licenses_by_request(self, ids: Sequence[uuid.UUID]) -> list[list[License]]:
        grouped: dict[uuid.UUID, list[License]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.execute(
                select(KeyRequestLicense.key_request_id, License)
                .join(License, License.id == KeyRequestLicense.license_id)
                .where(KeyRequestLicense.key_request_id.in_(ids))
                .order_by(KeyRequestLicense.position)
            )
            for request_id, license_ in rows:
                grouped[request_id].append(license_)
        return [grouped[i] for i in ids]

    async def _serials_by_license(self, ids: Sequence[uuid.UUID]) -> list[list[Serial]]:
        grouped: dict[uuid.UUID, list[Serial]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.execute(
                select(LicenseSerial.license_id, Serial)
                .join(Serial, Serial.id == LicenseSerial.serial_id)
                .where(LicenseSerial.license_id.in_(ids))
                .order_by(LicenseSerial.at, LicenseSerial.id)
            )
            for license_id, serial in rows:
                grouped[license_id].append(serial)
        return [grouped[i] for i in ids]

    async def _rehosts_by_license(self, ids: Sequence[uuid.UUID]) -> list[list[datetime]]:
        async with self.session() as session:
            used = await rehosts_in_window_many(session, ids)
        return [used[i] for i in ids]

    async def _registrations(self, ids: Sequence[uuid.UUID]) -> list[dict[str, Any] | None]:
        async with self.session() as session:
            result = await session.execute(
                select(SupportRegistration.license_id, SupportRegistration.data).where(
                    SupportRegistration.license_id.in_(ids)
                )
            )
            rows = {license_id: data for license_id, data in result}
        return [rows.get(i) for i in ids]

    async def read_shown(
        self, session: AsyncSession, pages: Iterable[finding.Page], shown: finding.Shown
    ) -> None:
        """Read what the pages' licenses show (their keys, their custom values) in the session
        the pages were read in, and prime the per-license loaders with it: each license's field
        then finds its value at once instead of waiting for a batch of its own."""
        ids = [row.id for page in pages for row, _ in page.rows]
        if not ids:
            return
        if shown.keys:
            keys = await finding.keys_of(session, ids)
            self.keys_by_license.prime_many({i: keys[i] for i in ids})
        if shown.custom_values:
            values = await finding.custom_values_of(session, ids)
            self.custom_values_by_license.prime_many({i: values[i] for i in ids})

    async def _account_first_pages(self, keys: Sequence[AccountPageKey]) -> list[tuple[finding.Page, int]]:
        by_shape: dict[tuple[int, finding.Filter, finding.Order, finding.Shown], list[uuid.UUID]] = (
            defaultdict(list)
        )
        for account_id, first, flt, order, shown in keys:
            by_shape[(first, flt, order, shown)].append(account_id)
        found: dict[AccountPageKey, tuple[finding.Page, int]] = {}
        async with self.session() as session:
            for (first, flt, order, shown), account_ids in by_shape.items():
                scope = finding.Scope(account_ids=tuple(account_ids))
                query = await finding.prepare(session, scope, flt, order)
                pages = await finding.first_pages(session, account_ids, query, first)
                await self.read_shown(session, (page for page, _ in pages.values()), shown)
                for account_id in account_ids:
                    found[(account_id, first, flt, order, shown)] = pages[account_id]
        return [found[key] for key in keys]

    async def _account_summaries(self, ids: Sequence[uuid.UUID]) -> list[partners.Summary]:
        async with self.session() as session:
            return await partners.summaries(session, list(ids), self._draft_ttl_days)

    async def _last_registrations(self, ids: Sequence[uuid.UUID]) -> list[dict[str, Any] | None]:
        rows = {
            row["account_id"]: row["data"]
            for row in await self._read(_last_registrations_of(self._db.dialect), ids)
        }
        return [rows.get(i) for i in ids]

    async def _recent_key_requests(self, ids: Sequence[uuid.UUID]) -> list[list[KeyRequest]]:
        ranked = (
            select(
                KeyRequest.id,
                func.row_number()
                .over(partition_by=KeyRequest.account_id, order_by=KeyRequest.created_at.desc())
                .label("n"),
            )
            .where(KeyRequest.account_id.in_(ids))
            .subquery()
        )
        grouped: dict[uuid.UUID, list[KeyRequest]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.scalars(
                select(KeyRequest)
                .join(ranked, ranked.c.id == KeyRequest.id)
                .where(ranked.c.n <= RECENT_KEY_REQUESTS)
                .order_by(KeyRequest.created_at.desc())
            )
            for row in rows:
                grouped[row.account_id].append(row)
        return [grouped[i] for i in ids]

    async def _account_roles(self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[Role | None]:
        by_user: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for user_id, account_id in keys:
            by_user[user_id].add(account_id)
        async with self.session() as session:
            roles = {
                user_id: await effective_roles(session, user_id, account_ids)
                for user_id, account_ids in by_user.items()
            }
        return [roles[user_id][account_id] for user_id, account_id in keys]

    async def _license_access(
        self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
    ) -> list[LicenseAccess | None]:
        license_ids = {license_id for _, license_id in keys}
        user_ids = {user_id for user_id, _ in keys}
        async with self.session() as session:
            licenses = {
                row.id: (row.account_id, row.owner_user_id)
                for row in await session.execute(
                    select(License.id, License.account_id, License.owner_user_id).where(
                        License.id.in_(license_ids)
                    )
                )
            }
            shares = {
                (row.user_id, row.license_id): row.permission
                for row in await session.execute(
                    select(LicenseShare.user_id, LicenseShare.license_id, LicenseShare.permission).where(
                        LicenseShare.license_id.in_(license_ids), LicenseShare.user_id.in_(user_ids)
                    )
                )
            }
        found = [(user_id, licenses.get(license_id)) for user_id, license_id in keys]
        roles = await self.account_role.load_many(
            [(user_id, place[0]) for user_id, place in found if place is not None]
        )
        role_of = iter(roles)
        answers: list[LicenseAccess | None] = []
        for (user_id, license_id), (_, place) in zip(keys, found, strict=True):
            if place is None:
                answers.append(None)
                continue
            answers.append(
                license_access_from(next(role_of), place[1] == user_id, shares.get((user_id, license_id)))
            )
        return answers

    async def _members(self, ids: Sequence[uuid.UUID]) -> list[list[tuple[Membership, User]]]:
        grouped: dict[uuid.UUID, list[tuple[Membership, User]]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.account_id.in_(ids))
                .order_by(User.name, User.email)
            )
            for membership, user in rows:
                grouped[membership.account_id].append((membership, user))
        return [grouped[i] for i in ids]

    async def _pending_invitations(self, ids: Sequence[uuid.UUID]) -> list[list[AccountInvitation]]:
        grouped: dict[uuid.UUID, list[AccountInvitation]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.scalars(
                select(AccountInvitation)
                .where(
                    AccountInvitation.account_id.in_(ids),
                    AccountInvitation.accepted_at.is_(None),
                    AccountInvitation.expires_at > utcnow(),
                )
                .order_by(AccountInvitation.created_at, AccountInvitation.id)
            )
            for row in rows:
                grouped[row.account_id].append(row)
        return [grouped[i] for i in ids]

    async def _custom_values(self, ids: Sequence[uuid.UUID]) -> list[list[tuple[CustomField, str]]]:
        async with self.session() as session:
            grouped = await finding.custom_values_of(session, ids)
        return [grouped[i] for i in ids]

    async def _keys_by_license(self, ids: Sequence[uuid.UUID]) -> list[list[finding.KeyRow]]:
        async with self.session() as session:
            grouped = await finding.keys_of(session, ids)
        return [grouped[i] for i in ids]

    async def _license_files(self, ids: Sequence[uuid.UUID]) -> list[str]:
        async with self.session() as session:
            files = await finding.license_files(session, ids)
        return [files[i] for i in ids]

    async def _history(self, ids: Sequence[uuid.UUID]) -> list[list[AuditEvent]]:
        """A license's audit events: those about the license and those of the key requests that
        signed its keys; newest first, at most HISTORY_LIMIT each."""
        grouped: dict[uuid.UUID, list[AuditEvent]] = defaultdict(list)
        async with self.session() as session:
            links: dict[str, set[uuid.UUID]] = defaultdict(set)
            for request_id, license_id in await session.execute(
                select(KeyRequestLicense.key_request_id, KeyRequestLicense.license_id).where(
                    KeyRequestLicense.license_id.in_(ids)
                )
            ):
                links[str(request_id)].add(license_id)
            targets = [str(i) for i in ids]
            rows = await session.scalars(
                select(AuditEvent)
                .where(
                    ((AuditEvent.target_type == "License") & AuditEvent.target_id.in_(targets))
                    | ((AuditEvent.target_type == "KeyRequest") & AuditEvent.target_id.in_(list(links)))
                )
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            )
            for event in rows:
                owners = (
                    {uuid.UUID(event.target_id)}
                    if event.target_type == "License" and event.target_id
                    else links.get(event.target_id or "", set())
                )
                for license_id in owners:
                    if len(grouped[license_id]) < HISTORY_LIMIT:
                        grouped[license_id].append(event)
        return [grouped[i] for i in ids]
