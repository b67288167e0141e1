"""The notification centre (decision record 0017): a user's in-app notifications and their unread
count. An event that mails someone — an upgrade notification, keys ready, a delegation invitation
or answer, a share, a maintenance reminder — passes a `Notice` to `mail.queue_email`, which writes
the mail and the notice in the same transaction (`deliver`): one write point for both, so the mail
and the notification centre never disagree about what happened.

Who gets the notice: `Notice.user_id` when the caller names the user (keys ready goes to the
user who requested the keys, whoever the mail goes to), else the portal user whose e-mail is the
mail's address; an address without a portal user gets the mail and no notice. A notice's `link`
is a path of the SPA (frontend/src/App.tsx); the link helpers below build them."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast
from urllib.parse import quote

from sqlalchemy import Table, bindparam, func, insert, or_, select, update

from backend.db.driver import DriverTransaction, Prepared, entity, ids_match
from backend.db.engine import Database
from backend.db.models import InboxItem, InboxKind, KeyRequestKind, User, utcnow
from backend.domain.access import Actor
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.events import EventBus

MAX_PAGE = 100
_items, _users = (cast(Table, model.__table__) for model in (InboxItem, User))


@dataclass(frozen=True)
class Notice:
    """The in-app side of a mail: what it is about, a one-line title, the SPA path that acts on it
    and, for an upgrade notification, its ID. `user_id` names the recipient when it is not the
    mail's addressee."""

    kind: InboxKind
    title: str
    link: str
    code: str | None = None
    user_id: uuid.UUID | None = None


def topic(user_id: uuid.UUID) -> str:
    """The event a user's notification centre listens to: their unread count changed."""
    return f"inbox:{user_id}"


# ------------------------------------------------------------------------------- the SPA's links


def _node_id(type_name: str, value: uuid.UUID) -> str:
    """The object's GraphQL id, as the SPA's routes take it (the same encoding as
    schema.common.to_global_id; tests/api/test_inbox.py holds them equal)."""
    return base64.urlsafe_b64encode(f"{type_name}:{value}".encode()).decode().rstrip("=")


def upgrade_link(code: str) -> str:
    """Version Upgrade's start page, with the notification ID to start from."""
    return f"/version-upgrade?notification={quote(code)}"


_KEY_REQUEST_PAGES = {
    KeyRequestKind.NEW: "/get-a-key/",
    KeyRequestKind.UPGRADE: "/version-upgrade/",
    KeyRequestKind.REHOST: "/rehost/",
    KeyRequestKind.FLEX: "/flex/draw-downs/",
}


def key_request_link(kind: KeyRequestKind, key_request_id: uuid.UUID) -> str:
    """The page of the wizard the request came from, which shows its keys once READY."""
    page = _KEY_REQUEST_PAGES.get(kind)
    return "/vouchers" if page is None else page + _node_id("KeyRequest", key_request_id)


def license_link(license_id: uuid.UUID) -> str:
    return "/licenses/" + _node_id("License", license_id)


PARTNER_DELEGATIONS = "/partner/delegations"  # a partner's admins answer invitations here
ACCOUNT_PARTNERS = "/account/partners"  # a customer's admins see their delegations here


# ---------------------------------------------------------------------------------- the writing

_USER_BY_EMAIL = Prepared(select(_users.c.id).where(_users.c.email == bindparam("email")))
_NEW = Prepared(
    insert(_items),
    ["id", "user_id", "account_id", "kind", "title", "link", "code", "created_at", "read_at"],
)


async def deliver(
    tx: DriverTransaction, bus: EventBus, notice: Notice, *, to: str, account_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The notice in its recipient's notification centre, in the mail's transaction; their
    subscriptions are told after the commit. The item's id, or None without a portal user."""
    user_id = notice.user_id
    if user_id is None:
        found = await tx.one(_USER_BY_EMAIL, {"email": to.strip().lower()})
        if found is None:
            return None
        user_id = found["id"]
    item_id = uuid.uuid4()
    await tx.one(
        _NEW,
        {
            "id": item_id,
            "user_id": user_id,
            "account_id": account_id,
            "kind": notice.kind,
            "title": notice.title[:300],
            "link": notice.link[:500],
            "code": notice.code,
            "created_at": utcnow(),
            "read_at": None,
        },
    )
    _publish_after_commit(tx, bus, user_id)
    return item_id


def _publish_after_commit(tx: DriverTransaction, bus: EventBus, user_id: uuid.UUID) -> None:
    async def publish() -> None:
        await bus.publish(topic(user_id))

    tx.after_commit(publish)


# ---------------------------------------------------------------------------------- the reading


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    has_next: bool
    end_cursor: str | None
    total: int
    unread: int


def _cursor(item: InboxItem) -> str:
    return base64.urlsafe_b64encode(json.dumps([item.created_at.isoformat(), str(item.id)]).encode()).decode()


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        at, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), uuid.UUID(item_id)
    except (ValueError, TypeError):
        raise InvalidInputError(
            [FieldProblem("after", "INVALID", "This cursor is not one we gave out.")]
        ) from None


def _mine(unread_only: bool, user: str = "user_id") -> list[Any]:
    """The user's items (an UPDATE's parameter may not take a column's name: `user` names it)."""
    conditions = [_items.c.user_id == bindparam(user)]
    if unread_only:
        conditions.append(_items.c.read_at.is_(None))
    return conditions


def _page(unread_only: bool, keyset: bool) -> Prepared:
    conditions = _mine(unread_only)
    if keyset:
        at = bindparam("after_at", type_=_items.c.created_at.type)
        item_id = bindparam("after_id", type_=_items.c.id.type)
        conditions.append(
            or_(_items.c.created_at < at, (_items.c.created_at == at) & (_items.c.id < item_id))
        )
    return Prepared(
        select(_items)
        .where(*conditions)
        .order_by(_items.c.created_at.desc(), _items.c.id.desc())
        .limit(bindparam("limit"))
    )


_PAGES = {
    (unread_only, keyset): _page(unread_only, keyset)
    for unread_only in (False, True)
    for keyset in (False, True)
}
_COUNTS = Prepared(
    select(
        func.count().label("total"),
        func.count(_items.c.read_at).label("read"),
    ).where(_items.c.user_id == bindparam("user_id"))
)
_UNREAD = Prepared(select(func.count()).where(*_mine(True)))


async def _unread(tx: DriverTransaction, user_id: uuid.UUID) -> int:
    row = await tx.one(_UNREAD, {"user_id": user_id})
    return 0 if row is None else int(next(iter(row.values())))


async def page(db: Database, actor: Actor, first: int, after: str | None, unread_only: bool) -> InboxPage:
    """A page of the signed-in user's notifications, newest first (keyset cursors), with the
    counts the badge shows."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInputError(
            [FieldProblem("first", "RANGE", f"Ask for 1 to {MAX_PAGE} notifications at a time.")]
        )
    start = _after(after)

    async def read(tx: DriverTransaction) -> InboxPage:
        params: dict[str, Any] = {"user_id": actor.user_id, "limit": first + 1}
        if start is not None:
            params["after_at"], params["after_id"] = start
        rows = await tx.all(_PAGES[(unread_only, start is not None)], params)
        counts = await tx.one(_COUNTS, {"user_id": actor.user_id})
        items = [entity(InboxItem, row) for row in rows[:first]]
        total = 0 if counts is None else int(counts["total"])
        unread = 0 if counts is None else total - int(counts["read"])
        return InboxPage(
            items,
            has_next=len(rows) > first,
            end_cursor=_cursor(items[-1]) if items else None,
            total=unread if unread_only else total,
            unread=unread,
        )

    return await db.driver.run(read)


async def unread_count(db: Database, user_id: uuid.UUID) -> int:
    return await db.driver.run(lambda tx: _unread(tx, user_id), transaction=False)


_ONE = Prepared(
    select(_items).where(_items.c.id == bindparam("item_id"), _items.c.user_id == bindparam("user_id"))
)


async def one(db: Database, actor: Actor, item_id: uuid.UUID) -> InboxItem | None:
    """One of the user's notifications; None for an unknown id or another user's."""
    row = await db.driver.run(
        lambda tx: tx.one(_ONE, {"item_id": item_id, "user_id": actor.user_id}), transaction=False
    )
    return None if row is None else entity(InboxItem, row)


# ------------------------------------------------------------------------------ marking as read


@dataclass(frozen=True)
class Marked:
    items: list[InboxItem]  # the items named by id, as they are now (none for `all`)
    marked: int  # how many went from unread to read
    unread: int


@cache
def _named(dialect: str) -> Prepared:
    return Prepared(
        select(_items)
        .where(_items.c.user_id == bindparam("user_id"), ids_match(_items.c.id, dialect))
        .order_by(_items.c.created_at.desc(), _items.c.id.desc())
    )


@cache
def _mark_named(dialect: str) -> Prepared:
    return Prepared(
        update(_items)
        .where(*_mine(True, "of_user"), ids_match(_items.c.id, dialect))
        .values(read_at=bindparam("now"))
        .returning(_items.c.id)
    )


_MARK_ALL = Prepared(
    update(_items).where(*_mine(True, "of_user")).values(read_at=bindparam("now")).returning(_items.c.id)
)


async def mark_read(
    db: Database, bus: EventBus, actor: Actor, ids: list[uuid.UUID | None] | None, every: bool
) -> Marked:
    """Mark the named notifications (or with `every` all of them) read. An id that is not one of
    the user's notifications answers like an unknown id, and then nothing is marked."""
    if every == (ids is not None and len(ids) > 0):
        raise InvalidInputError(
            [FieldProblem("ids", "ONE_OF", "Name the notifications to mark read, or all of them.")]
        )
    if ids is not None and len(ids) > MAX_PAGE:
        raise InvalidInputError(
            [FieldProblem("ids", "RANGE", f"Mark at most {MAX_PAGE} notifications at a time.")]
        )
    wanted = [] if every or ids is None else list(dict.fromkeys(ids))
    if any(item_id is None for item_id in wanted):
        raise NotFoundError("ids", "notification")

    async def work(tx: DriverTransaction) -> Marked:
        now = utcnow()
        if every:
            marked = await tx.all(_MARK_ALL, {"of_user": actor.user_id, "now": now})
            items: list[InboxItem] = []
        else:
            params = {"user_id": actor.user_id, "ids": wanted}
            if len(await tx.all(_named(tx.dialect), params)) != len(wanted):
                raise NotFoundError("ids", "notification")
            marked = await tx.all(
                _mark_named(tx.dialect), {"of_user": actor.user_id, "ids": wanted, "now": now}
            )
            items = [entity(InboxItem, row) for row in await tx.all(_named(tx.dialect), params)]
        if marked:
            _publish_after_commit(tx, bus, actor.user_id)
        return Marked(items, len(marked), await _unread(tx, actor.user_id))

    return await db.driver.run(work)
