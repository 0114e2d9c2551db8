"""Translatable names for what the audit trail stores as codes: objects, actions and the
fields of the before/after values. A code without a name here is shown as it is stored."""
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

ACTION = {
    "batch.imported": lazy_pgettext("audit action", "Batch imported"),
    "batch.published": lazy_pgettext("audit action", "Batch published"),
    "batch.rejected": lazy_pgettext("audit action", "Import rejected"),
    "procedure.published": lazy_pgettext("audit action", "Procedure published"),
    "procedure.abolished": lazy_pgettext("audit action", "Procedure abolished"),
    "procedure.updated": lazy_pgettext("audit action", "Procedure updated"),
    "procedure.created": lazy_pgettext("audit action", "Procedure created"),
    "user.created": lazy_pgettext("audit action", "Account created"),
    "user.updated": lazy_pgettext("audit action", "Account changed"),
    "user.password_changed": lazy_pgettext("audit action", "Password changed"),
    "user.password_reset": lazy_pgettext("audit action", "Password reset"),
    "user.login": lazy_pgettext("audit action", "Signed in"),
    "user.login_failed": lazy_pgettext("audit action", "Sign-in failed"),
    # TRANSLATORS: sign-in refused after too many failures for the account or the address.
    "user.login_throttled": lazy_pgettext("audit action", "Sign-in refused (too many failures)"),
    "translation.updated": lazy_pgettext("audit action", "Translation saved"),
    "mark.created": lazy_pgettext("audit action", "Mark created"),
    "mark.updated": lazy_pgettext("audit action", "Mark edited"),
    "mark.proposed": lazy_pgettext("audit action", "Mark proposed"),
    "mark.withdrawn": lazy_pgettext("audit action", "Proposal withdrawn"),
    "mark.accepted": lazy_pgettext("audit action", "Proposal accepted"),
    "mark.rejected": lazy_pgettext("audit action", "Proposal rejected"),
    "mark.implemented": lazy_pgettext("audit action", "Implementation recorded"),
    "mark.deleted": lazy_pgettext("audit action", "Mark deleted"),
    "mark.commented": lazy_pgettext("audit action", "Comment added"),
    "mark.rechecked": lazy_pgettext("audit action", "Mark re-checked"),
    # TRANSLATORS: a mark carried over to (or flagged on) a newly published version of its procedure.
    "mark.reconciled": lazy_pgettext("audit action", "Mark carried over to a new version"),
    "bulk.marked": lazy_pgettext("audit action", "Bulk marking"),
    "assignment.created": lazy_pgettext("audit action", "Assignment given"),
    "assignment.deleted": lazy_pgettext("audit action", "Assignment removed"),
    "export.created": lazy_pgettext("audit action", "Export written"),
    "review_setting.changed": lazy_pgettext("audit action", "Review setting changed"),
    "search.synonyms_saved": lazy_pgettext("audit action", "Search synonyms saved"),
    "search.synonyms_imported": lazy_pgettext("audit action", "Search synonyms imported"),
    # TRANSLATORS: the synonym lists shipped with the app were stored at the first start.
    "search.synonyms_starter_loaded": lazy_pgettext("audit action", "Starter search synonyms stored"),
}

# Names of the keys that the before/after values hold.
FIELD = {
    "status": lazy_pgettext("audited field", "status"),
    "version": lazy_pgettext("audited field", "version"),
    "roles": lazy_pgettext("audited field", "roles"),
    "display_name": lazy_pgettext("audited field", "full name"),
    "active": lazy_pgettext("audited field", "active"),
    "translator_locales": lazy_pgettext("audited field", "languages to translate"),
    "value": lazy_pgettext("audited field", "value"),
    "file": lazy_pgettext("audited field", "file"),
    "published": lazy_pgettext("audited field", "published"),
    "comment": lazy_pgettext("audited field", "comment number"),
    "text": lazy_pgettext("audited field", "text"),
    "msgstr": lazy_pgettext("audited field", "translation"),
    "action": lazy_pgettext("audited field", "action"),
    "params": lazy_pgettext("audited field", "values"),
    "reason": lazy_pgettext("audited field", "reason"),
    "rationale": lazy_pgettext("audited field", "rationale"),
    "legal_number": lazy_pgettext("audited field", "legal document"),
    "legal_text": lazy_pgettext("audited field", "legal text to amend"),
    "target": lazy_pgettext("audited field", "target"),
    "flag": lazy_pgettext("audited field", "flag"),
    "revision": lazy_pgettext("audited field", "revision"),
    "format": lazy_pgettext("audited field", "format"),
    "agency": lazy_pgettext("audited field", "agency"),
    "sector": lazy_pgettext("audited field", "sector"),
    "scope": lazy_pgettext("audited field", "scope"),
    "user": lazy_pgettext("audited field", "user"),
    "kind": lazy_pgettext("audited field", "kind"),
    "pattern": lazy_pgettext("audited field", "pattern"),
    "proposed": lazy_pgettext("audited field", "proposed at once"),
    "selection": lazy_pgettext("audited field", "selection"),
    "decision_comment": lazy_pgettext("audited field", "decision comment"),
    "rows": lazy_pgettext("audited field", "rows"),
    "created": lazy_pgettext("audited field", "created"),
    "updated": lazy_pgettext("audited field", "updated"),
    "unchanged": lazy_pgettext("audited field", "unchanged"),
    "abolished": lazy_pgettext("audited field", "abolished"),
    "lines": lazy_pgettext("audited field", "lines"),
    "id": lazy_pgettext("audited field", "number"),
    "procedure_id": lazy_pgettext("audited field", "procedure number"),
    "version_id": lazy_pgettext("audited field", "version number"),
    "hours_saved_per_case": lazy_pgettext("audited field", "hours saved per case"),
    "fees_saved_vnd": lazy_pgettext("audited field", "fees saved (VND)"),
    "other_saved_vnd": lazy_pgettext("audited field", "other costs saved (VND)"),
    "all_matching": lazy_pgettext("audited field", "all matching"),
    "query": lazy_pgettext("audited field", "search"),
    "filters": lazy_pgettext("audited field", "filters"),
    "codes": lazy_pgettext("audited field", "procedure codes"),
    "marks": lazy_pgettext("audited field", "marks"),
    "procedures": lazy_pgettext("audited field", "procedures"),
    "mark_ids": lazy_pgettext("audited field", "mark numbers"),
    "agencies": lazy_pgettext("audited field", "agencies"),
    "new_procedures": lazy_pgettext("audited field", "new procedures"),
    "new_versions": lazy_pgettext("audited field", "new versions"),
    "batch": lazy_pgettext("audited field", "import batch"),
    "errors": lazy_pgettext("audited field", "errors"),
    "first_errors": lazy_pgettext("audited field", "first errors"),
    "source": lazy_pgettext("audited field", "source"),
    # TRANSLATORS: lines of a synonym list added, removed, and how many it holds now.
    "added": lazy_pgettext("audited field", "lines added"),
    "removed": lazy_pgettext("audited field", "lines removed"),
    "entries": lazy_pgettext("audited field", "entries"),
}


def action_label(code: str) -> str:
    """The readable name of an action code; the code itself when it has none."""
    label = ACTION.get(code)
    return str(label) if label is not None else code


def object_label(code: str) -> str:
    label = OBJECT_TYPE.get(code)
    return str(label) if label is not None else code


def field_label(key: str) -> str:
    label = FIELD.get(key)
    return str(label) if label is not None else key


def has_field_label(key: str) -> bool:
    return key in FIELD
