"""Translatable names of the objects the audit trail records (the stored value is a code)."""
from __future__ import annotations

from flask_babel import lazy_pgettext

OBJECT_TYPE = {
    "procedure": lazy_pgettext("audited object", "procedure"),
    "import_batch": lazy_pgettext("audited object", "import batch"),
    "user": lazy_pgettext("audited object", "user"),
    "translation": lazy_pgettext("audited object", "translation"),
    "review_mark": lazy_pgettext("audited object", "mark"),
    "review_setting": lazy_pgettext("audited object", "review setting"),
    # TRANSLATORS: procedures of an agency or a sector assigned to a reviewer.
    "queue_assignment": lazy_pgettext("audited object", "assignment"),
    # TRANSLATORS: a file written from the review data (plan, archive).
    "export": lazy_pgettext("audited object", "export"),
    "bulk_mark": lazy_pgettext("audited object", "bulk marking"),
    # TRANSLATORS: the list of search synonyms of one language (the object id is the language code).
    "search_synonyms": lazy_pgettext("audited object", "search synonyms"),
}
