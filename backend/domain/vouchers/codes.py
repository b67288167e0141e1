"""Voucher codes: 16 Crockford base32 symbols read in four groups of four, the last a check symbol
(Luhn mod 32, keys.check_symbol), so a mistyped character is caught as a typo before any lookup.
75 random bits each. Input is case-, space- and dash-insensitive, with Crockford's aliases (O→0,
I/L→1). Only an HMAC of the canonical code with the server secret is stored: a copy of the
database cannot be redeemed."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum

from backend.keys import CROCKFORD, CROCKFORD_ALIASES, check_symbol, random_symbols

LENGTH = 16


class Reading(Enum):
    WELL_FORMED = "WELL_FORMED"
    EMPTY = "EMPTY"
    MALFORMED = "MALFORMED"  # wrong length or a symbol outside the alphabet
    CHECK_FAILED = "CHECK_FAILED"


@dataclass(frozen=True)
class ReadCode:
    reading: Reading
    symbols: str  # canonical symbols without dashes (as far as they could be read)

    @property
    def last_four(self) -> str | None:
        return self.symbols[-4:] if self.symbols else None


def new_code() -> str:
    body = random_symbols(LENGTH - 1)
    return grouped(body + check_symbol(body))


def grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4))


def read(text: str) -> ReadCode:
    """What the user typed, read as a voucher code."""
    symbols = "".join(ch for ch in text.upper() if ch not in " -\t").translate(CROCKFORD_ALIASES)
    if not symbols:
        return ReadCode(Reading.EMPTY, "")
    if len(symbols) != LENGTH or any(ch not in CROCKFORD for ch in symbols):
        return ReadCode(Reading.MALFORMED, symbols[-4:] if len(symbols) <= 64 else "")
    if check_symbol(symbols[:-1]) != symbols[-1]:
        return ReadCode(Reading.CHECK_FAILED, symbols)
    return ReadCode(Reading.WELL_FORMED, symbols)


def code_hash(secret_key: str, symbols: str) -> str:
    """The keyed hash a voucher is stored and looked up by."""
    key = hashlib.sha256(b"voucher-code:" + secret_key.encode()).digest()
    return hmac.new(key, symbols.encode("ascii"), hashlib.sha256).hexdigest()
