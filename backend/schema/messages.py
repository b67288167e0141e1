"""The mail outbox as the Messages page shows it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.db import models
from backend.schema.common import Node, to_global_id

strawberry.enum(models.EmailStatus, name="EmailStatus")


@strawberry.type(name="EmailMessage")
class EmailMessageType(Node):
    to: str
    subject: str
    body: str
    status: models.EmailStatus
    error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_model(cls, row: models.EmailMessage) -> EmailMessageType:
        return cls(
            id=to_global_id("EmailMessage", row.id),
            to=row.to_address,
            subject=row.subject,
            body=row.body,
            status=row.status,
            error=row.error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
