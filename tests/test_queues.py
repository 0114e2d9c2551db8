"""Work queues and assignments: each queue's rows against marks made through the review
services, the assignment rules and their audit trail, the "unreviewed" queue narrowed to a
reviewer's assignments, HTMX fragments and plain (no-JS) posts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.queues import services
from app.queues.models import Assignment
from app.queues.routes import row_id
from app.review.services import create_mark, decide_mark, marks_to_recheck, propose_mark
from helpers import record, write_jsonl

JUSTICE, POLICE = "Bộ Tư pháp", "Bộ Công an"
CIVIL, CERTIFY, RESIDENCE = "Hộ tịch", "Chứng thực", "Cư trú"
COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}
# code -> (agency, sector) of the published procedures; 1.000009 stays a draft.
PROCEDURES = {
    "1.000001": (JUSTICE, CIVIL),
    "1.000002": (JUSTICE, CERTIFY),
    "1.000003": (POLICE, RESIDENCE),
    "1.000004": (POLICE, CIVIL),
}
DRAFT = "1.000009"


@pytest.fixture
def catalog(app, tmp_path):
    published = [record(code, agency=agency, sector=sector) for code, (agency, sector) in PROCEDURES.items()]
    import_file(write_jsonl(tmp_path / "published.jsonl", published), publish=True)
    import_file(write_jsonl(tmp_path / "draft.jsonl", [record(DRAFT, agency="Bộ Xây dựng", sector="Nhà ở")]),
                publish=False)
    return {code: get_procedure(code).id for code in [*PROCEDURES, DRAFT]}


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "rob": make_user("rob", "reviewer"),
            "lena": make_user("lena", "lead"), "boss": make_user("boss", "admin"),
            "tran": make_user("tran", "translator")}


def mark(catalog, code, key, action, actor, params=None, **values):
    return create_mark(catalog[code], key, {"action": action, "params": params or {}, **values}, actor)


def queue(user, name, **args):
    request = services.QueueRequest.from_args({"queue": name, **args}, user, per_page=50)
    assert request.queue == name
    return services.queue_page(user, request)


def codes(page):
    return [procedure.code for procedure, _version in page.items]


def tab_bar(html):
    return re.search(r'<nav class="queue-tabs".*?</nav>', html, re.S).group(0)


def tab_names(html):
    return re.findall(r'href="/queues\?queue=(\w+)"', tab_bar(html))


def trail(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


# -- assignment rules --------------------------------------------------------------------------

def test_assign_and_unassign_are_audited(catalog, people):
    rita, lena = people["rita"], people["lena"]
    assignment = services.assign(rita.id, "agency", JUSTICE, lena)
    db.session.commit()
    assert (assignment.user_id, assignment.scope, assignment.value, assignment.assigned_by_id) == (
        rita.id, "agency", JUSTICE, lena.id)
    (created,) = trail("assignment.created")
    assert (created.actor_name, created.object_type, created.object_id) == ("lena", "queue_assignment",
                                                                           str(assignment.id))
    assert created.new == {"user": "rita", "scope": "agency", "value": JUSTICE}

    # Assigning again changes nothing and records nothing.
    again = services.assign(rita.id, "agency", f"  {JUSTICE} ", lena)
    db.session.commit()
    assert again.id == assignment.id and len(trail("assignment.created")) == 1
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 1

    old = services.unassign(assignment.id, people["boss"])
    db.session.commit()
    assert old == {"user": "rita", "scope": "agency", "value": JUSTICE}
    assert db.session.get(Assignment, assignment.id) is None
    (deleted,) = trail("assignment.deleted")
    assert deleted.actor_name == "boss" and deleted.old == old and deleted.object_id == str(assignment.id)
    with pytest.raises(services.AssignmentNotFound):
        services.unassign(assignment.id, people["boss"])


@pytest.mark.parametrize("actor", ["rita", "tran"])
def test_only_leads_and_admins_assign(catalog, people, actor):
    with pytest.raises(services.AssignmentForbidden):
        services.assign(people["rob"].id, "sector", CIVIL, people[actor])
    lena_made = services.assign(people["rob"].id, "sector", CIVIL, people["lena"])
    db.session.commit()
    with pytest.raises(services.AssignmentForbidden):
        services.unassign(lena_made.id, people[actor])
    assert services.assign(people["rob"].id, "agency", POLICE, people["boss"]).assigned_by_id == people["boss"].id
    assert len(trail("assignment.created")) == 2


def test_only_active_reviewers_are_assignable_to_published_agencies_and_sectors(catalog, people, make_user):
    lena = people["lena"]
    gone = make_user("gone", "reviewer")
    gone.active = False
    db.session.commit()
    for user in (lena, people["tran"], people["boss"], gone, None):
        with pytest.raises(services.AssignmentInvalid) as refused:
            services.assign(user.id if user else None, "agency", JUSTICE, lena)
        assert set(refused.value.errors) == {"user_id"}
    for scope, value, field in (("agency", "Bộ Xây dựng", "value"),  # only a draft has this agency
                                ("agency", CIVIL, "value"),  # a sector, not an agency
                                ("agency", "", "value"),
                                ("ministry", JUSTICE, "scope")):
        with pytest.raises(services.AssignmentInvalid) as refused:
            services.assign(people["rita"].id, scope, value, lena)
        assert set(refused.value.errors) == {field}
    assert trail("assignment.created") == []
    # A user with the reviewer role among others is a reviewer.
    both = make_user("both", "reviewer", "lead")
    assert services.assign(both.id, "sector", CIVIL, lena).user_id == both.id
    assert [user.username for user in services.assignable_reviewers()] == ["both", "rita", "rob"]


def test_coverage_counts_published_unreviewed_and_assigned(catalog, people):
    rita, rob, lena = people["rita"], people["rob"], people["lena"]
    mark(catalog, "1.000001", "document:d2", "remove", rita)  # reviewed
    rejected = mark(catalog, "1.000004", None, "abolish", rob, **COMPLETE)
    propose_mark(rejected.id, 1, rob)
    decide_mark(rejected.id, 2, "rejected", "Still needed.", lena)  # rejected only: still unreviewed
    services.assign(rita.id, "agency", JUSTICE, lena)
    services.assign(rob.id, "agency", JUSTICE, lena)
    services.assign(rob.id, "sector", CIVIL, lena)
    db.session.commit()

    agencies = {row.value: (row.published, row.unreviewed, [a.user.username for a in row.assignments])
                for row in services.coverage("agency")}
    assert agencies == {JUSTICE: (2, 1, ["rita", "rob"]), POLICE: (2, 2, [])}
    sectors = {row.value: (row.published, row.unreviewed, [a.user.username for a in row.assignments])
               for row in services.coverage("sector")}
    assert sectors == {CIVIL: (2, 1, ["rob"]), CERTIFY: (1, 1, []), RESIDENCE: (1, 1, [])}
    (one,) = services.coverage("sector", CIVIL)
    assert (one.value, one.published, one.unreviewed) == (CIVIL, 2, 1)


# -- the queues --------------------------------------------------------------------------------

def test_unreviewed_is_restricted_to_a_reviewers_assignments(catalog, people):
    rita, rob, lena = people["rita"], people["rob"], people["lena"]
    mark(catalog, "1.000001", "document:d2", "remove", rob)
    rejected = mark(catalog, "1.000002", None, "abolish", rob, **COMPLETE)
    propose_mark(rejected.id, 1, rob)
    decide_mark(rejected.id, 2, "rejected", "Still needed.", lena)
    db.session.commit()
    everything = ["1.000002", "1.000003", "1.000004"]  # sorted by code; the draft is never listed

    assert codes(queue(rita, "unreviewed")) == everything  # no assignment yet: all of them
    services.assign(rita.id, "agency", JUSTICE, lena)
    db.session.commit()
    assert codes(queue(rita, "unreviewed")) == ["1.000002"]
    assert codes(queue(rita, "unreviewed", all="1")) == everything
    services.assign(rita.id, "sector", RESIDENCE, lena)
    db.session.commit()
    assert codes(queue(rita, "unreviewed")) == ["1.000002", "1.000003"]
    assert codes(queue(rita, "unreviewed", agency=POLICE)) == ["1.000003"]
    assert codes(queue(rita, "unreviewed", all="1", sector=CIVIL)) == ["1.000004"]
    assert services.queue_counts(rita)["unreviewed"] == 2
    # Others' assignments do not narrow anyone else's queue; a lead sees everything.
    assert codes(queue(rob, "unreviewed")) == everything
    assert codes(queue(lena, "unreviewed")) == everything

    rita_page = queue(rita, "unreviewed")
    assert rita_page.total == 2 and rita_page.pages == 1


def test_my_marks_flagged_first_and_filtered_by_status(app, catalog, people, tmp_path):
    rita, rob = people["rita"], people["rob"]
    first = mark(catalog, "1.000001", "document:d2", "accept_copy", rita, {"form": "e_copy"})
    flagged = mark(catalog, "1.000001", "field:d1.f3", "reuse_from_database", rita, {"database": "population"},
                   **COMPLETE)
    proposed = mark(catalog, "1.000003", None, "abolish", rita, **COMPLETE)
    propose_mark(proposed.id, 1, rita)
    mark(catalog, "1.000002", None, "keep", rob)  # someone else's
    db.session.commit()
    changed = record("1.000001", agency=JUSTICE, sector=CIVIL)
    changed["dossier"][0]["fields"][2]["label"] = "Số định danh cá nhân"
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=True)
    db.session.commit()

    page = queue(rita, "mine")
    assert [row.mark.id for row in page.items][0] == flagged.id
    assert {row.mark.id for row in page.items} == {first.id, flagged.id, proposed.id} and page.total == 3
    by_id = {row.mark.id: row for row in page.items}
    assert by_id[flagged.id].mark.flag == "text_changed"
    assert (by_id[flagged.id].marked_number, by_id[flagged.id].version.number) == (1, 2)
    assert by_id[first.id].element_text and by_id[proposed.id].element_text is None
    assert [row.mark.id for row in queue(rita, "mine", status="proposed").items] == [proposed.id]
    assert services.status_counts(rita) == {"draft": 2, "proposed": 1}
    assert services.queue_counts(rita)["mine"] == 3


def test_changed_since_marked_mine_or_assigned(app, catalog, people, tmp_path, client, login):
    rita, rob, lena = people["rita"], people["rob"], people["lena"]
    changed_mark = mark(catalog, "1.000001", "field:d1.f3", "reuse_from_database", rita,
                        {"database": "population"})
    orphan = mark(catalog, "1.000001", "document:d3", "remove", rita, **COMPLETE)
    mark(catalog, "1.000001", "document:d2", "accept_copy", rita, {"form": "e_copy"})  # unchanged element
    elsewhere = mark(catalog, "1.000003", "document:d3", "remove", rob)
    db.session.commit()
    v2 = record("1.000001", agency=JUSTICE, sector=CIVIL)
    v2["dossier"][0]["fields"][2]["label"] = "Số định danh cá nhân"
    v2["dossier"].pop(2)
    other = record("1.000003", agency=POLICE, sector=RESIDENCE)
    other["dossier"].pop(2)
    import_file(write_jsonl(tmp_path / "v2.jsonl", [v2, other]), publish=True)
    db.session.commit()

    flagged = [m.id for m in marks_to_recheck()]
    assert set(flagged) == {changed_mark.id, orphan.id, elsewhere.id}
    # A lead sees every flagged mark, in the order of marks_to_recheck.
    assert [row.mark.id for row in queue(lena, "changed").items] == flagged
    assert {row.mark.id for row in queue(rita, "changed").items} == {changed_mark.id, orphan.id}
    assert [row.mark.id for row in queue(rob, "changed").items] == [elsewhere.id]
    services.assign(rob.id, "agency", JUSTICE, lena)
    db.session.commit()
    assert {row.mark.id for row in queue(rob, "changed").items} == {changed_mark.id, orphan.id, elsewhere.id}
    assert services.queue_counts(rob)["changed"] == 3

    rows = {row.mark.id: row for row in queue(rita, "changed").items}
    assert (rows[changed_mark.id].marked_number, rows[changed_mark.id].version.number) == (1, 2)
    assert rows[orphan.id].mark.flag == "orphaned"

    login(rita)
    html = client.get("/queues?queue=changed").get_data(as_text=True)
    assert "/procedures/1.000001/versions/2/diff" in html
    assert "/procedures/1.000001#el-d1.f3" in html and "/procedures/1.000001#el-d3" in html
    assert "/procedures/1.000003" not in html


def test_awaiting_decision_oldest_first_not_own(catalog, people):
    rita, rob, lena, boss = people["rita"], people["rob"], people["lena"], people["boss"]
    made = []
    for code, key, author in (("1.000003", "document:d2", rita), ("1.000001", None, rob),
                              ("1.000004", "step:s1", boss)):
        action = "remove_step" if key == "step:s1" else ("abolish" if key is None else "remove")
        item = mark(catalog, code, key, action, author, **COMPLETE)
        propose_mark(item.id, 1, author)
        made.append(item.id)
    mark(catalog, "1.000002", None, "abolish", rita, **COMPLETE)  # a draft: not awaiting
    decided = mark(catalog, "1.000002", "document:d2", "remove", rita, **COMPLETE)
    propose_mark(decided.id, 1, rita)
    decide_mark(decided.id, 2, "accepted", "Agreed.", lena)
    db.session.commit()

    page = queue(lena, "decide")
    assert [row.mark.id for row in page.items] == made and page.total == 3
    first = page.items[0]
    assert (first.procedure.code, first.author.username, first.mark.reason) == ("1.000003", "rita", "not_necessary")
    assert first.element_text  # the document's name
    # An admin's own proposal is not in the admin's queue.
    assert [row.mark.id for row in queue(boss, "decide").items] == made[:2]
    assert [row.mark.id for row in queue(lena, "decide", agency=POLICE).items] == [made[0], made[2]]
    assert [row.mark.id for row in queue(lena, "decide", sector=CIVIL).items] == [made[1], made[2]]
    assert services.queue_counts(lena) == {"unreviewed": 0, "changed": 0, "decide": 3}


# -- pages ---------------------------------------------------------------------------------------

def test_tabs_follow_the_roles(catalog, people, app, login):
    expected = {"rita": ["mine", "unreviewed", "changed"], "lena": ["unreviewed", "changed", "decide"],
                "boss": ["mine", "unreviewed", "changed", "decide"]}
    for name, tabs in expected.items():
        # A fresh app context per user: the signed-in user is cached on ``g``.
        with app.app_context():
            client = app.test_client()
            login(people[name], test_client=client)
            html = client.get("/queues").get_data(as_text=True)
            assert tab_names(html) == tabs
            assert re.search(r'aria-current="page">([^<]*)<', tab_bar(html)).group(1).strip() == (
                "My marks" if "mine" in tabs else "Awaiting my decision")
            # A queue the roles do not allow falls back to the user's first queue.
            other = "decide" if "decide" not in tabs else "mine"
            fallback = client.get(f"/queues?queue={other}").get_data(as_text=True)
            assert tab_names(fallback) == tabs and f'queue={other}" aria-current' not in fallback
    with app.app_context():
        client = app.test_client()
        login(people["tran"], test_client=client)
        assert client.get("/queues").status_code == 403
        assert client.get("/queues/assignments").status_code == 403


def test_queue_tab_counts_and_rows_on_the_page(catalog, people, client, login):
    rita = people["rita"]
    made = mark(catalog, "1.000001", "document:d2", "remove", rita)
    db.session.commit()
    login(rita)
    html = client.get("/queues").get_data(as_text=True)
    counts = dict(re.findall(r'href="/queues\?queue=(\w+)"[^>]*>[^<]*<span class="badge queue-count">(\d+)</span>',
                             html))
    assert counts == {"mine": "1", "unreviewed": "3", "changed": "0"}
    assert 'href="/procedures/1.000001#el-d2"' in html
    if "review.mark" in client.application.view_functions:
        assert f'href="/marks/{made.id}"' in html
    else:  # no mark page yet: the mark links to its element
        assert html.count('href="/procedures/1.000001#el-d2"') == 3


def test_htmx_tab_is_a_fragment_and_the_full_page_includes_it(catalog, people, client, login):
    login(people["rita"])
    full = client.get("/queues?queue=unreviewed")
    fragment = client.get("/queues?queue=unreviewed", headers={"HX-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    full_html, fragment_html = full.get_data(as_text=True), fragment.get_data(as_text=True)
    assert full_html.lstrip().startswith("<!doctype html>") and '<div id="queue"' in full_html
    assert "<html" not in fragment_html and 'class="queue-tabs"' in fragment_html
    assert "1.000004" in fragment_html and "1.000004" in full_html
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]
    assert fragment.headers["HX-Push-Url"] == "/queues?queue=unreviewed"
    # A history restore needs the whole page.
    restore = client.get("/queues?queue=unreviewed", headers={"HX-Request": "true",
                                                              "HX-History-Restore-Request": "true"})
    assert "<!doctype html>" in restore.get_data(as_text=True)


def test_unreviewed_is_paginated(app, catalog, people, client, login):
    app.config["PAGE_SIZE"] = 2
    login(people["rita"])
    first = client.get("/queues?queue=unreviewed").get_data(as_text=True)
    assert "1.000001" in first and "1.000002" in first and "1.000003" not in first
    assert 'href="/queues?queue=unreviewed&amp;page=2"' in first
    second = client.get("/queues?queue=unreviewed&page=2").get_data(as_text=True)
    assert "1.000003" in second and "1.000004" in second and "1.000001" not in second


def test_queue_queries_do_not_grow_with_rows(app, tmp_path, catalog, people, client, login):
    rita = people["rita"]
    login(rita)
    keys = {"document:d1": "remove", "document:d2": "remove", "field:d1.f3": "remove", "step:s1": "remove_step"}

    def statements(url):
        seen = []

        def count(*_args):
            seen.append(1)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    def measure():
        return {name: statements(f"/queues?queue={name}") for name in ("mine", "unreviewed", "changed")}

    for key, action in keys.items():
        mark(catalog, "1.000001", key, action, rita, **COMPLETE)
    db.session.commit()
    measure()  # the first requests of a session load more (warm-up)
    few = measure()  # 4 marks, 3 unreviewed procedures
    more = [record(f"2.00000{n}", agency=POLICE, sector=CIVIL) for n in range(1, 7)]
    import_file(write_jsonl(tmp_path / "more.jsonl", more), publish=True)
    for code in ("1.000002", "1.000003"):
        for key, action in keys.items():
            propose_mark(mark(catalog, code, key, action, rita, **COMPLETE).id, 1, rita)
    db.session.commit()
    assert queue(rita, "mine").total == 12 and queue(rita, "unreviewed").total == 7
    assert measure() == few


def test_assignment_page_and_plain_posts(catalog, people, client, login):
    rita = people["rita"]
    login(people["lena"])
    page = client.get("/queues/assignments").get_data(as_text=True)
    assert JUSTICE in page and RESIDENCE in page and "Bộ Xây dựng" not in page
    assert f'<option value="{rita.id}">rita</option>' in page
    assert f'<option value="{people["lena"].id}"' not in page  # leads are not assignable

    response = client.post("/queues/assignments", data={"user_id": rita.id, "scope": "agency", "value": JUSTICE})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/queues/assignments#" + row_id("agency", JUSTICE))
    followed = client.get("/queues/assignments").get_data(as_text=True)
    assert "rita is assigned to Bộ Tư pháp." in followed
    (assignment,) = db.session.scalars(select(Assignment)).all()
    assert (assignment.user_id, assignment.scope, assignment.value) == (rita.id, "agency", JUSTICE)

    refused = client.post("/queues/assignments", data={"user_id": people["lena"].id, "scope": "sector",
                                                       "value": CIVIL})
    assert refused.status_code == 302
    assert "Choose an active reviewer." in client.get("/queues/assignments").get_data(as_text=True)

    removed = client.post(f"/queues/assignments/{assignment.id}/delete")
    assert removed.status_code == 302
    assert "rita is no longer assigned to Bộ Tư pháp." in client.get("/queues/assignments").get_data(as_text=True)
    assert db.session.scalars(select(Assignment)).all() == []
    assert client.post(f"/queues/assignments/{assignment.id}/delete").status_code == 404
    assert [entry.action for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "queue_assignment").order_by(AuditEntry.id))] == [
        "assignment.created", "assignment.deleted"]


def test_assignment_posts_with_htmx_answer_with_the_row(catalog, people, client, login):
    rita, rob = people["rita"], people["rob"]
    login(people["boss"])
    hx = {"HX-Request": "true"}
    response = client.post("/queues/assignments", data={"user_id": rita.id, "scope": "sector", "value": CIVIL},
                           headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="{row_id("sector", CIVIL)}">')
    assert "<html" not in html and "<table" not in html
    assert "rita" in html and f'<option value="{rita.id}">' not in html and f'<option value="{rob.id}">' in html
    assert "<td>2</td>" in html  # two published procedures in the sector, both unreviewed

    invalid = client.post("/queues/assignments", data={"user_id": people["tran"].id, "scope": "sector",
                                                       "value": CIVIL}, headers=hx)
    assert invalid.status_code == 422
    assert 'role="alert">Choose an active reviewer.' in invalid.get_data(as_text=True)

    (assignment,) = db.session.scalars(select(Assignment)).all()
    removed = client.post(f"/queues/assignments/{assignment.id}/delete", headers=hx)
    assert removed.status_code == 200
    assert removed.get_data(as_text=True).lstrip().startswith(f'<tr id="{row_id("sector", CIVIL)}">')
    assert f'<option value="{rita.id}">' in removed.get_data(as_text=True)
    assert db.session.scalars(select(Assignment)).all() == []


def test_reviewers_cannot_post_assignments(catalog, people, client, login):
    login(people["rita"])
    response = client.post("/queues/assignments", data={"user_id": people["rita"].id, "scope": "agency",
                                                        "value": JUSTICE})
    assert response.status_code == 403
    assert db.session.scalars(select(Assignment)).all() == []
