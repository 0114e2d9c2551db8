"""Differences between any two versions of a procedure, field by field, in the interface language.

Each element or property that differs becomes a row; each row lists its fields with a label, the
value in both versions as a reader sees it (dates in the interface locale, in the Buddhist era in
Thai; numbers, money, yes/no and enumerations translated) and a word diff of the two.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.catalog import labels
from app.catalog.records import diff_records, flatten, word_diff


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    content: bool  # procedure text (in the record's language), not interface text
    words: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass
class DiffRow:
    key: str
    kind: str  # "property" or an element kind
    change: str  # added | changed | removed
    fields: list[FieldChange]

    @property
    def words(self) -> list[tuple[str, str]]:
        """The word diff of the first field that differs."""
        return next((f.words for f in self.fields if f.changed), [])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> str:
    from app.web.filters import number

    return "" if value is None else number(value, 2)


def _money(value: Any) -> str:
    from app.web.filters import vnd

    return "" if value is None else vnd(value)


def _day(value: Any) -> str:
    from app.web.filters import format_day

    try:
        return format_day(date.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return _text(value)


def _required(value: Any) -> str:
    # The import format's default is "required".
    return _("required") if value is None or value else _("optional")


def _duration(value: Any) -> str:
    if not value:
        return ""
    if value.get("text"):
        return value["text"]
    if value.get("value") is not None:
        return labels.duration_label(value["value"], value.get("unit", ""))
    return ""


def _enum(table: dict) -> Callable[[Any], str]:
    return lambda value: "" if value is None else str(table.get(value, value))


def _levels(value: Any) -> str:
    return ", ".join(str(labels.LEVEL.get(level, level)) for level in value or [])


def _joined(value: Any) -> str:
    return ", ".join(str(item) for item in value or [])


# (name, label, formatter, content?) of each element kind's fields.
ELEMENT_FIELDS: dict[str, list[tuple[str, Any, Callable[[Any], str], bool]]] = {
    "step": [("text", _l("Text"), _text, True), ("actor", _l("Who"), _text, True)],
    "channel": [("channel", _l("Channel"), _enum(labels.CHANNEL), False),
                ("processing_time", _l("Processing time"), _duration, False),
                ("fee_text", _l("Fee"), _text, True), ("description", _l("Description"), _text, True)],
    "document": [("name", _l("Name"), _text, True), ("form", _l("Form"), _text, True),
                 ("case", _l("Case"), _text, True), ("originals", _l("Originals"), _number, False),
                 ("copies", _l("Copies"), _number, False), ("required", _l("Required"), _required, False)],
    "field": [("label", lazy_pgettext("field of an application form", "Field"), _text, True),
              ("source_db", _l("Already held in"), _text, True), ("required", _l("Required"), _required, False)],
    "fee": [("name", _l("Name"), _text, True), ("text", _l("Text"), _text, True),
            ("amount_vnd", _l("Amount"), _money, False)],
    "requirement": [("text", _l("Text"), _text, True)],
    "legal": [("number", _l("Number"), _text, True), ("summary", _l("Summary"), _text, True),
              ("issuer", _l("Issued by"), _text, True), ("date", _l("Date"), _day, False)],
}

PROPERTY_FORMATS: dict[str, tuple[Callable[[Any], str], bool]] = {
    "status": (_enum(labels.STATUS), False), "kind": (_enum(labels.KIND), False),
    "online_level": (_enum(labels.ONLINE_LEVEL), False), "lang": (_enum(labels.LANGUAGE), False),
    "level": (_levels, False), "published_at": (_day, False), "processing_time": (_duration, False),
    "subjects": (_joined, True), "keywords": (_joined, True),
}
# Properties made of several values: one field each.
PROPERTY_PARTS: dict[str, list[tuple[str, Any, Callable[[Any], str], bool]]] = {
    "decision": [("number", _l("Decision number"), _text, True), ("date", _l("Decision date"), _day, False)],
    "cost": [("hours_per_case", _l("Hours per case"), _number, False),
             ("other_costs_vnd", _l("Other costs per case"), _money, False),
             ("cases_per_year", _l("Cases per year"), _number, False)],
}


def _change(label, old: str, new: str, content: bool) -> FieldChange:
    return FieldChange(str(label), old, new, content, word_diff(old, new))


def _element_fields(kind: str, old: dict | None, new: dict | None) -> list[FieldChange]:
    changes = []
    for name, label, shown, content in ELEMENT_FIELDS.get(kind, []):
        before = shown(old.get(name)) if old is not None and (name in old or name == "required") else ""
        after = shown(new.get(name)) if new is not None and (name in new or name == "required") else ""
        if before or after:
            changes.append(_change(label, before, after, content))
    if kind == "field":
        document = (new or old or {}).get("document")
        if document:
            changes.append(_change(_l("Document"), document if old else "", document if new else "", True))
    return changes


def _property_fields(name: str, old: Any, new: Any) -> list[FieldChange]:
    label = labels.PROPERTY.get(name, name)
    if name in PROPERTY_PARTS:
        return [_change(part_label, shown((old or {}).get(part)), shown((new or {}).get(part)), content)
                for part, part_label, shown, content in PROPERTY_PARTS[name]
                if (old or {}).get(part) != (new or {}).get(part)]
    if name == "translations":
        changes = []
        for lang in sorted(set(old or {}) | set(new or {})):
            before, after = (old or {}).get(lang) or {}, (new or {}).get(lang) or {}
            language = labels.LANGUAGE.get(lang, lang)
            for part, part_label in (("title", _("Title (%(language)s)", language=language)),
                                     ("summary", _("Summary (%(language)s)", language=language))):
                if before.get(part) != after.get(part):
                    changes.append(_change(part_label, _text(before.get(part)), _text(after.get(part)), True))
        return changes
    shown, content = PROPERTY_FORMATS.get(name, (_text, True))
    return [_change(label, shown(old), shown(new), content)]


def version_diff(old_record: dict[str, Any] | None, new_record: dict[str, Any]) -> list[DiffRow]:
    """Rows from ``old_record`` to ``new_record``: properties first, then elements changed,
    added and removed, each in record order."""
    summary = diff_records(old_record, new_record)
    rows: list[DiffRow] = []
    old = old_record or {}
    for name in summary["properties"]:
        before, after = old.get(name), new_record.get(name)
        change = "changed" if before is not None and after is not None else ("added" if after is not None else "removed")
        fields = _property_fields(name, before, after)
        if fields:
            rows.append(DiffRow(name, "property", change, fields))
    old_elements, new_elements = flatten(old) if old_record else {}, flatten(new_record)
    for change in ("changed", "added", "removed"):
        for key in summary[change]:
            kind = key.split(":", 1)[0]
            fields = _element_fields(kind, old_elements.get(key), new_elements.get(key))
            if change == "changed":
                fields = [f for f in fields if f.changed]
            rows.append(DiffRow(key, kind, change, fields))
    return rows
