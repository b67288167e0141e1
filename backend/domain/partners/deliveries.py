"""Key delivery: the key mails of a key request, as the outbox knows them, and re-sending them.

A key a partner obtains for a customer must reach the customer: when the request is READY the keys
go to the technical contact through the outbox (pipeline.fulfil); each such mail is a delivery
with its status (QUEUED, SENT, FAILED with the reason, or HELD when no SMTP server is configured).
A partner or customer may send the keys again, to the same contact or a corrected address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from backend.config import Settings
from backend.db.driver import as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    EmailMessage,
    KeyRequest,
    KeyRequestLicense,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseKey,
    Product,
)
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Permission
from backend.domain.errors import FieldProblem, InvalidInputError, KeyRequestStateError, RateLimitedError
from backend.domain.key_requests.fulfilment import technical_contact
from backend.domain.key_requests.pipeline import load, publish_after_commit
from backend.domain.mail import queue_email
from backend.domain.mail_texts import keys_mail
from backend.events import EventBus

RESEND_LIMIT = (5, 3600)  # re-sends per key request per hour


def _recipient(raw: str | None, fallback: str | None) -> str:
    if raw is None or not raw.strip():
        if fallback:
            return fallback
        raise InvalidInputError([FieldProblem("email", "REQUIRED", "Give the address to send the keys to.")])
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInputError([FieldProblem("email", "INVALID", str(exc))]) from exc


@dataclass(frozen=True)
class Resent:
    request: KeyRequest
    # The mail just made: QUEUED (a mail server will send it) or HELD (none is configured: it waits
    # on the Messages page), so the answer can say what happens next.
    delivery: EmailMessage


async def resend(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    email: str | None = None,
) -> Resent:
    """Queue the request's current keys again, to the technical contact or to `email`."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        request, _ = await load(
            tx, actor, key_request_id, Permission.REQUEST_KEYS, field="keyRequestId", for_update=True
        )
        if request.status != KeyRequestStatus.READY:
            raise KeyRequestStateError("NOT_READY", "Keys can be sent once the request is ready.")
        bucket = f"resend:{request.id}"
        wait = await ratelimit.retry_after(tx, [bucket], RESEND_LIMIT)
        if wait:
            raise RateLimitedError(wait, "keyRequestId")
        contact = await technical_contact(tx, request)
        to = _recipient(email, contact["email"] if contact else None)
        issued = (
            await session.execute(
                select(License, Product, LicenseKey)
                .join(KeyRequestLicense, KeyRequestLicense.license_id == License.id)
                .join(Product, Product.id == License.product_id)
                .join(LicenseKey, LicenseKey.license_id == License.id)
                .where(
                    KeyRequestLicense.key_request_id == request.id,
                    LicenseKey.key_request_id == request.id,
                    LicenseKey.status == KeyStatus.ACTIVE,
                )
                .order_by(KeyRequestLicense.position)
            )
        ).all()
        if not issued:
            raise KeyRequestStateError("NO_ACTIVE_KEYS", "The keys of this request have since been revoked.")
        mail_id = await queue_email(
            tx,
            bus,
            settings,
            to=to,
            subject=f"Your license keys ({len(issued)})",
            body=keys_mail(request, [(lic, prod, key) for lic, prod, key in issued], settings.public_url),
            account_id=request.account_id,
            key_request_id=request.id,
        )
        await ratelimit.hit(tx, [bucket])
        await audit.record(
            tx,
            "key_request.keys_resent",
            actor=actor,
            account_id=request.account_id,
            target=("KeyRequest", request.id),
            to=to,
        )
        publish_after_commit(tx, bus, request.id)
        delivery = await session.get_one(EmailMessage, mail_id)
        return Resent(request, delivery)
