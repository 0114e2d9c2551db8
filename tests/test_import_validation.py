"""Import all or nothing: every class of bad input is refused with line and field, and
nothing is written."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.catalog.importer import ImportRejected, import_file
from app.catalog.models import Document, ImportBatch, Procedure, ProcedureVersion, PublicationEvent, Step
from app.catalog.validation import MAX_LINE_BYTES, MAX_LISTED_ERRORS
from app.extensions import db
from helpers import record, write_jsonl


def counts() -> dict[str, int]:
    """Rows of every table an import writes (the audit row of a rejection aside)."""
    found = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
             for model in (Procedure, ProcedureVersion, Step, Document, ImportBatch, PublicationEvent)}
    found["AuditEntry"] = db.session.scalar(select(func.count(AuditEntry.id))
                                            .where(AuditEntry.action != "batch.rejected"))
    return found


def assert_rejected(path, *, line: int, path_part: str = "", reason: str = "") -> ImportRejected:
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        import_file(path, publish=True)
    assert counts() == before, "a rejected import must write nothing"
    errors = caught.value.report.errors
    matching = [e for e in errors if e.line == line and path_part in e.path and reason in e.message]
    assert matching, f"no error on line {line} at {path_part!r} saying {reason!r}: {errors}"
    return caught.value


def test_good_file_with_bom_and_crlf_loads_every_line(app, tmp_path):
    path = write_jsonl(tmp_path / "ok.jsonl", [record("1.000001"), record("1.000002")], newline="\r\n", bom=True)
    result = import_file(path, publish=True)
    assert (result.lines, result.new_procedures, result.published) == (2, 2, 2)
    titles = db.session.scalars(select(ProcedureVersion.title)).all()
    assert titles == ["Đăng ký khai sinh", "Đăng ký khai sinh"]


def test_blank_lines_are_ignored(app, tmp_path):
    path = write_jsonl(tmp_path / "blank.jsonl", [record("1.000001"), "", "   ", record("1.000002")])
    assert import_file(path).new_procedures == 2


def test_invalid_utf8_names_the_line(app, tmp_path):
    bad = json.dumps(record("1.000002"), ensure_ascii=False).encode().replace("Đăng".encode(), b"\xff\xfe", 1)
    path = write_jsonl(tmp_path / "utf8.jsonl", [record("1.000001"), bad])
    assert_rejected(path, line=2, reason="UTF-8")


def test_invalid_json_names_the_line(app, tmp_path):
    path = write_jsonl(tmp_path / "json.jsonl", [record("1.000001"), '{"code": "1.000002", "title": '])
    assert_rejected(path, line=2, reason="JSON")


@pytest.mark.parametrize("value", ["[1, 2]", '"text"', "42", "null"])
def test_line_that_is_not_an_object(app, tmp_path, value):
    path = write_jsonl(tmp_path / "notobj.jsonl", [record("1.000001"), value])
    assert_rejected(path, line=2, path_part="$", reason="not a JSON object")


def test_line_over_one_mebibyte(app, tmp_path):
    huge = record("1.000002", summary="x" * (MAX_LINE_BYTES + 10))
    path = write_jsonl(tmp_path / "long.jsonl", [record("1.000001"), huge, record("1.000003")])
    error = assert_rejected(path, line=2, reason="1 MiB")
    # The line after the long one is still read and numbered correctly.
    assert error.report.lines == 3


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", b"  \r\n"])
def test_empty_file(app, tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    assert_rejected(path, line=0, reason="empty")


def test_schema_error_names_line_and_json_path(app, tmp_path):
    bad = record("1.000002")
    bad["dossier"][0]["fields"][1]["label"] = ""
    bad["level"] = ["village"]
    path = write_jsonl(tmp_path / "schema.jsonl", [record("1.000001"), bad])
    error = assert_rejected(path, line=2, path_part="$.dossier[0].fields[1].label", reason="empty")
    assert any(e.path == "$.level[0]" and "village" in e.message for e in error.report.errors)


@pytest.mark.parametrize("change, path_part, reason", [
    ({"code": "1.1193"}, "$.code", "digits, a dot and six digits"),
    ({"lang": "fr"}, "$.lang", "not one of"),
    ({"colour": "red"}, "$", "unknown property: colour"),
    ({"published_at": "2020-13-45"}, "$.published_at", "date"),
    ({"published_at": "2020-02-30"}, "$.published_at", "date"),
    ({"decision": {"date": "2020-2-3"}}, "$.decision.date", "date"),
    ({"cost": {"hours_per_case": -1}}, "$.cost.hours_per_case", "at least 0"),
])
def test_schema_violations(app, tmp_path, change, path_part, reason):
    path = write_jsonl(tmp_path / "bad.jsonl", [{**record("1.000001"), **change}])
    assert_rejected(path, line=1, path_part=path_part, reason=reason)


def test_missing_required_property(app, tmp_path):
    bad = record("1.000001")
    del bad["agency"]
    path = write_jsonl(tmp_path / "missing.jsonl", [bad])
    assert_rejected(path, line=1, path_part="$", reason="agency")


def test_duplicate_code_within_file(app, tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [record("1.000001"), record("1.000002"), record("1.000001")])
    assert_rejected(path, line=3, path_part="$.code", reason="first on line 1")


def test_duplicate_element_id_within_procedure(app, tmp_path):
    bad = record("1.000001")
    bad["fees"][0]["id"] = "d1"  # already the id of the first document
    path = write_jsonl(tmp_path / "dupid.jsonl", [bad])
    assert_rejected(path, line=1, path_part="$.fees[0].id", reason="d1")


def test_errors_listed_up_to_fifty_and_counted_beyond(app, tmp_path):
    lines = [record(f"1.{n:06d}", lang="xx") for n in range(1, 81)]
    path = write_jsonl(tmp_path / "many.jsonl", lines)
    error = assert_rejected(path, line=1, path_part="$.lang")
    assert len(error.report.errors) == MAX_LISTED_ERRORS
    assert error.report.error_count == 80


def test_bad_last_line_rolls_back_everything(app, tmp_path):
    """All or nothing also holds against rows the loader would have written before the error."""
    lines = [record(f"1.{n:06d}") for n in range(1, 1201)] + ["{broken"]
    path = write_jsonl(tmp_path / "late.jsonl", lines)
    assert_rejected(path, line=1201, reason="JSON")


def test_cli_import_exits_non_zero_and_lists_errors(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "cli.jsonl", [record("1.000001"), "[]"])
    result = runner.invoke(args=["procedures", "import", str(path), "--publish"])
    assert result.exit_code == 1
    assert "line 2" in result.output and "nothing was imported" in result.output
    assert counts()["Procedure"] == 0


def test_cli_import_and_check(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "cli.jsonl", [record("1.000001"), record("1.000002", status="draft")])
    checked = runner.invoke(args=["procedures", "import", str(path), "--check"])
    assert checked.exit_code == 0 and "valid: 2 lines" in checked.output
    assert counts()["Procedure"] == 0
    result = runner.invoke(args=["procedures", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "2 new procedures" in result.output and "1 published" in result.output
    statuses = dict(db.session.execute(select(Procedure.code, Procedure.status)).all())
    assert statuses == {"1.000001": "published", "1.000002": "draft"}
