"""CSV cells a spreadsheet will not run: a text cell that starts like a formula (=, +, -, @, tab
or carriage return) gets a leading single quote, as OWASP's CSV-injection advice says, so a
custom value such as `=HYPERLINK(...)` opens as the text it is. Numbers stay numbers."""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in values]
