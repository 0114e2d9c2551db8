"""Validation of ``.jsonl`` import files: byte-level checks, JSON, the schema, and the rules a
schema cannot state (unique code within the file, unique element ids within a procedure).

Validation reads the file as a stream and keeps only the codes seen and the first errors, so
it runs in flat memory on files of any size.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext
import fastjsonschema
from jsonschema import Draft202012Validator

from app.catalog.records import element_ids, normalise

SCHEMA_PATH = Path(__file__).with_name("schema") / "procedure.schema.json"
MAX_LINE_BYTES = 1024 * 1024
MAX_LISTED_ERRORS = 50
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LineError:
    """One problem: the 1-based line number (0 for the whole file), a JSON path, the reason."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = _("line %(line)s", line=self.line) if self.line else _("file")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass
class ValidationReport:
    lines: int = 0
    error_count: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, error: LineError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)


class ImportRejected(Exception):
    """Raised when a file has errors; nothing was written."""

    def __init__(self, report: ValidationReport):
        super().__init__(ngettext("%(num)s error in the import file", "%(num)s errors in the import file",
                                  report.error_count))
        self.report = report


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """The reference validator: slow, but it reports every error with its JSON path."""
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _is_date(value: str) -> bool:
    """RFC 3339 full-date, checked as strictly as jsonschema's format checker does."""
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def fast_validator():
    """A compiled validator, about 50 times faster; it stops at the first error.

    Valid lines (nearly all of them) pass through it alone; a line it refuses goes through the
    reference validator to list every error.
    """
    return fastjsonschema.compile(schema(), formats={"date": _is_date})


def iter_raw_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes without the line end); bytes is None for an over-long line.

    Strips a UTF-8 byte order mark at the start and accepts LF or CRLF line ends. Reading is
    bounded so that an over-long line never has to fit in memory.
    """
    number = 0
    first = True
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 3)
        if not raw:
            return
        number += 1
        if first:
            first = False
            if raw.startswith(BOM):
                raw = raw[len(BOM):]
        if not raw.endswith(b"\n") and len(raw) > MAX_LINE_BYTES:
            # Skip the rest of the over-long line.
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        line = raw.rstrip(b"\n").rstrip(b"\r")
        if len(line) > MAX_LINE_BYTES:
            yield number, None
            continue
        yield number, line


def _json_reason(message: str) -> str:
    """The reason of a JSON syntax error in the interface language (Python's json module
    words it in English)."""
    reasons = {
        "Expecting value": _("a value was expected"),
        "Expecting property name enclosed in double quotes": _("a property name in double quotes was expected"),
        "Expecting ',' delimiter": _("a comma was expected"),
        "Expecting ':' delimiter": _("a colon was expected"),
        "Unterminated string starting at": _("a string is not closed"),
        "Invalid control character at": _("a control character is not allowed here"),
        "Invalid \\escape": _("an invalid escape sequence"),
        "Invalid \\uXXXX escape": _("an invalid \\uXXXX escape sequence"),
        "Extra data": _("more data after the JSON object"),
        "Illegal trailing comma before end of object": _("a comma before the end of the object"),
        "Illegal trailing comma before end of array": _("a comma before the end of the list"),
    }
    return reasons.get(message, message)


def parse_line(number: int, raw: bytes | None) -> tuple[dict[str, Any] | None, LineError | None]:
    """Decode and parse one line; blank lines give (None, None)."""
    if raw is None:
        return None, LineError(number, "", _("the line is longer than %(limit)s bytes (1 MiB)",
                                             limit=MAX_LINE_BYTES))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, LineError(number, "", _("invalid UTF-8 at byte %(offset)s", offset=exc.start + 1))
    if not text.strip():
        return None, None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, LineError(number, "", _("invalid JSON: %(reason)s at column %(column)s",
                                             reason=_json_reason(exc.msg), column=exc.colno))
    if not isinstance(value, dict):
        return None, LineError(number, "$", _("the line is not a JSON object but %(kind)s",
                                              kind=type(value).__name__))
    return normalise(value), None


def _schema_message(error) -> str:
    """A readable reason for a jsonschema error (its own wording is terse and English-only)."""
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return _("required property missing: %(names)s", names=", ".join(missing))
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return _("unknown property: %(names)s", names=", ".join(extra))
    if kind == "enum":
        return _("%(value)s is not one of: %(allowed)s", value=json.dumps(error.instance, ensure_ascii=False),
                 allowed=", ".join(map(str, value)))
    if kind == "pattern":
        return _("%(value)s does not match the pattern %(pattern)s",
                 value=json.dumps(error.instance, ensure_ascii=False), pattern=value)
    if kind == "type":
        return _("expected %(expected)s, got %(value)s", expected=value,
                 value=json.dumps(error.instance, ensure_ascii=False)[:80])
    if kind == "format":
        return _("%(value)s is not a valid %(format)s", value=json.dumps(error.instance, ensure_ascii=False),
                 format=value)
    if kind in ("minLength", "minItems"):
        return _("must not be empty")
    if kind == "maxLength":
        return _("longer than %(limit)s characters", limit=value)
    if kind == "minimum":
        return _("must be at least %(limit)s", limit=value)
    if kind == "uniqueItems":
        return _("items must be unique")
    if kind == "propertyNames":
        return _("unknown language key")
    return error.message


def record_errors(number: int, record: dict[str, Any]) -> list[LineError]:
    """Schema errors and per-record rules for one parsed line."""
    try:
        fast_validator()(record)
    except fastjsonschema.JsonSchemaValueException as fast_error:
        errors = [LineError(number, error.json_path, _schema_message(error))
                  for error in sorted(validator().iter_errors(record), key=lambda e: list(e.path))]
        if not errors:  # the validators disagree: report what the fast one found
            path = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                                 for part in fast_error.path[1:])
            errors = [LineError(number, path, fast_error.message)]
        return errors
    errors: list[LineError] = []
    seen: dict[str, str] = {}
    for path, eid in element_ids(record):
        if eid in seen:
            errors.append(LineError(number, path, _("element id %(eid)s is used twice in this procedure "
                                                    "(first at %(first)s)", eid=eid, first=seen[eid])))
        else:
            seen[eid] = path
    numbers: dict[str, int] = {}
    for index, legal in enumerate(record.get("legal_basis") or []):
        if legal["number"] in numbers:
            errors.append(LineError(number, f"$.legal_basis[{index}].number",
                                    _("legal document %(number)s is listed twice", number=legal["number"])))
        numbers.setdefault(legal["number"], index)
    return errors


def iter_parsed(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) of a file that already passed validation."""
    for number, raw in iter_raw_lines(stream):
        record, error = parse_line(number, raw)
        if error is not None:
            raise ValueError(f"line {number} changed since it was validated")
        if record is not None:
            yield number, record


def iter_records(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | None, list[LineError]]]:
    """Yield (line number, record or None, errors) for every non-blank line."""
    for number, raw in iter_raw_lines(stream):
        record, error = parse_line(number, raw)
        if error is not None:
            yield number, None, [error]
        elif record is not None:
            yield number, record, record_errors(number, record)


def validate_stream(stream: BinaryIO, progress=None) -> ValidationReport:
    """Check a whole file without writing anything."""
    report = ValidationReport()
    first_line_of_code: dict[str, int] = {}
    records = 0
    for number, record, errors in iter_records(stream):
        report.lines = number
        records += 1
        for error in errors:
            report.add(error)
        if record is not None and not errors:
            code = record["code"]
            if code in first_line_of_code:
                report.add(LineError(number, "$.code", _("code %(code)s appears again (first on line %(first)s)",
                                                         code=code, first=first_line_of_code[code])))
            else:
                first_line_of_code[code] = number
        if progress is not None and records % 500 == 0:
            progress(records)
    if records == 0:
        report.add(LineError(0, "", _("the file is empty: it holds no procedure")))
    return report


def validate_file(path: str | Path, progress=None) -> ValidationReport:
    with open(path, "rb") as stream:
        return validate_stream(stream, progress)
