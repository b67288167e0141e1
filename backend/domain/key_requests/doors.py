"""The two steps several doors share by name: keyRequestSetRegistration and keyRequestConfirm
serve Get a Key and Enterprise Flexible draw-downs alike. The request's kind picks the door's half
of the step; the pipeline around it (access, draft state, idempotency) is one."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from backend.config import Settings
from backend.db.driver import DriverTransaction
from backend.db.engine import Database
from backend.db.models import KeyRequest, KeyRequestKind
from backend.domain.access import Actor, Grant
from backend.domain.flex import drawdown
from backend.domain.key_requests import get_a_key
from backend.domain.key_requests.pipeline import Confirmed, change_draft, confirm_draft
from backend.events import EventBus

Registration = Callable[
    [DriverTransaction, EventBus, Actor, KeyRequest, Grant, dict[str, Any], str | None],
    Awaitable[get_a_key.Drafted | KeyRequest],
]
_REGISTRATION: dict[KeyRequestKind, Registration] = {
    KeyRequestKind.NEW: get_a_key.registration_step,
    KeyRequestKind.FLEX: drawdown.registration_step,
}
_COMMIT = {KeyRequestKind.NEW: get_a_key.commit, KeyRequestKind.FLEX: drawdown.commit}


async def set_registration(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    registration: dict[str, Any],
    host_id: str | None,
) -> get_a_key.Drafted | KeyRequest:
    async def change(
        tx: DriverTransaction, request: KeyRequest, grant: Grant
    ) -> get_a_key.Drafted | KeyRequest:
        step = _REGISTRATION[request.kind]
        return await step(tx, bus, actor, request, grant, registration, host_id)

    return await change_draft(
        db, settings.draft_ttl_days, actor, key_request_id, frozenset(_REGISTRATION), change
    )


async def confirm(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    idempotency_key: str,
) -> Confirmed:
    async def commit(tx: DriverTransaction, request: KeyRequest, grant: Grant, key: str) -> Confirmed:
        return await _COMMIT[request.kind](tx, bus, settings, actor, request, grant, key)

    return await confirm_draft(
        db, settings.draft_ttl_days, actor, key_request_id, idempotency_key, frozenset(_COMMIT), commit
    )
