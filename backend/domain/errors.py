"""User mistakes as exceptions: raised inside a transaction (so it rolls back and changes nothing),
mapped to typed GraphQL UserError members in one place (schema/errors.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class SerialProblem:
    serial_number: str
    code: str
    message: str


class UserError(Exception):
    code = "USER_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, Any]:
        """What a GraphQL error raised from a query field carries (graphql-core copies it): the
        code and the field, as the mutation's UserError members say them."""
        return {"code": self.code, "field": self.field}


class NotFoundError(UserError):
    """Unknown and forbidden ids get this same answer: no existence oracle."""

    code = "NOT_FOUND"

    def __init__(self, field: str, what: str = "object") -> None:
        super().__init__(f"No such {what}, or you do not have access to it.", field)


class NotAllowedError(UserError):
    """The caller may see the object but not make this change: their role says so (objects the
    caller cannot see still answer NotFoundError)."""

    code = "NOT_ALLOWED"

    def __init__(self, field: str, role: str, action: str) -> None:
        super().__init__(f"Your role ({role}) cannot {action}.", field)


class MissingScopeError(UserError):
    """An API token asked for something its scopes do not name (the user's roles may allow it)."""

    code = "FORBIDDEN"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This API token lacks the {scope} scope: create a token with it.")
        self.scope = scope

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "field": None, "requiredScope": self.scope}


class InvalidInputError(UserError):
    code = "INVALID_INPUT"

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0]
        message = first.message if len(problems) == 1 else f"{len(problems)} fields need attention."
        super().__init__(message, first.field)
        self.problems = problems

    @property
    def extensions(self) -> dict[str, Any]:
        return {
            **super().extensions,
            "fieldErrors": [{"field": p.field, "code": p.code, "message": p.message} for p in self.problems],
        }


class RateLimitedError(UserError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after_seconds: int, field: str | None = None) -> None:
        if retry_after_seconds < 60:
            later = f"{retry_after_seconds} second(s)"
        else:
            later = f"about {max(1, round(retry_after_seconds / 60))} minute(s)"
        super().__init__(f"Too many failed attempts. Try again in {later}.", field)
        self.retry_after_seconds = retry_after_seconds


class InvalidCredentialsError(UserError):
    code = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("The e-mail address or password is not correct.", "password")


class EmailNotVerifiedError(UserError):
    code = "EMAIL_NOT_VERIFIED"

    def __init__(self) -> None:
        super().__init__(
            "Please confirm your e-mail address first: follow the link we e-mailed you.", "email"
        )


class InvalidTokenError(UserError):
    code = "INVALID_TOKEN"

    def __init__(self) -> None:
        super().__init__("This link is invalid or has expired.", "token")


class KeyRequestStateError(UserError):
    """NOT_EDITABLE, EXPIRED, INCOMPLETE or ALREADY_CONFIRMED."""

    def __init__(self, code: str, message: str, field: str | None = "keyRequestId") -> None:
        super().__init__(message, field)
        self.code = code


class SerialsRejectedError(UserError):
    code = "SERIALS_REJECTED"

    def __init__(self, problems: list[SerialProblem]) -> None:
        count = len(problems)
        noun = "serial number was" if count == 1 else "serial numbers were"
        super().__init__(f"{count} {noun} not accepted; nothing was added.", "serialNumbers")
        self.problems = problems


class RefusedError(UserError):
    """A rule of the product says no; `code` says which (each door lists its codes)."""

    def __init__(self, code: str, message: str, field: str | None) -> None:
        super().__init__(message, field)
        self.code = code


class UpgradeRefusedError(RefusedError):
    """NOTIFICATION_UNKNOWN, NOTIFICATION_EXPIRED, MAINTENANCE_LAPSED, QUANTITY_EXCEEDED, ALREADY_UPGRADED."""


class RehostRefusedError(RefusedError):
    """REHOST_LIMIT (with next_allowed_at), NOT_HOST_LOCKED, KEY_REVOKED, SAME_HOST."""

    def __init__(
        self, code: str, message: str, field: str | None, next_allowed_at: datetime | None = None
    ) -> None:
        super().__init__(code, message, field)
        self.next_allowed_at = next_allowed_at


class ActivationRefusedError(RefusedError):
    """INVALID_KEY (unknown or revoked: one answer), HOST_MISMATCH, SEATS_EXHAUSTED."""


class DelegationRefusedError(RefusedError):
    """NOT_PENDING (accept/decline), NOT_OPEN (revoke)."""

    code = "DELEGATION_REFUSED"


class LastAdminError(UserError):
    """The change would leave an account without an ADMIN."""

    code = "LAST_ADMIN"

    def __init__(self, field: str | None = "userId") -> None:
        super().__init__("An account needs at least one admin: make someone else an admin first.", field)


class FlexRefusedError(RefusedError):
    """ROLE (the caller's contract role does not allow it), NOT_IN_CATALOG, ALREADY_RETURNED,
    NOT_READY (keys still being signed), NOT_A_DRAW."""


class FlexPointsExhaustedError(UserError):
    """The cart costs more points than the contract's overage policy leaves."""

    code = "FLEX_POINTS_EXHAUSTED"

    def __init__(self, remaining_points: int, cost_points: int, field: str | None = "keyRequestId") -> None:
        super().__init__(
            f"This draw-down costs {cost_points} points but only {max(remaining_points, 0)} remain "
            "on the contract. Remove items or ask your super user to extend the contract.",
            field,
        )
        self.remaining_points = max(remaining_points, 0)


class FlexContractNotActiveError(UserError):
    """Draw-downs are possible only between the contract's start and end dates."""

    code = "FLEX_CONTRACT_NOT_ACTIVE"

    def __init__(self, starts_on: date, ends_on: date, today: date, field: str | None = "contractId") -> None:
        message = (
            f"This contract starts on {starts_on.isoformat()}; draw-downs open then."
            if today < starts_on
            else f"This contract ended on {ends_on.isoformat()}; draw-downs are closed."
        )
        super().__init__(message, field)
        self.starts_on, self.ends_on = starts_on, ends_on


class FlexReturnWindowClosedError(UserError):
    """A draw-down can be returned for 30 days."""

    code = "FLEX_RETURN_WINDOW_CLOSED"

    def __init__(self, closed_at: datetime, field: str | None = "licenseId") -> None:
        super().__init__(
            f"The return window for this license closed on {closed_at.date().isoformat()} "
            "(30 days after the draw-down).",
            field,
        )
        self.closed_at = closed_at


class TwoFactorRefusedError(RefusedError):
    """ALREADY_ENABLED, NOT_ENABLED, NO_SETUP (confirming with no setup begun)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)


class SsoRequiredError(UserError):
    """The e-mail's domain signs in through its company's identity provider only (single sign-on
    required by the account that holds the domain); the password is not even checked."""

    code = "SSO_REQUIRED"

    def __init__(self, start_url: str) -> None:
        super().__init__(
            "Your organisation requires its company sign-in: use “Continue with company sign-in”.", "email"
        )
        self.start_url = start_url
