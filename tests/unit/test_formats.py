"""Serial numbers, activation keys, dates, registration rules, signing keys."""

from __future__ import annotations

import json
from datetime import date

import pytest

from backend.db.models import Role, SerialKind
from backend.domain.access import Permission, _lesser, allows
from backend.domain.dates import add_months
from backend.domain.errors import InvalidInputError
from backend.domain.key_requests.registration import validate_host_id, validate_registration
from backend.domain.serials import luhn_digit, new_number, normalize, parse
from backend.keys import (
    InvalidLicenseFile,
    Signer,
    b64url,
    decrypt_private_key,
    generate_signing_key,
    new_activation_key,
    normalize_activation_key,
    public_jwk,
    verify_license_file,
)


def test_luhn_digit_matches_the_reference_example() -> None:
    assert luhn_digit("7992739871") == "3"  # the classic worked example of the Luhn algorithm


@pytest.mark.parametrize(
    "kind, letter", [(SerialKind.NEW, "M"), (SerialKind.RENEWAL, "R"), (SerialKind.UPGRADE, "U")]
)
def test_new_numbers_parse_cleanly(kind: SerialKind, letter: str) -> None:
    number = new_number(kind)
    assert number[0] == letter and len(number) == 11
    assert parse(number).problem is None


def test_input_is_normalised() -> None:
    assert normalize(" m123-456 7890 ") == "M1234567890"


@pytest.mark.parametrize("text", ["", "M123", "M12345678901", "MABCDEFGHIJ"])
def test_malformed_numbers(text: str) -> None:
    assert parse(text).problem == "MALFORMED"


def test_a_well_shaped_number_with_a_letter_we_do_not_issue_is_an_unknown_prefix() -> None:
    assert parse("X1234567890").problem == "UNKNOWN_PREFIX"


def test_a_single_digit_typo_is_a_check_digit_problem() -> None:
    number = new_number(SerialKind.NEW)
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert parse(typo).problem == "CHECK_DIGIT"


def test_activation_keys_have_five_groups_and_a_working_check_symbol() -> None:
    keys = {new_activation_key() for _ in range(200)}
    assert len(keys) == 200
    key = keys.pop()
    groups = key.split("-")
    assert [len(g) for g in groups] == [5] * 5
    assert normalize_activation_key(key.lower().replace("-", " ")) == key
    symbols = key.replace("-", "")
    wrong = symbols[:3] + ("0" if symbols[3] != "0" else "1") + symbols[4:]
    assert normalize_activation_key(wrong) is None


@pytest.mark.parametrize(
    "start, months, end",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 28), 12, date(2027, 11, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_registration_is_cleaned() -> None:
    cleaned = validate_registration(
        {
            "company": "  Acme ",
            "address": {"line1": "1 Main", "city": "Springfield", "postalCode": "1", "country": "de"},
            "technicalContact": {"name": "T", "email": "T@Example.COM"},
            "primaryContact": {"name": "P", "email": "p@example.com", "phone": "+49 (0)30 1234"},
        }
    )
    assert cleaned["company"] == "Acme" and cleaned["address"]["country"] == "DE"
    assert cleaned["technicalContact"]["email"] == "T@example.com"


def test_host_id_rules() -> None:
    assert validate_host_id(None, required=False) is None
    assert validate_host_id(" host-01 ", required=True) == "host-01"
    with pytest.raises(InvalidInputError):
        validate_host_id("", required=True)
    with pytest.raises(InvalidInputError):
        validate_host_id("bad host!", required=False)


def test_effective_right_is_the_lesser_of_role_and_scope() -> None:
    assert _lesser(Role.ADMIN, Role.VIEWER) == Role.VIEWER
    assert allows(Role.MEMBER, Permission.REQUEST_KEYS)
    assert not allows(Role.VIEWER, Permission.REQUEST_KEYS)
    assert not allows(None, Permission.VIEW)


def test_private_keys_are_encrypted_and_bound_to_the_secret() -> None:
    new = generate_signing_key("secret-one")
    assert decrypt_private_key(new.private_encrypted, "secret-one", new.kid)
    with pytest.raises(Exception):  # noqa: B017 (any decryption failure)
        decrypt_private_key(new.private_encrypted, "secret-two", new.kid)


def test_license_files_verify_only_with_their_key() -> None:
    new = generate_signing_key("s")
    signer = Signer(new.kid, decrypt_private_key(new.private_encrypted, "s", new.kid))
    token = signer.sign({"sub": "x", "quantity": 3})
    jwks = {"keys": [public_jwk(new.public_raw, new.kid)]}
    assert verify_license_file(token, jwks) == {"sub": "x", "quantity": 3}
    header, _payload, signature = token.split(".")
    forged = b64url(json.dumps({"sub": "x", "quantity": 300}).encode())
    with pytest.raises(InvalidLicenseFile):
        verify_license_file(f"{header}.{forged}.{signature}", jwks)
    with pytest.raises(InvalidLicenseFile):
        verify_license_file(token, {"keys": []})
