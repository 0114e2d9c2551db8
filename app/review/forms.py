"""Reading a mark from a submitted form into the values the services take.

The inline form on the procedure page, the mark's own page and bulk marking all post the same
field names, so one function reads them: ``action``, ``reason``, ``rationale``,
``legal_number`` (one of the procedure's legal basis numbers) or ``legal_text``, the estimated
effects (``hours_saved_per_case``, ``fees_saved_vnd``, ``other_saved_vnd``) and the action's
values as ``params.<name>`` (``params.steps`` may repeat). Numbers are typed the way the
interface language writes them ("20.000", "1,5" in Vietnamese) and read here (``numbers``).
Checking is the services' job (``rules``); this only gathers, so that every problem comes
back from one place with the field it belongs to.
"""
from __future__ import annotations

from typing import Any

from app.review.numbers import NUMBER_FIELDS, read_field
from app.review.rules import EFFECT_FIELDS

TEXT_FIELDS = ("action", "reason", "rationale", "legal_number", "legal_text")
# Action values that a form sends as a list (checkboxes, a multiple select).
LIST_PARAMS = ("steps",)
# Longest value kept from any one input: the services refuse longer texts with a message;
# this only stops a huge post from being carried around.
MAX_INPUT = 20_000


def _text(value: str | None) -> str:
    return (value or "")[:MAX_INPUT].strip()


def mark_values(form) -> dict[str, Any]:
    """The ``EDITABLE_FIELDS`` of a mark from a form (a ``MultiDict``).

    Inputs the form did not send are left out, so that an edit form showing only some fields
    changes only those; empty inputs are sent as empty (the services read them as "not set").
    """
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in form:
            values[name] = _text(form.get(name))
    for name in EFFECT_FIELDS:
        if name in form:
            values[name] = read_field(name, _text(form.get(name)))
    params: dict[str, Any] = {}
    for key in form:
        if not key.startswith("params."):
            continue
        name = key.removeprefix("params.")
        if not name:
            continue
        if name in LIST_PARAMS:
            params[name] = [_text(item) for item in form.getlist(key) if _text(item)]
        elif key in NUMBER_FIELDS:
            params[name] = read_field(key, _text(form.get(key)))
        else:
            params[name] = _text(form.get(key))
    if params or "action" in values:
        values["params"] = params
    return values
