"""Request parameters the database could not take are refused before any route runs.

- A NUL character in the path, a query or form value or name: 400 (PostgreSQL refuses NUL in
  text; no page needs one).
- ``<int:...>`` in a route matches 0 to 2**31 - 1 only (the database's integer ids); a bigger
  number is 404, never an overflow in SQLite or PostgreSQL.
- Query and form parameters that are always whole numbers (``page``, ``version``, ``year``,
  ``revision``, ``user_id``, ...) must fit the same range when they are numbers: 400 otherwise.
  Each route still decides what a missing or non-numeric value means.
"""
from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1
NUMERIC_PARAMETERS = frozenset({"page", "version", "year", "revision", "user_id", "mark_id", "number",
                                "batch", "batch_id", "limit", "per_page"})
_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` converter limited to what an integer column holds."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_INT, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_unusable_parameters():
    """``before_request``: 400 for NUL anywhere, or a numeric parameter out of range."""
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        abort(400)
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        if _has_nul(request.form.items(multi=True)):
            abort(400)
        forms = request.form.items(multi=True)
    else:
        forms = ()
    for source in (request.args.items(multi=True), forms):
        for name, value in source:
            if name in NUMERIC_PARAMETERS and _NUMBER.fullmatch(value) and abs(int(value)) > MAX_INT:
                abort(400)
    return None


def register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter


def register_checks(app: Flask) -> None:
    # First of the hooks: nothing else reads a parameter before it is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unusable_parameters)
