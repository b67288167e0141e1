"""Demo data for the embedded mode: accounts, users, a catalog and unregistered serials."""

from __future__ import annotations

import functools
import hashlib
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.passwords import hash_password
from backend.config import Settings
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    CustomField,
    CustomFieldType,
    FlexOverage,
    FlexRole,
    KeyStatus,
    License,
    LicenseCustomValue,
    LicenseKey,
    LicenseModel,
    LicenseSerial,
    LicenseState,
    Locking,
    Membership,
    Product,
    Role,
    Serial,
    SerialKind,
    SerialStatus,
    SupportRegistration,
    User,
    Voucher,
    VoucherBatch,
    VoucherState,
)
from backend.domain.accounts.users import create_account
from backend.domain.catalog import issue_serials, upsert_product
from backend.domain.flex import contracts
from backend.domain.key_requests.fulfilment import license_claims
from backend.domain.licenses.finding import number_text
from backend.domain.licenses.search import compose
from backend.domain.serials import new_number
from backend.domain.vouchers import batches, codes
from backend.key_store import KeyStore
from backend.keys import CROCKFORD, Signer, check_symbol, new_activation_key

DEMO_PASSWORD = "demo-portal-2026"
USERS = [
    ("alice@acme.example", "Alice Admin", "Acme Corp", AccountKind.CUSTOMER, Role.ADMIN),
    ("victor@acme.example", "Victor Viewer", "Acme Corp", AccountKind.CUSTOMER, Role.VIEWER),
    ("bob@globex.example", "Bob Builder", "Globex Inc", AccountKind.CUSTOMER, Role.ADMIN),
    ("carol@initech.example", "Carol Channel", "Initech Partners", AccountKind.PARTNER, Role.ADMIN),
    ("ops@vendor.example", "Olga Operator", "Vendor Operations", AccountKind.VENDOR, Role.ADMIN),
    ("otto@oem.example", "Otto OEM", "Northwind Devices", AccountKind.OEM, Role.ADMIN),
]
PRODUCTS = [
    ("EPS-14", "Endpoint Protection", "14.3", LicenseModel.PERPETUAL, Locking.NONE),
    ("MGW-10", "Messaging Gateway", "10.8", LicenseModel.PERPETUAL, Locking.HOST),
    ("DLP-16", "Data Loss Prevention", "16.0", LicenseModel.SUBSCRIPTION, Locking.NONE),
    ("EPS-15", "Endpoint Protection", "15.0", LicenseModel.PERPETUAL, Locking.NONE),
]
UPGRADE_PATHS = [("EPS-14", "EPS-15")]
PARTNER_ACCOUNT = "Initech Partners"
PARTNER_STOCK = ("EPS-14", 3, 25)  # sku, count, seats: held by the partner for its customers
# Unregistered serials kept on hand per product: (sku, kind, quantity, months, how many)
STOCK = [
    ("EPS-14", SerialKind.NEW, 25, 12, 8),
    ("MGW-10", SerialKind.NEW, 5, 12, 3),
    ("DLP-16", SerialKind.NEW, 100, 12, 3),
    ("EPS-14", SerialKind.RENEWAL, 25, 12, 3),
]


async def seed(db: Database) -> bool:
    """Create the demo world once; top up unregistered serials every time. True when created."""
    created = False
    async with db.write() as session:
        if await session.scalar(select(User.id).where(User.email == USERS[0][0])) is None:
            created = True
            accounts: dict[str, Account] = {}
            now = datetime.now(UTC)
            password_hash = hash_password(DEMO_PASSWORD)  # one shared demo password: hash it once
            for email, name, account_name, kind, role in USERS:
                account = accounts.get(account_name)
                if account is None:
                    account = await create_account(session, account_name, kind)
                    accounts[account_name] = account
                user = User(
                    id=uuid.uuid4(),
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    email_verified_at=now,
                )
                session.add(user)
                await session.flush()
                session.add(Membership(user_id=user.id, account_id=account.id, role=role))
        for sku, pname, version, model, locking in PRODUCTS:
            await upsert_product(session, sku, pname, version, model, locking)
        await session.flush()
        for sku, serial_kind, quantity, months, wanted in STOCK:
            product = await session.scalar(select(Product).where(Product.sku == sku))
            if product is None:
                continue
            have = len(
                (
                    await session.scalars(
                        select(Serial.id).where(
                            Serial.product_id == product.id,
                            Serial.status == SerialStatus.UNREGISTERED,
                            Serial.kind == serial_kind,
                            Serial.holder_account_id.is_(None),
                        )
                    )
                ).all()
            )
            if have < wanted:
                await issue_serials(
                    session,
                    product,
                    quantity=quantity,
                    count=wanted - have,
                    maintenance_months=months,
                    kind=serial_kind,
                    order_ref="DEMO",
                )
        await _hold_partner_serials(session)
    await _flex_contract(db)
    return created


# Enterprise Flexible: Acme's contract, a year into its three-year term.
FLEX_CONTRACT = "EF-ACME-2026"
FLEX_CATALOG = [("EPS-15", 12), ("DLP-16", 20), ("MGW-10", 150)]  # sku, points per unit
FLEX_CONTRACT_USERS = ["victor@acme.example"]


async def _flex_contract(db: Database) -> None:
    """The demo contract (once): alice is a super user as Acme's admin; victor a contract user."""
    if await contracts.contract_id_by_number(db, FLEX_CONTRACT) is not None:
        return
    async with db.read() as session:
        account_id = await session.scalar(select(Account.id).where(Account.name == "Acme Corp"))
        user_ids = list(await session.scalars(select(User.id).where(User.email.in_(FLEX_CONTRACT_USERS))))
    if account_id is None:
        return
    today = datetime.now(UTC).date()
    starts = today - timedelta(days=365)
    contract = await contracts.create(
        db,
        None,
        contracts.NewContract(
            account_id=account_id,
            number=FLEX_CONTRACT,
            starts_on=starts,
            ends_on=starts.replace(year=starts.year + 3) - timedelta(days=1),
            committed_points=20_000,
            overage=FlexOverage.SOFT,
            overage_percent=10,
        ),
    )
    for sku, points in FLEX_CATALOG:
        await contracts.set_catalog_price(
            db, None, contract.id, await contracts.product_id_by_sku(db, sku), points
        )
    for user_id in user_ids:
        await contracts.grant_role(db, contract.id, user_id, FlexRole.CONTRACT_USER)


# Voucher Center: Northwind Devices (OEM) holds two batches. Demo codes are derived from their
# batch and position, so `portal demo` can print available ones on every run (real codes are
# random and shown once, at issue).
OEM_ACCOUNT = "Northwind Devices"
VOUCHER_BATCHES = [("EPS-15", 5, 40, 365), ("DLP-16", 1, 12, 20)]  # sku, seats, vouchers, days to expiry


def demo_voucher_code(sku: str, position: int) -> str:
    digest = hashlib.sha256(f"demo-voucher:{sku}:{position}".encode()).digest()
    body = "".join(CROCKFORD[byte % 32] for byte in digest[:15])
    return codes.grouped(body + check_symbol(body))


async def seed_vouchers(db: Database, secret_key: str) -> None:
    """The demo OEM's two batches (once)."""
    async with db.read() as session:
        account_id = await session.scalar(select(Account.id).where(Account.name == OEM_ACCOUNT))
        if account_id is None or await session.scalar(
            select(VoucherBatch.id).where(VoucherBatch.account_id == account_id).limit(1)
        ):
            return
    today = datetime.now(UTC).date()
    for sku, seats, count, days in VOUCHER_BATCHES:
        await batches.issue(
            db,
            secret_key,
            None,
            batches.NewBatch(account_id, sku, seats, count, today + timedelta(days=days)),
            make_code=functools.partial(demo_voucher_code, sku),
        )


async def available_demo_vouchers(db: Database, secret_key: str, per_batch: int = 3) -> list[dict[str, str]]:
    """A few demo codes still available, per batch, for `portal demo` to print."""
    found = []
    async with db.read() as session:
        for sku, _seats, count, _days in VOUCHER_BATCHES:
            wanted = {
                codes.code_hash(secret_key, demo_voucher_code(sku, i).replace("-", "")): i
                for i in range(count)
            }
            rows = await session.scalars(
                select(Voucher.code_hash).where(
                    Voucher.code_hash.in_(list(wanted)), Voucher.state == VoucherState.AVAILABLE
                )
            )
            positions = sorted(wanted[h] for h in rows)[:per_batch]
            found += [{"code": demo_voucher_code(sku, i), "product": sku} for i in positions]
    return found


async def _hold_partner_serials(session: AsyncSession) -> None:
    """Serials the demo partner sold and holds for customers not registered yet."""
    partner = await session.scalar(select(Account).where(Account.name == PARTNER_ACCOUNT))
    product = await session.scalar(select(Product).where(Product.sku == PARTNER_STOCK[0]))
    if partner is None or product is None:
        return
    have = len(
        (
            await session.scalars(
                select(Serial.id).where(
                    Serial.holder_account_id == partner.id, Serial.status == SerialStatus.UNREGISTERED
                )
            )
        ).all()
    )
    if have < PARTNER_STOCK[1]:
        await issue_serials(
            session,
            product,
            quantity=PARTNER_STOCK[2],
            count=PARTNER_STOCK[1] - have,
            order_ref="DEMO-PARTNER",
            holder_account_id=partner.id,
        )


async def describe(db: Database) -> dict[str, Any]:
    async with db.read() as session:
        users = (
            await session.execute(
                select(User.email, Account.name, Account.kind, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .join(Account, Account.id == Membership.account_id)
                .where(User.email.in_([u[0] for u in USERS]))
            )
        ).all()
        order = {u[0]: i for i, u in enumerate(USERS)}
        serials = (
            await session.execute(
                select(Serial.number, Product.sku, Serial.quantity, Product.locking, Serial.kind)
                .join(Product, Product.id == Serial.product_id)
                .where(
                    Serial.status == SerialStatus.UNREGISTERED,
                    Serial.kind != SerialKind.UPGRADE,
                    Serial.holder_account_id.is_(None),
                )
                .order_by(Product.sku, Serial.created_at, Serial.number)
            )
        ).all()
        held = (
            await session.execute(
                select(Serial.number, Product.sku, Serial.quantity, Account.name)
                .join(Product, Product.id == Serial.product_id)
                .join(Account, Account.id == Serial.holder_account_id)
                .where(Serial.status == SerialStatus.UNREGISTERED)
                .order_by(Serial.created_at, Serial.number)
            )
        ).all()
    # Simplest first: perpetual, not host-locked products lead the list a newcomer reads.
    simple = {
        sku
        for sku, _name, _version, model, locking in PRODUCTS
        if model == LicenseModel.PERPETUAL and locking == Locking.NONE
    }
    serials = sorted(serials, key=lambda row: (row[1] not in simple, row[3] == Locking.HOST))
    return {
        "users": [
            {
                "email": email,
                "password": DEMO_PASSWORD,
                "role": role.value,
                "account": {"name": name, "kind": kind.value},
            }
            for email, name, kind, role in sorted(users, key=lambda r: order[r[0]])
        ],
        # "serials": unregistered NEW serials; renewal serials are listed on their own.
        "serials": [
            {"number": number, "product": sku, "quantity": quantity, "locking": locking.value}
            for number, sku, quantity, locking, kind in serials
            if kind == SerialKind.NEW
        ],
        "renewalSerials": [
            {"number": number, "product": sku, "quantity": quantity}
            for number, sku, quantity, _locking, kind in serials
            if kind == SerialKind.RENEWAL
        ],
        "upgradePaths": [{"from": source, "to": target} for source, target in UPGRADE_PATHS],
        # Held by a partner: only its users can register them (into a customer account they manage).
        "partnerSerials": [
            {"number": number, "product": sku, "quantity": quantity, "holder": holder}
            for number, sku, quantity, holder in held
        ],
    }


# ---------------------------------------------------------------- many licenses (performance)

DEMO_FIELDS: list[tuple[str, CustomFieldType, list[str]]] = [
    ("Cost center", CustomFieldType.TEXT, []),
    ("Budget", CustomFieldType.NUMBER, []),
    ("Review date", CustomFieldType.DATE, []),
    ("Department", CustomFieldType.CHOICE, ["Engineering", "Finance", "Operations", "Sales"]),
]
SEED_BATCH = 2000


async def demo_fields(db: Database, account_id: uuid.UUID) -> list[CustomField]:
    async with db.write() as session:
        have = {
            f.name: f
            for f in await session.scalars(select(CustomField).where(CustomField.account_id == account_id))
        }
        position = max((f.position for f in have.values()), default=-1) + 1
        for name, field_type, options in DEMO_FIELDS:
            if name not in have:
                row = CustomField(
                    id=uuid.uuid4(),
                    account_id=account_id,
                    name=name,
                    type=field_type,
                    options=options,
                    required=False,
                    position=position,
                )
                session.add(row)
                have[name] = row
                position += 1
        return [have[name] for name, _, _ in DEMO_FIELDS]


async def seed_licenses(db: Database, settings: Settings, key_store: KeyStore, total: int) -> dict[str, Any]:
    """Give the first customer account (Acme Corp) `total` licenses — each with a registered
    serial, a signed key, a support registration and custom values — with bulk inserts in batches.
    Idempotent: only the licenses missing up to `total` are created."""
    began = time.perf_counter()
    email, _name, account_name, _kind, _role = USERS[0]
    async with db.read() as session:
        owner = await session.scalar(select(User).where(User.email == email))
        assert owner is not None, "seed the demo world first"
        account_id = await session.scalar(
            select(Membership.account_id).where(Membership.user_id == owner.id, Membership.role == Role.ADMIN)
        )
        assert account_id is not None
        products = list(
            await session.scalars(select(Product).where(Product.sku.in_([p[0] for p in PRODUCTS])))
        )
        have = int(await session.scalar(select(func.count()).where(License.account_id == account_id)) or 0)
    fields = await demo_fields(db, account_id)
    signer = await key_store.signer()
    rng = random.Random(20261128 + have)
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    created = 0
    while have + created < total:
        size = min(SEED_BATCH, total - have - created)
        async with db.write() as session:
            numbers: set[str] = set()
            while len(numbers) < size:
                candidates = {new_number(SerialKind.NEW) for _ in range(size - len(numbers))} - numbers
                taken = set(await session.scalars(select(Serial.number).where(Serial.number.in_(candidates))))
                numbers |= candidates - taken
            rows = license_batch(
                settings.issuer,
                signer,
                account_id,
                owner.id,
                products,
                fields,
                sorted(numbers),
                rng,
                today,
                now,
            )
            for model, values in rows:
                # Core executemany on the table: the ORM's bulk path would send one INSERT per row.
                await session.execute(insert(model.__table__), values)
        created += size
    if created:
        # Fresh statistics, so the planner knows one account holds them all, and on PostgreSQL a
        # visibility map for index-only counts (autovacuum would get there too, later; SQLite only
        # keeps what ANALYZE records).
        if db.is_sqlite:
            async with db.write() as session:
                await session.execute(text("ANALYZE"))
        else:
            async with db.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM (ANALYZE)")
    return {
        "account": account_name,
        "total": have + created,
        "created": created,
        "seconds": round(time.perf_counter() - began, 1),
    }


def license_batch(
    issuer: str,
    signer: Signer,
    account_id: uuid.UUID,
    owner_id: uuid.UUID,
    products: list[Product],
    fields: list[CustomField],
    numbers: list[str],
    rng: random.Random,
    today: date,
    now: datetime,
) -> list[tuple[Any, list[dict[str, Any]]]]:
    serials: list[dict[str, Any]] = []
    licenses: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    registrations: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    text_field, number_field, date_field, choice_field = fields
    for number in numbers:
        product = products[rng.randrange(len(products))]
        serial_id, license_id, key_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        created_at = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        roll = rng.random()
        state = (
            LicenseState.SUPERSEDED
            if roll < 0.03
            else LicenseState.REVOKED
            if roll < 0.04
            else LicenseState.CURRENT
        )
        quantity = rng.choice((1, 5, 10, 25, 50, 100, 250))
        host = f"host-{rng.randrange(10**6):06d}" if product.locking == Locking.HOST else None
        license_ = License(
            id=license_id,
            account_id=account_id,
            product_id=product.id,
            quantity=quantity,
            maintenance_until=today + timedelta(days=rng.randrange(-400, 800)),
            host_id=host,
        )
        activation_key = new_activation_key()
        cost_center = f"CC-{rng.randrange(1000):03d}"
        department = rng.choice(choice_field.options)
        serials.append(
            {
                "id": serial_id,
                "number": number,
                "product_id": product.id,
                "quantity": quantity,
                "maintenance_months": 12,
                "kind": SerialKind.NEW,
                "status": SerialStatus.REGISTERED,
                "order_ref": "DEMO-BULK",
                "registered_at": created_at,
                "created_at": created_at,
            }
        )
        licenses.append(
            {
                "id": license_id,
                "account_id": account_id,
                "product_id": product.id,
                "owner_user_id": owner_id,
                "origin_serial_id": serial_id,
                "quantity": quantity,
                "maintenance_until": license_.maintenance_until,
                "host_id": host,
                "state": state,
                "search_text": compose(
                    [number],
                    [activation_key] if state != LicenseState.REVOKED else [],
                    (product.sku, product.name),
                    [cost_center, department],
                ),
                "created_at": created_at,
            }
        )
        links.append({"license_id": license_id, "serial_id": serial_id, "at": created_at})
        keys.append(
            {
                "id": key_id,
                "license_id": license_id,
                "activation_key": activation_key,
                "kid": signer.kid,
                "license_file": signer.sign(license_claims(issuer, license_, product, key_id, host)),
                "host_id": host,
                "status": KeyStatus.REVOKED if state == LicenseState.REVOKED else KeyStatus.ACTIVE,
                "issued_at": created_at,
            }
        )
        registrations.append(
            {
                "id": uuid.uuid4(),
                "account_id": account_id,
                "license_id": license_id,
                "data": DEMO_REGISTRATION,
                "created_at": created_at,
            }
        )
        budget = Decimal(rng.randrange(100, 100000)) / 4
        values += [
            {
                "license_id": license_id,
                "field_id": text_field.id,
                "value_text": cost_center,
                "updated_at": now,
            },
            {
                "license_id": license_id,
                "field_id": choice_field.id,
                "value_text": department,
                "updated_at": now,
            },
        ]
        if rng.random() < 0.8:  # some licenses without a value: they sort last
            values.append(
                {
                    "license_id": license_id,
                    "field_id": number_field.id,
                    "value_text": number_text(budget),
                    "value_number": float(budget),
                    "updated_at": now,
                }
            )
            review = today + timedelta(days=rng.randrange(-200, 400))
            values.append(
                {
                    "license_id": license_id,
                    "field_id": date_field.id,
                    "value_text": review.isoformat(),
                    "value_date": review,
                    "updated_at": now,
                }
            )
    return [
        (Serial, serials),
        (License, licenses),
        (LicenseSerial, links),
        (LicenseKey, keys),
        (SupportRegistration, registrations),
        (LicenseCustomValue, values),
    ]


DEMO_REGISTRATION: dict[str, Any] = {
    "company": "Acme Corp",
    "address": {
        "line1": "1 Main Street",
        "line2": None,
        "city": "Springfield",
        "postalCode": "12345",
        "country": "US",
    },
    "technicalContact": {"name": "Tess Tech", "email": "tess@acme.example", "phone": "+1 555 0100"},
    "primaryContact": {"name": "Paul Primary", "email": "paul@acme.example", "phone": None},
}


# ---------------------------------------------------------------- FileConnect releases

# (sku, version, platform, days before today it was released, files): small files with real bytes,
# so a download's SHA-256 can be checked against the one the Downloads page shows.
DEMO_RELEASES: list[tuple[str, str, str, int, list[str]]] = [
    ("EPS-14", "14.2", "windows-x64", 200, ["eps-14.2-setup.exe", "README.txt"]),
    ("EPS-14", "14.2", "linux-x64", 200, ["eps-14.2-linux-x64.tar.gz"]),
    ("EPS-14", "14.3", "windows-x64", 30, ["eps-14.3-setup.exe", "README.txt"]),
    ("EPS-15", "15.0", "windows-x64", 20, ["eps-15.0-setup.exe"]),
    ("EPS-15", "15.0", "macos", 20, ["eps-15.0.pkg"]),
    ("MGW-10", "10.8", "linux-x64", 100, ["mgw-10.8-linux-x64.tar.gz"]),
    ("DLP-16", "16.0", "windows-x64", 60, ["dlp-16.0-setup.exe"]),
]
# Globex's EPS-14 license: maintenance ended 90 days ago, so 14.3 shows locked for Bob. It has no
# key, so the demo world's key and license counts the other tests rely on stay as they were.
LAPSED_ACCOUNT = "Globex Inc"
LAPSED_SKU = "EPS-14"
LAPSED_DAYS = 90


def demo_release_notes(sku: str, version: str, platform: str) -> str:
    return (
        f"## {sku} {version} for {platform}\n\n"
        "- Faster scans on large file shares\n"
        "- Fixes a crash when the license server is unreachable\n\n"
        "See the [administrator guide](https://docs.vendor.example/) for upgrade steps.\n"
    )


def demo_file_content(name: str, version: str) -> bytes:
    """A few KiB derived from the name: the same bytes on every run."""
    if name == "README.txt":
        return f"Version {version}\n\nRun the installer as an administrator.\n".encode()
    seed = hashlib.sha256(f"demo-file:{name}".encode()).digest()
    return b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(256))


async def seed_releases(db: Database, settings: Settings) -> None:
    """Publish the demo releases (the ones missing) and give Globex its lapsed EPS-14 license (once)."""
    from backend.domain.releases import publishing
    from backend.domain.releases.storage import storage_for

    today = datetime.now(UTC).date()
    storage = storage_for(settings)
    for sku, version, platform, days, names in DEMO_RELEASES:
        if await publishing.find(db, sku, version, platform) is not None:
            continue
        release = await publishing.create(
            db,
            None,
            publishing.NewRelease(
                sku,
                version,
                platform,
                today - timedelta(days=days),
                demo_release_notes(sku, version, platform),
            ),
        )
        for name in names:

            async def chunks(content: bytes = demo_file_content(name, version)) -> Any:
                yield content

            await publishing.add_file(db, storage, None, release.id, name, chunks())
    await _lapsed_license(db, today)


async def _lapsed_license(db: Database, today: date) -> None:
    """A license bought before the portal (registered, no key issued here): it entitles releases up
    to its maintenance end and no further."""
    async with db.write() as session:
        account_id = await session.scalar(select(Account.id).where(Account.name == LAPSED_ACCOUNT))
        product = await session.scalar(select(Product).where(Product.sku == LAPSED_SKU))
        if account_id is None or product is None:
            return
        if await session.scalar(
            select(License.id)
            .where(License.account_id == account_id, License.product_id == product.id)
            .limit(1)
        ):
            return
        owner_id = await session.scalar(
            select(Membership.user_id).where(
                Membership.account_id == account_id, Membership.role == Role.ADMIN
            )
        )
        [serial] = await issue_serials(session, product, quantity=10, count=1, order_ref="DEMO-LAPSED")
        serial.status = SerialStatus.REGISTERED
        serial.registered_at = datetime.now(UTC) - timedelta(days=365 + LAPSED_DAYS)
        await session.flush()  # the serial first: licenses.origin_serial_id points at it
        license_ = License(
            id=uuid.uuid4(),
            account_id=account_id,
            product_id=product.id,
            owner_user_id=owner_id,
            origin_serial_id=serial.id,
            quantity=10,
            maintenance_until=today - timedelta(days=LAPSED_DAYS),
            search_text=compose([serial.number], [], (product.sku, product.name), []),
        )
        session.add(license_)
        await session.flush()
        session.add(LicenseSerial(license_id=license_.id, serial_id=serial.id))
