"""Which accounts a report covers: one account the caller may see, or — without one — every
customer account the caller's partner accounts manage. Decided once per report, through
backend.domain.access; an unknown or foreign account answers NotFoundError alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from backend.db.driver import DriverTransaction
from backend.db.engine import Database
from backend.domain import access
from backend.domain.access import Actor, Permission
from backend.domain.errors import NotFoundError
from backend.domain.licenses.finding import today


@dataclass(frozen=True)
class Scope:
    """The accounts a report counts, and the day it is as of (UTC), fixed when the scope is
    decided so every part of one report agrees on "today"."""

    account_ids: tuple[uuid.UUID, ...]
    on: date
    managed: bool  # every account the caller manages as a partner (no account was chosen)


async def managed_accounts(tx: DriverTransaction, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The customer accounts the user works on through a partner account's active delegation:
    the accounts they may see, less those they see as members of their own."""
    seen = await access.viewable_accounts(tx, user_id)
    found = await access.grants(tx, user_id, seen)
    return [a for a, g in found.items() if g is not None and g.acting_account_id != a]


async def decide(db: Database, actor: Actor, account_id: uuid.UUID | None, *, chosen: bool) -> Scope:
    """The report's scope. `chosen`: an account id was given (None then means an id that names
    nothing, which answers as an unknown account does)."""

    async def read(tx: DriverTransaction) -> Scope:
        if chosen:
            if account_id is None or not await access.may(tx, actor, account_id, Permission.VIEW):
                raise NotFoundError("accountId", "account")
            return Scope((account_id,), today(), managed=False)
        return Scope(tuple(await managed_accounts(tx, actor.user_id)), today(), managed=True)

    return await db.driver.run(read, transaction=False)
