"""The mail outbox: every message is a row first; a job delivers it over SMTP when a server is
configured, otherwise it is HELD and shown on the Messages page."""

from __future__ import annotations

import uuid
from email.message import EmailMessage as MimeMessage
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlparse

import aiosmtplib
from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.driver import DriverTransaction, Prepared
from backend.db.models import EmailMessage, EmailStatus, Membership, utcnow
from backend.jobs import enqueue, enqueue_in, job_handler

if TYPE_CHECKING:
    from backend.portal import Portal

SEND_EMAIL = "send_email"


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


def queue_email(
    portal: Portal,
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    account_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    key_request_id: uuid.UUID | None = None,
) -> EmailMessage:
    message = EmailMessage(
        id=uuid.uuid4(),
        to_address=to,
        subject=subject,
        body=body,
        account_id=account_id,
        user_id=user_id,
        key_request_id=key_request_id,
        status=EmailStatus.QUEUED if portal.settings.smtp_url else EmailStatus.HELD,
    )
    session.add(message)
    if portal.settings.smtp_url:
        enqueue(session, portal.bus.wake_workers, SEND_EMAIL, {"message_id": str(message.id)}, max_attempts=6)
    return message


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


async def queue_email_in(
    portal: Portal,
    tx: DriverTransaction,
    *,
    to: str,
    subject: str,
    body: str,
    account_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    key_request_id: uuid.UUID | None = None,
) -> int | None:
    """queue_email() on the driver: the delivery job's id (for bus.wake_workers() after the
    commit), or None when the message is held."""
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
            "status": EmailStatus.QUEUED if portal.settings.smtp_url else EmailStatus.HELD,
            "created_at": utcnow(),
        },
    )
    if not portal.settings.smtp_url:
        return None
    return await enqueue_in(tx, SEND_EMAIL, {"message_id": str(message_id)}, max_attempts=6)


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


async def _send(portal: Portal, payload: dict[str, Any]) -> None:
    message_id = uuid.UUID(payload["message_id"])
    async with portal.db.read() as session:
        message = await session.get(EmailMessage, message_id)
    if message is None or message.status == EmailStatus.SENT:
        return
    assert portal.settings.smtp_url
    try:
        await _deliver(portal.settings.smtp_url, portal.settings.mail_from, message)
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code < 500:
            raise  # temporary (4xx): the job runs again later
        # Permanent (5xx, e.g. no such mailbox): retrying cannot help; say why at once.
        await _give_up(portal, payload, f"{exc.code} {exc.message}")
        return
    except aiosmtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if any(r.code < 500 for r in exc.recipients):
            raise
        await _give_up(portal, payload, reasons)
        return
    async with portal.db.write() as session:
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == message_id)
            .values(status=EmailStatus.SENT, sent_at=utcnow(), error=None)
        )


async def _give_up(portal: Portal, payload: dict[str, Any], error: str) -> None:
    async with portal.db.write() as session:
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == uuid.UUID(payload["message_id"]))
            .values(status=EmailStatus.FAILED, error=error[:2000])
        )


job_handler(SEND_EMAIL, on_final_failure=_give_up)(_send)
