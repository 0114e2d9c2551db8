"""What can be wrong with an import line, as codes with parameters, worded in the reader's language.

Validation stores an error as ``(line, JSON path, code, parameters)``; the job page, the CLI and
the audit log render it when shown, in the language of whoever reads it (not of whoever ran the
import). Parameters are plain values; a parameter that is itself worded (a JSON syntax reason, a
type name, a format description) is stored as a code and worded too. A quoted bad value is cut
to about 200 characters. Messages say what is expected in words, never as a regular expression.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

QUOTE_LIMIT = 200

MESSAGES = {
    "line_too_long": _l("the line is longer than %(limit)s bytes (1 MiB)"),
    "bad_utf8": _l("invalid UTF-8 at byte %(offset)s"),
    "json_invalid": _l("invalid JSON: %(reason)s at column %(column)s"),
    "not_object": _l("the line is not a JSON object but %(kind)s"),
    "too_deep": _l("the values are nested more than %(limit)s levels deep"),
    "not_a_number": _l("%(value)s is not a number: write a number or leave the property out"),
    "number_too_large": _l("the number %(value)s is too large: at most %(limit)s"),
    "integer_too_long": _l("a whole number with %(digits)s digits is too long"),
    "duplicate_key": _l("the property %(key)s appears twice in the same object"),
    "required": _l("required property missing: %(names)s"),
    "unknown_property": _l("unknown property: %(names)s"),
    "not_one_of": _l("%(value)s is not one of: %(allowed)s"),
    "bad_pattern": _l("%(value)s is not in the expected form: %(expected)s"),
    "wrong_type": _l("expected %(expected)s, got %(value)s"),
    "bad_date": _l("%(value)s is not a valid date (write YYYY-MM-DD)"),
    "empty": _l("must not be empty"),
    "too_long": _l("longer than %(limit)s characters (%(length)s)"),
    "below_minimum": _l("must be at least %(limit)s"),
    "not_unique": _l("items must be unique"),
    "unknown_language": _l("unknown language key: use vi, th or en"),
    "nul_character": _l("the text contains a NUL character (\\u0000), which cannot be stored"),
    "lone_surrogate": _l("the text contains an unpaired surrogate escape (\\ud800 to \\udfff), which is not a character"),
    "bidi_control": _l("the text contains the invisible direction control %(char)s, which could disguise it"),
    "invisible_character": _l("the text contains the invisible character %(char)s, which could disguise it"),
    "element_id_twice": _l("element id %(eid)s is used twice in this procedure (first at %(first)s)"),
    "code_again": _l("code %(code)s appears again (first on line %(first)s)"),
    "file_empty": _l("the file is empty: it holds no procedure"),
    "load_failed": _l("the database refused the file; the error was logged and nothing was imported"),
    "schema": _l("%(detail)s"),
    # Warnings: the line is imported, changed as said.
    "legal_merged": _l("legal document %(number)s is listed %(count)s times: the entries were merged into one"),
}

JSON_REASONS = {
    "Expecting value": _l("a value was expected"),
    "Expecting property name enclosed in double quotes": _l("a property name in double quotes was expected"),
    "Expecting ',' delimiter": _l("a comma was expected"),
    "Expecting ':' delimiter": _l("a colon was expected"),
    "Unterminated string starting at": _l("a string is not closed"),
    "Invalid control character at": _l("a control character is not allowed here"),
    "Invalid \\escape": _l("an invalid escape sequence"),
    "Invalid \\uXXXX escape": _l("an invalid \\uXXXX escape sequence"),
    "Extra data": _l("more data after the JSON object"),
    "Illegal trailing comma before end of object": _l("a comma before the end of the object"),
    "Illegal trailing comma before end of array": _l("a comma before the end of the list"),
}

TYPE_NAMES = {
    "string": _l("a text"),
    "integer": _l("a whole number"),
    "number": _l("a number"),
    "boolean": _l("true or false"),
    "array": _l("a list"),
    "object": _l("an object"),
    "null": _l("null"),
    "list": _l("a list"),
    "dict": _l("an object"),
    "str": _l("a text"),
    "int": _l("a whole number"),
    "float": _l("a number"),
    "bool": _l("true or false"),
    "NoneType": _l("null"),
}

# The schema's patterns, described in words.
PATTERNS = {
    "^[0-9]+\\.[0-9]{6}$": _l("digits, a dot and six digits, like 1.001193"),
    "^[A-Za-z0-9_.-]{1,40}$": _l("1 to 40 letters A to Z, digits, dots, hyphens or underscores, like d1"),
}
OTHER_PATTERN = _l("the form the import format describes")


def quote(value: Any) -> str:
    """A value as JSON, cut to about 200 characters: a 1 MB bad value never fills a page."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > QUOTE_LIMIT:
        return text[:QUOTE_LIMIT] + "…"
    return text


def _worded(name: str, value: Any) -> Any:
    if name == "reason":
        return str(JSON_REASONS.get(value, value))
    if name in ("expected", "kind"):
        if isinstance(value, list):
            return " / ".join(str(TYPE_NAMES.get(item, item)) for item in value)
        return str(TYPE_NAMES.get(value, value))
    if name == "pattern":
        return str(PATTERNS.get(value, OTHER_PATTERN))
    return value


def describe(code: str, params: dict[str, Any] | None = None) -> str:
    """An error's message in the current interface language."""
    params = {name: _worded(name, value) for name, value in (params or {}).items()}
    if code == "bad_pattern" and "pattern" in params:
        params["expected"] = params.pop("pattern")
    template = MESSAGES.get(code)
    if template is None:
        return code
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


@dataclass(frozen=True)
class LineError:
    """One problem: the 1-based line number (0 for the whole file), a JSON path, a code and its
    parameters. ``message`` words it in the current interface language."""

    line: int
    path: str
    code: str
    params: dict[str, Any] = field(default_factory=dict, compare=True, hash=False)

    @property
    def message(self) -> str:
        return describe(self.code, self.params)

    def as_json(self) -> list[Any]:
        """What a job or an audit row stores: [line, path, code, params]."""
        return [self.line, self.path, self.code, self.params]

    @classmethod
    def from_json(cls, stored: list[Any]) -> LineError:
        line, path, code, params = stored
        return cls(line, path, code, params or {})

    def __str__(self) -> str:
        where = _("line %(line)s", line=self.line) if self.line else _("file")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def render(stored: list[Any]) -> str:
    """The message of a stored error ([line, path, code, params]) for a template."""
    return LineError.from_json(stored).message
