"""Shared schema pieces: global ids, the Node and UserError interfaces, the error members, and
the one mapping from domain errors to them."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from backend.domain import errors as domain


def to_global_id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{value}".encode()).decode().rstrip("="))


def from_global_id(global_id: str, expected: str) -> uuid.UUID | None:
    """The UUID inside an id of the expected type; None for anything else (then: "not found")."""
    try:
        text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, raw = text.partition(":")
        return uuid.UUID(raw) if type_name == expected else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def type_of_global_id(global_id: str) -> str | None:
    try:
        text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return text.partition(":")[0] or None


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:  # a fragment: its fields are selected here too
            yield from _fields(selection.selections)


def selects(info: strawberry.Info[Any, Any], *path: str) -> bool:
    """Whether the query selects the field at `path` (GraphQL names) below the field being
    resolved, through fragments: lets a resolver read with its rows what their fields ask for."""
    level = list(_fields(info.selected_fields))
    for name in path:
        level = [child for parent in level for child in _fields(parent.selections) if child.name == name]
        if not level:
            return False
    return True


@strawberry.interface(name="Node", description="An object with a global id.")
class Node:
    id: strawberry.ID


@strawberry.interface(name="UserError", description="A mistake the user can fix; `field` names the input.")
class UserError:
    code: str
    message: str
    field: str | None


@strawberry.type
class FieldError:
    field: str
    code: str
    message: str


@strawberry.type(description="Input failed validation; every bad field is in fieldErrors.")
class InvalidInput(UserError):
    field_errors: list[FieldError]


@strawberry.type(description="Unknown id, or one you have no access to: the two are indistinguishable.")
class NotFound(UserError):
    pass


@strawberry.type(
    description="NOT_ALLOWED: you may see this object, but your role does not allow the change "
    "(the message names the role)."
)
class NotAllowed(UserError):
    pass


@strawberry.type
class RateLimited(UserError):
    retry_after_seconds: int


@strawberry.type
class InvalidCredentials(UserError):
    pass


@strawberry.type
class EmailNotVerified(UserError):
    pass


@strawberry.type
class InvalidToken(UserError):
    pass


@strawberry.type(
    description="The key request cannot take this step: NOT_EDITABLE, EXPIRED, INCOMPLETE or ALREADY_CONFIRMED."
)
class KeyRequestNotEditable(UserError):
    pass


@strawberry.type
class SerialProblem:
    serial_number: str
    code: str = strawberry.field(
        description="MALFORMED | UNKNOWN_PREFIX | CHECK_DIGIT | UNKNOWN | ALREADY_REGISTERED | VOID | NOT_ELIGIBLE | RATE_LIMITED"
    )
    message: str


@strawberry.type(description="Nothing was added: one problem per rejected serial, in input order.")
class SerialNumbersRejected(UserError):
    problems: list[SerialProblem]


@strawberry.type(
    description="NOTIFICATION_UNKNOWN, NOTIFICATION_EXPIRED, MAINTENANCE_LAPSED, QUANTITY_EXCEEDED, ALREADY_UPGRADED"
)
class UpgradeRefused(UserError):
    pass


@strawberry.type(
    description="REHOST_LIMIT (nextAllowedAt says when), NOT_HOST_LOCKED, KEY_REVOKED, SAME_HOST"
)
class RehostRefused(UserError):
    next_allowed_at: datetime | None = None


@strawberry.type(description="INVALID_KEY (unknown or revoked: one answer), HOST_MISMATCH, SEATS_EXHAUSTED")
class ActivationRefused(UserError):
    pass


@strawberry.type(description="NOT_PENDING (only a pending delegation is answered), NOT_OPEN (already ended).")
class DelegationRefused(UserError):
    pass


@strawberry.type(description="LAST_ADMIN: the change would leave the account without an admin.")
class LastAdmin(UserError):
    pass


@strawberry.type(
    description="ALREADY_ENABLED, NOT_ENABLED, NO_SETUP (a code to confirm with no setup begun)."
)
class TwoFactorRefused(UserError):
    pass


@strawberry.type(
    description="ROLE (your contract role does not allow it), NOT_IN_CATALOG, ALREADY_RETURNED, NOT_READY."
)
class FlexRefused(UserError):
    pass


@strawberry.type(description="The cart costs more points than the contract's overage policy leaves.")
class FlexPointsExhausted(UserError):
    remaining_points: int


@strawberry.type(description="Draw-downs are open only between the contract's start and end dates.")
class FlexContractNotActive(UserError):
    starts_on: date
    ends_on: date


@strawberry.type(description="A draw-down can be returned for 30 days.")
class FlexReturnWindowClosed(UserError):
    closed_at: datetime


@strawberry.type(
    description="SSO_REQUIRED: the e-mail's organisation signs in through its identity provider only; "
    "send the browser to startUrl."
)
class SsoRequired(UserError):
    start_url: str


def error_member(exc: domain.UserError) -> Any:
    """The GraphQL union member for a domain error (typed Any: each union lists the ones it can get)."""
    base: dict[str, Any] = {"code": exc.code, "message": exc.message, "field": exc.field}
    if isinstance(exc, domain.InvalidInputError):
        return InvalidInput(
            **base,
            field_errors=[FieldError(field=p.field, code=p.code, message=p.message) for p in exc.problems],
        )
    if isinstance(exc, domain.NotFoundError):
        return NotFound(**base)
    if isinstance(exc, domain.NotAllowedError):
        return NotAllowed(**base)
    if isinstance(exc, domain.RateLimitedError):
        return RateLimited(**base, retry_after_seconds=exc.retry_after_seconds)
    if isinstance(exc, domain.InvalidCredentialsError):
        return InvalidCredentials(**base)
    if isinstance(exc, domain.EmailNotVerifiedError):
        return EmailNotVerified(**base)
    if isinstance(exc, domain.InvalidTokenError):
        return InvalidToken(**base)
    if isinstance(exc, domain.KeyRequestStateError):
        return KeyRequestNotEditable(**base)
    if isinstance(exc, domain.SerialsRejectedError):
        return SerialNumbersRejected(
            **base,
            problems=[
                SerialProblem(serial_number=p.serial_number, code=p.code, message=p.message)
                for p in exc.problems
            ],
        )
    if isinstance(exc, domain.UpgradeRefusedError):
        return UpgradeRefused(**base)
    if isinstance(exc, domain.RehostRefusedError):
        return RehostRefused(**base, next_allowed_at=exc.next_allowed_at)
    if isinstance(exc, domain.ActivationRefusedError):
        return ActivationRefused(**base)
    if isinstance(exc, domain.DelegationRefusedError):
        return DelegationRefused(**base)
    if isinstance(exc, domain.LastAdminError):
        return LastAdmin(**base)
    if isinstance(exc, domain.TwoFactorRefusedError):
        return TwoFactorRefused(**base)
    if isinstance(exc, domain.FlexRefusedError):
        return FlexRefused(**base)
    if isinstance(exc, domain.FlexPointsExhaustedError):
        return FlexPointsExhausted(**base, remaining_points=exc.remaining_points)
    if isinstance(exc, domain.FlexContractNotActiveError):
        return FlexContractNotActive(**base, starts_on=exc.starts_on, ends_on=exc.ends_on)
    if isinstance(exc, domain.FlexReturnWindowClosedError):
        return FlexReturnWindowClosed(**base, closed_at=exc.closed_at)
    if isinstance(exc, domain.SsoRequiredError):
        return SsoRequired(**base, start_url=exc.start_url)
    raise TypeError(f"unmapped user error {type(exc).__name__}")
