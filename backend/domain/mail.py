"""The mail outbox: every message is a row first; a job delivers it over SMTP when a server is
configured, otherwise it is HELD and shown on the Messages page."""

from __future__ import annotations

import uuid
from email.message import EmailMessage as MimeMessage
from typing import Any, cast
from urllib.parse import unquote, urlparse

import aiosmtplib
from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import EmailMessage, EmailStatus, Membership, utcnow
from backend.domain.notifications import Notice, deliver
from backend.events import EventBus
from backend.jobs import enqueue

SEND_EMAIL = "send_email"
_messages = cast(Table, EmailMessage.__table__)


async def messages_for(
    session: AsyncSession, user_id: uuid.UUID, email: str, limit: int
) -> list[EmailMessage]:
    """Mail addressed to the user, or about any account they belong to; newest first."""
    my_accounts = select(Membership.account_id).where(Membership.user_id == user_id)
    rows = await session.scalars(
        select(EmailMessage)
        .where(
            or_(
                EmailMessage.user_id == user_id,
                EmailMessage.to_address == email,
                EmailMessage.account_id.in_(my_accounts),
            )
        )
        .order_by(EmailMessage.created_at.desc())
        .limit(max(1, min(limit, 100)))
    )
    return list(rows)


_QUEUE = Prepared(
    insert(cast(Table, EmailMessage.__table__)),
    [
        "id",
        "to_address",
        "subject",
        "body",
        "account_id",
        "user_id",
        "key_request_id",
        "status",
        "created_at",
    ],
)


async def queue_email(
    tx: DriverTransaction,
    bus: EventBus,
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    account_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    key_request_id: uuid.UUID | None = None,
    notice: Notice | None = None,
) -> uuid.UUID:
    """A message in the outbox, in the caller's transaction: QUEUED with a delivery job when an
    SMTP server is configured, else HELD for the Messages page. Returns its id.

    With a `notice`, the same event also goes to the notification centre, in the same transaction
    (decision record 0017): to `notice.user_id`, else to the portal user whose address is `to`
    (none: the mail alone)."""
    message_id = uuid.uuid4()
    await tx.one(
        _QUEUE,
        {
            "id": message_id,
            "to_address": to,
            "subject": subject,
            "body": body,
            "account_id": account_id,
            "user_id": user_id,
            "key_request_id": key_request_id,
            "status": EmailStatus.QUEUED if settings.smtp_url else EmailStatus.HELD,
            "created_at": utcnow(),
        },
    )
    if settings.smtp_url:
        await enqueue(tx, bus, SEND_EMAIL, {"message_id": str(message_id)}, max_attempts=6)
    if notice is not None:
        await deliver(tx, bus, notice, to=to, account_id=account_id)
    return message_id


async def _deliver(smtp_url: str, sender: str, message: EmailMessage) -> None:
    url = urlparse(smtp_url)
    mime = MimeMessage()
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Message-ID"] = f"<{message.id}@licensing-portal>"
    mime.set_content(message.body)
    options: dict[str, Any] = {"hostname": url.hostname or "127.0.0.1", "port": url.port or 25, "timeout": 30}
    if url.scheme == "smtps":
        options["use_tls"] = True
    elif url.scheme == "smtp+starttls":
        options["start_tls"] = True
    else:
        options["start_tls"] = False
    if url.username:
        options["username"] = unquote(url.username)
        options["password"] = unquote(url.password or "")
    await aiosmtplib.send(mime, **options)


_MESSAGE = Prepared(select(_messages).where(_messages.c.id == bindparam("message_id")))
_SENT = Prepared(
    update(_messages)
    .where(_messages.c.id == bindparam("message_id"))
    .values(status=EmailStatus.SENT, sent_at=bindparam("now"), error=None)
)
_FAILED = Prepared(
    update(_messages)
    .where(_messages.c.id == bindparam("message_id"))
    .values(status=EmailStatus.FAILED, error=bindparam("reason"))
)


async def send(db: Database, settings: Settings, payload: dict[str, Any]) -> None:
    """The SEND_EMAIL job: deliver one queued message over SMTP."""
    message_id = uuid.UUID(payload["message_id"])
    row = await db.driver.run(lambda tx: tx.one(_MESSAGE, {"message_id": message_id}), transaction=False)
    message = None if row is None else entity(EmailMessage, row)
    if message is None or message.status == EmailStatus.SENT:
        return
    assert settings.smtp_url
    try:
        await _deliver(settings.smtp_url, settings.mail_from, message)
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code < 500:
            raise  # temporary (4xx): the job runs again later
        # Permanent (5xx, e.g. no such mailbox): retrying cannot help; say why at once.
        await give_up(db, payload, f"{exc.code} {exc.message}")
        return
    except aiosmtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if any(r.code < 500 for r in exc.recipients):
            raise
        await give_up(db, payload, reasons)
        return
    await db.driver.run(lambda tx: tx.one(_SENT, {"message_id": message_id, "now": utcnow()}))


async def give_up(db: Database, payload: dict[str, Any], error: str) -> None:
    """A message that cannot be delivered: FAILED, with the reason."""
    params = {"message_id": uuid.UUID(payload["message_id"]), "reason": error[:2000]}
    await db.driver.run(lambda tx: tx.one(_FAILED, params))
