"""License loaders: a license's keys, serials, activations, registration, custom values, shares,
history and what a user may do on it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.db.models import (
    Activation,
    AuditEvent,
    CustomField,
    KeyRequestLicense,
    License,
    LicenseKey,
    LicenseSerial,
    LicenseShare,
    Product,
    Serial,
    SupportRegistration,
)
from backend.domain.access import LicenseAccess, license_access_from
from backend.domain.catalog import licensed_products
from backend.domain.key_requests.rehost import rehosts_in_window
from backend.domain.licenses import finding, history
from backend.domain.licenses.provenance import Requested, requesters
from backend.loaders.accounts import AccountLoaders

HISTORY_LIMIT = 100

# (account, first, after, filter, order, what its licenses show): a page of an account's licenses.
AccountAfterKey = tuple[uuid.UUID, int, str, finding.Filter, finding.Order, finding.Shown]


@dataclass(frozen=True)
class Registered:
    """A support registration's details and who entered them last, when (None: not known)."""

    data: dict[str, Any]
    entered_by_user_id: uuid.UUID | None
    entered_at: datetime | None


class LicenseLoaders(AccountLoaders):
    """Licenses and everything shown on one."""

    @cached_property
    def license(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(License)

    @cached_property
    def license_key(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(LicenseKey)

    @cached_property
    def activations_by_license(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(Activation, Activation.license_id, (Activation.first_seen_at, Activation.id))

    @cached_property
    def serials_by_license(self) -> DataLoader[uuid.UUID, list[Serial]]:
        return DataLoader(self._serials_by_license)

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

    @cached_property
    def requester_by_license(self) -> DataLoader[uuid.UUID, Requested | None]:
        return DataLoader(self._requesters)

    async def _requesters(self, ids: Sequence[uuid.UUID]) -> list[Requested | None]:
        found = await self._db.driver.run(lambda tx: requesters(tx, ids), transaction=False)
        return [found.get(i) for i in ids]

    @cached_property
    def rehosts_by_license(self) -> DataLoader[uuid.UUID, list[datetime]]:
        return DataLoader(self._rehosts_by_license)

    async def _rehosts_by_license(self, ids: Sequence[uuid.UUID]) -> list[list[datetime]]:
        used = await self._db.driver.run(lambda tx: rehosts_in_window(tx, ids), transaction=False)
        return [used[i] for i in ids]

    @cached_property
    def keys_by_license(self) -> DataLoader[uuid.UUID, list[finding.KeyRow]]:
        # A license's keys without their license files; a file is read when asked for.
        return DataLoader(self._keys_by_license)

    async def _keys_by_license(self, ids: Sequence[uuid.UUID]) -> list[list[finding.KeyRow]]:
        async with self.session() as session:
            grouped = await finding.keys_of(session, ids)
        return [grouped[i] for i in ids]

    @cached_property
    def license_file(self) -> DataLoader[uuid.UUID, str]:
        return DataLoader(self._license_files)

    async def _license_files(self, ids: Sequence[uuid.UUID]) -> list[str]:
        async with self.session() as session:
            files = await finding.license_files(session, ids)
        return [files[i] for i in ids]

    @cached_property
    def registration_by_license(self) -> DataLoader[uuid.UUID, Registered | None]:
        return DataLoader(self._registrations)

    async def _registrations(self, ids: Sequence[uuid.UUID]) -> list[Registered | None]:
        async with self.session() as session:
            result = await session.execute(
                select(
                    SupportRegistration.license_id,
                    SupportRegistration.data,
                    SupportRegistration.entered_by_user_id,
                    SupportRegistration.entered_at,
                ).where(SupportRegistration.license_id.in_(ids))
            )
            rows = {license_id: Registered(data, by, at) for license_id, data, by, at in result}
        return [rows.get(i) for i in ids]

    @cached_property
    def custom_fields_by_account(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(
            CustomField,
            CustomField.account_id,
            (CustomField.position, CustomField.created_at, CustomField.id),
        )

    @cached_property
    def licensed_products_by_account(self) -> DataLoader[uuid.UUID, list[Product]]:
        return DataLoader(self._licensed_products)

    async def _licensed_products(self, ids: Sequence[uuid.UUID]) -> list[list[Product]]:
        found = await self._db.driver.run(lambda tx: licensed_products(tx, ids), transaction=False)
        return [found[i] for i in ids]

    @cached_property
    def custom_values_by_license(self) -> DataLoader[uuid.UUID, list[tuple[CustomField, str]]]:
        return DataLoader(self._custom_values)

    async def _custom_values(self, ids: Sequence[uuid.UUID]) -> list[list[tuple[CustomField, str]]]:
        async with self.session() as session:
            grouped = await finding.custom_values_of(session, ids)
        return [grouped[i] for i in ids]

    @cached_property
    def account_license_page(self) -> DataLoader[AccountAfterKey, finding.Page]:
        """A page of an account's licenses after a cursor (the first pages: account_first_page)."""
        return DataLoader(self._account_license_pages)

    async def _account_license_pages(self, keys: Sequence[AccountAfterKey]) -> list[finding.Page]:
        pages: list[finding.Page] = []
        by_shown: dict[finding.Shown, list[finding.Page]] = defaultdict(list)
        async with self.session() as session:
            for account_id, first, after, flt, order, shown in keys:
                query = await finding.prepare(session, finding.Scope(account_id=account_id), flt, order)
                page = await finding.page(session, query, first, after)
                pages.append(page)
                by_shown[shown].append(page)
            for shown, shown_pages in by_shown.items():
                await self.read_shown(session, shown_pages, shown)
        return pages

    @cached_property
    def license_count(self) -> DataLoader[finding.Query, int]:
        """How many licenses a prepared query matches. Each connection has its own query (and a query
        is no dict key): nothing to share between loads, so nothing cached."""
        return DataLoader(self._license_counts, cache=False)

    async def _license_counts(self, queries: Sequence[finding.Query]) -> list[int]:
        async with self.session() as session:
            return [await finding.count(session, query) for query in queries]

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

    @cached_property
    def history_by_license(self) -> DataLoader[uuid.UUID, list[AuditEvent]]:
        return DataLoader(self._history)

    async def _history(self, ids: Sequence[uuid.UUID]) -> list[list[AuditEvent]]:
        """A license's audit events: those about the license and those of the key requests that
        changed it (not their draft steps, domain/licenses/history.py); newest first, at most
        HISTORY_LIMIT each."""
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
                    (AuditEvent.target_type.in_(history.LICENSE_TARGETS) & AuditEvent.target_id.in_(targets))
                    | (
                        (AuditEvent.target_type == "KeyRequest")
                        & AuditEvent.target_id.in_(list(links))
                        & AuditEvent.action.in_(history.REQUEST_ACTIONS)
                    )
                )
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            )
            for event in rows:
                owners = (
                    {uuid.UUID(event.target_id)}
                    if event.target_type in history.LICENSE_TARGETS and event.target_id
                    else links.get(event.target_id or "", set())
                )
                for license_id in owners:
                    if len(grouped[license_id]) < HISTORY_LIMIT:
                        grouped[license_id].append(event)
        return [grouped[i] for i in ids]

    @cached_property
    def license_access(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], LicenseAccess | None]:
        return DataLoader(self._license_access)

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

    @cached_property
    def shares_by_license(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(LicenseShare, LicenseShare.license_id, (LicenseShare.created_at, LicenseShare.id))
