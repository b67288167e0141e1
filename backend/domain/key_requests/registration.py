"""Support registration: who runs the product and whom the vendor contacts."""

from __future__ import annotations

import re
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email

from backend.domain.errors import FieldProblem, InvalidInputError

_PHONE = re.compile(r"^\+?[0-9 ()./\-]{5,30}$")
HOST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._\-]{0,63}$")
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


def _text(
    data: dict[str, Any], key: str, path: str, problems: list[FieldProblem], *, required: bool, limit: int
) -> str | None:
    raw = data.get(key)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        if required:
            problems.append(FieldProblem(path, "REQUIRED", "This field is required."))
        return None
    if len(value) > limit:
        problems.append(FieldProblem(path, "TOO_LONG", f"At most {limit} characters."))
    return value


def _contact(data: dict[str, Any], prefix: str, problems: list[FieldProblem]) -> dict[str, str | None]:
    name = _text(data, "name", f"{prefix}.name", problems, required=True, limit=200)
    email = _text(data, "email", f"{prefix}.email", problems, required=True, limit=254)
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(FieldProblem(f"{prefix}.email", "INVALID_EMAIL", "Enter a valid e-mail address."))
    phone = _text(data, "phone", f"{prefix}.phone", problems, required=False, limit=30)
    if phone is not None and not _PHONE.match(phone):
        problems.append(
            FieldProblem(f"{prefix}.phone", "INVALID_PHONE", "Use digits, spaces and + ( ) - only.")
        )
    return {"name": name, "email": email, "phone": phone}


def validate_registration(data: dict[str, Any]) -> dict[str, Any]:
    """Return the cleaned registration, or raise InvalidInputError naming every bad field."""
    problems: list[FieldProblem] = []
    company = _text(data, "company", "company", problems, required=True, limit=200)
    address_in = data.get("address") or {}
    address = {
        "line1": _text(address_in, "line1", "address.line1", problems, required=True, limit=200),
        "line2": _text(address_in, "line2", "address.line2", problems, required=False, limit=200),
        "city": _text(address_in, "city", "address.city", problems, required=True, limit=100),
        "postalCode": _text(
            address_in, "postalCode", "address.postalCode", problems, required=True, limit=20
        ),
        "country": _text(address_in, "country", "address.country", problems, required=True, limit=2),
    }
    country = address["country"]
    if country is not None:
        address["country"] = country.upper()
        if address["country"] not in COUNTRY_CODES:
            problems.append(
                FieldProblem("address.country", "INVALID_COUNTRY", "Choose a country (ISO 3166 code).")
            )
    technical = _contact(data.get("technicalContact") or {}, "technicalContact", problems)
    primary = _contact(data.get("primaryContact") or {}, "primaryContact", problems)
    if problems:
        raise InvalidInputError(problems)
    return {"company": company, "address": address, "technicalContact": technical, "primaryContact": primary}


def normalize_host_id(host_id: str | None) -> str:
    """The one normal form a host ID is stored, compared and signed in: trimmed, lower case
    ("00:1A:2B:3C:4D:5E" and "00:1a:2b:3c:4d:5e" are one host)."""
    return (host_id or "").strip().lower()


def validate_host_id(host_id: str | None, *, required: bool) -> str | None:
    """The host ID in its normal form (normalize_host_id), or the typed problem."""
    value = normalize_host_id(host_id)
    if not value:
        if required:
            raise InvalidInputError(
                [FieldProblem("hostId", "REQUIRED", "This product is locked to a host: enter its host ID.")]
            )
        return None
    if not HOST_ID.match(value):
        raise InvalidInputError(
            [FieldProblem("hostId", "INVALID_HOST_ID", "Use 1 to 64 letters, digits and : . _ - only.")]
        )
    return value


def validate_step(
    registration: dict[str, Any], host_id: str | None, *, host_required: bool
) -> tuple[dict[str, Any], str | None]:
    """The registration step of every door: the cleaned registration and host ID, or every
    problem of both at once."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] = {}
    host: str | None = None
    try:
        cleaned = validate_registration(registration)
    except InvalidInputError as exc:
        problems += exc.problems
    try:
        host = validate_host_id(host_id, required=host_required)
    except InvalidInputError as exc:
        problems += exc.problems
    if problems:
        raise InvalidInputError(problems)
    return cleaned, host
