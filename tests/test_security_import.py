"""Issue 11 §6 and §10, issue 13 §10: import records that the database would refuse are refused
before loading, with line and JSON path; errors are codes shown in the reader's language, one
group per line, quoting at most ~200 characters; a legal document listed twice is merged with a
warning; rejected imports are audited; a fee of 1e308 already stored never makes a page fail."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select, update

from app.audit.models import AuditEntry
from app.catalog.import_errors import QUOTE_LIMIT
from app.catalog.importer import ImportRejected, import_file
from app.catalog.models import Fee, LegalBasis, Procedure, ProcedureVersion
from app.catalog.validation import validate_file
from app.extensions import db
from app.web.filters import number, vnd
from helpers import record, wait_for_job, write_jsonl


def _line(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False)


def _raw(template: dict, marker: str, raw_json: str) -> str:
    """A JSON line where the string ``marker`` is replaced by raw JSON text."""
    return _line(template).replace(json.dumps(marker), raw_json)


def _rejected(tmp_path, lines) -> list:
    path = write_jsonl(tmp_path / "bad.jsonl", lines)
    with pytest.raises(ImportRejected) as caught:
        import_file(path, publish=True)
    assert db.session.scalar(select(func.count(Procedure.id))) == 0
    return caught.value.report.errors


def _fee_line(raw_amount: str) -> str:
    item = record("1.000002")
    item["fees"][0]["amount_vnd"] = "AMOUNT"
    return _raw(item, "AMOUNT", raw_amount)


@pytest.mark.parametrize("raw, code", [
    ("1e308", "number_too_large"), ("1e400", "number_too_large"), ("-1e400", "number_too_large"),
    ("NaN", "not_a_number"), ("Infinity", "not_a_number"), ("-Infinity", "not_a_number"),
    ("1" * 5000, "integer_too_long"),
])
def test_numbers_no_column_can_hold_are_refused_with_their_path(app, tmp_path, raw, code):
    errors = _rejected(tmp_path, [_line(record("1.000001")), _fee_line(raw)])
    assert [(e.line, e.path, e.code) for e in errors] == [(2, "$.fees[0].amount_vnd", code)]
    assert len(errors[0].message) < 300


def test_counts_beyond_a_32_bit_column_are_refused(app, tmp_path):
    item = record("1.000001")
    item["dossier"][0]["originals"] = 2**31
    errors = _rejected(tmp_path, [item])
    assert [(e.path, e.code) for e in errors] == [("$.dossier[0].originals", "number_too_large")]


@pytest.mark.parametrize("text, code", [
    ("Đăng ký\\u0000 khai sinh", "nul_character"),
    ("Đăng ký \\ud800 khai sinh", "lone_surrogate"),
    ("Đăng ký \\u202e hnis iahk", "bidi_control"),
    ("Đăng ký\\u200b khai sinh", "invisible_character"),
])
def test_unstorable_and_disguising_text_is_refused(app, tmp_path, text, code):
    line = _raw(record("1.000001", title="TITLE"), "TITLE", f'"{text}"')
    errors = _rejected(tmp_path, [line])
    assert [(e.line, e.path, e.code) for e in errors] == [(1, "$.title", code)]


def test_a_thai_zero_width_space_in_a_summary_is_kept(app, tmp_path):
    item = record("1.000001", summary="การจด\u200bทะเบียน")
    import_file(write_jsonl(tmp_path / "ok.jsonl", [item]))
    assert db.session.scalar(select(ProcedureVersion.summary)) == "การจด\u200bทะเบียน"


def test_deep_nesting_is_refused_without_a_crash(app, tmp_path):
    deep = "[" * 50_000 + "]" * 50_000
    line = _raw(record("1.000001", keywords="DEEP"), "DEEP", deep)
    errors = _rejected(tmp_path, [line])
    assert [(e.line, e.path, e.code) for e in errors] == [(1, "$", "too_deep")]


@pytest.mark.parametrize("field, limit", [("agency", 300), ("sector", 300), ("type", 300)])
def test_strings_longer_than_their_column_are_refused(app, tmp_path, field, limit):
    errors = _rejected(tmp_path, [record("1.000001", **{field: "x" * (limit + 1)})])
    assert [(e.path, e.code, e.params["limit"]) for e in errors] == [(f"$.{field}", "too_long", limit)]


def test_a_property_twice_in_one_object_is_refused(app, tmp_path):
    line = _line(record("1.000001")).replace('"code": "1.000001"', '"code": "1.000001", "code": "1.000009"', 1)
    errors = _rejected(tmp_path, [line])
    assert [(e.path, e.code) for e in errors] == [("$.code", "duplicate_key")]


def test_a_huge_bad_value_is_quoted_short(app, tmp_path):
    errors = _rejected(tmp_path, [record("1.000001", lang="x" * 900_000)])
    assert errors[0].path == "$.lang" and len(errors[0].message) < QUOTE_LIMIT + 100


def test_missing_properties_are_one_problem_and_no_pattern_is_shown(app, tmp_path):
    item = record("1.1193")
    for name in ("title", "lang", "kind", "sector", "agency"):
        del item[name]
    errors = _rejected(tmp_path, [item])
    required = [e for e in errors if e.code == "required"]
    assert len(required) == 1 and required[0].params["names"] == "title, lang, kind, sector, agency"
    code = next(e for e in errors if e.path == "$.code")
    assert "digits, a dot and six digits" in code.message and "[0-9]" not in code.message


def test_duplicate_legal_documents_are_merged_with_a_warning(app, tmp_path):
    item = record("1.000001")
    first = item["legal_basis"][0]
    item["legal_basis"].append({"number": first["number"], "summary": "again"})
    item["legal_basis"].append({"number": first["number"]})
    path = write_jsonl(tmp_path / "legal.jsonl", [item])
    report = validate_file(path)
    assert report.ok and [(w.line, w.code, w.params) for w in report.warnings] == [
        (1, "legal_merged", {"number": first["number"], "count": 3})]
    result = import_file(path, publish=True)
    assert result.warning_count == 1
    numbers = db.session.scalars(select(LegalBasis.number).order_by(LegalBasis.position)).all()
    assert numbers == [first["number"], item["legal_basis"][1]["number"]]


def test_rejected_imports_are_audited(app, tmp_path, make_user):
    admin = make_user("ada", "admin")
    path = write_jsonl(tmp_path / "bad.jsonl", [record("1.000001", lang="fr")])
    with pytest.raises(ImportRejected):
        import_file(path, actor=admin, filename="bad.jsonl", source="upload")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.rejected")).one()
    assert entry.actor_name == "ada" and entry.new["errors"] == 1 and entry.new["file"] == "bad.jsonl"
    assert entry.message == "upload" and entry.new["lines"] == 1


# -- pages and the command line ------------------------------------------------------------------

def _upload(client, content: bytes):
    response = client.post("/admin/imports", data={"file": (io.BytesIO(content), "p.jsonl")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    return wait_for_job(response.headers["Location"].rsplit("/", 1)[1])


def test_errors_are_shown_in_the_readers_language_grouped_by_line(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    client.post("/locale", data={"locale": "vi", "next": "/procedures"})
    bad = record("1.000002", lang="fr")
    del bad["agency"], bad["sector"]
    job = _upload(client, write_jsonl(tmp_path / "b.jsonl", [record("1.000001"), bad, _fee_line("NaN")]).read_bytes())
    assert job.state == "failed" and job.error_count == 3
    client.post("/locale", data={"locale": "en", "next": "/procedures"})
    english = client.get(f"/admin/imports/jobs/{job.id}").get_data(as_text=True)
    assert "required property missing: sector, agency" in english
    assert "is not one of: vi, en, th" in english and "NaN is not a number" in english
    assert re.search(r'<th scope="rowgroup" rowspan="2">2</th>', english)
    assert re.search(r'<th scope="rowgroup" rowspan="1">3</th>', english)
    client.post("/locale", data={"locale": "th", "next": "/procedures"})
    thai = client.get(f"/admin/imports/jobs/{job.id}").get_data(as_text=True)
    assert "required property missing" not in thai and "agency" in thai
    assert "SELECT" not in thai and "INSERT" not in thai


def test_the_job_page_shows_the_merge_warning(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    item = record("1.000001")
    item["legal_basis"].append(dict(item["legal_basis"][0]))
    job = _upload(client, write_jsonl(tmp_path / "w.jsonl", [item]).read_bytes())
    assert job.state == "done"
    page = client.get(f"/admin/imports/jobs/{job.id}").get_data(as_text=True)
    assert "listed 2 times: the entries were merged into one" in page


def test_cli_speaks_one_language(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [record("1.000001", lang="fr")])
    result = runner.invoke(args=["procedures", "import", str(path), "--locale", "vi"])
    assert result.exit_code == 1
    assert "dòng 1" in result.output and "không có gì được nhập" in result.output.lower()
    good = write_jsonl(tmp_path / "g.jsonl", [record("1.000001")])
    result = runner.invoke(args=["procedures", "import", str(good), "--locale", "vi"])
    assert result.exit_code == 0 and "lô" in result.output.lower() and "lines" not in result.output


# -- a fee of 1e308 already in the database ------------------------------------------------------

def test_huge_and_non_finite_numbers_format_without_failing(app):
    with app.test_request_context():
        assert "308" in vnd(1e308) and "308" in number(1e308)
        assert vnd(float("nan")) == "—" and number(float("inf")) == "—"


def test_a_stored_fee_of_1e308_does_not_break_the_procedure_page(app, client, users, login, tmp_path):
    import_file(write_jsonl(tmp_path / "ok.jsonl", [record("1.000001")]), publish=True)
    version = db.session.scalar(select(ProcedureVersion))
    stored = dict(version.record)
    stored["fees"] = [{**stored["fees"][0], "amount_vnd": 1e308}]
    stored["cost"] = {**stored["cost"], "other_costs_vnd": 1e308}
    db.session.execute(update(ProcedureVersion).values(record=stored, other_costs_vnd=1e308))
    db.session.execute(update(Fee).values(amount_vnd=1e308))
    db.session.commit()
    login(users["reviewer"])
    assert client.get("/procedures/1.000001").status_code == 200
