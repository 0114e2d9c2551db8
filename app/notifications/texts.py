"""A notification in the reader's language, from its kind and parameters."""
from __future__ import annotations

from flask_babel import gettext as _

from app.notifications.models import Notification
from app.review.labels import TARGET_KIND, label


def _target(target: str | None) -> str:
    if not target or target == "procedure":
        return label(TARGET_KIND, "procedure")
    kind, _sep, eid = target.partition(":")
    return _("%(kind)s %(id)s", kind=label(TARGET_KIND, kind), id=eid)


def describe(item: Notification) -> str:
    params = item.params or {}
    actor = item.actor_name or _("Someone")
    target, code = _target(params.get("target")), params.get("code", "")
    if item.kind == "decision" and params.get("decision") == "accepted":
        return _("%(actor)s accepted your proposal on %(target)s of %(code)s.", actor=actor, target=target, code=code)
    if item.kind == "decision":
        return _("%(actor)s rejected your proposal on %(target)s of %(code)s.", actor=actor, target=target, code=code)
    if item.kind == "comment":
        return _("%(actor)s commented on your mark on %(target)s of %(code)s.", actor=actor, target=target, code=code)
    if item.kind == "proposal":
        return _("%(actor)s proposed a mark on %(target)s of %(code)s: it awaits a decision.", actor=actor,
                 target=target, code=code)
    if params.get("scope") == "sector":
        return _("%(actor)s assigned the sector %(value)s to %(reviewer)s.", actor=actor,
                 value=params.get("value", ""), reviewer=params.get("reviewer", ""))
    return _("%(actor)s assigned the agency %(value)s to %(reviewer)s.", actor=actor,
             value=params.get("value", ""), reviewer=params.get("reviewer", ""))
