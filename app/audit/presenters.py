"""How an audit row reads on the audit log page: a named action and a per-field diff of the
before and after values, instead of raw codes and JSON."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.admin.forms import ROLE_LABELS
from app.audit.labels import action_label, field_label, has_field_label, object_label
from app.audit.models import AuditEntry
from app.catalog import labels as catalog_labels
from app.catalog.import_errors import LineError
from app.review import labels as review_labels

MAX_VALUE_CHARS = 300
MAX_ITEMS = 20
# Enumerated codes inside the before/after values, named per field (and per object for status).
VALUE_LABELS = {
    ("review_mark", "status"): review_labels.STATUS,
    ("procedure", "status"): catalog_labels.STATUS,
    (None, "action"): review_labels.ACTION,
    (None, "reason"): review_labels.REASON,
    (None, "flag"): review_labels.FLAG,
    (None, "roles"): ROLE_LABELS,
    (None, "kind"): review_labels.TARGET_KIND,
    (None, "translator_locales"): catalog_labels.LANGUAGE,
}


def _import_errors(value: Any) -> Any:
    """Stored import errors ([line, path, code, params]) worded in the reader's language."""
    if not isinstance(value, list):
        return value
    worded = []
    for stored in value:
        try:
            worded.append(str(LineError.from_json(stored)))
        except (TypeError, ValueError):
            worded.append(str(stored))
    return worded


# Values stored in a form of their own, worded for the reader.
VALUE_RENDERERS = {"first_errors": _import_errors}
# A stored value that looks like an identifier (xlsx, 1.000894, doc-2) is shown as a code.
_CODE = re.compile(r"[A-Za-z0-9_.:/-]+")


@dataclass(frozen=True)
class Value:
    text: str
    is_code: bool = False  # an identifier, not words: shown as code
    # A mapping: (name, name is a code, value) per entry; ``text`` is then unused.
    items: tuple[tuple[str, bool, Value], ...] = ()


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: Value | None  # None: the field was not there
    after: Value | None
    label_is_code: bool = False  # a field without a name: its key is shown as code

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    action: str
    object: str
    changes: list[FieldChange]


def present(entry: AuditEntry) -> AuditRow:
    return AuditRow(entry, action_label(entry.action), object_label(entry.object_type),
                    field_changes(entry.old, entry.new, entry.object_type))


def field_changes(old: Any, new: Any, object_type: str | None = None) -> list[FieldChange]:
    """One row per field of the before and after values; a value that is not a mapping is one
    unnamed field. Fields that did not change are kept (they say what the row is about)."""
    if not isinstance(old, dict) and not isinstance(new, dict):
        if old is None and new is None:
            return []
        return [FieldChange(field_label("value"), _value(old) if old is not None else None,
                            _value(new) if new is not None else None)]
    old_map = old if isinstance(old, dict) else {}
    new_map = new if isinstance(new, dict) else {}
    keys = list(dict.fromkeys([*old_map, *new_map]))
    return [FieldChange(field_label(str(key)),
                        _value(old_map[key], _names(object_type, key), key) if key in old_map else None,
                        _value(new_map[key], _names(object_type, key), key) if key in new_map else None,
                        label_is_code=not has_field_label(str(key)))
            for key in keys]


def _names(object_type: str | None, key: Any) -> dict | None:
    return VALUE_LABELS.get((object_type, key)) or VALUE_LABELS.get((None, key))


def _value(value: Any, names: dict | None = None, key: Any = None) -> Value:
    if key in VALUE_RENDERERS:
        return Value(_text(VALUE_RENDERERS[key](value)))
    if isinstance(value, dict) and value:
        return Value("", items=tuple((field_label(str(key)), not has_field_label(str(key)),
                                      _value(item, _names(None, key)))
                                     for key, item in list(value.items())[:MAX_ITEMS]))
    text = _text(value, names)
    return Value(text, is_code=isinstance(value, str) and value == text and bool(_CODE.fullmatch(text)))


def _text(value: Any, names: dict | None = None) -> str:
    """A stored value as a short readable text (codes named, lists joined, mappings as name: value)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, (list, tuple)):
        shown = [_text(item, names) for item in value[:MAX_ITEMS]]
        more = len(value) - len(shown)
        text = ", ".join(shown) + (" " + _("(and %(count)s more)", count=more) if more > 0 else "")
    elif isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        text = "; ".join(f"{field_label(str(key))}: {_text(item, _names(None, key))}" for key, item in items)
    elif names is not None and isinstance(value, str) and value in names:
        text = str(names[value])
    else:
        text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "…"
    return text
