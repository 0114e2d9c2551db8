"""Reading a bulk request from a form or a query string.

The selection comes as the search page sends it (``q``, the search filters, ``code`` per
chosen hit, ``all=1`` for every match, ``page_all=1`` with ``page_code`` for every hit of the
page); the mark uses the field names of a single mark (``app.review.forms.mark_values``), plus
``target`` (what to mark), ``pattern`` and ``propose``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.bulk.services import COMMON_FIELDS, KINDS, BulkRequest, Selection
from app.review.forms import mark_values
from app.search.services import FILTERS

MAX_CODES = 5_000
MAX_QUERY = 500
MAX_FILTER_VALUES = 50

# The inputs each action takes (``params.<name>``); for merging, a procedure names another
# procedure and an element another element of the same procedure.
ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    "replace": ("by",),
    "change_level": ("level",),
    "reuse_from_database": ("database", "name"),
    "accept_copy": ("form",),
    "fewer_copies": ("copies",),
    "shorten_time": ("value", "unit"),
    "reduce_fee": ("amount_vnd",),
    "merge_steps": ("steps",),
    "parallel_steps": ("steps",),
}
COPY_FORM = {"copy": _l("A copy"), "e_copy": _l("An electronic copy")}


def params_of(action: str, kind: str) -> tuple[str, ...]:
    if action == "merge_with":
        return ("code",) if kind == "procedure" else ("key",)
    return ACTION_PARAMS.get(action, ())


def selection_from(values) -> Selection:
    """The procedures a form or query string chose (a ``MultiDict``)."""
    filters = tuple((name, tuple(sorted({value for value in values.getlist(name) if value})[:MAX_FILTER_VALUES]))
                    for name in FILTERS if any(values.getlist(name)))
    all_matching = values.get("all") == "1"
    codes: list[str] = values.getlist("code")
    if values.get("page_all") == "1":
        codes += values.getlist("page_code")
    chosen = tuple(dict.fromkeys(code.strip() for code in codes if code.strip()))[:MAX_CODES]
    return Selection(text=(values.get("q") or "").strip()[:MAX_QUERY], filters=filters,
                     codes=() if all_matching else chosen, all_matching=all_matching)


def request_from(values) -> BulkRequest:
    """A bulk request from a form (a ``MultiDict``); values of other actions are dropped, so
    that a form showing the inputs of an action chosen before still reads as the new one."""
    kind = values.get("target") or KINDS[0]
    mark = mark_values(values)
    legal_number = (mark.pop("legal_number", "") or "").strip()
    action = mark.get("action") or ""
    wanted = params_of(action, kind)
    mark["params"] = {name: value for name, value in (mark.get("params") or {}).items() if name in wanted}
    mark = {name: value for name, value in mark.items() if name in COMMON_FIELDS}
    return BulkRequest(selection=selection_from(values), kind=kind, pattern=(values.get("pattern") or "")[:1000],
                       values=mark, legal_number=legal_number, propose=values.get("propose") == "1")
