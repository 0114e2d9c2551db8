"""The simplification plan as CSV: UTF-8 with a byte order mark (so that spreadsheet programs
read Vietnamese and Thai text correctly), comma separated, one row per mark with its agency.

Machine readable: no group or subtotal rows (sum the saving column per agency instead), and
amounts as plain numbers with a decimal point and no grouping ("229500000000", "1500.5"). An
amount that cannot be computed is an empty cell and the note says why. Text that a spreadsheet
could run as a formula gets a leading apostrophe (``app/exports/cells.py``).
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from app.exports.cells import csv_text
from app.exports.plan import Plan, headers


def plain_number(value) -> str:
    """A Decimal as plain text: 1500000, 0.5 (never 1.5E+6)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def write_plan(plan: Plan, path: Path, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the plan to ``path`` (a .csv file)."""
    total = plan.row_count
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([csv_text(str(text)) for text in headers()])
        for done, row in enumerate(plan.rows, start=1):
            writer.writerow([plain_number(value) if isinstance(value, Decimal | int) else csv_text(str(value or ""))
                             for value in row.values()])
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
