"""Notifications: a reviewer hears of decisions on their proposals and comments on their marks,
a lead of new proposals and assignments; created by the review and queue services in the same
transaction; counted in the header, listed newest first in the reader's language, marked read
one by one or all at once (HTMX and plain posts)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from app.notifications.texts import describe
from app.queues.services import assign
from app.review.services import add_comment, create_mark, decide_mark, propose_mark
from helpers import record, write_jsonl

COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}
HX = {"HX-Request": "true"}


@pytest.fixture
def people(app, tmp_path, make_user):
    import_file(write_jsonl(tmp_path / "c.jsonl", [record("1.000001")]), publish=True)
    return {"rita": make_user("rita", "reviewer"), "lena": make_user("lena", "lead"),
            "leo": make_user("leo", "lead"), "boss": make_user("boss", "admin")}


def kinds(user):
    return [(n.kind, n.read_at is None) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_the_review_and_queue_services_notify_the_people_concerned(people):
    rita, lena, leo, boss = people["rita"], people["lena"], people["leo"], people["boss"]
    mark = create_mark(get_procedure("1.000001").id, "document:d2", {"action": "remove", **COMPLETE}, rita)
    propose_mark(mark.id, mark.revision, rita)
    # Every lead hears of the proposal; its author does not.
    assert kinds(lena) == kinds(leo) == [("proposal", True)] and kinds(rita) == []
    add_comment(mark.id, "Which article?", lena)
    add_comment(mark.id, "Article 12.", rita)  # the author's own comment notifies nobody
    decide_mark(mark.id, mark.revision, "accepted", "Agreed.", lena)
    assert kinds(rita) == [("comment", True), ("decision", True)]
    assign(rita.id, "agency", "Bộ Tư pháp", boss)
    assert kinds(rita)[-1] == ("assignment", True) and kinds(leo)[-1] == ("assignment", True)
    assert services.unread_count(rita) == 3
    decision = db.session.scalars(select(Notification).where(Notification.kind == "decision")).one()
    assert (decision.mark_id, decision.actor_name, decision.params["decision"]) == (mark.id, "lena", "accepted")
    # The text is made when read, in the reader's language.
    with force_locale("en"):
        assert describe(decision) == "lena accepted your proposal on Document d2 of 1.000001."
    with force_locale("vi"):
        assert describe(decision) != "lena accepted your proposal on Document d2 of 1.000001."
        assert "1.000001" in describe(decision) and "lena" in describe(decision)


def test_a_refused_step_notifies_nobody(people):
    rita, lena = people["rita"], people["lena"]
    mark = create_mark(get_procedure("1.000001").id, "document:d2", {"action": "remove"}, rita)
    with pytest.raises(Exception):
        propose_mark(mark.id, mark.revision, rita)  # incomplete: no reason
    db.session.rollback()
    assert kinds(lena) == []


def test_the_header_counts_and_the_page_marks_read(people, app, login):
    rita, lena = people["rita"], people["lena"]
    mark = create_mark(get_procedure("1.000001").id, "document:d2", {"action": "remove", **COMPLETE}, rita)
    add_comment(mark.id, "First.", lena)
    add_comment(mark.id, "Second.", lena)
    db.session.commit()
    client = login(rita, test_client=app.test_client())
    page = client.get("/procedures").get_data(as_text=True)
    assert 'id="notifications-link"' in page and 'class="badge notification-count">2<' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert listing.count("lena commented on your mark on Document d2 of 1.000001.") == 2
    assert f'href="/marks/{mark.id}"' in listing
    first = db.session.scalars(select(Notification.id).where(Notification.user_id == rita.id)
                               .order_by(Notification.id)).first()
    # HTMX: one marked read; the list and, out of band, the header's count come back.
    response = client.post("/notifications/read", data={"id": str(first)}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-swap-oob="true"' in body and "notification-count\">1<" in body
    # Without JS: all read, then back to the list.
    response = client.post("/notifications/read", data={"all": "1"})
    assert response.status_code == 303
    assert services.unread_count(rita) == 0
    assert "notification-count" not in client.get("/notifications").get_data(as_text=True)
    # Only one's own notifications can be marked read.
    other = services.notify([lena.id], "comment", rita, mark_id=mark.id, code="1.000001", target="document:d2")
    db.session.commit()
    lena_id = db.session.scalar(select(Notification.id).where(Notification.user_id == lena.id))
    client.post("/notifications/read", data={"id": str(lena_id)})
    assert other == 1 and services.unread_count(lena) == 1
