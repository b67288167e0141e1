"""What every log line says about where it comes from: the request id, the acting user and the
account acted on. Context variables, so a request's tasks and the jobs it enqueued carry them."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id: ContextVar[str | None] = ContextVar("user_id", default=None)
account_id: ContextVar[str | None] = ContextVar("account_id", default=None)

# What a proxy may hand us as X-Request-ID: short, and nothing a log reader could mistake.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """A forwarded id if it is well formed (a trusted proxy's), else None."""
    return value if value is not None and _ACCEPTED.match(value) else None


def note_user(user: uuid.UUID | str | None) -> None:
    user_id.set(None if user is None else str(user))


def note_account(account: uuid.UUID | str | None) -> None:
    """The account a step acts on (access.require calls this once it allowed the step)."""
    account_id.set(None if account is None else str(account))
