"""The notification centre: inbox, inboxMarkRead, the inboxUpdated subscription."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import strawberry

from backend.context import Info
from backend.domain import notifications
from backend.resolvers.steps import run_step
from backend.schema.common import from_global_id
from backend.schema.inbox import (
    InboxConnection,
    InboxItemType,
    InboxMarkReadInput,
    InboxMarkReadResult,
    InboxMarkReadSuccess,
)

# A subscription reads the count again this often even without an event (a lost NOTIFY).
RECHECK_SECONDS = 30.0


@strawberry.type
class Query:
    @strawberry.field(
        description="Your notifications, newest first (first ≤ 100), with the unread count for the badge."
    )
    async def inbox(
        self, info: Info, first: int = 20, after: str | None = None, unread_only: bool = False
    ) -> InboxConnection:
        ctx = info.context
        page = await notifications.page(ctx.portal.db, ctx.actor, first, after, unread_only)
        return InboxConnection.from_page(page, after)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Mark some of your notifications (ids) or all of them (all: true) read. An id that is "
        "not one of your notifications answers NotFound, and nothing is marked."
    )
    async def inbox_mark_read(self, info: Info, input: InboxMarkReadInput) -> InboxMarkReadResult:
        ctx = info.context
        ids = None if input.ids is None else [from_global_id(i, "InboxItem") for i in input.ids]
        step = notifications.mark_read(ctx.portal.db, ctx.portal.bus, ctx.actor, ids, input.all)

        def success(done: notifications.Marked) -> InboxMarkReadSuccess:
            return InboxMarkReadSuccess(
                items=[InboxItemType.from_model(item) for item in done.items],
                marked=done.marked,
                unread_count=done.unread,
            )

        result: InboxMarkReadResult = await run_step(step, success)
        return result


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Your unread count now and whenever it changes.")
    async def inbox_updated(self, info: Info) -> AsyncGenerator[int, None]:
        portal = info.context.portal
        user_id = info.context.actor.user_id
        # Subscribe before the first read so no change between the two is missed.
        async with portal.bus.subscribe(notifications.topic(user_id)) as queue:
            last = None
            while True:
                count = await notifications.unread_count(portal.db, user_id)
                if count != last:
                    last = count
                    yield count
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), RECHECK_SECONDS)
                while not queue.empty():
                    queue.get_nowait()
