"""Translatable labels for the enumerated values of the import format."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, ngettext

STATUS = {
    "draft": lazy_pgettext("procedure status", "Draft"),
    "published": lazy_pgettext("procedure status", "Published"),
    "abolished": lazy_pgettext("procedure status", "Abolished"),
}
# TRANSLATORS: kind of procedure: for citizens and businesses (external) or inside the administration (internal).
# Where a procedure stands in the review: its most advanced mark that is not rejected.
REVIEW_STATE = {
    "unreviewed": _l("Not reviewed"),
    "draft": lazy_pgettext("review state", "Marked (draft)"),
    "proposed": lazy_pgettext("review state", "Proposed"),
    "accepted": lazy_pgettext("review state", "Accepted"),
}
KIND = {"external": _l("External"), "internal": _l("Internal")}
LEVEL = {
    # TRANSLATORS: administrative level that carries out a procedure (central, province, district, commune).
    "central": _l("Central"),
    "province": _l("Province"),
    "district": _l("District"),
    "commune": _l("Commune"),
}
# TRANSLATORS: level of online public service of a procedure.
ONLINE_LEVEL = {"none": _l("Not online"), "partial": _l("Partly online"), "full": _l("Fully online")}
# TRANSLATORS: how a dossier is submitted.
CHANNEL = {"in_person": _l("In person"), "online": _l("Online"), "post": _l("By post")}
TIME_UNIT = {"hours": _l("hours"), "days": _l("days"), "working_days": _l("working days"), "months": _l("months")}
LANGUAGE = {"vi": _l("Vietnamese"), "th": _l("Thai"), "en": _l("English")}
ELEMENT_KIND = {
    # TRANSLATORS: a general attribute of a procedure (title, agency, sector...), in the list of changes.
    "property": _l("Property"),
    "step": _l("Step"),
    "channel": _l("Channel"),
    "document": _l("Document"),
    "field": _l("Form field"),
    "fee": _l("Fee"),
    "requirement": _l("Requirement"),
    "legal": _l("Legal basis"),
}
# Where a search hit matched, for parts of a procedure that are not markable elements.
SNIPPET_PLACE = {
    "title": _l("Title:"), "summary": _l("Summary:"), "result": _l("Result:"),
    "translation": _l("Translation:"), "other": _l("Details:"), "legal": _l("Legal basis:"),
}
CHANGE = {"added": _l("added"), "changed": _l("changed"), "removed": _l("removed")}
PROPERTY = {
    "title": _l("Title"), "summary": _l("Summary"), "status": _l("Status"), "level": _l("Level"),
    "sector": _l("Sector"), "agency": _l("Agency"), "kind": _l("Kind"), "online_level": _l("Online service"),
    "processing_time": _l("Processing time"), "result": _l("Result"), "cost": _l("Cost inputs"),
    "translations": _l("Translations"), "keywords": _l("Keywords"), "subjects": _l("Subjects"),
    "decision": _l("Decision"), "type": _l("Type"), "lang": _l("Source language"),
    "implementing_agency": _l("Implementing agency"), "competent_authority": _l("Competent authority"),
    "coordinating_agency": _l("Coordinating agency"), "published_at": _l("Published on"),
    "source_url": _l("Source"),
}


def all_labels() -> dict[str, dict]:
    return {"status": STATUS, "kind": KIND, "level": LEVEL, "online_level": ONLINE_LEVEL,
            "channel": CHANNEL, "time_unit": TIME_UNIT, "language": LANGUAGE,
            "element_kind": ELEMENT_KIND, "change": CHANGE, "property": PROPERTY, "snippet": SNIPPET_PLACE}


def duration_label(value: float, unit: str) -> str:
    """A processing time with the right plural form: "1 working day", "15 working days"."""
    from app.web.filters import number

    shown = number(value, 1)
    count = int(value) if float(value).is_integer() else 2
    forms = {
        "hours": ngettext("%(value)s hour", "%(value)s hours", count, value=shown),
        "days": ngettext("%(value)s day", "%(value)s days", count, value=shown),
        "working_days": ngettext("%(value)s working day", "%(value)s working days", count, value=shown),
        "months": ngettext("%(value)s month", "%(value)s months", count, value=shown),
    }
    return forms.get(unit, f"{shown} {unit}")
