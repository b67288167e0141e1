"""The Messages page: mail the portal sent or holds for the signed-in user and their accounts."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.domain.mail import messages_for
from backend.schema.messages import EmailMessageType


@strawberry.type
class Query:
    @strawberry.field(description="Newest first; at most 100.")
    async def messages(self, info: Info, first: int = 50) -> list[EmailMessageType]:
        actor = info.context.actor
        assert info.context.user is not None
        async with info.context.loaders.session() as session:
            rows = await messages_for(session, actor.user_id, info.context.user.email, first)
        return [EmailMessageType.from_model(r) for r in rows]
