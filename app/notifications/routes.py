"""The notifications page (newest first, paged), marking read (one or all), and the unread count
in the header of every page. Marking read is a plain form post (then a redirect); with HTMX the
same post answers with the list, and the header's count follows out of band."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.auth.access import any_role
from app.extensions import db
from app.notifications import services
from app.notifications.texts import describe
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _notification_context():
    def notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)
    return {"notification_count": notification_count}


def _page(status: int = 200, *, oob: bool = False):
    page = max(1, request.values.get("page", 1, type=int) or 1)
    unread_only = request.values.get("unread") == "1"
    items, total = services.page_of(current_user, page, unread_only=unread_only)
    pages = max(1, -(-total // services.PER_PAGE))
    return render_page("notifications/index.html", "notifications/_list.html", status=status,
                       items=items, total=total, pager={"page": page, "pages": pages}, unread_only=unread_only,
                       oob=oob, describe=describe)


@bp.route("/notifications")
@any_role
def index():
    return _page()


@bp.route("/notifications/read", methods=["POST"])
@any_role
def read():
    """Mark one notification (``id``) or all of them (``all=1``) read."""
    if request.form.get("all") == "1":
        services.mark_read(current_user)
    else:
        services.mark_read(current_user, [value for value in request.form.getlist("id") if value.isdigit()][:100])
    db.session.commit()
    if wants_fragment():
        return _page(oob=True)
    args = {name: request.form[name] for name in ("page", "unread") if request.form.get(name)}
    return redirect(url_for("notifications.index", **args), 303)
