"""Who may do what with a mark; the services check these, and pages can ask them to decide
which buttons to show (as CKAN keeps its auth functions beside its actions).

Reviewers create marks, edit their own drafts and propose them; leads decide on proposals and
record implementation; admins may do everything. Actors are ``User`` objects; ``None`` (the
command line) may do nothing here: marks are always someone's.
"""
from __future__ import annotations

from app.review.models import OPEN_STATUSES, Mark


def _has(actor, *roles: str) -> bool:
    return actor is not None and getattr(actor, "is_active", False) and actor.has_role(*roles)


REVIEWING_ROLES = ("reviewer", "lead", "admin")


def can_read_marks(actor) -> bool:
    """Marks, their rationale and threads are the review's: a translator alone does not read them."""
    return _has(actor, *REVIEWING_ROLES)


def can_create(actor) -> bool:
    return _has(actor, "reviewer", "admin")


def can_edit(actor, mark: Mark) -> bool:
    """Content changes: drafts only, by their author (a reviewer) or an admin."""
    if mark.status != "draft":
        return False
    return _has(actor, "admin") or (_has(actor, "reviewer") and mark.created_by_id == actor.id)


def can_propose(actor, mark: Mark) -> bool:
    return can_edit(actor, mark)


def can_decide(actor, mark: Mark) -> bool:
    """Proposals are decided by a lead or an admin; a lead never decides their own proposal
    (a second pair of eyes), an admin may."""
    if mark.status != "proposed" or not _has(actor, "lead", "admin"):
        return False
    return _has(actor, "admin") or mark.created_by_id != actor.id


def decides_own(actor, mark: Mark) -> bool:
    """True when a lead (not an admin) would decide on a proposal they made themselves."""
    return (_has(actor, "lead") and not _has(actor, "admin") and mark.created_by_id is not None
            and mark.created_by_id == actor.id)


def can_withdraw(actor, mark: Mark) -> bool:
    """A proposal goes back to draft at the request of its author (a reviewer) or an admin."""
    if mark.status != "proposed":
        return False
    return _has(actor, "admin") or (_has(actor, "reviewer") and mark.created_by_id == actor.id)


def can_delete(actor, mark: Mark) -> bool:
    """Only drafts are deleted (by whoever may edit them); proposals are withdrawn first and
    decided marks are part of the record."""
    return can_edit(actor, mark)


def can_implement(actor, mark: Mark) -> bool:
    return mark.status == "accepted" and _has(actor, "lead", "admin")


def can_recheck(actor, mark: Mark) -> bool:
    """Confirming that a mark still holds for the changed text of its element: its author
    (a reviewer), a lead or an admin. An orphaned mark has nothing left to re-check."""
    if mark.flag != "text_changed" or mark.status not in OPEN_STATUSES:
        return False
    return _has(actor, "lead", "admin") or (_has(actor, "reviewer") and mark.created_by_id == actor.id)


def can_comment(actor, mark: Mark) -> bool:
    return _has(actor, "reviewer", "lead", "admin")
