"""Translatable names of the objects the audit trail records (the stored value is a code)."""
from __future__ import annotations

from flask_babel import lazy_pgettext

OBJECT_TYPE = {
    "procedure": lazy_pgettext("audited object", "procedure"),
    "import_batch": lazy_pgettext("audited object", "import batch"),
    "user": lazy_pgettext("audited object", "user"),
    "translation": lazy_pgettext("audited object", "translation"),
}
