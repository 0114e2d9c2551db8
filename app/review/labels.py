"""Translatable labels for the codes of the review module (actions, reasons, statuses...)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.catalog.labels import ELEMENT_KIND

ACTION = {
    # TRANSLATORS: proposal on a whole procedure: keep it as it is.
    "keep": _l("Keep"),
    "abolish": _l("Abolish"),
    "simplify": _l("Simplify"),
    "replace": _l("Replace"),
    # TRANSLATORS: merge a procedure or element with another one.
    "merge_with": _l("Merge with another"),
    # TRANSLATORS: hand the procedure to a lower administrative level (decentralise).
    "change_level": _l("Change level (decentralise)"),
    "make_fully_online": _l("Make fully online"),
    "remove": _l("Remove"),
    "make_optional": _l("Make optional"),
    # TRANSLATORS: the authority takes the data from a national database instead of asking for it.
    "reuse_from_database": _l("Reuse from a database"),
    # TRANSLATORS: accept a copy or an electronic copy instead of the original document.
    "accept_copy": _l("Accept a copy"),
    "fewer_copies": _l("Fewer copies"),
    "shorten_time": _l("Shorten processing time"),
    "reduce_fee": _l("Reduce the fee"),
    "exempt_fee": _l("Exempt from the fee"),
    "remove_step": _l("Remove the step"),
    "merge_steps": _l("Merge steps"),
    "parallel_steps": _l("Run steps in parallel"),
}
REASON = {
    "not_necessary": _l("Not necessary"),
    "no_legal_basis": _l("No legal basis"),
    "not_reasonable": _l("Not reasonable"),
    "data_held_by_state": _l("Data already held by the state"),
}
STATUS = {
    "draft": lazy_pgettext("mark status", "Draft"),
    "proposed": lazy_pgettext("mark status", "Proposed"),
    "accepted": lazy_pgettext("mark status", "Accepted"),
    "rejected": lazy_pgettext("mark status", "Rejected"),
    "implemented": lazy_pgettext("mark status", "Implemented"),
}
FLAG = {
    # TRANSLATORS: the marked element changed in a newer version; the mark needs a new look.
    "text_changed": _l("Text changed: re-check"),
    # TRANSLATORS: the marked element no longer exists in the current version.
    "orphaned": _l("Element removed"),
}
DATABASE = {
    "population": _l("National population database"),
    "business_registry": _l("National business registration database"),
    "land": _l("National land database"),
    "insurance": _l("National insurance database"),
    "other": _l("Other database"),
}
TARGET_KIND = {"procedure": _l("Procedure"), **ELEMENT_KIND}


def label(mapping: dict, code: str | None) -> str:
    """The label of a code, or the code itself when it has none."""
    if code is None:
        return ""
    return str(mapping.get(code, code))
