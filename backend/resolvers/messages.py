"""The Messages page: mail the portal sent or holds for the signed-in user and their accounts."""

from __future__ import annotations

import strawberry
from sqlalchemy import or_, select

from backend.context import Info
from backend.db.models import EmailMessage, Membership
from backend.schema.messages import EmailMessageType


@strawberry.type
class Query:
    @strawberry.field(description="Newest first; at most 100.")
    async def messages(self, info: Info, first: int = 50) -> list[EmailMessageType]:
        actor = info.context.actor
        assert info.context.user is not None
        my_accounts = select(Membership.account_id).where(Membership.user_id == actor.user_id)
        async with info.context.portal.db.read() as session:
            rows = await session.scalars(
                select(EmailMessage)
                .where(
                    or_(
                        EmailMessage.user_id == actor.user_id,
                        EmailMessage.to_address == info.context.user.email,
                        EmailMessage.account_id.in_(my_accounts),
                    )
                )
                .order_by(EmailMessage.created_at.desc())
                .limit(max(1, min(first, 100)))
            )
            return [EmailMessageType.from_model(r) for r in rows]
