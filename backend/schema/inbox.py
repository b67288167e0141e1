"""The notification centre: a user's in-app notifications (decision record 0017)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from backend.context import Info
from backend.db import models
from backend.domain.access import Permission, allows
from backend.domain.notifications import InboxPage
from backend.schema.account_refs import AccountRef, AccountRow
from backend.schema.common import InvalidInput, Node, NotFound, to_global_id
from backend.schema.licenses import PageInfo

strawberry.enum(
    models.InboxKind,
    name="InboxKind",
    description="What a notification is about. UPGRADE_AVAILABLE: an upgrade notification (code is its "
    "ID); KEYS_READY: the keys of a request you made; DELEGATION_INVITED: a customer invites your partner "
    "account; DELEGATION_ANSWERED: a partner accepted or declined your delegation; LICENSE_SHARED: a "
    "license was shared with you; MAINTENANCE_REMINDER: a license's maintenance ends soon.",
)


@strawberry.type(
    name="InboxItem",
    description="One notification of the notification centre; the same event also went out by mail.",
)
class InboxItemType(Node):
    kind: models.InboxKind
    title: str
    link: str = strawberry.field(
        description="Where the portal acts on it: a path of the portal's pages, e.g. "
        "/version-upgrade?notification=VU-… or /get-a-key/<key request id>."
    )
    code: str | None = strawberry.field(description="UPGRADE_AVAILABLE: the notification ID.")
    created_at: datetime
    read_at: datetime | None = strawberry.field(description="null while unread.")
    account_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, row: models.InboxItem) -> InboxItemType:
        return cls(
            id=to_global_id("InboxItem", row.id),
            kind=row.kind,
            title=row.title,
            link=row.link,
            code=row.code,
            created_at=row.created_at,
            read_at=row.read_at,
            account_id=row.account_id,
        )

    @strawberry.field(description="The account it is about, when you may see that account (else null).")
    async def account(self, info: Info) -> AccountRef | None:
        if self.account_id is None:
            return None
        loaders = info.context.loaders
        role = await loaders.account_role.load((info.context.actor.user_id, self.account_id))
        if not allows(role, Permission.VIEW):
            return None
        return AccountRow.from_model(await loaders.account.load(self.account_id))


@strawberry.type(name="InboxConnection")
class InboxConnection:
    nodes: list[InboxItemType]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many the query matches (all pages).")
    unread_count: int = strawberry.field(description="How many of your notifications are unread: the badge.")

    @classmethod
    def from_page(cls, page: InboxPage, after: str | None) -> InboxConnection:
        return cls(
            nodes=[InboxItemType.from_model(item) for item in page.items],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=None,
                end_cursor=page.end_cursor,
            ),
            total_count=page.total,
            unread_count=page.unread,
        )


@strawberry.input
class InboxMarkReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Your notifications to mark read (at most 100)."
    )
    all: bool = strawberry.field(default=False, description="Mark every notification read instead.")


@strawberry.type
class InboxMarkReadSuccess:
    items: list[InboxItemType] = strawberry.field(description="The notifications named by ids, now read.")
    marked: int = strawberry.field(description="How many were unread before.")
    unread_count: int


InboxMarkReadResult = Annotated[
    InboxMarkReadSuccess | InvalidInput | NotFound, strawberry.union("InboxMarkReadResult")
]
