"""CSV cells that would start a formula in a spreadsheet are quoted; everything else is untouched."""

from __future__ import annotations

import csv
import io

from backend.domain.reports.tables import as_csv
from backend.domain.spreadsheet import safe_cell, safe_row


def test_formula_starts_get_a_leading_quote() -> None:
    for text in ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']:
        assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_are_unchanged() -> None:
    assert safe_row(["Acme", "", "a=b", "12.5", 3, -4, 2.5, None]) == [
        "Acme",
        "",
        "a=b",
        "12.5",
        3,
        -4,
        2.5,
        None,
    ]


def test_report_csv_quotes_formula_cells() -> None:
    # given a row whose account name is a formula
    text = as_csv(["account", "licenses"], [["=cmd|' /C calc'!A0", 2], ["Acme", -1]])
    # then it reads back as text and the numbers as written
    assert list(csv.reader(io.StringIO(text))) == [
        ["account", "licenses"],
        ["'=cmd|' /C calc'!A0", "2"],
        ["Acme", "-1"],
    ]
