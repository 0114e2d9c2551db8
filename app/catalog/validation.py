"""Validation of ``.jsonl`` import files: byte-level checks, JSON, the schema, and the rules a
schema cannot state (unique code within the file, unique element ids within a procedure).

Everything the database would refuse is refused here, before loading, with the line and the
JSON path: numbers that are not finite or too large for their column, whole numbers of many
digits, NUL characters and unpaired surrogates, values nested too deep, strings longer than
their column, a property twice in one object. Invisible direction controls (bidi) are refused
in every text, invisible zero-width characters in the identifying texts (code, title, agency,
sector, translated titles). A legal document listed twice in one record is merged into one
entry, with a warning.

Errors are codes with parameters (``app/catalog/import_errors.py``), worded when shown.
Validation reads the file as a stream and keeps only the codes seen and the first errors, so
it runs in flat memory on files of any size.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from flask_babel import ngettext
import fastjsonschema
from jsonschema import Draft202012Validator

from app.catalog.import_errors import LineError, quote
from app.catalog.records import element_ids, normalise

SCHEMA_PATH = Path(__file__).with_name("schema") / "procedure.schema.json"
MAX_LINE_BYTES = 1024 * 1024
MAX_LISTED_ERRORS = 50
BOM = b"\xef\xbb\xbf"
# A record is a few levels deep; Python's parser would fail on thousands.
MAX_DEPTH = 20
# Whole numbers beyond 15 digits are not counts or amounts of this catalog.
MAX_INTEGER_DIGITS = 15
# Amounts, hours and counts are stored as floating-point numbers and formatted exactly: a
# thousand trillion is far beyond any of them.
MAX_NUMBER = 10**15
# Whole-number columns (counts of originals and copies) are 32-bit integers.
MAX_SMALL_INTEGER = 2**31 - 1
SMALL_INTEGER_FIELDS = ("originals", "copies")
# Column sizes the schema does not state (the title's 500 it does).
STRING_LIMITS = {"type": 300, "sector": 300, "agency": 300, "decision.number": 100, "legal_basis.number": 200}
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class ValidationReport:
    lines: int = 0
    error_count: int = 0
    errors: list[LineError] = field(default_factory=list)
    warning_count: int = 0
    warnings: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, error: LineError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def warn(self, warning: LineError) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED_ERRORS:
            self.warnings.append(warning)


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


class _Bad:
    """A value the parser met that no column can hold; reported with its JSON path."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params


class _Object(dict):
    """A parsed JSON object that remembers a property given twice (JSON allows it; the last
    one would silently win)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]], flagged: list) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    marked = _Object(result)
    marked.duplicates = tuple(dict.fromkeys(key for key, _value in pairs if key in seen or seen.add(key)))
    flagged.append(marked)
    return marked


def _integer(text: str, flagged: list):
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        flagged.append(text)
        return _Bad("integer_too_long", digits=digits)
    return int(text)


def _float(text: str, flagged: list):
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        flagged.append(text)
        return _Bad("number_too_large", value=text[:40], limit=MAX_NUMBER)
    return value


def _constant(text: str, flagged: list):
    flagged.append(text)
    return _Bad("not_a_number", value=text)


# Text that may hold what value_errors looks for: NUL, surrogates, bidi and zero-width characters,
# literally or as \u escapes. Lines without any (nearly all) skip the walk over every value.
_SUSPECT = re.compile(
    "\\\\u0000|\\\\u[dD][89a-fA-F]|\\\\u20(?:0[b-fB-F]|2[a-eA-E]|6[0-9])|\\\\u061[cC]|\\\\u[fF][eE][fF][fF]"
    "|[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_BRACKETS = re.compile(r"[\[\]{}]")


def _rough_depth(text: str) -> int:
    """Nesting depth counting every bracket, in strings too (so usually too high): cheap, and
    the exact count runs only when this one is over the limit."""
    deepest = depth = 0
    for bracket in _BRACKETS.findall(text):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _depth(text: str) -> int:
    """How deep objects and lists nest, outside strings."""
    deepest = depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


IDENTIFYING = re.compile(r"^\$\.(code|title|agency|sector|translations\.[a-z]+\.title)$")


def _text_problems(number: int, path: str, text: str) -> list[LineError]:
    problems = []
    if "\x00" in text:
        problems.append(LineError(number, path, "nul_character"))
    if _SURROGATE.search(text):
        problems.append(LineError(number, path, "lone_surrogate"))
    bidi = _BIDI.search(text)
    if bidi:
        problems.append(LineError(number, path, "bidi_control", {"char": f"U+{ord(bidi.group()):04X}"}))
    if IDENTIFYING.match(path):
        invisible = _INVISIBLE.search(text)
        if invisible:
            problems.append(LineError(number, path, "invisible_character",
                                      {"char": f"U+{ord(invisible.group()):04X}"}))
    return problems


def value_errors(number: int, value: Any, path: str = "$") -> list[LineError]:
    """What no column could store, anywhere in a parsed line (before the schema looks at it)."""
    errors: list[LineError] = []
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, _Bad):
            errors.append(LineError(number, where, item.code, item.params))
        elif isinstance(item, str):
            errors.extend(_text_problems(number, where, item))
        elif isinstance(item, dict):
            for key in getattr(item, "duplicates", ()):
                errors.append(LineError(number, _path(where, key), "duplicate_key", {"key": quote(key)}))
            for key, child in reversed(item.items()):
                if "\x00" in key or _SURROGATE.search(key):
                    errors.append(LineError(number, where, "nul_character" if "\x00" in key else "lone_surrogate"))
                    continue
                stack.append((_path(where, key), child))
        elif isinstance(item, list):
            stack.extend((_path(where, index), child) for index, child in reversed(list(enumerate(item))))
    errors.sort(key=lambda error: error.path)
    return errors


def parse_line(number: int, raw: bytes | None) -> tuple[dict[str, Any] | None, LineError | list[LineError] | None]:
    """Decode and parse one line; blank lines give (None, None). An error is one LineError, or
    a list of them (values no column can hold, each with its path)."""
    if raw is None:
        return None, LineError(number, "", "line_too_long", {"limit": MAX_LINE_BYTES})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, LineError(number, "", "bad_utf8", {"offset": exc.start + 1})
    if not text.strip():
        return None, None
    if _rough_depth(text) > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        return None, LineError(number, "$", "too_deep", {"limit": MAX_DEPTH})
    flagged: list = []
    try:
        value = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, flagged),
                           parse_int=lambda t: _integer(t, flagged), parse_float=lambda t: _float(t, flagged),
                           parse_constant=lambda t: _constant(t, flagged))
    except json.JSONDecodeError as exc:
        return None, LineError(number, "", "json_invalid", {"reason": exc.msg, "column": exc.colno})
    except RecursionError:
        return None, LineError(number, "$", "too_deep", {"limit": MAX_DEPTH})
    if not isinstance(value, dict):
        return None, LineError(number, "$", "not_object", {"kind": type(value).__name__})
    if flagged or _SUSPECT.search(text):
        problems = value_errors(number, value)
        if problems:
            return None, problems
    return normalise(value), None


def _schema_error(number: int, error) -> LineError:
    """A jsonschema error as a code (its own wording is terse and English-only)."""
    kind = error.validator
    value = error.validator_value
    path = error.json_path
    if kind == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return LineError(number, path, "required", {"names": ", ".join(missing)})
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return LineError(number, path, "unknown_property", {"names": ", ".join(extra)})
    if kind == "enum":
        return LineError(number, path, "not_one_of", {"value": quote(error.instance),
                                                      "allowed": ", ".join(map(str, value))})
    if kind == "pattern":
        return LineError(number, path, "bad_pattern", {"value": quote(error.instance), "pattern": value})
    if kind == "type":
        return LineError(number, path, "wrong_type", {"expected": value, "value": quote(error.instance)})
    if kind == "format":
        return LineError(number, path, "bad_date", {"value": quote(error.instance)})
    if kind in ("minLength", "minItems"):
        return LineError(number, path, "empty")
    if kind == "maxLength":
        return LineError(number, path, "too_long", {"limit": value, "length": len(error.instance)})
    if kind == "minimum":
        return LineError(number, path, "below_minimum", {"limit": value})
    if kind == "uniqueItems":
        return LineError(number, path, "not_unique")
    if kind == "propertyNames":
        return LineError(number, path, "unknown_language")
    return LineError(number, path, "schema", {"detail": error.message[:200]})


def _merged(errors: list[LineError]) -> list[LineError]:
    """One error per problem: the missing properties of one object together, no repeats."""
    result: list[LineError] = []
    required: dict[str, list[str]] = {}
    for error in errors:
        if error.code == "required":
            names = required.setdefault(error.path, [])
            if not names:
                result.append(error)
            names.extend(name for name in error.params["names"].split(", ") if name not in names)
        elif error not in result:
            result.append(error)
    return [LineError(e.line, e.path, e.code, {"names": ", ".join(required[e.path])}) if e.code == "required"
            else e for e in result]


def _bounds_errors(number: int, record: dict[str, Any]) -> list[LineError]:
    """Numbers and strings the schema allows but a column does not."""
    errors: list[LineError] = []
    for index, document in enumerate(record.get("dossier") or []):
        for name in SMALL_INTEGER_FIELDS:
            value = document.get(name)
            if isinstance(value, int) and value > MAX_SMALL_INTEGER:
                errors.append(LineError(number, f"$.dossier[{index}].{name}", "number_too_large",
                                        {"value": str(value), "limit": MAX_SMALL_INTEGER}))
    checks = [(f"$.{name}", record.get(name), limit) for name, limit in STRING_LIMITS.items() if "." not in name]
    checks.append(("$.decision.number", (record.get("decision") or {}).get("number"), STRING_LIMITS["decision.number"]))
    checks += [(f"$.legal_basis[{index}].number", item.get("number"), STRING_LIMITS["legal_basis.number"])
               for index, item in enumerate(record.get("legal_basis") or [])]
    for path, value, limit in checks:
        if isinstance(value, str) and len(value) > limit:
            errors.append(LineError(number, path, "too_long", {"limit": limit, "length": len(value)}))
    return errors


def merge_duplicate_legal(number: int, record: dict[str, Any]) -> list[LineError]:
    """Merge the entries of a legal document listed more than once (the schema allows it and
    published data has it): the first entry, completed by the later ones. Returns warnings."""
    items = record.get("legal_basis")
    if not isinstance(items, list):
        return []
    merged: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    order: list[Any] = []
    for item in items:
        key = item.get("number") if isinstance(item, dict) else None
        if not isinstance(key, str):
            order.append(item)
            continue
        if key in merged:
            counts[key] += 1
            for name, value in item.items():
                if merged[key].get(name) in (None, "") and value not in (None, ""):
                    merged[key][name] = value
            continue
        merged[key], counts[key] = dict(item), 1
        order.append(merged[key])
    if all(count == 1 for count in counts.values()):
        return []
    record["legal_basis"] = order
    return [LineError(number, "$.legal_basis", "legal_merged", {"number": key, "count": count})
            for key, count in counts.items() if count > 1]


def record_errors(number: int, record: dict[str, Any]) -> list[LineError]:
    """Schema errors, column limits and per-record rules for one parsed line (legal documents
    listed twice already merged)."""
    try:
        fast_validator()(record)
    except fastjsonschema.JsonSchemaValueException as fast_error:
        errors = [_schema_error(number, error)
                  for error in sorted(validator().iter_errors(record), key=lambda e: list(map(str, e.path)))]
        if not errors:  # the validators disagree: report what the fast one found
            path = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                                 for part in fast_error.path[1:])
            errors = [LineError(number, path, "schema", {"detail": fast_error.message[:200]})]
        return _merged(errors)
    errors: list[LineError] = _bounds_errors(number, record)
    seen: dict[str, str] = {}
    for path, eid in element_ids(record):
        if eid in seen:
            errors.append(LineError(number, path, "element_id_twice", {"eid": eid, "first": seen[eid]}))
        else:
            seen[eid] = path
    return errors


def _errors_of(error) -> list[LineError]:
    return error if isinstance(error, list) else [error]


def iter_parsed(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, record) of a file that already passed validation (legal documents
    listed twice merged, as validation did)."""
    for number, raw in iter_raw_lines(stream):
        record, error = parse_line(number, raw)
        if error is not None:
            raise ValueError(f"line {number} changed since it was validated")
        if record is not None:
            merge_duplicate_legal(number, record)
            yield number, record


def iter_records(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | None, list[LineError], list[LineError]]]:
    """Yield (line number, record or None, errors, warnings) for every non-blank line."""
    for number, raw in iter_raw_lines(stream):
        record, error = parse_line(number, raw)
        if error is not None:
            yield number, None, _errors_of(error), []
        elif record is not None:
            warnings = merge_duplicate_legal(number, record)
            yield number, record, record_errors(number, record), warnings


def validate_stream(stream: BinaryIO, progress=None) -> ValidationReport:
    """Check a whole file without writing anything."""
    report = ValidationReport()
    first_line_of_code: dict[str, int] = {}
    records = 0
    for number, record, errors, warnings in iter_records(stream):
        report.lines = number
        records += 1
        for error in errors:
            report.add(error)
        for warning in warnings:
            report.warn(warning)
        if record is not None and not errors:
            code = record["code"]
            if code in first_line_of_code:
                report.add(LineError(number, "$.code", "code_again", {"code": code,
                                                                      "first": first_line_of_code[code]}))
            else:
                first_line_of_code[code] = number
        if progress is not None and records % 500 == 0:
            progress(records)
    if records == 0:
        report.add(LineError(0, "", "file_empty"))
    return report


def validate_file(path: str | Path, progress=None) -> ValidationReport:
    with open(path, "rb") as stream:
        return validate_stream(stream, progress)
