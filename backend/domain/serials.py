"""Serial numbers: one letter (M new purchase, R renewal, U upgrade) and ten digits, the last a
Luhn check digit over the other nine."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from backend.db.models import SerialKind

KIND_LETTER = {SerialKind.NEW: "M", SerialKind.RENEWAL: "R", SerialKind.UPGRADE: "U"}
LETTER_KIND = {v: k for k, v in KIND_LETTER.items()}
_SHAPE = re.compile(r"^[A-Z]\d{10}$")
_SEPARATORS = re.compile(r"[\s\-_.]+")


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def normalize(text: str) -> str:
    """Upper case without spaces or dashes: "m123-456 7890" -> "M1234567890"."""
    return _SEPARATORS.sub("", text).upper()


@dataclass(frozen=True)
class Parsed:
    number: str
    problem: str | None  # MALFORMED | UNKNOWN_PREFIX | CHECK_DIGIT | None


def parse(text: str) -> Parsed:
    number = normalize(text)
    if not _SHAPE.match(number):
        return Parsed(number, "MALFORMED")
    if number[0] not in LETTER_KIND:
        return Parsed(number, "UNKNOWN_PREFIX")
    if luhn_digit(number[1:10]) != number[10]:
        return Parsed(number, "CHECK_DIGIT")
    return Parsed(number, None)


def new_number(kind: SerialKind) -> str:
    body = f"{secrets.randbelow(10**9):09d}"
    return f"{KIND_LETTER[kind]}{body}{luhn_digit(body)}"


def display(number: str) -> str:
    """Grouped for reading aloud: M123-456-7890."""
    return f"{number[:4]}-{number[4:7]}-{number[7:]}"
