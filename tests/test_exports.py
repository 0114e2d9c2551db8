"""Exports: the simplification plan (XLSX with SUBTOTAL formulas per agency, CSV) and the JSON
archive, through the service, the command line and the web job; who may export and download."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.core import jobs
from app.exports import archive, plan, services
from app.exports.plan import COLUMN_KEYS, headers
from app.exports.xlsx import column_letter
from app.extensions import db
from app.review import settings
from app.review.models import Mark, MarkComment
from app.review.services import add_comment
from helpers import example_records, mark_to, record, wait_for_job, write_jsonl

D = Decimal
JUSTICE, POLICE = "Bộ Tư pháp", "Bộ Công an"
INCOME = 25000  # VND per hour, set below
SAVING = COLUMN_KEYS.index("saving")


def residence(code: str, **cost_inputs) -> dict:
    """The second example record (Bộ Công an, fee1 15,000 VND, channel c1 7 working days)."""
    item = example_records()[1]
    item["code"] = code
    if cost_inputs:
        item["cost"] = cost_inputs
    return item


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "lena": make_user("lena", "lead"),
            "leo": make_user("leo", "lead"), "boss": make_user("boss", "admin"),
            "tran": make_user("tran", "translator")}


def marked(people, code, key, action, *, status, params=None, legal="60/2014/QH13", **effects):
    """A mark taken through the workflow to ``status``."""
    complete = {} if action == "keep" else {"reason": "not_necessary", "rationale": f"Why {action}.",
                                             "legal_number": legal}
    return mark_to(status, code, key, {"action": action, "params": params or {}, **complete, **effects},
                   people["rita"], people["lena"])


@pytest.fixture
def review(app, tmp_path, people):
    """Four procedures of two agencies with marks in every state; income 25,000 VND/hour."""
    paid = record("1.000002")
    paid["fees"] = [{"id": "fee1", "name": "Lệ phí", "text": "Lệ phí 50.000 đồng", "amount_vnd": 50000}]
    paid["cost"] = {"hours_per_case": 2, "other_costs_vnd": 0, "cases_per_year": 1000}
    no_cases = residence("1.004223", hours_per_case=4, other_costs_vnd=30000)  # cases per year missing
    import_file(write_jsonl(tmp_path / "catalog.jsonl", [record("1.000001"), paid, residence("1.004222"),
                                                           no_cases]), publish=True)
    settings.set_setting(settings.INCOME_PER_HOUR, str(INCOME), 2024, people["boss"])
    db.session.commit()
    police_law = "68/2020/QH14"
    ids = {
        "d2": marked(people, "1.000001", "document:d2", "remove", status="accepted",
                     hours_saved_per_case=1, fees_saved_vnd=0, other_saved_vnd=10000),
        "f3": marked(people, "1.000001", "field:d1.f3", "reuse_from_database", status="proposed",
                     params={"database": "population"}, hours_saved_per_case=0.5, fees_saved_vnd=0,
                     other_saved_vnd=0),
        "keep": marked(people, "1.000001", None, "keep", status="proposed"),
        "draft": marked(people, "1.000001", "step:s1", "remove_step", status="draft"),
        "rejected": marked(people, "1.000001", "channel:c1", "shorten_time", status="rejected",
                           params={"value": 4, "unit": "hours"}),
        "fee": marked(people, "1.000002", "fee:fee1", "reduce_fee", status="implemented",
                      params={"amount_vnd": 20000}, hours_saved_per_case=0, fees_saved_vnd=30000,
                      other_saved_vnd=0),
        "c1": marked(people, "1.004222", "channel:c1", "shorten_time", status="accepted", legal=police_law,
                     params={"value": 5, "unit": "working_days"}, hours_saved_per_case=1, fees_saved_vnd=5000,
                     other_saved_vnd=0),
        "f4": marked(people, "1.004222", "field:d1.f4", "reuse_from_database", status="proposed",
                     legal=police_law, params={"database": "other", "name": "Cơ sở dữ liệu định danh"},
                     fees_saved_vnd=0, other_saved_vnd=0),  # hours saved not estimated
        "copy": marked(people, "1.004223", "document:d2", "accept_copy", status="proposed", legal=police_law,
                       params={"form": "e_copy"}, hours_saved_per_case=0.5, fees_saved_vnd=0, other_saved_vnd=0),
    }
    add_comment(ids["d2"], "Cơ quan đã đồng ý.", people["lena"])
    add_comment(ids["rejected"], "Not now.", people["rita"])
    db.session.commit()
    return ids


# Hand-computed figures (cost per case = hours x 25,000 + fees + other costs; x cases per year):
# 1.000001: 3 h x 25,000 + 0 + 20,000 = 95,000 VND a case x 1,500,000 cases = 142,500,000,000 a year
#   d2 saves 1 h x 25,000 + 0 + 10,000 = 35,000 a case x 1,500,000 = 52,500,000,000 a year
#   f3 saves 0.5 h x 25,000 = 12,500 a case x 1,500,000 = 18,750,000,000 a year
# 1.000002: 2 h x 25,000 + 50,000 + 0 = 100,000 a case x 1,000 = 100,000,000 a year
#   fee saves 30,000 a case x 1,000 = 30,000,000 a year
# 1.004222: 4 h x 25,000 + 15,000 + 30,000 = 145,000 a case x 900,000 = 130,500,000,000 a year
#   c1 saves 1 h x 25,000 + 5,000 = 30,000 a case x 900,000 = 27,000,000,000 a year
#   f4: hours saved not estimated -> no figure
# 1.004223: no cases per year -> no annual figure at all
EXPECTED = {  # mark -> (annual cost before, after this mark, saving per year)
    "d2": (D(95000 * 1500000), D((95000 - 35000) * 1500000), D(35000 * 1500000)),
    "f3": (D(95000 * 1500000), D((95000 - 12500) * 1500000), D(12500 * 1500000)),
    "fee": (D(100000 * 1000), D((100000 - 30000) * 1000), D(30000 * 1000)),
    "c1": (D(145000 * 900000), D((145000 - 30000) * 900000), D(30000 * 900000)),
    "f4": (D(145000 * 900000), None, None),
    "copy": (None, None, None),
}
# Rows sorted by agency (Bộ Công an before Bộ Tư pháp), code, element.
ORDER = ["c1", "f4", "copy", "d2", "f3", "fee"]
AGENCY_OF = {"c1": POLICE, "f4": POLICE, "copy": POLICE, "d2": JUSTICE, "f3": JUSTICE, "fee": JUSTICE}
SAVING_OF = {POLICE: D(30000 * 900000), JUSTICE: D(35000 * 1500000) + D(12500 * 1500000) + D(30000 * 1000)}


def number(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


# -- the plan ------------------------------------------------------------------------------------

def test_plan_rows_costs_and_notes(review):
    built = plan.build_plan("proposed")
    rows = built.rows
    assert [row.mark_id for row in rows] == [review[key] for key in ORDER]  # no keep, draft or rejected
    assert [group.agency for group in built.groups] == [POLICE, JUSTICE]
    for key, row in zip(ORDER, rows, strict=True):
        assert row.agency == AGENCY_OF[key]
        assert (row.annual_cost_before, row.annual_cost_after, row.saving) == EXPECTED[key], key
    by_key = dict(zip(ORDER, rows, strict=True))
    assert by_key["f3"].action == "Reuse from a database: National population database"
    assert by_key["c1"].action == "Shorten processing time to 5 working days"
    assert by_key["f4"].action == "Reuse from a database: Cơ sở dữ liệu định danh"
    assert by_key["copy"].action == "Accept an electronic copy"
    assert by_key["fee"].action.startswith("Reduce the fee to ") and "20,000" in by_key["fee"].action
    assert (by_key["d2"].element_kind, by_key["d2"].element_id) == ("Document", "d2")
    assert by_key["d2"].element_text.startswith("Giấy chứng sinh")
    assert by_key["f3"].element_text == "Số định danh cá nhân của người yêu cầu"
    assert by_key["d2"].legal.startswith("60/2014/QH13 — Luật Hộ tịch")
    assert (by_key["d2"].status, by_key["fee"].status, by_key["f3"].reason) == ("Accepted", "Implemented",
                                                                                "Not necessary")
    # Unknown figures are gaps with a note, never 0.
    assert "estimated hours saved per case" in by_key["f4"].note
    assert "cases per year" in by_key["copy"].note
    assert by_key["d2"].note == ""
    assert [group.saving for group in built.groups] == [SAVING_OF[POLICE], SAVING_OF[JUSTICE]]


def test_accepted_plan_and_agency_filter(review):
    accepted = plan.build_plan("accepted")
    assert [row.mark_id for row in accepted.rows] == [review["c1"], review["d2"], review["fee"]]
    police = plan.build_plan("proposed", agency="công AN")  # a part of the name, any case
    assert {row.agency for row in police.rows} == {POLICE} and police.row_count == 3


def test_orphaned_mark_has_no_saving_figure(review, tmp_path, people):
    changed = record("1.000001")
    changed["dossier"] = [doc for doc in changed["dossier"] if doc["id"] != "d2"]  # d2 removed
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=True)
    db.session.commit()
    row = next(row for row in plan.build_plan().rows if row.mark_id == review["d2"])
    assert row.saving is None and row.annual_cost_after is None and "Element removed" in row.note
    assert row.element_text.startswith("Giấy chứng sinh")  # the text of the version it was made on


def test_missing_income_is_a_gap_in_every_row(app, tmp_path, people):
    import_file(write_jsonl(tmp_path / "c.jsonl", [record("1.000001")]), publish=True)
    marked(people, "1.000001", "document:d2", "remove", status="proposed", hours_saved_per_case=1,
           fees_saved_vnd=0, other_saved_vnd=0)
    (row,) = plan.build_plan().rows
    assert (row.annual_cost_before, row.annual_cost_after, row.saving) == (None, None, None)
    assert "income per hour" in row.note


# -- XLSX ----------------------------------------------------------------------------------------

def _subtotal_range(formula: str) -> tuple[int, int]:
    letter = column_letter("saving")
    match = re.fullmatch(rf"=SUBTOTAL\(9,{letter}(\d+):{letter}(\d+)\)", formula)
    assert match, formula
    return int(match.group(1)), int(match.group(2))


def check_plan_workbook(source, review):
    workbook = load_workbook(source)
    assert workbook.sheetnames == ["Plan", "Summary"]
    sheet = workbook["Plan"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers()
    assert rows[0][0] == "Agency" and rows[0][SAVING] == "Saving per year (VND)"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["A1"].alignment.wrap_text and sheet.column_dimensions["C"].width > 20
    mark_column = COLUMN_KEYS.index("mark_id")
    data_rows = {index + 1: row for index, row in enumerate(rows) if index and row[mark_column] is not None}
    assert [row[mark_column] for row in data_rows.values()] == [review[key] for key in ORDER]
    for key, (row_number, row) in zip(ORDER, data_rows.items(), strict=True):
        before, after, saving = EXPECTED[key]
        assert row[0] == AGENCY_OF[key]
        assert (number(row[SAVING - 2]), number(row[SAVING - 1]), number(row[SAVING])) == (before, after, saving)
        assert sheet.cell(row_number, SAVING + 1).number_format == "#,##0"
    subtotals = [(index + 1, row) for index, row in enumerate(rows)
                 if isinstance(row[SAVING], str) and row[SAVING].startswith("=SUBTOTAL") and row[0]]
    assert [row[0] for _number, row in subtotals] == [POLICE, JUSTICE]
    for row_number, row in subtotals:
        first, last = _subtotal_range(row[SAVING])
        agency_rows = [number for number, data in data_rows.items() if data[0] == row[0]]
        # The range covers exactly this agency's rows, and ends right above its subtotal.
        assert (first, last) == (min(agency_rows), max(agency_rows)) == (first, row_number - 1)
        assert list(range(first, last + 1)) == agency_rows
        values = [number(data_rows[n][SAVING]) for n in agency_rows if data_rows[n][SAVING] is not None]
        assert sum(values, D(0)) == SAVING_OF[row[0]]
    # Each agency's block starts with a group row naming it.
    for _row_number, row in subtotals:
        group = next(index for index, data in enumerate(rows) if data[0] == row[0])
        assert rows[group][mark_column] is None and "marks" in rows[group][COLUMN_KEYS.index("title")]
    total = rows[-1]
    assert total[COLUMN_KEYS.index("title")] == "Total"
    first, last = _subtotal_range(total[SAVING])
    assert (first, last) == (2, len(rows) - 1)
    # SUBTOTAL skips the nested subtotals: the grand total is the sum of the mark rows.
    counted = [number(rows[n - 1][SAVING]) for n in range(first, last + 1)
               if n in data_rows and rows[n - 1][SAVING] is not None]
    assert sum(counted, D(0)) == SAVING_OF[POLICE] + SAVING_OF[JUSTICE]
    last_letter = column_letter(COLUMN_KEYS[-1])
    assert sheet.auto_filter.ref == f"A1:{last_letter}{len(rows) - 1}"  # the total stays visible below the filter
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert summary[0][:4] == ("Agency", "Marks", "Procedures", "Saving per year (VND)")
    assert [(row[0], row[1], row[2], number(row[3]), row[4]) for row in summary[1:3]] == [
        (POLICE, 3, 2, SAVING_OF[POLICE], 2), (JUSTICE, 3, 2, SAVING_OF[JUSTICE], 0)]
    assert summary[3][0] == "Total" and number(summary[3][3]) == SAVING_OF[POLICE] + SAVING_OF[JUSTICE]
    return workbook


def test_xlsx_plan_via_service(review, tmp_path):
    target = tmp_path / "plan.xlsx"
    result = services.write_export("xlsx", target, status="proposed")
    db.session.commit()
    assert result.rows == 6 and result.saving == SAVING_OF[POLICE] + SAVING_OF[JUSTICE]
    check_plan_workbook(target, review)
    assert not list(tmp_path.glob(".*.part")), "the temporary file was renamed"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.created")).one()
    assert entry.actor_name == "cli" and entry.new["format"] == "xlsx" and entry.new["rows"] == 6


def test_empty_plan_has_headers_not_an_error(app, tmp_path):
    result = services.write_export("xlsx", tmp_path / "empty.xlsx")
    rows = list(load_workbook(tmp_path / "empty.xlsx")["Plan"].iter_rows(values_only=True))
    assert result.rows == 0 and rows == [tuple(headers())]
    services.write_export("csv", tmp_path / "empty.csv")
    with open(tmp_path / "empty.csv", encoding="utf-8-sig", newline="") as stream:
        assert list(csv.reader(stream)) == [headers()]


# -- CSV and JSON --------------------------------------------------------------------------------

def test_csv_has_the_same_rows_without_subtotals(review, tmp_path):
    services.write_export("csv", tmp_path / "plan.csv")
    raw = (tmp_path / "plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # byte order mark for spreadsheet programs
    with open(tmp_path / "plan.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == headers()
    body = rows[1:]
    assert [int(row[COLUMN_KEYS.index("mark_id")]) for row in body] == [review[key] for key in ORDER]
    for key, row in zip(ORDER, body, strict=True):
        assert row[0] == AGENCY_OF[key]
        assert tuple(number(row[SAVING + offset]) for offset in (-2, -1, 0)) == EXPECTED[key]
    workbook_rows = {row.mark_id: row.values() for row in plan.build_plan().rows}
    for row in body:
        expected = workbook_rows[int(row[-1])]
        assert row[:11] == [str(value) for value in expected[:11]]


def test_json_archive_round_trips_every_mark_and_comment(review, tmp_path, people):
    result = services.write_export("json", tmp_path / "archive.json")
    db.session.commit()
    data = json.loads((tmp_path / "archive.json").read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == (archive.FORMAT, archive.VERSION)
    assert data["exported_at"].endswith("Z")
    marks = db.session.scalars(select(Mark).order_by(Mark.id)).all()
    assert data["counts"]["marks"] == len(data["marks"]) == len(marks) == len(review) == result.rows
    assert {item["status"] for item in data["marks"]} == {"draft", "proposed", "accepted", "rejected",
                                                          "implemented"}
    for item, mark in zip(data["marks"], marks, strict=True):
        assert (item["id"], item["action"], item["status"], item["params"], item["revision"]) == (
            mark.id, mark.action, mark.status, mark.params, mark.revision)
        assert item["procedure_code"] == mark.procedure.code and item["created_by"] == "rita"
        assert item["hours_saved_per_case"] == mark.hours_saved_per_case
        assert [c["text"] for c in item["comments"]] == [c.text for c in mark.comments]
    comments = db.session.scalars(select(MarkComment)).all()
    assert data["counts"]["comments"] == len(comments) == 2
    by_id = {item["id"]: item for item in data["marks"]}
    assert by_id[review["d2"]]["comments"][0]["text"] == "Cơ quan đã đồng ý."
    assert by_id[review["d2"]]["decided_by"] == "lena"
    assert [(s["key"], s["year"], s["value"]) for s in data["settings"]] == [
        (settings.INCOME_PER_HOUR, 2024, str(INCOME))]
    audit_rows = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.like("review%"))
                                    .order_by(AuditEntry.id)).all()
    assert [row["id"] for row in data["audit"]] == [row.id for row in audit_rows]
    assert {row["object_type"] for row in data["audit"]} == {"review_mark", "review_setting"}
    assert data["counts"]["audit"] == len(audit_rows)


# -- bad inputs and the command line -------------------------------------------------------------

def test_service_refuses_bad_format_unwritable_path_and_roles(review, tmp_path, people):
    with pytest.raises(services.ExportError, match="Unknown format pdf"):
        services.write_export("pdf", tmp_path / "plan.pdf")
    with pytest.raises(services.ExportError, match="Cannot write to"):
        services.write_export("csv", tmp_path / "missing" / "plan.csv")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(services.ExportError, match="Cannot write to"):
        services.write_export("xlsx", blocker / "plan.xlsx")
    with pytest.raises(services.ExportForbidden):
        services.write_export("csv", tmp_path / "p.csv", actor=people["rita"])
    with pytest.raises(services.ExportForbidden):
        services.write_export("json", tmp_path / "a.json", actor=people["lena"])
    services.write_export("csv", tmp_path / "p.csv", actor=people["lena"])
    assert not list(tmp_path.glob("*.pdf")) and not list((tmp_path).glob(".*.part"))


def test_failed_export_leaves_no_file(review, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr("app.exports.csvfile.write_plan", broken)
    target = tmp_path / "plan.csv"
    target.write_text("previous")
    with pytest.raises(RuntimeError):
        services.write_export("csv", target)
    assert target.read_text() == "previous" and not list(tmp_path.glob(".*.part"))


def test_cli_exports_each_format(review, runner, tmp_path):
    result = runner.invoke(args=["review", "export", "--format", "xlsx", str(tmp_path / "plan.xlsx")])
    assert result.exit_code == 0, result.output
    assert "6 plan rows" in result.output and "plan.xlsx" in result.output
    check_plan_workbook(tmp_path / "plan.xlsx", review)
    result = runner.invoke(args=["review", "export", "--format", "csv", "--status", "accepted", "--agency",
                                 JUSTICE, str(tmp_path / "plan.csv")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "plan.csv", encoding="utf-8-sig", newline="") as stream:
        ids = [int(row[-1]) for row in list(csv.reader(stream))[1:]]
    assert ids == [review["d2"], review["fee"]] and "2 plan rows" in result.output
    result = runner.invoke(args=["review", "export", "--format", "json", str(tmp_path / "all.json")])
    assert result.exit_code == 0 and f"{len(review)} marks, 2 comments" in result.output
    assert len(json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))["marks"]) == len(review)


def test_cli_locale_translates_headers_and_labels(review, runner, tmp_path):
    result = runner.invoke(args=["review", "export", "--format", "csv", "--locale", "vi",
                                 str(tmp_path / "vi.csv")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "vi.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    with force_locale("vi"):
        agency, accepted = _("Agency"), str(plan.STATUS["accepted"])
    assert agency != "Agency" and rows[0][0] == agency
    status = rows[1 + ORDER.index("c1")][COLUMN_KEYS.index("status")]
    assert accepted != "Accepted" and status == accepted


def test_plan_has_the_estimates_per_case_and_explains_the_mark_number(review, tmp_path):
    (row,) = [row for row in plan.build_plan().rows if row.mark_id == review["d2"]]
    mark = db.session.get(Mark, review["d2"])
    assert (row.hours_saved_per_case, row.fees_saved_vnd, row.other_saved_vnd) == tuple(
        None if value is None else D(str(value))
        for value in (mark.hours_saved_per_case, mark.fees_saved_vnd, mark.other_saved_vnd))
    assert "Hours saved per case (estimate)" in headers() and "Mark no. in the workbench" in headers()
    services.write_export("xlsx", tmp_path / "plan.xlsx", status="proposed")
    notes = [row[0] for row in load_workbook(tmp_path / "plan.xlsx")["Summary"].iter_rows(values_only=True)
             if row and row[0]]
    assert any("/marks/<number>" in note for note in notes)


def test_a_vietnamese_plan_has_vietnamese_sheet_names(review, runner, tmp_path):
    result = runner.invoke(args=["review", "export", "--format", "xlsx", "--locale", "vi",
                                 str(tmp_path / "vi.xlsx")])
    assert result.exit_code == 0, result.output
    with force_locale("vi"):
        names = [plan.sheet_name("plan"), plan.sheet_name("summary")]
        estimate = _("Hours saved per case (estimate)")
    assert names != ["Plan", "Summary"] and load_workbook(tmp_path / "vi.xlsx").sheetnames == names
    header = next(load_workbook(tmp_path / "vi.xlsx")[names[0]].iter_rows(values_only=True))
    assert estimate in header and estimate != "Hours saved per case (estimate)"


def test_cli_bad_format_and_unwritable_path(review, runner, tmp_path):
    result = runner.invoke(args=["review", "export", "--format", "pdf", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "Invalid value for '--format'" in result.output
    result = runner.invoke(args=["review", "export", "--format", "csv", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 1 and "Cannot write to" in result.output
    assert not (tmp_path / "no").exists()


# -- the web ---------------------------------------------------------------------------------------

def fetch(client, url):
    """GET a download, reading the whole body and closing the file behind it."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def start(client, **data):
    response = client.post("/exports", data={"format": "xlsx", "status": "proposed", "agency": "", **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    export_id = response.headers["Location"].rsplit("/", 1)[1]
    wait_for_job(export_id)
    return export_id


def test_web_export_job_and_download(review, client, login, people, app):
    login(people["lena"])
    page = client.get("/exports").get_data(as_text=True)
    assert 'value="json"' not in page  # the archive is for admins
    assert f'<option value="{POLICE}">' in page and "No export yet." in page
    export_id = start(client)
    job_page = client.get(f"/exports/{export_id}", headers={"HX-Request": "true"})
    html = job_page.get_data(as_text=True)
    assert job_page.status_code == 200 and "<html" not in html and "hx-trigger" not in html
    assert "The plan is ready: 6 rows." in html and f"/exports/{export_id}/download" in html
    assert "HX-Request" in job_page.headers["Vary"]
    download = fetch(client, f"/exports/{export_id}/download")
    assert download.status_code == 200
    assert download.mimetype == services.MIMETYPES["xlsx"]
    meta = services.get_export(export_id)
    local_day = (meta["created_at"] + timedelta(hours=7)).date().isoformat()  # Asia/Ho_Chi_Minh, UTC+7
    assert download.headers["Content-Disposition"] == f"attachment; filename=simplification-plan-{local_day}.xlsx"
    check_plan_workbook(io.BytesIO(download.data), review)
    assert (Path(app.config["STORAGE_DIR"]) / "exports" / f"{export_id}.xlsx").exists()
    listing = client.get("/exports").get_data(as_text=True)
    assert f"/exports/{export_id}/download" in listing


def test_web_csv_with_filters_and_json_for_admin(review, client, login, people):
    login(people["boss"])
    export_id = start(client, format="csv", status="accepted", agency=POLICE)
    download = fetch(client, f"/exports/{export_id}/download")
    assert download.mimetype == "text/csv" and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [int(row[-1]) for row in rows[1:]] == [review["c1"]]
    archive_id = start(client, format="json")
    download = fetch(client, f"/exports/{archive_id}/download")
    assert download.mimetype == "application/json" and "review-archive-" in download.headers["Content-Disposition"]
    assert len(json.loads(download.data)["marks"]) == len(review)


def as_user(app, login, user):
    """A second client, signed in as ``user``."""
    other = app.test_client()
    login(user, test_client=other)
    return other


def get(client, url):
    return fetch(client, url)


def test_only_owner_or_admin_sees_an_export(review, app, client, login, people):
    login(people["lena"])
    export_id = start(client)
    other = as_user(app, login, people["leo"])
    assert get(other, f"/exports/{export_id}/download").status_code == 403
    assert get(other, f"/exports/{export_id}").status_code == 403
    assert f"/exports/{export_id}" not in get(other, "/exports").get_data(as_text=True)
    admin = as_user(app, login, people["boss"])
    assert get(admin, f"/exports/{export_id}/download").status_code == 200
    assert f"/exports/{export_id}/download" in get(admin, "/exports").get_data(as_text=True)
    reviewer = as_user(app, login, people["rita"])
    assert get(reviewer, "/exports").status_code == 403
    assert get(reviewer, f"/exports/{export_id}/download").status_code == 403
    assert get(client, f"/exports/{export_id}/download").status_code == 200  # the owner
    assert get(client, f"/exports/{'f' * 32}/download").status_code == 404


def test_lead_cannot_start_an_archive_and_bad_choices_are_form_errors(review, client, login, people):
    login(people["lena"])
    response = client.post("/exports", data={"format": "json", "status": "proposed"})
    assert response.status_code == 400 and "Choose one of the options." in response.get_data(as_text=True)
    response = client.post("/exports", data={"format": "xlsx", "status": "everything"})
    assert response.status_code == 400
    assert not list(services.export_dir().iterdir())  # no job was started


def test_running_job_polls_and_works_without_js(review, client, login, people):
    login(people["lena"])
    job = jobs.Job(id="e" * 32, kind="export", owner_id=people["lena"].id, label="plan.xlsx", state="running",
                   phase="write", done=60, total=100, params={"format": "xlsx", "status": "proposed"})
    db.session.add(job)
    db.session.commit()
    fragment = client.get(f"/exports/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:500ms"' in fragment and 'value="60"' in fragment
    page = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "<noscript>" in page and f'href="/exports/{job.id}"' in page
    assert client.get(f"/exports/{job.id}/download").status_code == 404  # nothing to download yet


def test_only_the_newest_files_are_kept(review, client, login, people, monkeypatch):
    monkeypatch.setattr(services, "KEEP", 2)
    login(people["lena"])
    first, second, third = (start(client, format="csv") for _ in range(3))
    folder = services.export_dir()
    assert not (folder / f"{first}.csv").exists() and services.get_export(first) is None
    assert (folder / f"{second}.csv").exists() and (folder / f"{third}.csv").exists()
    assert fetch(client, f"/exports/{first}/download").status_code == 404


def test_the_plan_as_a_page_to_print(review, client, login, people, runner, tmp_path):
    """A print view written by the export job: grouped by agency with each agency's saving, no
    menu or buttons, opened in the browser; every text escaped."""
    result = runner.invoke(args=["review", "export", "--format", "html", "--agency", JUSTICE, str(tmp_path / "p.html")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<h1>Simplification plan</h1>" in text and f"<h2>{JUSTICE}</h2>" in text
    assert "<nav" not in text and "<button" not in text and "<script" not in text
    assert f"Saving of {JUSTICE} per year" in text
    login(people["lena"])
    export_id = start(client, format="html")
    page = fetch(client, f"/exports/{export_id}/download")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert not page.headers["Content-Disposition"].startswith("attachment")
    body = page.get_data(as_text=True)
    assert body.count('<section class="plan-agency">') >= 2 and "Content-Security-Policy" in page.headers


def test_the_print_view_escapes_imported_and_typed_text(app, tmp_path, people):
    from app.catalog.importer import import_file
    from app.catalog.services import get_procedure
    from app.review.services import create_mark, propose_mark

    hostile = record("9.000901", agency='<img src=x onerror="alert(1)">')
    import_file(write_jsonl(tmp_path / "h.jsonl", [hostile]), publish=True)
    mark = create_mark(get_procedure("9.000901").id, None,
                       {"action": "simplify", "reason": "not_necessary", "rationale": "<script>x()</script>",
                        "legal_number": hostile["legal_basis"][0]["number"]}, people["rita"])
    propose_mark(mark.id, mark.revision, people["rita"])
    db.session.commit()
    services.write_export("html", tmp_path / "p.html")
    text = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<img src=x" not in text and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert "<script>x()" not in text
