"""The month as CSV for the accountant's spreadsheet: one row a fill."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from .report import month_fills

COLUMNS = [
    "date",
    "rx_number",
    "batch",
    "preparation",
    "units",
    "unit",
    "days_supply",
    "ingredient_cost",
    "labour_cost",
    "fees",
    "total_cost",
    "price",
    "margin",
    "currency",
    "price_overridden",
    "override_reason",
]
# A cell starting with one of these is read by spreadsheets as a formula (OWASP, "CSV
# Injection"): =HYPERLINK(...) typed as a reason for a price would run on the accountant's
# machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made plain text with a leading '.
    Numbers are left as numbers (a negative margin stays -3.20)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(month: dt.date) -> Iterator[str]:
    """The month's CSV, a line at a time (streamed: a month may hold thousands of fills)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for fill, unit in month_fills(month):
        row = [
            fill.local_date.isoformat(),
            fill.rx_number,
            fill.batch_number,
            fill.preparation,
            fill.units,
            unit,
            fill.days_supply,
            fill.ingredient_cost,
            fill.labour_cost,
            fill.fees,
            fill.total_cost,
            fill.price,
            fill.margin,
            fill.currency,
            "yes" if fill.price_overridden else "no",
            fill.override_reason,
        ]
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.getvalue():
        yield out.getvalue()
