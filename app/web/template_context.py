"""Values every template can use: the locale, the navigation allowed to the user."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin.forms import ROLE_LABELS
from app.audit.labels import OBJECT_TYPE
from app.catalog.import_errors import render as import_error
from app.catalog.labels import all_labels, duration_label

# Each language named in itself (the switcher marks each option with its lang).
LOCALE_NAMES = {"vi": "Tiếng Việt", "th": "ไทย", "en": "English"}

# (endpoint, label, roles allowed, group); the same roles the routes declare. Pages of the
# daily work stand in the bar; the others are grouped in menus, so that the bar stays on one line
# in every language (Vietnamese labels are the longest).
REVIEW_GROUP = "review"
ADMIN_GROUP = "admin"
NAVIGATION = (
    ("search.index", _l("Search"), None, None),
    ("catalog.index", _l("Catalog"), None, None),
    # TRANSLATORS: navigation: progress of the review against its targets.
    ("dashboard.index", _l("Dashboard"), {"reviewer", "lead", "admin"}, None),
    # TRANSLATORS: navigation: the work lists of the review (my marks, unreviewed, to decide).
    ("queues.index", _l("Queues"), {"reviewer", "lead", "admin"}, None),
    ("queues.assignments", _l("Assignments"), {"lead", "admin"}, REVIEW_GROUP),
    ("exports.index", _l("Exports"), {"lead", "admin"}, REVIEW_GROUP),
    ("dashboard.settings", _l("Review settings"), {"lead", "admin"}, REVIEW_GROUP),
    ("i18n.editor_index", _l("Translations"), {"translator", "admin"}, ADMIN_GROUP),
    ("admin.imports", _l("Imports"), {"admin"}, ADMIN_GROUP),
    ("admin.users", _l("Users"), {"admin"}, ADMIN_GROUP),
    ("search.admin", _l("Search index"), {"admin"}, ADMIN_GROUP),
    # TRANSLATORS: navigation: the admin page of the synonyms and abbreviations search knows.
    ("search.synonyms", _l("Search synonyms"), {"admin"}, ADMIN_GROUP),
    ("admin.audit_log", _l("Audit log"), {"admin"}, ADMIN_GROUP),
)
GROUP_LABELS = {
    # TRANSLATORS: navigation menu: assignments, exports and review settings (leads).
    REVIEW_GROUP: _l("Management"),
    # TRANSLATORS: navigation menu: imports, users, search index, audit log, translations.
    ADMIN_GROUP: _l("Administration"),
}


def navigation(allowed) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The bar for a user: (None, [(endpoint, label)]) for the pages in the bar, then
    (menu label, items) per menu; a menu with a single page for this user stands in the bar."""
    bar: list[tuple[str, str]] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for endpoint, label, roles, group in NAVIGATION:
        if roles is None or allowed(*roles):
            (groups.setdefault(group, []) if group else bar).append((endpoint, label))
    menus = []
    for group, items in groups.items():
        if len(items) == 1:
            bar.extend(items)
        else:
            menus.append((GROUP_LABELS[group], items))
    return [(None, bar), *menus]


def register(app) -> None:
    @app.context_processor
    def inject():
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return navigation(current_user.has_role)
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
            "import_error": import_error,
        }
