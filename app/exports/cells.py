"""Text that a spreadsheet must never run as a formula (OWASP "CSV Injection").

Plan exports carry imported titles and agencies and reviewers' rationale and legal text to other
agencies. A value starting with ``= + - @`` (also after leading spaces, tabs or line breaks), or
with a tab or carriage return, would be read as a formula by Excel or LibreOffice. In CSV, which
has no types, such a value gets a leading apostrophe (OWASP's advice; spreadsheet programs hide
it). In XLSX every text cell is written with the string type, and a risky one also with
``quotePrefix``, so the text shows as written and stays text when edited.
"""
from __future__ import annotations

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
