"""Bulk marking: matching (diacritics, case, highlighting), the plan with its skips, the signed
preview, applying through the mark service in one transaction (all or nothing), refusing a
plan whose matches changed, and the pages (no-JS and HTMX, roles, CSRF, escaping)."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import jobs
from app.audit.models import AuditEntry
from app.bulk import services
from app.bulk.matching import find, fold, fold_pattern
from app.bulk.services import BulkRequest, Selection
from app.catalog import publication
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review.models import Mark
from app.review.services import create_mark
from app.search import services as search
from app.search import store
from helpers import record, wait_for_job, write_jsonl

HOUSEHOLD = "Sổ hộ khẩu"
# P1 has two household-book documents, P2 one (capitals, no diacritics), P3 none, P4 one but is a
# draft, P5 one that already has an open "remove" mark; P6 (a fee, a step) for other kinds.
P1, P2, P3, P4, P5, P6 = (f"1.00000{n}" for n in range(1, 7))
CODES = (P1, P2, P3, P4, P5)
REMOVE = {"action": "remove", "reason": "data_held_by_state",
          "rationale": "The population database holds the household data."}


def with_documents(code: str, *names: str, **changes) -> dict:
    """A record whose dossier has the example's d1 plus one document per name (d2, d3...)."""
    base = record(code, **changes)
    first = base["dossier"][0]
    base["dossier"] = [first] + [{"id": f"d{i}", "name": name, "originals": 1, "copies": 1, "required": True}
                                 for i, name in enumerate(names, start=2)]
    return base


@pytest.fixture
def catalog(app, tmp_path, make_user):
    other_law = with_documents(P2, "Bản photo SO HO KHAU")
    other_law["legal_basis"] = [{"number": "01/2020/TT-BCA", "summary": "Thông tư"}]
    import_file(write_jsonl(tmp_path / "published.jsonl", [
        with_documents(P1, f"Bản sao {HOUSEHOLD} có chứng thực", f"{HOUSEHOLD} gia đình (bản chính)"),
        other_law,
        with_documents(P3, "Giấy chứng minh nhân dân"),
        with_documents(P5, f"{HOUSEHOLD}"),
    ]), publish=True)
    import_file(write_jsonl(tmp_path / "draft.jsonl", [with_documents(P4, HOUSEHOLD)]), publish=False)
    rita = make_user("rita", "reviewer")
    create_mark(get_procedure(P5).id, "document:d2", {"action": "remove"}, rita)
    db.session.commit()
    return {code: get_procedure(code).id for code in CODES}


@pytest.fixture
def rita(catalog):
    from app.auth.models import User

    return db.session.scalar(select(User).where(User.username == "rita"))


def bulk_request(**changes) -> BulkRequest:
    values = dict(REMOVE)
    values.update(changes.pop("values", {}))
    return BulkRequest(selection=changes.pop("selection", Selection(codes=CODES)),
                       kind=changes.pop("kind", "document"), pattern=changes.pop("pattern", "so ho khau"),
                       values=values, **changes)


def form(**changes) -> dict:
    """The bulk form as a browser posts it (selection, kind, pattern, the mark)."""
    data = {"code": list(CODES), "target": "document", "pattern": "so ho khau", **REMOVE, "legal_number": "",
            "legal_text": "", "hours_saved_per_case": "", "fees_saved_vnd": "", "other_saved_vnd": ""}
    data.update(changes)
    return data


def marks_count() -> int:
    return db.session.scalar(select(func.count(Mark.id)))


def plan_token(html: str) -> str:
    match = re.search(r'name="plan" value="([^"]+)"', html)
    assert match, "no confirm form in the preview"
    return match.group(1)


def job_from(response) -> jobs.Job:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    job = jobs.get(response.headers["Location"].rsplit("/", 1)[1])
    assert job is not None and job.kind == "bulk_mark"
    return wait_for_job(job)


# -- matching ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "text", "matched"), [
    ("so ho khau", "Bản sao Sổ hộ khẩu có chứng thực", ["Sổ hộ khẩu"]),
    ("SỔ HỘ KHẨU", "bản sao sổ hộ khẩu", ["sổ hộ khẩu"]),
    ("dang ky", "Tờ khai Đăng ký khai sinh; đăng ký lại", ["Đăng ký", "đăng ký"]),
    ("so  ho khau", "Sổ hộ\u00a0 khẩu", ["Sổ hộ\u00a0 khẩu"]),  # white space runs count as one space
    ("so ho khau", "So\u0302\u0309 ho\u0323\u0302 kha\u0302\u0309u", ["Sổ hộ khẩu"]),  # decomposed text
])
def test_matching_ignores_case_and_diacritics_and_reports_the_original_text(pattern, text, matched):
    match = find(fold_pattern(pattern), text)
    assert match is not None
    assert [piece for piece, hit in match.pieces() if hit] == matched
    assert "".join(piece for piece, _hit in match.pieces()) == match.text


def test_matching_refuses_other_text_and_folds_d_with_stroke():
    assert find(fold_pattern("so ho khau"), "Giấy khai sinh") is None
    assert find(fold_pattern("so ho khau"), None) is None
    assert fold("Đường ĐI") == "duong di"


# -- planning ----------------------------------------------------------------------------------

def test_preview_counts_the_planted_elements_and_says_why_others_are_skipped(catalog, rita):
    plan = services.plan(bulk_request(), rita)
    assert [(t.code, t.element_key) for t in plan.targets] == [
        (P1, "document:d2"), (P1, "document:d3"), (P2, "document:d2")]
    assert (plan.procedure_count, plan.marked_procedures) == (5, 2)
    assert {(t.code, t.element_key, t.skip) for t in plan.skipped} == {
        (P4, "document:d2", services.NOT_PUBLISHED), (P5, "document:d2", services.ALREADY_MARKED)}
    assert services.count_text("document", 3, 2) == "3 documents in 2 procedures"


def test_dry_run_of_the_rules_skips_what_a_single_mark_would_refuse(catalog, rita):
    # The household-book documents ask for 1 copy: "fewer copies: 1" is refused, as for one mark.
    plan = services.plan(bulk_request(values={"action": "fewer_copies", "params": {"copies": "1"}}), rita)
    assert plan.targets == []
    assert {t.skip for t in plan.skipped if t.code in (P1, P2)} == {services.INVALID}
    assert "copies" in plan.skipped[0].problem
    plan = services.plan(bulk_request(values={"action": "fewer_copies", "params": {"copies": "0"}}), rita)
    # P5's open mark is a "remove": another action is not a duplicate.
    assert len(plan.targets) == 4


def test_request_errors_name_the_field(catalog, rita):
    with pytest.raises(services.BulkInvalid) as refused:
        services.plan(bulk_request(pattern="  ", values={"action": "remove_step", "reason": "nonsense"}), rita)
    assert {"pattern", "action", "reason"} <= set(refused.value.errors)
    with pytest.raises(services.BulkInvalid) as refused:
        services.plan(bulk_request(selection=Selection()), rita)
    assert "selection" in refused.value.errors


def test_only_reviewers_and_admins_plan(catalog, make_user):
    with pytest.raises(services.BulkForbidden):
        services.plan(bulk_request(), make_user("lena", "lead"))


def test_procedure_kind_matches_titles_and_other_kinds_their_text(catalog, rita):
    plan = services.plan(bulk_request(kind="procedure", pattern="", values={"action": "keep"}), rita)
    assert [t.code for t in plan.targets] == [P1, P2, P3, P5] and plan.targets[0].element_key is None
    plan = services.plan(bulk_request(kind="step", pattern="CONG CHUC tu phap",
                                      values={"action": "remove_step"}), rita)
    assert {t.element_key for t in plan.targets} == {"step:s2"} and len(plan.targets) == 4
    reduce_to_zero = {"action": "reduce_fee", "params": {"amount_vnd": "0"}}
    plan = services.plan(bulk_request(kind="fee", pattern="le phi ho tich", values=reduce_to_zero), rita)
    # The example fee is already free: the rules refuse a lower amount than 0.
    assert plan.targets == []
    assert sorted(t.skip for t in plan.skipped) == [services.INVALID] * 4 + [services.NOT_PUBLISHED]


# -- applying ----------------------------------------------------------------------------------

def audit_actions(mark_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "review_mark", AuditEntry.object_id == str(mark_id)).order_by(AuditEntry.id)))


def test_apply_creates_exactly_the_previewed_marks_through_the_service(catalog, rita):
    values = {"action": "reuse_from_database", "params": {"database": "population"}}
    request = bulk_request(values=values, legal_number="123/2015/NĐ-CP", propose=True)
    # A proposal names the legal text to amend: P2 does not have that legal basis.
    (skipped,) = [t for t in services.plan(request, rita).skipped if t.code == P2]
    assert skipped.skip == services.INVALID and "legal text" in skipped.problem
    request = bulk_request(values={**values, "legal_text": "Luật Cư trú 2020"}, legal_number="123/2015/NĐ-CP",
                           propose=True)
    plan = services.plan(request, rita)
    outcome = services.apply_plan(request, plan.digests, rita)
    db.session.commit()
    marks = db.session.scalars(select(Mark).where(Mark.action == "reuse_from_database").order_by(Mark.id)).all()
    assert [(m.procedure_id, m.element_key) for m in marks] == [
        (catalog[P1], "document:d2"), (catalog[P1], "document:d3"), (catalog[P2], "document:d2"),
        (catalog[P5], "document:d2")]
    assert [m.id for m in marks] == [mark_id for mark_id, _code, _key in outcome.marks]
    assert {m.status for m in marks} == {"proposed"} and {m.created_by_id for m in marks} == {rita.id}
    assert all(m.params == {"database": "population"} for m in marks)
    # The legal basis number only where the procedure has it (P2 has another law).
    assert [m.legal_number for m in marks] == ["123/2015/NĐ-CP", "123/2015/NĐ-CP", None, "123/2015/NĐ-CP"]
    for mark in marks:
        assert audit_actions(mark.id) == ["mark.created", "mark.proposed"]
    (summary,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bulk.marked")).all()
    assert summary.actor_name == "rita" and summary.object_id == outcome.operation
    assert summary.new["marks"] == 4 and summary.new["mark_ids"] == [m.id for m in marks]
    assert summary.new["pattern"] == "so ho khau" and summary.new["action"] == "reuse_from_database"


def test_a_failing_mark_rolls_back_every_mark_and_names_the_procedure(catalog, rita):
    request = bulk_request()
    plan = services.plan(request, rita)
    before_audit = db.session.scalar(select(func.count(AuditEntry.id)))

    def abolish_p2_after_the_first(done: int, total: int) -> None:
        # A concurrent change after the re-check: P2 is abolished before its mark is made.
        if done == 1:
            publication.abolish_procedure(get_procedure(P2), None)

    with pytest.raises(services.BulkFailed) as failed:
        services.apply_plan(request, plan.digests, rita, progress=abolish_p2_after_the_first)
    db.session.rollback()
    assert failed.value.code == P2 and failed.value.element_key == "document:d2"
    assert P2 in str(failed.value) and "not published" in str(failed.value)
    assert marks_count() == 1  # only the fixture's mark on P5
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before_audit
    assert get_procedure(P2).status == "published"


def test_signed_plan_is_bound_to_its_user_and_cannot_be_forged(catalog, rita, make_user):
    token = services.sign_plan(services.plan(bulk_request(), rita), rita)
    request, digests = services.read_plan(token, rita)
    assert request == bulk_request() and len(digests) == 3
    with pytest.raises(services.BulkError):
        services.read_plan(token, make_user("rob", "reviewer"))
    with pytest.raises(services.BulkError):
        services.read_plan(token[:-3] + "abc", rita)


def test_plan_of_many_targets_keeps_the_form_small_and_its_stored_part_honest(catalog, rita, app):
    from types import SimpleNamespace

    digests = [f"1.{number:06d}|document:d1|{number:010x}" for number in range(50_000)]
    token = services.sign_plan(SimpleNamespace(request=bulk_request(), digests=digests), rita)
    assert len(token) < 1000  # whatever the number of targets: far below any form size limit
    assert services.read_plan(token, rita)[1] == digests
    stored = next((Path(app.config["INSTANCE_DIR"]) / services.PLANS_FOLDER).glob("*.json"))
    # A stored part that is not the one signed (edited, or replaced by another plan) is refused.
    stored.write_text(stored.read_text(encoding="utf-8").replace("document:d1", "document:d2"), encoding="utf-8")
    with pytest.raises(services.BulkError):
        services.read_plan(token, rita)
    stored.unlink()
    with pytest.raises(services.BulkError):
        services.read_plan(token, rita)


# -- pages -------------------------------------------------------------------------------------

@pytest.fixture
def reviewer_client(client, login, rita):
    login(rita)
    return client


def test_no_js_journey_from_selection_to_created_marks(reviewer_client, catalog):
    client = reviewer_client
    # The search page's form posts the chosen hits (and "select all on this page").
    page = client.post("/bulk", data={"q": "khai sinh", "code": [P1], "page_all": "1", "page_code": [P2, P3]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "3 chosen procedures" in html
    assert 'name="code" value="1.000003"' in html and 'name="q" value="khai sinh"' in html
    # Only the actions that apply to documents are offered.
    assert 'value="reuse_from_database"' in html and 'value="remove_step"' not in html

    preview = client.post("/bulk/preview", data=form())
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" in html
    assert "3 documents in 2 procedures" in html
    assert f"<mark>{HOUSEHOLD}</mark>" in html and "<mark>SO HO KHAU</mark>" in html
    assert "Procedure not published: 1" in html and "Already has an open mark with this action: 1" in html
    assert "Create 3 draft marks" in html

    job = job_from(client.post("/bulk/confirm", data={"plan": plan_token(html)}))
    assert job.state == "done", job.message
    db.session.expire_all()
    assert marks_count() == 4
    done = client.get(f"/bulk/jobs/{job.id}").get_data(as_text=True)
    assert "3 draft marks were created" in done and "in 2 procedures." in done
    assert f'/procedures/{P1}#el-d3' in done


def test_htmx_requests_get_fragments(reviewer_client, catalog):
    client = reviewer_client
    headers = {"HX-Request": "true"}
    refreshed = client.post("/bulk", data=form(target="step", action=""), headers=headers)
    html = refreshed.get_data(as_text=True)
    assert refreshed.status_code == 200 and "<html" not in html and 'id="bulk-mark-form"' in html
    assert 'value="remove_step"' in html and 'value="reuse_from_database"' not in html
    assert "HX-Request" in refreshed.headers["Vary"]

    preview = client.post("/bulk/preview", data=form(), headers=headers)
    html = preview.get_data(as_text=True)
    assert "<html" not in html and "3 documents in 2 procedures" in html

    invalid = client.post("/bulk/preview", data=form(pattern=""), headers=headers)
    assert invalid.status_code == 422 and "Enter the text to look for." in invalid.get_data(as_text=True)

    job = job_from(client.post("/bulk/confirm", data={"plan": plan_token(html)}))
    fragment = client.get(f"/bulk/jobs/{job.id}", headers=headers).get_data(as_text=True)
    assert fragment.startswith('<div id="job"') and "<html" not in fragment


def test_unpublished_between_preview_and_confirm_writes_nothing_and_names_the_code(reviewer_client, catalog):
    client = reviewer_client
    token = plan_token(client.post("/bulk/preview", data=form()).get_data(as_text=True))
    publication.abolish_procedure(get_procedure(P2), None)
    db.session.commit()
    job = job_from(client.post("/bulk/confirm", data={"plan": token}))
    assert job.state == "failed" and P2 in job.message and "1 target changed" in job.message
    db.session.expire_all()
    assert marks_count() == 1
    page = client.get(f"/bulk/jobs/{job.id}").get_data(as_text=True)
    assert "Nothing was written." in page and P2 in page


def test_new_matches_since_the_preview_are_refused_with_their_count(reviewer_client, catalog, tmp_path):
    client = reviewer_client
    token = plan_token(client.post("/bulk/preview", data=form()).get_data(as_text=True))
    import_file(write_jsonl(tmp_path / "new.jsonl", [with_documents(P3, "Sổ hộ khẩu", "Bản sao sổ hộ khẩu")]),
                publish=True)
    job = job_from(client.post("/bulk/confirm", data={"plan": token}))
    assert job.state == "failed" and "2 targets changed" in job.message and P3 in job.message
    db.session.expire_all()
    assert marks_count() == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "bulk.marked")) == 0


def test_highlighted_text_is_escaped(reviewer_client, catalog, tmp_path):
    import_file(write_jsonl(tmp_path / "evil.jsonl", [
        with_documents("1.000009", '<script>alert("x")</script> <b>sổ hộ khẩu</b>')]), publish=True)
    html = reviewer_client.post("/bulk/preview", data=form(code=["1.000009"])).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;<mark>sổ hộ khẩu</mark>&lt;/b&gt;" in html


@pytest.mark.parametrize("role", ["lead", "translator"])
def test_leads_and_translators_are_refused(client, login, catalog, make_user, role):
    login(make_user("someone", role))
    assert client.get("/bulk?code=1.000001").status_code == 403
    assert client.post("/bulk/preview", data=form()).status_code == 403
    assert marks_count() == 1


def test_forms_need_the_csrf_token(reviewer_client, catalog):
    assert reviewer_client.post("/bulk/preview", data=form(), csrf=False).status_code == 400
    token = plan_token(reviewer_client.post("/bulk/preview", data=form()).get_data(as_text=True))
    assert reviewer_client.post("/bulk/confirm", data={"plan": token}, csrf=False).status_code == 400
    assert marks_count() == 1


def test_a_forged_plan_is_refused(reviewer_client, catalog):
    response = reviewer_client.post("/bulk/confirm", data={"plan": "forged"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/bulk")
    assert "no longer valid" in reviewer_client.get("/bulk").get_data(as_text=True)


def test_another_users_job_page_is_not_shown(reviewer_client, catalog, client, make_user, login, app):
    token = plan_token(reviewer_client.post("/bulk/preview", data=form()).get_data(as_text=True))
    job = job_from(reviewer_client.post("/bulk/confirm", data={"plan": token}))
    other = app.test_client()
    login(make_user("rob", "reviewer"), test_client=other)
    assert other.get(f"/bulk/jobs/{job.id}").status_code == 404


# -- from the search page ----------------------------------------------------------------------

@pytest.fixture
def indexed(catalog):
    search.reindex()
    yield
    store.searchers.clear()


def test_search_page_offers_selection_to_reviewers_only(client, login, indexed, make_user, rita):
    login(rita)
    html = client.get("/search?q=khai+sinh").get_data(as_text=True)
    assert 'id="bulk-form"' in html and f'name="code" value="{P1}" form="bulk-form"' in html
    assert 'name="all" value="1" form="bulk-form"' in html and "All 4 procedures that this search matches" in html
    lead = client.application.test_client()
    login(make_user("lena", "lead"), test_client=lead)
    assert 'form="bulk-form"' not in lead.get("/search?q=khai+sinh").get_data(as_text=True)


def test_all_matching_a_search_with_filters(reviewer_client, indexed, rita):
    client = reviewer_client
    page = client.get("/bulk?q=khai+sinh&all=1&status=published").get_data(as_text=True)
    assert "All 4 procedures that the search matches" in page and 'name="status" value="published"' in page
    preview = client.post("/bulk/preview", data=form(code=[], all="1", q="khai sinh", status="published"))
    assert "3 documents in 2 procedures" in preview.get_data(as_text=True)
    # The draft P4 is not searchable: not in "all matching", so not even skipped.
    plan = services.plan(bulk_request(selection=Selection(text="khai sinh", all_matching=True)), rita)
    assert plan.procedure_count == 4 and {t.code for t in plan.skipped} == {P5}


def test_search_request_for_matching_ids_has_no_paging(indexed, catalog):
    ids = search.matching_ids(search.SearchRequest(text="", per_page=1))
    assert sorted(ids) == sorted(catalog[code] for code in (P1, P2, P3, P5))
    assert search.matching_ids(search.SearchRequest(text="zzzz")) == []


def test_request_round_trips_through_json():
    request = bulk_request(selection=Selection(text="x", filters=(("level", ("commune",)),), all_matching=True))
    assert BulkRequest.from_json(copy.deepcopy(request.to_json())) == request
