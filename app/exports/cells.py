"""Text that a spreadsheet must never run as a formula (OWASP "CSV Injection").

Plan exports carry imported titles and agencies and reviewers' rationale and legal text to other
agencies. A value starting with ``= + - @`` (also after leading spaces, tabs or line breaks), or
with a tab or carriage return, would be read as a formula by Excel or LibreOffice. In CSV, which
has no types, such a value gets a leading apostrophe (OWASP's advice; spreadsheet programs hide
it). In XLSX every text cell is written with the string type, and a risky one also with
``quotePrefix``, so the text shows as written and stays text when edited.
"""
from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Leading characters a spreadsheet skips before it decides a cell is a formula.
_SKIPPED = " \t\r\n\u00a0\u3000"
# Full-width forms that some spreadsheet programs also take as formula signs.
_WIDE = ("\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_risky(text: str) -> bool:
    """Could a spreadsheet read this text as a formula?"""
    if not text:
        return False
    if text.startswith(FORMULA_STARTS):
        return True
    stripped = text.lstrip(_SKIPPED)
    return stripped.startswith(FORMULA_STARTS + _WIDE)


def csv_text(text: str) -> str:
    """A text value for a CSV cell: a risky one gets a leading apostrophe."""
    return "'" + text if is_risky(text) else text


def as_text_cell(sheet, value):
    """An openpyxl write-only cell holding ``value``; a str is always text, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        mark_text(cell)
    return cell


def mark_text(cell):
    """Make a cell holding a str stay text: the string type, and a quote prefix when risky."""
    # openpyxl would store a str starting with "=" as a formula.
    cell.data_type = "s"
    if is_risky(cell.value):
        cell.quotePrefix = True
    return cell
