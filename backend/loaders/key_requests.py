"""Key request loaders: a request's serials, licenses, renewals, keys and key mails, upgrade
notifications, an account's recent requests and its last registration (the wizard's prefill)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cache, cached_property
from typing import Any, cast

from sqlalchemy import Table, func, literal, select, union_all
from strawberry.dataloader import DataLoader

from backend.db.driver import Prepared, entity, ids_match, prefixed
from backend.db.models import (
    Account,
    EmailMessage,
    FlexCartLine,
    KeyRequest,
    KeyRequestLicense,
    KeyRequestRenewal,
    KeyRequestSerial,
    License,
    LicenseKey,
    Product,
    Serial,
    SupportRegistration,
    UpgradeLine,
    UpgradeNotification,
)
from backend.domain.key_requests import get_a_key as key_requests
from backend.domain.licenses.provenance import request_partners
from backend.loaders.licenses import LicenseLoaders, Registered

RECENT_KEY_REQUESTS = 50


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
    registrations = cast(Table, SupportRegistration.__table__)
    newest = (
        select(registrations.c.id)
        .where(registrations.c.account_id == Account.id)
        .order_by(registrations.c.created_at.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    return Prepared(
        select(
            Account.id.label("account_id"),
            registrations.c.data,
            registrations.c.entered_by_user_id,
            registrations.c.entered_at,
        )
        .select_from(Account)
        .join(registrations, registrations.c.id == newest)
        .where(ids_match(Account.id, dialect))
    )


@cache
def _key_progress_of(dialect: str) -> Prepared:
    """Per request: licenses linked to sign (total) and keys signed so far (ready)."""
    requests, links, keys = (cast(Table, m.__table__) for m in (KeyRequest, KeyRequestLicense, LicenseKey))
    total = select(func.count()).where(links.c.key_request_id == requests.c.id).scalar_subquery()
    ready = select(func.count()).where(keys.c.key_request_id == requests.c.id).scalar_subquery()
    return Prepared(
        select(requests.c.id, total.label("total"), ready.label("ready")).where(
            ids_match(requests.c.id, dialect)
        )
    )


@cache
def _products_of_requests(dialect: str) -> Prepared:
    """What each request (parameter `ids`) is for, in one statement: the products of the licenses
    it made (once confirmed), of its serials (Get a Key drafts), of its cart (draw-down drafts), the
    upgrade's target and the license it upgrades or re-hosts."""
    requests, links, licenses, serial_links, serials, cart, notices = (
        cast(Table, m.__table__)
        for m in (
            KeyRequest,
            KeyRequestLicense,
            License,
            KeyRequestSerial,
            Serial,
            FlexCartLine,
            UpgradeNotification,
        )
    )
    upgraded = licenses.alias("upgraded")
    parts = [
        select(
            links.c.key_request_id.label("request_id"),
            licenses.c.product_id,
            literal(0).label("source"),
            links.c.position.label("position"),
        )
        .join(licenses, licenses.c.id == links.c.license_id)
        .where(ids_match(links.c.key_request_id, dialect)),
        select(serial_links.c.key_request_id, serials.c.product_id, literal(1), serial_links.c.position)
        .join(serials, serials.c.id == serial_links.c.serial_id)
        .where(ids_match(serial_links.c.key_request_id, dialect)),
        select(cart.c.key_request_id, cart.c.product_id, literal(2), cart.c.position).where(
            ids_match(cart.c.key_request_id, dialect)
        ),
        select(
            requests.c.id, notices.c.to_product_id, literal(3).label("source"), literal(0).label("position")
        )
        .join(notices, notices.c.id == requests.c.notification_id)
        .where(ids_match(requests.c.id, dialect)),
        select(requests.c.id, upgraded.c.product_id, literal(4).label("source"), literal(0).label("position"))
        .join(upgraded, upgraded.c.id == requests.c.license_id)
        .where(ids_match(requests.c.id, dialect), requests.c.notification_id.is_(None)),
    ]
    return Prepared(union_all(*parts))


class KeyRequestLoaders(LicenseLoaders):
    """Key requests and what their wizards show."""

    @cached_property
    def serials_by_key_request(self) -> DataLoader[uuid.UUID, list[Serial]]:
        return DataLoader(self._serials_by_request)

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

    def prime_serials(self, key_request_id: uuid.UUID, rows: key_requests.SerialsHeld) -> None:
        """A request's serials and their products as a step just read them (get_a_key.Drafted)."""
        self.serials_by_key_request.prime(key_request_id, [serial for serial, _ in rows], force=True)
        self.product.prime_many({product.id: product for _, product in rows})

    @cached_property
    def renewal_candidates(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], list[License]]:
        """Keyed by (account, product): the licenses a renewal serial of that product can extend."""
        return DataLoader(self._renewal_candidates)

    async def _renewal_candidates(self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[list[License]]:
        found = await self._db.driver.run(
            lambda tx: key_requests.renewal_candidates(tx, keys), transaction=False
        )
        return [found[key] for key in keys]

    @cached_property
    def licenses_by_key_request(self) -> DataLoader[uuid.UUID, list[License]]:
        return DataLoader(self._licenses_by_request)

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

    @cached_property
    def renewals_by_key_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(KeyRequestRenewal, KeyRequestRenewal.key_request_id, (KeyRequestRenewal.id,))

    @cached_property
    def products_by_key_request(self) -> DataLoader[uuid.UUID, list[uuid.UUID]]:
        """The distinct products a request is for (see _products_of_requests), first seen first."""
        return DataLoader(self._products_by_request)

    async def _products_by_request(self, ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
        found: dict[uuid.UUID, dict[int, list[uuid.UUID]]] = defaultdict(lambda: defaultdict(list))
        rows = await self._read(_products_of_requests(self._db.dialect), ids)
        for row in sorted(rows, key=lambda r: (r["source"], r["position"])):
            found[row["request_id"]][row["source"]].append(row["product_id"])
        # The licenses made say it best once there are any; a draft says it with what it holds.
        return [list(dict.fromkeys(next((p for _, p in sorted(found[i].items()) if p), []))) for i in ids]

    @cached_property
    def key_request_partner(self) -> DataLoader[uuid.UUID, uuid.UUID | None]:
        """The partner account each request's user acted from (None: a member of its account)."""
        return DataLoader(self._request_partners)

    async def _request_partners(self, ids: Sequence[uuid.UUID]) -> list[uuid.UUID | None]:
        found = {
            row["id"]: row["through_account_id"]
            for row in await self._read(request_partners(self._db.dialect), ids)
        }
        return [found.get(i) for i in ids]

    @cached_property
    def key_progress(self) -> DataLoader[uuid.UUID, tuple[int, int]]:
        """(keys signed, keys to sign) of each request: a large conversion's progress."""
        return DataLoader(self._key_progress)

    async def _key_progress(self, ids: Sequence[uuid.UUID]) -> list[tuple[int, int]]:
        found = {
            row["id"]: (int(row["ready"]), int(row["total"]))
            for row in await self._read(_key_progress_of(self._db.dialect), ids)
        }
        return [found.get(i, (0, 0)) for i in ids]

    @cached_property
    def keys_by_key_request(self) -> DataLoader[uuid.UUID, list[LicenseKey]]:
        return DataLoader(self._keys_by_request)

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

    @cached_property
    def mails_by_key_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        # The key mails of a key request: its deliveries.
        return self._many(
            EmailMessage, EmailMessage.key_request_id, (EmailMessage.created_at, EmailMessage.id)
        )

    @cached_property
    def notification(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(UpgradeNotification)

    @cached_property
    def lines_by_notification(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._many(UpgradeLine, UpgradeLine.notification_id, (UpgradeLine.id,))

    @cached_property
    def last_registration(self) -> DataLoader[uuid.UUID, Registered | None]:
        return DataLoader(self._last_registrations)

    async def _last_registrations(self, ids: Sequence[uuid.UUID]) -> list[Registered | None]:
        rows = {
            row["account_id"]: Registered(row["data"], row["entered_by_user_id"], row["entered_at"])
            for row in await self._read(_last_registrations_of(self._db.dialect), ids)
        }
        return [rows.get(i) for i in ids]

    @cached_property
    def recent_key_requests(self) -> DataLoader[uuid.UUID, list[KeyRequest]]:
        return DataLoader(self._recent_key_requests)

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
