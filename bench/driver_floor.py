"""The driver floor: the raw floor's transactions, statement for statement, as statements built
once and sent straight through the database driver (asyncpg on PostgreSQL, via `Database.driver`;
on SQLite the same prebuilt statements as Core on the write engine).

This is the floor the issue names ("the same SQL statements and signature straight through the
driver"). The raw floor in floor.py builds each statement per call through SQLAlchemy Core, which
costs the client most of a millisecond per statement; here a statement costs what asyncpg costs.
What is left is the database's own work and the signature: the least any server could spend on a
key made of these statements. Where the server's driver path has the very statement (the inserts
of licenses, keys, registrations, links and jobs; FULFILLING; the claim), the floor uses it."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, func, insert, select, update

from backend.db.driver import DriverTransaction, Prepared
from backend.db.engine import Database
from backend.db.models import (
    EmailMessage,
    EmailStatus,
    Job,
    JobStatus,
    KeyRequest,
    KeyRequestKind,
    KeyRequestRenewal,
    KeyRequestSerial,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseModel,
    LicenseState,
    Membership,
    Product,
    RateLimitHit,
    Serial,
    SerialStatus,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor
from backend.domain.dates import add_months
from backend.domain.key_requests.fulfilment import FULFILLING, NEW_KEY, TO_SIGN, license_claims
from backend.domain.key_requests.get_a_key import LICENSE_SERIAL, NEW_LICENSE
from backend.domain.key_requests.pipeline import FULFIL, LINK, REGISTER
from backend.domain.licenses import search as license_search
from backend.events import EVENTS_CHANNEL
from backend.jobs import CLAIM_NEXT, ENQUEUE
from backend.key_store import KeyStore
from backend.keys import new_activation_key
from bench.floor import IP, LEASE_SECONDS, REGISTRATION, _mail_body
from bench.runner import Flow, Sample
from bench.world import BenchUser


def _t(model: Any) -> Table:
    return cast(Table, model.__table__)


_kr, _krs, _serial, _product = _t(KeyRequest), _t(KeyRequestSerial), _t(Serial), _t(Product)
_license, _job = _t(License), _t(Job)


def _insert(model: Any, columns: list[str]) -> Prepared:
    return Prepared(insert(_t(model)), columns)


ROLE = Prepared(
    select(Membership.role).where(
        Membership.user_id == bindparam("user_id"), Membership.account_id == bindparam("account_id")
    )
)
REQUEST = Prepared(select(_kr).where(_kr.c.id == bindparam("key_request_id")))
LOCK_REQUEST = Prepared(select(_kr).where(_kr.c.id == bindparam("key_request_id")).with_for_update())
EMPTY_DRAFT = Prepared(
    select(_kr)
    .where(
        _kr.c.account_id == bindparam("account_id"),
        _kr.c.user_id == bindparam("user_id"),
        _kr.c.kind == KeyRequestKind.NEW,
        _kr.c.status == KeyRequestStatus.DRAFT,
        _kr.c.registration.is_(None),
        ~exists().where(_krs.c.key_request_id == _kr.c.id),
    )
    .order_by(_kr.c.created_at.desc())
    .limit(1)
)
INSERT_REQUEST = _insert(
    KeyRequest, ["id", "account_id", "user_id", "kind", "status", "created_at", "updated_at"]
)
AUDIT = audit.INSERT
RATE_HITS = Prepared(
    select(func.count(), func.min(RateLimitHit.at)).where(
        RateLimitHit.bucket == bindparam("bucket"), RateLimitHit.at > bindparam("since")
    )
)
SERIAL = Prepared(select(_serial).where(_serial.c.number == bindparam("number")))
SERIAL_ROWS = Prepared(
    select(
        _serial.c.id,
        _serial.c.number,
        _serial.c.quantity,
        _serial.c.maintenance_months,
        _serial.c.product_id,
        _product.c.sku,
        _product.c.name,
    )
    .join(_krs, _krs.c.serial_id == _serial.c.id)
    .join(_product, _product.c.id == _serial.c.product_id)
    .where(_krs.c.key_request_id == bindparam("key_request_id"))
    .order_by(_krs.c.position)
)
INSERT_REQUEST_SERIAL = _insert(KeyRequestSerial, ["key_request_id", "serial_id", "position"])
TOUCH = Prepared(
    update(_kr).where(_kr.c.id == bindparam("key_request_id")).values(updated_at=bindparam("now"))
)
SET_REGISTRATION = Prepared(
    update(_kr)
    .where(_kr.c.id == bindparam("key_request_id"))
    .values(registration=bindparam("registration_data"), host_id=None, updated_at=bindparam("now"))
)
NOTIFY = Prepared(select(func.pg_notify(bindparam("channel"), bindparam("payload"))))
RENEWALS = Prepared(
    select(KeyRequestRenewal.serial_id, KeyRequestRenewal.license_id).where(
        KeyRequestRenewal.key_request_id == bindparam("key_request_id")
    )
)
SUBMIT = Prepared(
    update(_kr)
    .where(_kr.c.id == bindparam("key_request_id"), _kr.c.status == KeyRequestStatus.DRAFT)
    .values(
        status=KeyRequestStatus.SUBMITTED,
        idempotency_key=bindparam("key"),
        submitted_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(_kr.c.id)
)
REGISTER_SERIAL = Prepared(
    update(_serial)
    .where(_serial.c.id == bindparam("serial_id"), _serial.c.status == SerialStatus.UNREGISTERED)
    .values(status=SerialStatus.REGISTERED, registered_at=bindparam("now"))
    .returning(_serial.c.id)
)
SEARCH_PARTS = Prepared(license_search.parts_statement(lambda column: column == bindparam("license_id")))
SEARCH_TEXT = Prepared(license_search.UPDATE_TEXT)
READY = Prepared(
    update(_kr)
    .where(_kr.c.id == bindparam("key_request_id"))
    .values(status=KeyRequestStatus.READY, ready_at=bindparam("now"), updated_at=bindparam("now"))
)
INSERT_MAIL = _insert(
    EmailMessage,
    ["id", "to_address", "subject", "body", "account_id", "key_request_id", "status", "created_at"],
)
JOB_DONE = Prepared(
    update(_job)
    .where(_job.c.id == bindparam("job_id"))
    .values(status=JobStatus.DONE, finished_at=bindparam("now"), locked_until=None)
)


def _audit(
    action: str, user: BenchUser | None, account_id: uuid.UUID, request_id: uuid.UUID, **data: Any
) -> dict[str, Any]:
    actor = Actor(user.user_id, IP) if user else None
    return audit.event(action, actor=actor, account_id=account_id, target=("KeyRequest", request_id), **data)


class DriverFloor:
    """State shared by the driver-floor tasks: the database, the signing keys and the settings."""

    def __init__(self, db: Database, secret_key: str, issuer: str, public_url: str) -> None:
        self.db = db
        self.keys = KeyStore(db, secret_key)
        self.issuer = issuer
        self.public_url = public_url

    def flow(self, user: BenchUser) -> Flow:
        async def run(serial: str) -> Sample:
            began = time.perf_counter()
            request_id = uuid.uuid4()
            await self.db.driver.run(lambda tx: self.start(tx, user, request_id))
            await self.db.driver.run(lambda tx: self.enter_serials(tx, user, request_id, serial))
            await self.db.driver.run(lambda tx: self.set_registration(tx, user, request_id))
            confirm_at = time.perf_counter()
            await self.db.driver.run(lambda tx: self.confirm(tx, user, request_id))
            await self.fulfil_one()
            done = time.perf_counter()
            return Sample(
                done_at=done, steps={"whole_flow": done - began, "confirm_to_ready": done - confirm_at}
            )

        return run

    async def publish(self, tx: DriverTransaction, request_id: uuid.UUID) -> None:
        if not self.db.is_sqlite:  # SQLite's bus is in-process: nothing goes to the database
            payload = f'{{"t": "keyRequest:{request_id}", "m": ""}}'
            await tx.one(NOTIFY, {"channel": EVENTS_CHANNEL, "payload": payload})

    @staticmethod
    async def _role(tx: DriverTransaction, user: BenchUser) -> None:
        role = await tx.one(ROLE, {"user_id": user.user_id, "account_id": user.account_id})
        assert role is not None

    # Each method is one transaction of the domain path, statement for statement (as floor.py).

    async def start(self, tx: DriverTransaction, user: BenchUser, request_id: uuid.UUID) -> None:
        now = utcnow()
        await self._role(tx, user)
        await tx.one(EMPTY_DRAFT, {"account_id": user.account_id, "user_id": user.user_id})
        await tx.one(
            INSERT_REQUEST,
            {
                "id": request_id,
                "account_id": user.account_id,
                "user_id": user.user_id,
                "kind": KeyRequestKind.NEW,
                "status": KeyRequestStatus.DRAFT,
                "created_at": now,
                "updated_at": now,
            },
        )
        await tx.one(AUDIT, _audit("key_request.start", user, user.account_id, request_id))

    async def enter_serials(
        self, tx: DriverTransaction, user: BenchUser, request_id: uuid.UUID, number: str
    ) -> None:
        since = utcnow() - timedelta(seconds=600)
        await tx.one(REQUEST, {"key_request_id": request_id})
        await self._role(tx, user)
        for bucket in (f"serial:user:{user.user_id}", f"serial:ip:{IP}"):
            await tx.one(RATE_HITS, {"bucket": bucket, "since": since})
        serial = await tx.one(SERIAL, {"number": number})
        assert serial is not None and SerialStatus(serial["status"]) == SerialStatus.UNREGISTERED
        await tx.all(SERIAL_ROWS, {"key_request_id": request_id})
        await tx.one(
            INSERT_REQUEST_SERIAL, {"key_request_id": request_id, "serial_id": serial["id"], "position": 0}
        )
        await tx.one(
            AUDIT, _audit("key_request.serials_added", user, user.account_id, request_id, serials=[number])
        )
        await tx.one(TOUCH, {"key_request_id": request_id, "now": utcnow()})
        await self.publish(tx, request_id)

    async def set_registration(self, tx: DriverTransaction, user: BenchUser, request_id: uuid.UUID) -> None:
        await tx.one(REQUEST, {"key_request_id": request_id})
        await self._role(tx, user)
        await tx.all(SERIAL_ROWS, {"key_request_id": request_id})
        await tx.one(
            SET_REGISTRATION,
            {"key_request_id": request_id, "registration_data": REGISTRATION, "now": utcnow()},
        )
        await self.publish(tx, request_id)

    async def confirm(self, tx: DriverTransaction, user: BenchUser, request_id: uuid.UUID) -> None:
        now = utcnow()
        await tx.one(LOCK_REQUEST, {"key_request_id": request_id})
        await self._role(tx, user)
        rows = await tx.all(SERIAL_ROWS, {"key_request_id": request_id})
        await tx.all(RENEWALS, {"key_request_id": request_id})
        moved = await tx.one(SUBMIT, {"key_request_id": request_id, "key": uuid.uuid4().hex, "now": now})
        assert moved is not None
        for row in rows:  # one serial per key here: the raw floor's one multi-row statement each
            assert await tx.one(REGISTER_SERIAL, {"serial_id": row["id"], "now": now}) is not None
        licenses = [
            {
                "id": uuid.uuid4(),
                "account_id": user.account_id,
                "product_id": row["product_id"],
                "owner_user_id": user.user_id,
                "origin_serial_id": row["id"],
                "key_request_id": request_id,
                "quantity": row["quantity"],
                "maintenance_until": add_months(now.date(), row["maintenance_months"]),
                "host_id": None,
                "state": LicenseState.CURRENT,
                "created_at": now,
                "search_text": license_search.compose([row["number"]], [], (row["sku"], row["name"]), []),
            }
            for row in rows
        ]
        for position, (license_, row) in enumerate(zip(licenses, rows, strict=True)):
            await tx.one(NEW_LICENSE, license_)
            await tx.one(
                REGISTER,
                {
                    "id": uuid.uuid4(),
                    "account_id": user.account_id,
                    "license_id": license_["id"],
                    "data": REGISTRATION,
                    "created_at": now,
                },
            )
            await tx.one(LICENSE_SERIAL, {"license_id": license_["id"], "serial_id": row["id"], "at": now})
            await tx.one(
                LINK,
                {"key_request_id": request_id, "license_id": license_["id"], "position": position},
            )
        await tx.one(
            ENQUEUE,
            {
                "kind": FULFIL,
                "payload": {"key_request_id": str(request_id)},
                "status": JobStatus.QUEUED,
                "attempts": 0,
                "max_attempts": 5,
                "run_after": now,
                "created_at": now,
            },
        )
        await tx.one(
            AUDIT,
            _audit(
                "key_request.confirm", user, user.account_id, request_id, serials=[r["number"] for r in rows]
            ),
        )
        await tx.one(REQUEST, {"key_request_id": request_id})  # the refresh the mutation returns
        await self.publish(tx, request_id)

    async def fulfil_one(self) -> None:
        """One job, as Worker.run_once: claim and mark FULFILLING in one transaction, sign, search
        text, READY, mail, audit and the job DONE in the next."""

        async def claim(tx: DriverTransaction) -> tuple[int, uuid.UUID] | None:
            now = utcnow()
            job = await tx.one(
                CLAIM_NEXT, {"now": now, "lease_until": now + timedelta(seconds=LEASE_SECONDS)}
            )
            if job is None:
                return None
            payload = job["payload"]
            request_id = uuid.UUID(_json(payload)["key_request_id"])
            await tx.one(FULFILLING, {"key_request_id": request_id, "now": now})
            return job["id"], request_id

        claimed = await self.db.driver.run(claim)
        if claimed is None:
            return
        job_id, request_id = claimed
        signer = await self.keys.signer()

        async def sign(tx: DriverTransaction) -> None:
            request = await tx.one(LOCK_REQUEST, {"key_request_id": request_id})
            assert request is not None
            issued = []
            for row in await tx.all(TO_SIGN, {"key_request_id": request_id, "limit": 1_000_000}):
                key_id = uuid.uuid4()
                license_, product = _columns(row, "l_"), _columns(row, "p_")
                product.license_model = LicenseModel(product.license_model)
                claims = license_claims(self.issuer, license_, product, key_id, license_.host_id)  # type: ignore[arg-type]
                key = SimpleNamespace(activation_key=new_activation_key(), license_file=signer.sign(claims))
                await tx.one(
                    NEW_KEY,
                    {
                        "id": key_id,
                        "license_id": license_.id,
                        "key_request_id": request_id,
                        "activation_key": key.activation_key,
                        "kid": signer.kid,
                        "license_file": key.license_file,
                        "host_id": license_.host_id,
                        "status": KeyStatus.ACTIVE,
                        "issued_at": utcnow(),
                    },
                )
                issued.append((license_, product, key))
            for license_, _, _ in issued:
                parts = await tx.all(SEARCH_PARTS, {"license_id": license_.id})
                for params in license_search.texts_from_parts(
                    [tuple(p.values()) for p in parts], [license_.id]
                ):
                    await tx.one(SEARCH_TEXT, params)
            now = utcnow()
            await tx.one(READY, {"key_request_id": request_id, "now": now})
            registration = request["registration"]
            contact = _json(registration)["technicalContact"]
            await tx.one(
                INSERT_MAIL,
                {
                    "id": uuid.uuid4(),
                    "to_address": contact["email"],
                    "subject": f"Your license keys ({len(issued)})",
                    "body": _mail_body(contact["name"], issued, self.public_url),
                    "account_id": request["account_id"],
                    "key_request_id": request_id,
                    "status": EmailStatus.HELD,
                    "created_at": now,
                },
            )
            await tx.one(
                AUDIT, _audit("key_request.ready", None, request["account_id"], request_id, keys=len(issued))
            )
            await tx.one(JOB_DONE, {"job_id": job_id, "now": utcnow()})
            await self.publish(tx, request_id)

        await self.db.driver.run(sign)


def _columns(row: Any, prefix: str) -> SimpleNamespace:
    """One table's columns of a joined row (labelled `prefix + name`)."""
    return SimpleNamespace(**{k[len(prefix) :]: v for k, v in dict(row).items() if k.startswith(prefix)})


def _json(value: Any) -> Any:
    """A JSON column's value: asyncpg hands over the text, SQLAlchemy Core the parsed value."""
    return json.loads(value) if isinstance(value, str) else value
