"""Review pages: marks on the procedure page, inline marking (HTMX and without JS), a mark's
page with its workflow, comments and history, permissions, and escaping."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import services
from app.review.models import Mark
from app.review.services import MarkForbidden, create_mark, decide_mark, propose_mark
from helpers import record, write_jsonl

# The example record (1.001193 birth registration) as 1.000001: steps s1-s3, channels c1-c2,
# documents d1 (fields d1.f1-d1.f9), d2, d3 (optional, 1 copy), fee1 of 0 VND, legal basis
# 60/2014/QH13 and 123/2015/NĐ-CP.
CODE, OTHER = "1.000001", "1.000002"
COMPLETE = {"reason": "not_necessary", "rationale": "The data is in the civil status database.",
            "legal_number": "123/2015/NĐ-CP"}
HX = {"HX-Request": "true"}


@pytest.fixture
def catalog(app, tmp_path):
    """Two published procedures (one with script in its texts) and a draft."""
    hostile = record(OTHER, title="Cấp <script>alert(1)</script> giấy phép")
    hostile["dossier"][1]["name"] = "Giấy <script>alert(2)</script> chứng sinh"
    import_file(write_jsonl(tmp_path / "catalog.jsonl", [record(CODE), hostile]), publish=True)
    import_file(write_jsonl(tmp_path / "draft.jsonl", [record("1.000003")]), publish=False)
    return {code: get_procedure(code).id for code in (CODE, OTHER, "1.000003")}


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "rob": make_user("rob", "reviewer"),
            "lena": make_user("lena", "lead"), "leo": make_user("leo", "lead", "reviewer"),
            "boss": make_user("boss", "admin"), "tran": make_user("tran", "translator")}


@pytest.fixture
def as_user(app, login):
    """A signed-in test client per user: ``as_user(people["rita"])``."""
    def make(user):
        return login(user, test_client=app.test_client())
    return make


def html(response) -> str:
    return response.get_data(as_text=True)


def trail(mark_id):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "review_mark",
                                                       AuditEntry.object_id == str(mark_id))
                              .order_by(AuditEntry.id)).all()


def block_of(page: str, key: str) -> str:
    """The review block of one target in a page."""
    block_id = "review-block-" + key.replace(":", "-")
    start = page.index(f'id="{block_id}"')
    return page[start:page.index("</form>" if "<form" in page[start:start + 3000] else "</div>", start)]


# -- the procedure page ------------------------------------------------------------------------

def test_procedure_page_shows_marks_at_a_glance_grouped_by_element(catalog, people, as_user):
    rita = people["rita"]
    removal = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, rita)
    reuse = create_mark(catalog[CODE], "field:d1.f3", {"action": "reuse_from_database",
                                                       "params": {"database": "population"}}, rita)
    whole = create_mark(catalog[CODE], None, {"action": "keep"}, rita)
    propose_mark(removal.id, 1, rita)
    db.session.commit()

    page = html(as_user(people["lena"]).get(f"/procedures/{CODE}"))
    d2 = block_of(page, "document:d2")
    assert f'href="/marks/{removal.id}"' in d2 and "Remove" in d2 and "mark-status-proposed" in d2
    f3 = block_of(page, "field:d1.f3")
    assert f'href="/marks/{reuse.id}"' in f3 and "Reuse from a database" in f3 and "Draft" in f3
    panel = page[page.index('id="review-panel"'):page.index('id="review-live"')]
    assert f'href="/marks/{whole.id}"' in panel and "3 marks:" in panel
    # A lead does not mark: no Mark buttons, but the marks are there.
    assert "mark-open" not in page


def test_reviewer_sees_mark_buttons_only_on_the_current_version_of_a_published_procedure(
        catalog, people, as_user, tmp_path):
    client = as_user(people["rita"])
    page = html(client.get(f"/procedures/{CODE}"))
    assert page.count('class="button mark-open"') == len(re.findall(r'data-element="(?!legal:)', page))
    assert f'href="/procedures/{CODE}/marks/new?element=document:d2"' in page
    assert 'aria-label="Mark Document d2"' in page and 'aria-label="Mark the procedure"' in page
    assert 'data-review-block="review-block-field-d1.f3"' in page and 'tabindex="0"' in page
    assert "Keyboard shortcuts" in page

    changed = record(CODE, summary="Bản sửa đổi")
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=True)
    older = html(client.get(f"/procedures/{CODE}?version=1"))
    assert "mark-open" not in older and 'id="review-panel"' not in older  # nothing to show there
    assert "mark-open" in html(client.get(f"/procedures/{CODE}"))

    admin = as_user(people["boss"])
    draft = html(admin.get("/procedures/1.000003"))
    assert "mark-open" not in draft
    assert admin.get("/procedures/1.000003/marks/new").status_code == 409


def test_translator_cannot_mark(catalog, people, as_user):
    client = as_user(people["tran"])
    assert "mark-open" not in html(client.get(f"/procedures/{CODE}"))
    assert client.get(f"/procedures/{CODE}/marks/new?element=document:d2").status_code == 403
    response = client.post(f"/procedures/{CODE}/marks/new?element=document:d2", data={"action": "remove"})
    assert response.status_code == 403
    assert db.session.scalar(select(Mark.id)) is None


# -- inline marking ----------------------------------------------------------------------------

def test_htmx_mark_form_offers_only_the_actions_of_the_target(catalog, people, as_user):
    client = as_user(people["rita"])
    response = client.get(f"/procedures/{CODE}/marks/new?element=field:d1.f3", headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    form = html(response)
    assert "<html" not in form and 'id="review-block-field-d1.f3"' in form
    actions = re.findall(r'<option value="([a-z_]+)" >', form[form.index('name="action"'):form.index("</select>")])
    assert actions == ["merge_with", "remove", "make_optional", "reuse_from_database"]
    # The inputs of those actions only, grouped by action; the others are not there.
    assert 'name="params.database"' in form and 'name="params.key"' in form
    assert 'name="params.amount_vnd"' not in form and 'name="params.steps"' not in form
    assert 'name="params.code"' not in form  # merging a field names another field
    assert '<option value="field:d1.f4"' in form and '<option value="field:d1.f3"' not in form
    assert 'data-actions="reuse_from_database"' in form
    assert '<option value="123/2015/NĐ-CP" lang="vi"' in form
    assert form.count('inputmode="decimal"') >= 3
    assert 'hx-target="closest .review-block"' in form and "mark-cancel" in form

    steps = html(client.get(f"/procedures/{CODE}/marks/new?element=step:s1", headers=HX))
    assert steps.count('name="params.steps"') == 2  # s2 and s3, once for both step actions
    assert 'data-actions="merge_steps parallel_steps"' in steps
    whole = html(client.get(f"/procedures/{CODE}/marks/new", headers=HX))
    assert 'name="params.code"' in whole and 'name="params.level"' in whole and 'id="review-block-procedure"' in whole


def test_htmx_save_renders_the_block_with_the_new_draft_and_announces_it(catalog, people, as_user):
    client = as_user(people["rita"])
    response = client.post(f"/procedures/{CODE}/marks/new?element=field:d1.f3", headers=HX, data={
        "action": "reuse_from_database", "params.database": "other", "params.name": "Cơ sở dữ liệu hộ tịch",
        "params.key": "", "reason": "data_held_by_state", "rationale": "", "legal_number": "", "legal_text": "",
        "hours_saved_per_case": "0.5", "fees_saved_vnd": "", "other_saved_vnd": "15000", "intent": "save"})
    assert response.status_code == 200, html(response)
    body = html(response)
    mark = db.session.scalars(select(Mark)).one()
    assert (mark.element_key, mark.action, mark.params, mark.status) == (
        "field:d1.f3", "reuse_from_database", {"database": "other", "name": "Cơ sở dữ liệu hộ tịch"}, "draft")
    assert (mark.hours_saved_per_case, mark.fees_saved_vnd, mark.other_saved_vnd) == (0.5, None, 15000.0)
    assert "<form" not in body and f'href="/marks/{mark.id}"' in body and "mark-open" in body
    assert "review:announce" in response.headers["HX-Trigger-After-Settle"]
    assert "Mark saved" in response.headers["HX-Trigger-After-Settle"]


def test_htmx_validation_errors_show_beside_inputs_and_keep_what_was_typed(catalog, people, as_user):
    client = as_user(people["rita"])
    response = client.post(f"/procedures/{CODE}/marks/new?element=field:d1.f4", headers=HX, data={
        "action": "reuse_from_database", "params.database": "other", "params.name": "",
        "rationale": "Typed <b>carefully</b>", "hours_saved_per_case": "1.000,5", "intent": "save"})
    assert response.status_code == 422
    form = html(response)
    assert 'id="mark-form-field-d1.f4-params.name-error"' in form and "Name the database." in form
    assert 'aria-describedby="mark-form-field-d1.f4-params.name-error"' in form
    assert 'id="mark-form-field-d1.f4-hours_saved_per_case-error"' in form
    assert "Typed &lt;b&gt;carefully&lt;/b&gt;</textarea>" in form
    assert 'value="1.000,5"' in form and '<option value="other" selected>' in form
    assert '<option value="reuse_from_database" selected>' in form
    assert db.session.scalar(select(Mark.id)) is None


def test_save_and_propose_is_all_or_nothing(catalog, people, as_user):
    client = as_user(people["rita"])
    incomplete = client.post(f"/procedures/{CODE}/marks/new?element=document:d2", headers=HX,
                             data={"action": "remove", "intent": "propose"})
    assert incomplete.status_code == 422 and "Choose a reason before proposing." in html(incomplete)
    assert db.session.scalar(select(Mark.id)) is None  # no half-made draft either
    done = client.post(f"/procedures/{CODE}/marks/new?element=document:d2", headers=HX,
                       data={"action": "remove", "intent": "propose", **COMPLETE})
    assert done.status_code == 200 and "Mark saved and proposed" in done.headers["HX-Trigger-After-Settle"]
    assert db.session.scalars(select(Mark)).one().status == "proposed"


def test_cancel_returns_the_closed_block(catalog, people, as_user):
    client = as_user(people["rita"])
    response = client.get(f"/procedures/{CODE}/marks/block?element=document:d2", headers=HX)
    assert response.status_code == 200 and "<form" not in html(response) and "mark-open" in html(response)
    plain = client.get(f"/procedures/{CODE}/marks/block?element=document:d2")
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/procedures/{CODE}#el-d2")
    assert client.get(f"/procedures/{CODE}/marks/block?element=document:d99", headers=HX).status_code == 404
    assert client.get(f"/procedures/{CODE}/marks/new?element=legal:60/2014/QH13").status_code == 404


def test_without_js_the_mark_button_leads_to_a_form_page_that_redirects_back(catalog, people, as_user):
    client = as_user(people["rita"])
    page = client.get(f"/procedures/{CODE}/marks/new?element=document:d3")
    assert page.status_code == 200
    body = html(page)
    assert "<html" in body and 'action="/procedures/1.000001/marks/new?element=document:d3"' in body
    assert "hx-post" not in body[body.index('class="mark-form'):body.index("</form>")]
    # Every action's inputs are in the page, labelled by action.
    assert "For: Fewer copies" in body and "For: Reuse from a database" in body

    invalid = client.post(f"/procedures/{CODE}/marks/new?element=document:d3",
                          data={"action": "fewer_copies", "params.copies": "1", "rationale": "kept"})
    assert invalid.status_code == 422 and "<html" in html(invalid) and "propose fewer" in html(invalid)
    assert "kept</textarea>" in html(invalid)

    saved = client.post(f"/procedures/{CODE}/marks/new?element=document:d3",
                        data={"action": "fewer_copies", "params.copies": "0", "params.database": "",
                              "params.unit": "", "params.steps": []})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/procedures/{CODE}#el-d3")
    back = html(client.get(saved.headers["Location"]))
    assert "Mark saved." in back
    mark = db.session.scalars(select(Mark)).one()
    assert f'href="/marks/{mark.id}"' in block_of(back, "document:d3")

    procedure_mark = client.post(f"/procedures/{CODE}/marks/new", data={"action": "merge_with",
                                                                        "params.code": OTHER})
    assert procedure_mark.status_code == 303 and procedure_mark.headers["Location"].endswith("#review-panel")


# -- a mark's page -----------------------------------------------------------------------------

def test_mark_page_shows_target_values_people_and_history(catalog, people, as_user):
    rita = people["rita"]
    mark = create_mark(catalog[CODE], "channel:c1", {"action": "shorten_time", "params": {"value": 4, "unit": "hours"},
                                                     "hours_saved_per_case": 1.5, **COMPLETE}, rita)
    db.session.commit()
    services.update_mark(mark.id, 1, {"rationale": "Four hours are enough."}, rita)
    propose_mark(mark.id, 2, rita)
    db.session.commit()
    page = html(as_user(people["lena"]).get(f"/marks/{mark.id}"))
    assert "Mark %s: Shorten processing time" % mark.id in page
    assert "Channel c1" in page and "In person" in page
    assert f'href="/procedures/{CODE}#el-c1"' in page
    assert "4 hours" in page and "Four hours are enough." in page and "123/2015/NĐ-CP" in page
    assert "mark-status-proposed" in page and "rita" in page
    history = page[page.index('id="mark-history-title"'):]
    assert [m for m in re.findall(r'data-action="(mark\.[a-z]+)"', history)] == [
        "mark.created", "mark.updated", "mark.proposed"]
    assert "<del>The data is in the civil status database.</del> → <ins>Four hours are enough.</ins>" in history
    assert "<del>Draft</del> → <ins>Proposed</ins>" in history
    # A lead sees the decision form, not the author's buttons.
    assert 'class="step-form step-decide"' in page and "step-withdraw" not in page and "mark-edit" not in page
    # A translator without a reviewing role does not read marks (issue 11 §10).
    assert as_user(people["tran"]).get(f"/marks/{mark.id}").status_code == 403
    assert as_user(people["rita"]).get("/marks/999").status_code == 404


def test_edit_draft_on_its_page_with_and_without_htmx(catalog, people, as_user):
    rita = people["rita"]
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, rita)
    db.session.commit()
    client = as_user(rita)
    page = html(client.get(f"/marks/{mark.id}"))
    assert 'name="revision" value="1"' in page and 'name="seen"' in page and "mark-edit" in page

    saved = client.post(f"/marks/{mark.id}", data={"revision": "1", "action": "accept_copy", "params.form": "e_copy",
                                                   "rationale": "Scans are fine."})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/marks/{mark.id}")
    assert "Mark saved." in html(client.get(saved.headers["Location"]))
    fragment = client.post(f"/marks/{mark.id}", headers=HX, data={"revision": "2", "action": "accept_copy",
                                                                  "params.form": "copy", "rationale": "Copies."})
    assert fragment.status_code == 200 and "<html" not in html(fragment)
    assert "Mark saved." in html(fragment) and 'name="revision" value="3"' in html(fragment)
    stored = services.get_mark(mark.id)
    assert (stored.action, stored.params, stored.rationale, stored.revision) == (
        "accept_copy", {"form": "copy"}, "Copies.", 3)

    invalid = client.post(f"/marks/{mark.id}", headers=HX, data={"revision": "3", "action": "accept_copy",
                                                                 "params.form": "fax", "rationale": "Fax it."})
    assert invalid.status_code == 422
    assert "Choose a copy or an electronic copy." in html(invalid) and "Fax it.</textarea>" in html(invalid)
    assert 'name="revision" value="3"' in html(invalid)


def test_lead_cannot_edit_another_reviewers_draft_and_reviewer_cannot_decide(catalog, people, as_user):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    db.session.commit()
    rob = as_user(people["rob"])
    assert "mark-edit" not in html(rob.get(f"/marks/{mark.id}"))
    refused = rob.post(f"/marks/{mark.id}", data={"revision": "1", "rationale": "mine"})
    assert refused.status_code == 403 and "Only the author of a draft or an admin may edit it." in html(refused)
    assert rob.post(f"/marks/{mark.id}", headers=HX, data={"revision": "1", "rationale": "x"}).status_code == 403
    lena = as_user(people["lena"])
    assert lena.post(f"/marks/{mark.id}", data={"revision": "1", "rationale": "mine"}).status_code == 403
    assert rob.post(f"/marks/{mark.id}/delete", data={"revision": "1"}).status_code == 403

    rita = as_user(people["rita"])
    assert rita.post(f"/marks/{mark.id}/propose", data={"revision": "1"}).status_code == 303
    assert rita.post(f"/marks/{mark.id}/decide", data={"revision": "2", "decision": "accepted",
                                                       "comment": "Fine by me."}).status_code == 403
    assert services.get_mark(mark.id).status == "proposed"
    assert services.get_mark(mark.id).rationale == COMPLETE["rationale"]


def test_decide_needs_a_comment_and_records_it(catalog, people, as_user):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    propose_mark(mark.id, 1, people["rita"])
    db.session.commit()
    lena = as_user(people["lena"])
    empty = lena.post(f"/marks/{mark.id}/decide", headers=HX, data={"revision": "2", "decision": "accepted",
                                                                     "comment": "  "})
    assert empty.status_code == 422 and "Give the reason for the decision." in html(empty)
    assert 'id="decision-comment-error"' in html(empty)
    done = lena.post(f"/marks/{mark.id}/decide", data={"revision": "2", "decision": "rejected",
                                                       "comment": "Needed for statistics."})
    assert done.status_code == 303
    stored = services.get_mark(mark.id)
    assert (stored.status, stored.decided_by_id, stored.decision_comment) == (
        "rejected", people["lena"].id, "Needed for statistics.")
    page = html(lena.get(f"/marks/{mark.id}"))
    assert "The proposal was rejected." in page and "Needed for statistics." in page


def test_lead_may_not_decide_their_own_proposal_admin_may(catalog, people, as_user):
    leo = people["leo"]  # a lead who also reviews
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, leo)
    propose_mark(mark.id, 1, leo)
    db.session.commit()
    with pytest.raises(MarkForbidden, match="another lead or an admin"):
        decide_mark(mark.id, 2, "accepted", "Looks good to me.", leo)
    db.session.rollback()
    client = as_user(leo)
    page = html(client.get(f"/marks/{mark.id}"))
    assert "step-decide" not in page and "another lead or an admin decides on it" in page
    refused = client.post(f"/marks/{mark.id}/decide", data={"revision": "2", "decision": "accepted",
                                                            "comment": "Looks good to me."})
    assert refused.status_code == 403 and "another lead or an admin" in html(refused)
    assert services.get_mark(mark.id).status == "proposed"
    # Another lead decides; an admin may decide their own proposal.
    assert as_user(people["lena"]).post(f"/marks/{mark.id}/decide", data={
        "revision": "2", "decision": "accepted", "comment": "Agreed."}).status_code == 303
    own = create_mark(catalog[CODE], None, {"action": "abolish", **COMPLETE}, people["boss"])
    propose_mark(own.id, 1, people["boss"])
    db.session.commit()
    assert decide_mark(own.id, 2, "accepted", "Admin decides.", people["boss"]).status == "accepted"


def test_full_workflow_through_the_pages(catalog, people, as_user):
    rita, lena = as_user(people["rita"]), as_user(people["lena"])
    rita.post(f"/procedures/{CODE}/marks/new?element=document:d2", data={"action": "remove", **COMPLETE})
    mark_id = db.session.scalar(select(Mark.id))
    assert rita.post(f"/marks/{mark_id}/propose", headers=HX, data={"revision": "1"}).status_code == 200
    withdrawn = rita.post(f"/marks/{mark_id}/withdraw", headers=HX, data={"revision": "2"})
    assert withdrawn.status_code == 200 and "the mark is a draft again" in html(withdrawn)
    assert services.get_mark(mark_id).status == "draft" and services.get_mark(mark_id).proposed_at is None
    rita.post(f"/marks/{mark_id}/propose", data={"revision": "3"})
    lena.post(f"/marks/{mark_id}/decide", data={"revision": "4", "decision": "accepted", "comment": "Yes."})
    page = html(lena.get(f"/marks/{mark_id}"))
    assert "step-implement" in page
    done = lena.post(f"/marks/{mark_id}/implement", headers=HX, data={"revision": "5", "comment": "Decree 1/2025"})
    assert done.status_code == 200 and "The implementation was recorded." in html(done)
    assert [e.action for e in trail(mark_id)] == ["mark.created", "mark.proposed", "mark.withdrawn", "mark.proposed",
                                                  "mark.accepted", "mark.implemented"]
    assert trail(mark_id)[2].old == {"status": "proposed"} and trail(mark_id)[2].new == {"status": "draft"}
    # Withdrawing is the author's (or an admin's), and only of a proposal.
    assert rita.post(f"/marks/{mark_id}/withdraw", data={"revision": "6"}).status_code == 409


def test_withdraw_by_someone_else_is_refused(catalog, people, as_user):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    propose_mark(mark.id, 1, people["rita"])
    db.session.commit()
    assert as_user(people["rob"]).post(f"/marks/{mark.id}/withdraw", data={"revision": "2"}).status_code == 403
    assert as_user(people["boss"]).post(f"/marks/{mark.id}/withdraw", data={"revision": "2"}).status_code == 303
    assert services.get_mark(mark.id).status == "draft"


def test_delete_draft_is_audited_and_returns_to_the_element(catalog, people, as_user):
    mark = create_mark(catalog[CODE], "field:d1.f3", {"action": "remove"}, people["rita"])
    services.add_comment(mark.id, "Hmm.", people["lena"])
    db.session.commit()
    mark_id = mark.id
    client = as_user(people["rita"])
    assert 'data-confirm="Delete this draft?"' in html(client.get(f"/marks/{mark_id}"))
    response = client.post(f"/marks/{mark_id}/delete", data={"revision": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/procedures/{CODE}#el-d1.f3")
    assert db.session.get(Mark, mark_id) is None
    deleted = trail(mark_id)[-1]
    assert deleted.action == "mark.deleted" and deleted.actor_name == "rita"
    assert deleted.old["action"] == "remove" and deleted.old["target"] == "field:d1.f3"
    assert "The draft was deleted." in html(client.get(response.headers["Location"]))
    assert client.get(f"/marks/{mark_id}").status_code == 404

    proposed = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    propose_mark(proposed.id, 1, people["rita"])
    db.session.commit()
    refused = client.post(f"/marks/{proposed.id}/delete", data={"revision": "2"})
    assert refused.status_code == 409 and "Only a draft can be deleted" in html(refused)
    htmx = as_user(people["boss"])
    draft = create_mark(catalog[CODE], "document:d3", {"action": "remove"}, people["rita"])
    db.session.commit()
    gone = htmx.post(f"/marks/{draft.id}/delete", headers=HX, data={"revision": "1"})
    assert gone.status_code == 200 and gone.headers["HX-Redirect"].endswith(f"/procedures/{CODE}#el-d3")


def test_recheck_a_flagged_mark(catalog, people, as_user, tmp_path):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    db.session.commit()
    changed = record(CODE)
    changed["dossier"][1]["name"] = "Giấy chứng sinh (bản mới)"
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=True)
    db.session.commit()
    stored = services.get_mark(mark.id)
    assert stored.flag == "text_changed"
    client = as_user(people["rita"])
    page = html(client.get(f"/procedures/{CODE}"))
    assert "Text changed: re-check" in block_of(page, "document:d2")
    mark_page = html(client.get(f"/marks/{mark.id}"))
    assert "step-recheck" in mark_page and "a newer version is current" in mark_page
    assert f'href="/procedures/{CODE}?version=1#el-d2"' in mark_page
    done = client.post(f"/marks/{mark.id}/recheck", data={"revision": str(stored.revision)})
    assert done.status_code == 303
    assert services.get_mark(mark.id).flag is None


def test_marks_on_removed_elements_are_listed_in_the_panel(catalog, people, as_user, tmp_path):
    mark = create_mark(catalog[CODE], "document:d3", {"action": "remove", **COMPLETE}, people["rita"])
    db.session.commit()
    shorter = record(CODE)
    shorter["dossier"] = shorter["dossier"][:2]
    import_file(write_jsonl(tmp_path / "v2.jsonl", [shorter]), publish=True)
    db.session.commit()
    assert services.get_mark(mark.id).flag == "orphaned"
    page = html(as_user(people["rita"]).get(f"/procedures/{CODE}"))
    panel = page[page.index("Marks on elements not in this version"):]
    assert re.search(rf'data-mark-id="{mark.id}">\s*<code>document:d3</code>', panel)
    assert "Element removed" in panel


def test_comments_inline_and_without_js(catalog, people, as_user):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    db.session.commit()
    lena = as_user(people["lena"])
    response = lena.post(f"/marks/{mark.id}/comments", headers=HX, data={"text": "Why <b>this</b>?"})
    assert response.status_code == 200 and 'id="mark-comments"' in html(response) and "<html" not in html(response)
    assert "Why &lt;b&gt;this&lt;/b&gt;?" in html(response) and "Comment added." in response.headers["HX-Trigger-After-Settle"]
    empty = lena.post(f"/marks/{mark.id}/comments", headers=HX, data={"text": "   "})
    assert empty.status_code == 422 and "Write a comment." in html(empty)
    plain = as_user(people["rita"]).post(f"/marks/{mark.id}/comments", data={"text": "Because."})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/marks/{mark.id}#mark-comments")
    assert [c.text for c in services.get_mark(mark.id).comments] == ["Why <b>this</b>?", "Because."]
    assert as_user(people["tran"]).post(f"/marks/{mark.id}/comments", data={"text": "Hi"}).status_code == 403
    assert services.get_mark(mark.id).revision == 1


def test_errors_are_pages_not_500s(catalog, people, as_user):
    client = as_user(people["rita"])
    assert client.post("/marks/999/propose", data={"revision": "1"}).status_code == 404
    assert client.post("/marks/999", headers=HX, data={"revision": "1"}).status_code == 404
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    db.session.commit()
    assert client.post(f"/marks/{mark.id}/propose", data={}).status_code == 400  # no revision
    incomplete = client.post(f"/marks/{mark.id}/propose", data={"revision": "1"})
    assert incomplete.status_code == 422 and "Choose a reason before proposing." in html(incomplete)
    assert client.get("/procedures/9.999999/marks/new").status_code == 404


def test_procedure_and_element_text_is_escaped(catalog, people, as_user):
    mark = create_mark(catalog[OTHER], "document:d2", {"action": "remove", "rationale": "<script>alert(3)</script>"},
                       people["rita"])
    db.session.commit()
    client = as_user(people["rita"])
    for url in (f"/procedures/{OTHER}", f"/marks/{mark.id}", f"/procedures/{OTHER}/marks/new?element=document:d1",
                f"/procedures/{OTHER}/marks/new?element=document:d2"):
        page = html(client.get(url))
        assert "<script>alert" not in page, url
    page = html(client.get(f"/marks/{mark.id}"))
    assert "Giấy &lt;script&gt;alert(2)&lt;/script&gt; chứng sinh" in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    form = html(client.get(f"/procedures/{OTHER}/marks/new?element=document:d1"))
    assert "d2 — Giấy &lt;script&gt;alert(2)&lt;/script&gt; chứng sinh" in form
