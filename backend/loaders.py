"""Per-request DataLoaders: one batched query per relation and request shape, never one per row.

Created for every request (never shared across requests: a process-wide cache would leak one
tenant's rows to another). All reads of a request go through one read session, taken on first use
and closed when the operation ends; a lock hands it to one batch at a time, so concurrent
resolvers never use the AsyncSession at once. One connection checkout per request instead of one
per batch is what keeps a wizard step's response cheap (see docs/performance.md)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.db.engine import Database
from backend.db.models import (
    Account,
    Activation,
    KeyRequest,
    KeyRequestLicense,
    KeyRequestRenewal,
    KeyRequestSerial,
    License,
    LicenseKey,
    LicenseSerial,
    Product,
    Serial,
    SupportRegistration,
    UpgradeLine,
    UpgradeNotification,
)
from backend.domain.rehost import rehosts_in_window_many

RECENT_KEY_REQUESTS = 50


class Loaders:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self.account = self._one(Account)
        self.product = self._one(Product)
        self.serials_by_key_request: DataLoader[uuid.UUID, list[Serial]] = DataLoader(
            self._serials_by_request
        )
        self.licenses_by_key_request: DataLoader[uuid.UUID, list[License]] = DataLoader(
            self._licenses_by_request
        )
        self.activations_by_license = self._many(
            Activation, Activation.license_id, (Activation.first_seen_at, Activation.id)
        )
        self.renewals_by_key_request = self._many(
            KeyRequestRenewal, KeyRequestRenewal.key_request_id, (KeyRequestRenewal.id,)
        )
        self.notification = self._one(UpgradeNotification)
        self.lines_by_notification = self._many(UpgradeLine, UpgradeLine.notification_id, (UpgradeLine.id,))
        self.license_key = self._one(LicenseKey)
        self.serials_by_license: DataLoader[uuid.UUID, list[Serial]] = DataLoader(self._serials_by_license)
        self.rehosts_by_license: DataLoader[uuid.UUID, list[datetime]] = DataLoader(self._rehosts_by_license)
        self.keys_by_key_request = self._many(
            LicenseKey, LicenseKey.key_request_id, (LicenseKey.issued_at, LicenseKey.id)
        )
        self.keys_by_license = self._many(
            LicenseKey, LicenseKey.license_id, (LicenseKey.issued_at, LicenseKey.id)
        )
        self.license = self._one(License)
        self.registration_by_license: DataLoader[uuid.UUID, dict[str, Any] | None] = DataLoader(
            self._registrations
        )
        self.last_registration: DataLoader[uuid.UUID, dict[str, Any] | None] = DataLoader(
            self._last_registrations
        )
        self.recent_key_requests: DataLoader[uuid.UUID, list[KeyRequest]] = DataLoader(
            self._recent_key_requests
        )

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

    def _one(self, model: Any) -> DataLoader[uuid.UUID, Any]:
        async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
            async with self.session() as session:
                rows = {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids)))}
            return [rows.get(i) for i in ids]

        return DataLoader(load)

    def _many(self, model: Any, column: Any, order: tuple[Any, ...]) -> DataLoader[uuid.UUID, list[Any]]:
        async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
            grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
            async with self.session() as session:
                for row in await session.scalars(select(model).where(column.in_(ids)).order_by(*order)):
                    grouped[getattr(row, column.key)].append(row)
            return [grouped[i] for i in ids]

        return DataLoader(load)

    async def _serials_by_request(self, ids: Sequence[uuid.UUID]) -> list[list[Serial]]:
        grouped: dict[uuid.UUID, list[Serial]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.execute(
                select(KeyRequestSerial.key_request_id, Serial)
                .join(Serial, Serial.id == KeyRequestSerial.serial_id)
                .where(KeyRequestSerial.key_request_id.in_(ids))
                .order_by(KeyRequestSerial.position)
            )
            for request_id, serial in rows:
                grouped[request_id].append(serial)
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

    async def _last_registrations(self, ids: Sequence[uuid.UUID]) -> list[dict[str, Any] | None]:
        newest = (
            select(
                SupportRegistration.account_id,
                SupportRegistration.data,
                func.row_number()
                .over(
                    partition_by=SupportRegistration.account_id,
                    order_by=SupportRegistration.created_at.desc(),
                )
                .label("n"),
            )
            .where(SupportRegistration.account_id.in_(ids))
            .subquery()
        )
        async with self.session() as session:
            result = await session.execute(select(newest.c.account_id, newest.c.data).where(newest.c.n == 1))
            rows = {account_id: data for account_id, data in result}
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
