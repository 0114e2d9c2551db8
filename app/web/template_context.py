"""Values every template can use: the locale, the navigation allowed to the user."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin.forms import ROLE_LABELS
from app.audit.labels import OBJECT_TYPE
from app.catalog.labels import all_labels, duration_label

# Each language named in itself (the switcher marks each option with its lang).
LOCALE_NAMES = {"vi": "Tiếng Việt", "th": "ไทย", "en": "English"}

# (endpoint, label, roles allowed); the same roles the routes declare.
NAVIGATION = (
    ("search.index", _l("Search"), None),
    ("catalog.index", _l("Catalog"), None),
    # TRANSLATORS: navigation: progress of the review against its targets.
    ("dashboard.index", _l("Dashboard"), {"reviewer", "lead", "admin"}),
    # TRANSLATORS: navigation: the work lists of the review (my marks, unreviewed, to decide).
    ("queues.index", _l("Queues"), {"reviewer", "lead", "admin"}),
    ("queues.assignments", _l("Assignments"), {"lead", "admin"}),
    ("exports.index", _l("Exports"), {"lead", "admin"}),
    ("dashboard.settings", _l("Review settings"), {"lead", "admin"}),
    ("i18n.editor_index", _l("Translations"), {"translator", "admin"}),
    ("admin.imports", _l("Imports"), {"admin"}),
    ("admin.users", _l("Users"), {"admin"}),
    ("search.admin", _l("Search index"), {"admin"}),
    # TRANSLATORS: navigation: the admin page of the synonyms and abbreviations search knows.
    ("search.synonyms", _l("Search synonyms"), {"admin"}),
    ("admin.audit_log", _l("Audit log"), {"admin"}),
)


def register(app) -> None:
    @app.context_processor
    def inject():
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return [(endpoint, label) for endpoint, label, roles in NAVIGATION
                    if roles is None or current_user.has_role(*roles)]
        return {
            "current_locale": str(get_locale()),
            "locale_names": LOCALE_NAMES,
            "supported_locales": current_app.config["SUPPORTED_LOCALES"],
            "nav_items": nav_items,
            "request_path": request.full_path.rstrip("?") if request else "/",
            "labels": all_labels(),
            "duration_label": duration_label,
            "role_labels": ROLE_LABELS,
            "audit_object_labels": OBJECT_TYPE,
        }
