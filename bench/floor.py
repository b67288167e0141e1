"""The floor under the HTTP path: the same Get a Key work in-process, without HTTP or GraphQL.

* domain: the backend.domain functions the resolvers call (start, enter_serials,
  set_registration, confirm) and one Worker.run_once() per key — the same transactions, ORM
  and event-bus publishes as the server, minus the request handling, the selection sets and the
  subscription.
* sql: the same transactions as plain SQLAlchemy Core statements on a pooled connection —
  one statement per statement the domain path issues (NOTIFYs included, inside the transaction)
  and one Ed25519 signature per key — with no ORM unit of work. This is the raw floor. It mirrors
  backend/domain/key_requests.py and pipeline.py statement for statement; the report prints the
  statements per key of both floors, so a drift between them shows."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    AuditEvent,
    EmailMessage,
    EmailStatus,
    Job,
    JobStatus,
    KeyRequest,
    KeyRequestKind,
    KeyRequestLicense,
    KeyRequestRenewal,
    KeyRequestSerial,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseKey,
    LicenseSerial,
    LicenseState,
    Membership,
    Product,
    RateLimitHit,
    Serial,
    SerialStatus,
    SupportRegistration,
    utcnow,
)
from backend.domain.access import Actor
from backend.domain.dates import add_months
from backend.domain.key_requests import doors, fulfilment, pipeline
from backend.domain.key_requests import get_a_key as key_requests
from backend.domain.key_requests.registration import validate_registration
from backend.domain.licenses import search as license_search
from backend.events import EVENTS_CHANNEL
from backend.jobs import Worker, claim
from backend.key_store import KeyStore
from backend.keys import new_activation_key
from backend.portal import Portal
from bench import documents
from bench.runner import Flow, Sample
from bench.world import BenchUser

IP = "127.0.0.1"


def domain_flow(portal: Portal, worker: Worker, user: BenchUser) -> Flow:
    actor = Actor(user.user_id, IP)

    async def run(serial: str) -> Sample:
        began = time.perf_counter()
        request = (await key_requests.start(portal.db, actor, user.account_id)).request
        await key_requests.enter_serials(portal.db, portal.bus, portal.settings, actor, request.id, [serial])
        await doors.set_registration(
            portal.db, portal.bus, portal.settings, actor, request.id, documents.REGISTRATION, None
        )
        confirm_at = time.perf_counter()
        await doors.confirm(portal.db, portal.bus, portal.settings, actor, request.id, uuid.uuid4().hex)
        # One job per key: with many tasks this may run another task's job; the total is the same.
        await worker.run_once()
        done = time.perf_counter()
        return Sample(done_at=done, steps={"whole_flow": done - began, "confirm_to_ready": done - confirm_at})

    return run


# ---------------------------------------------------------------- plain statements

REGISTRATION = validate_registration(documents.REGISTRATION)
LEASE_SECONDS = 60


def _mail_body(name: str, rows: list[tuple[Any, Any, Any]], public_url: str) -> str:
    """A message of the same shape and size as the one the worker queues."""
    lines = [f"Hello {name},", "", "the license keys you requested are ready.", ""]
    for license_, product, key in rows:
        lines += [
            f"{product.name} {product.version} — {license_.quantity} seat(s), maintenance until "
            f"{license_.maintenance_until.isoformat()}",
            f"  Activation key: {key.activation_key}",
            f"  License file ({key.activation_key}.lic):",
            f"  {key.license_file}",
            "",
        ]
    lines.append(f"You can also download them at {public_url}/licenses")
    return "\n".join(lines) + "\n"


class SqlFloor:
    """State shared by the raw-floor tasks: the database, the signing keys and the settings."""

    def __init__(self, db: Database, secret_key: str, issuer: str, public_url: str) -> None:
        self.db = db
        self.keys = KeyStore(db, secret_key)  # the worker's own cache of the active signer
        self.issuer = issuer
        self.public_url = public_url

    async def notify(self, conn: AsyncConnection, channel: str, payload: str) -> None:
        if not self.db.is_sqlite:  # SQLite's bus is in-process: nothing goes to the database
            await conn.execute(select(func.pg_notify(channel, payload)))

    async def publish(self, conn: AsyncConnection, request_id: uuid.UUID) -> None:
        await self.notify(conn, EVENTS_CHANNEL, f'{{"t": "keyRequest:{request_id}", "m": ""}}')

    def flow(self, user: BenchUser) -> Flow:
        async def run(serial: str) -> Sample:
            began = time.perf_counter()
            request_id = await self.start(user)
            await self.enter_serials(user, request_id, serial)
            await self.set_registration(user, request_id)
            confirm_at = time.perf_counter()
            await self.confirm(user, request_id)
            await self.fulfil_one()
            done = time.perf_counter()
            return Sample(
                done_at=done, steps={"whole_flow": done - began, "confirm_to_ready": done - confirm_at}
            )

        return run

    # Each method is one transaction of the domain path, statement for statement.

    @staticmethod
    async def _role(conn: AsyncConnection, user: BenchUser) -> None:
        role = await conn.scalar(
            select(Membership.role).where(
                Membership.user_id == user.user_id, Membership.account_id == user.account_id
            )
        )
        assert role is not None

    @staticmethod
    async def _request(conn: AsyncConnection, request_id: uuid.UUID, *, for_update: bool = False) -> Any:
        stmt = select(KeyRequest.__table__).where(KeyRequest.id == request_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await conn.execute(stmt)).one()

    async def _draft(self, conn: AsyncConnection, user: BenchUser, request_id: uuid.UUID) -> Any:
        request = await self._request(conn, request_id)
        await self._role(conn, user)
        return request

    @staticmethod
    async def _serial_rows(conn: AsyncConnection, request_id: uuid.UUID) -> list[Any]:
        rows = await conn.execute(
            select(Serial.__table__, Product.__table__)
            .join(KeyRequestSerial, KeyRequestSerial.serial_id == Serial.id)
            .join(Product, Product.id == Serial.product_id)
            .where(KeyRequestSerial.key_request_id == request_id)
            .order_by(KeyRequestSerial.position)
        )
        return list(rows)

    @staticmethod
    def _audit(
        action: str, user: BenchUser | None, account_id: uuid.UUID, request_id: uuid.UUID, **data: Any
    ) -> Any:
        return insert(AuditEvent).values(
            at=utcnow(),
            action=action,
            actor_user_id=user.user_id if user else None,
            actor_account_id=None,
            account_id=account_id,
            target_type="KeyRequest",
            target_id=str(request_id),
            ip=IP if user else None,
            data=data,
        )

    async def start(self, user: BenchUser) -> uuid.UUID:
        request_id, now = uuid.uuid4(), utcnow()
        async with self.db.engine.begin() as conn:
            await self._role(conn, user)
            await conn.execute(  # the user's own untouched draft, reused when there is one
                select(KeyRequest.__table__)
                .where(
                    KeyRequest.account_id == user.account_id,
                    KeyRequest.user_id == user.user_id,
                    KeyRequest.kind == KeyRequestKind.NEW,
                    KeyRequest.status == KeyRequestStatus.DRAFT,
                    KeyRequest.registration.is_(None),
                    ~select(KeyRequestSerial.id)
                    .where(KeyRequestSerial.key_request_id == KeyRequest.id)
                    .exists(),
                )
                .order_by(KeyRequest.created_at.desc())
                .limit(1)
            )
            await conn.execute(
                insert(KeyRequest).values(
                    id=request_id,
                    account_id=user.account_id,
                    user_id=user.user_id,
                    kind=KeyRequestKind.NEW,
                    status=KeyRequestStatus.DRAFT,
                    created_at=now,
                    updated_at=now,
                )
            )
            await conn.execute(self._audit("key_request.start", user, user.account_id, request_id))
        return request_id

    async def enter_serials(self, user: BenchUser, request_id: uuid.UUID, number: str) -> None:
        since = utcnow() - timedelta(seconds=600)
        async with self.db.engine.begin() as conn:
            await self._draft(conn, user, request_id)
            for bucket in (f"serial:user:{user.user_id}", f"serial:ip:{IP}"):
                await conn.execute(
                    select(func.count(), func.min(RateLimitHit.at)).where(
                        RateLimitHit.bucket == bucket, RateLimitHit.at > since
                    )
                )
            serial = (await conn.execute(select(Serial.__table__).where(Serial.number.in_([number])))).one()
            assert serial.status == SerialStatus.UNREGISTERED
            await self._serial_rows(conn, request_id)
            await conn.execute(
                insert(KeyRequestSerial).values(key_request_id=request_id, serial_id=serial.id, position=0)
            )
            await conn.execute(
                self._audit("key_request.serials_added", user, user.account_id, request_id, serials=[number])
            )
            await conn.execute(
                update(KeyRequest).where(KeyRequest.id == request_id).values(updated_at=utcnow())
            )
            await self.publish(conn, request_id)

    async def set_registration(self, user: BenchUser, request_id: uuid.UUID) -> None:
        async with self.db.engine.begin() as conn:
            await self._draft(conn, user, request_id)
            await self._serial_rows(conn, request_id)
            await conn.execute(
                update(KeyRequest)
                .where(KeyRequest.id == request_id)
                .values(registration=REGISTRATION, host_id=None, updated_at=utcnow())
            )
            await self.publish(conn, request_id)

    async def confirm(self, user: BenchUser, request_id: uuid.UUID) -> None:
        now = utcnow()
        async with self.db.engine.begin() as conn:
            await self._request(conn, request_id, for_update=True)
            await self._role(conn, user)
            rows = await self._serial_rows(conn, request_id)
            await conn.execute(  # renewal targets (none for new purchases)
                select(KeyRequestRenewal.serial_id, KeyRequestRenewal.license_id).where(
                    KeyRequestRenewal.key_request_id == request_id
                )
            )
            moved = await conn.execute(
                update(KeyRequest)
                .where(KeyRequest.id == request_id, KeyRequest.status == KeyRequestStatus.DRAFT)
                .values(
                    status=KeyRequestStatus.SUBMITTED,
                    idempotency_key=uuid.uuid4().hex,
                    submitted_at=now,
                    updated_at=now,
                )
            )
            assert moved.rowcount == 1
            registered = set(
                await conn.scalars(
                    update(Serial)
                    .where(Serial.id.in_([r.id for r in rows]), Serial.status == SerialStatus.UNREGISTERED)
                    .values(status=SerialStatus.REGISTERED, registered_at=now)
                    .returning(Serial.id)
                )
            )
            assert len(registered) == len(rows)
            licenses = [
                {
                    "id": uuid.uuid4(),
                    "account_id": user.account_id,
                    "product_id": row.product_id,
                    "owner_user_id": user.user_id,
                    "origin_serial_id": row.id,
                    "key_request_id": request_id,
                    "quantity": row.quantity,
                    "maintenance_until": add_months(now.date(), row.maintenance_months),
                    "host_id": None,
                    "state": LicenseState.CURRENT,
                    "created_at": now,
                    "search_text": license_search.compose([row.number], [], (row.sku, row.name), []),
                }
                for row in rows
            ]
            await conn.execute(insert(License).values(licenses))
            await conn.execute(
                insert(SupportRegistration).values(
                    [
                        {
                            "id": uuid.uuid4(),
                            "account_id": user.account_id,
                            "license_id": lic["id"],
                            "data": REGISTRATION,
                            "created_at": now,
                        }
                        for lic in licenses
                    ]
                )
            )
            await conn.execute(
                insert(LicenseSerial).values(
                    [
                        {"license_id": lic["id"], "serial_id": row.id, "at": now}
                        for lic, row in zip(licenses, rows, strict=True)
                    ]
                )
            )
            await conn.execute(
                insert(KeyRequestLicense).values(
                    [
                        {"key_request_id": request_id, "license_id": lic["id"], "position": i}
                        for i, lic in enumerate(licenses)
                    ]
                )
            )
            await conn.execute(
                insert(Job).values(
                    kind=pipeline.FULFIL,
                    payload={"key_request_id": str(request_id)},
                    status=JobStatus.QUEUED,
                    attempts=0,
                    max_attempts=5,
                    run_after=now,
                    created_at=now,
                )
            )
            await conn.execute(
                self._audit(
                    "key_request.confirm", user, user.account_id, request_id, serials=[r.number for r in rows]
                )
            )
            await self._request(conn, request_id)  # the refresh the mutation returns
            await self.publish(conn, request_id)  # the job goes to this process's worker: no NOTIFY

    async def fulfil_one(self) -> None:
        """One job, as Worker.run_once: claim and mark FULFILLING (unpublished) in one transaction,
        sign, search text, READY and the job DONE in the next."""
        async with self.db.engine.begin() as conn:
            job = await claim(as_driver_transaction(conn), LEASE_SECONDS)
            if job is None:
                return
            request_id = uuid.UUID(job.payload["key_request_id"])
            await conn.execute(
                update(KeyRequest)
                .where(KeyRequest.id == request_id, KeyRequest.status == KeyRequestStatus.SUBMITTED)
                .values(status=KeyRequestStatus.FULFILLING, updated_at=utcnow())
            )
        signer = await self.keys.signer()
        async with self.db.engine.begin() as conn:
            request = await self._request(conn, request_id, for_update=True)
            rows = (
                await conn.execute(
                    select(
                        License.__table__, Product.sku, Product.name, Product.version, Product.license_model
                    )
                    .join(KeyRequestLicense, KeyRequestLicense.license_id == License.id)
                    .join(Product, Product.id == License.product_id)
                    .where(KeyRequestLicense.key_request_id == request_id)
                    .order_by(KeyRequestLicense.position)
                )
            ).all()
            await conn.execute(select(LicenseKey.license_id).where(LicenseKey.key_request_id == request_id))
            issued = []
            for row in rows:
                key_id = uuid.uuid4()
                product = SimpleNamespace(
                    sku=row.sku, name=row.name, version=row.version, license_model=row.license_model
                )
                claims = fulfilment.license_claims(self.issuer, row, product, key_id, row.host_id)  # type: ignore[arg-type]
                key = SimpleNamespace(activation_key=new_activation_key(), license_file=signer.sign(claims))
                await conn.execute(
                    insert(LicenseKey).values(
                        id=key_id,
                        license_id=row.id,
                        key_request_id=request_id,
                        activation_key=key.activation_key,
                        kid=signer.kid,
                        license_file=key.license_file,
                        host_id=row.host_id,
                        status=KeyStatus.ACTIVE,
                        issued_at=utcnow(),
                    )
                )
                issued.append((row, product, key))
            await license_search.refresh(as_driver_transaction(conn), [row.id for row, _, _ in issued])
            now = utcnow()
            await conn.execute(
                update(KeyRequest)
                .where(KeyRequest.id == request_id)
                .values(status=KeyRequestStatus.READY, ready_at=now, updated_at=now)
            )
            contact = request.registration["technicalContact"]
            await conn.execute(
                insert(EmailMessage).values(
                    id=uuid.uuid4(),
                    to_address=contact["email"],
                    subject=f"Your license keys ({len(issued)})",
                    body=_mail_body(contact["name"], issued, self.public_url),
                    account_id=request.account_id,
                    key_request_id=request_id,
                    status=EmailStatus.HELD,
                    created_at=now,
                )
            )
            await conn.execute(
                insert(AuditEvent).values(
                    at=now,
                    action="key_request.ready",
                    account_id=request.account_id,
                    target_type="KeyRequest",
                    target_id=str(request_id),
                    data={"keys": len(issued)},
                )
            )
            await conn.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(status=JobStatus.DONE, finished_at=utcnow(), locked_until=None)
            )
            await self.publish(conn, request_id)
