"""Versions on re-import, readable diffs, publication states and the outbox order."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog import publication
from app.catalog.importer import import_file
from app.catalog.models import ImportBatch, OutboxCounter, Procedure, ProcedureVersion, PublicationEvent
from app.catalog.services import get_procedure, version_diff
from app.extensions import db
from helpers import record, write_jsonl


def load(tmp_path, records, *, publish=True, name="batch.jsonl"):
    return import_file(write_jsonl(tmp_path / name, records), publish=publish)


def changed_record():
    new = record("1.000001")
    new["dossier"][0]["fields"][0]["label"] = "Họ và tên người yêu cầu"  # changed
    new["dossier"].pop(2)  # d3 removed
    new["fees"].append({"id": "fee2", "text": "Phí cấp bản sao 8.000 đồng", "amount_vnd": 8000})  # added
    new["title"] = "Đăng ký khai sinh (sửa đổi)"
    return new


def test_reimport_unchanged_adds_no_version(app, tmp_path):
    load(tmp_path, [record("1.000001")])
    result = load(tmp_path, [record("1.000001")], name="again.jsonl")
    assert (result.new_versions, result.unchanged) == (0, 1)
    assert len(get_procedure("1.000001").versions) == 1


def test_reimport_changed_keeps_old_version_and_records_changes(app, tmp_path):
    load(tmp_path, [record("1.000001")])
    result = load(tmp_path, [changed_record()], publish=False, name="v2.jsonl")
    assert result.new_versions == 1
    procedure = get_procedure("1.000001")
    v1, v2 = procedure.versions
    assert (v1.number, v2.number) == (1, 2)
    assert v2.changes == {"added": ["fee:fee2"], "changed": ["field:d1.f1"], "removed": ["document:d3"],
                          "properties": ["title"]}
    # Not published yet: the public catalog still shows version 1, version 2 waits.
    assert procedure.current_version_id == v1.id and procedure.pending_version_id == v2.id
    assert v1.title == "Đăng ký khai sinh"
    rows = {row.key: row for row in version_diff(v1, v2)}
    assert rows["field:d1.f1"].change == "changed"
    assert rows["field:d1.f1"].words[:2] == [("del", "Họ, chữ đệm,"), ("add", "Họ và")]
    assert [f.label for f in rows["field:d1.f1"].fields] == ["Field"]  # only the fields that differ
    assert rows["document:d3"].change == "removed" and rows["fee:fee2"].change == "added"


def test_publishing_pending_version_updates_and_appends_event(app, tmp_path):
    load(tmp_path, [record("1.000001")])
    load(tmp_path, [changed_record()], publish=False, name="v2.jsonl")
    procedure = get_procedure("1.000001")
    publication.publish_procedure(procedure, None)
    db.session.commit()
    assert procedure.current_version.number == 2 and procedure.pending_version_id is None
    changes = [e.change for e in db.session.scalars(select(PublicationEvent).order_by(PublicationEvent.seq))]
    assert changes == ["published", "updated"]


def test_draft_batch_waits_until_admin_publishes(app, tmp_path):
    result = load(tmp_path, [record("1.000001"), record("1.000002", status="abolished"),
                             record("1.000003", status="draft")], publish=False)
    statuses = dict(db.session.execute(select(Procedure.code, Procedure.status)).all())
    assert set(statuses.values()) == {"draft"}
    assert db.session.scalar(select(PublicationEvent.seq)) is None
    batch = db.session.get(ImportBatch, result.batch_id)
    assert publication.publish_batch(batch, None) == 2
    db.session.commit()
    statuses = dict(db.session.execute(select(Procedure.code, Procedure.status)).all())
    assert statuses == {"1.000001": "published", "1.000002": "abolished", "1.000003": "draft"}
    with pytest.raises(publication.PublicationError):
        publication.publish_batch(batch, None)


def test_publish_then_abolish_records_who_and_when(app, tmp_path, make_user):
    admin = make_user("boss", "admin")
    load(tmp_path, [record("1.000001")], publish=False)
    procedure = get_procedure("1.000001")
    publication.publish_procedure(procedure, admin)
    db.session.commit()
    assert procedure.status == "published" and procedure.status_changed_by_id == admin.id
    with pytest.raises(publication.PublicationError):
        publication.publish_procedure(procedure, admin)  # nothing waits any more
    publication.abolish_procedure(procedure, admin, "merged into 1.000002")
    db.session.commit()
    assert procedure.status == "abolished"
    with pytest.raises(publication.PublicationError):
        publication.abolish_procedure(procedure, admin)
    trail = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == "1.000001")
                               .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_name) for e in trail] == [("procedure.published", "boss"),
                                                          ("procedure.abolished", "boss")]
    assert trail[1].old == {"status": "published", "version": 1} and trail[1].message == "merged into 1.000002"


def test_outbox_sequence_is_gapless_and_in_order(app, tmp_path):
    load(tmp_path, [record(f"1.{n:06d}") for n in range(1, 6)])
    procedure = get_procedure("1.000003")
    publication.abolish_procedure(procedure, None)
    db.session.commit()
    events = publication.events_after(0)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.change for e in events] == ["published"] * 5 + ["abolished"]
    assert events[-1].procedure_id == procedure.id
    assert [e.seq for e in publication.events_after(4)] == [5, 6]
    assert db.session.get(OutboxCounter, 1).last_seq == 6


def test_concurrent_publications_get_distinct_sequence_numbers(app, tmp_path):
    """Two sessions publishing at once: numbers follow commit order, none is lost or repeated."""
    load(tmp_path, [record(f"1.{n:06d}", status="published") for n in range(1, 9)], publish=False)
    codes = [f"1.{n:06d}" for n in range(1, 9)]
    errors: list[BaseException] = []

    def publish_some(chunk):
        with app.app_context():
            try:
                for code in chunk:
                    publication.publish_procedure(get_procedure(code), None)
                    db.session.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish_some, args=(codes[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = [e.seq for e in publication.events_after(0)]
    assert seqs == list(range(1, 9))


def test_version_diff_page_shows_changes(app, tmp_path, client, make_user, login):
    load(tmp_path, [record("1.000001")])
    load(tmp_path, [changed_record()], publish=True, name="v2.jsonl")
    login(make_user("rita", "reviewer"))
    page = client.get("/procedures/1.000001/versions/2/diff").get_data(as_text=True)
    assert "<del>" in page and "<ins>" in page and "fee2" in page and "d3" in page
    history = client.get("/procedures/1.000001/history").get_data(as_text=True)
    assert "1 element added · 1 element changed · 1 element removed · 1 property changed" in history


def test_element_ids_survive_versions(app, tmp_path):
    load(tmp_path, [record("1.000001")])
    load(tmp_path, [changed_record()], name="v2.jsonl")
    versions = db.session.scalars(select(ProcedureVersion).order_by(ProcedureVersion.number)).all()
    assert [f.eid for f in versions[0].fields][:2] == [f.eid for f in versions[1].fields][:2] == ["d1.f1", "d1.f2"]
    assert versions[1].fields[0].label == "Họ và tên người yêu cầu"


def test_any_two_versions_side_by_side_with_labels_and_dates_of_the_interface(app, tmp_path, client, make_user,
                                                                              login):
    load(tmp_path, [record("1.000001")])
    load(tmp_path, [changed_record()], name="v2.jsonl")
    third = changed_record()
    third["decision"] = {"number": "1872/QĐ-BTP", "date": "2023-08-06"}
    third["dossier"][1]["copies"] = 2
    load(tmp_path, [third], name="v3.jsonl")
    user = make_user("rita", "reviewer")
    login(user)
    # Versions 1 and 3, skipping 2: both sides, field by field, with the interface's labels.
    page = client.get("/procedures/1.000001/compare?old=1&new=3").get_data(as_text=True)
    assert "Version 1 and version 3" in page
    assert re.search(r"<td>Copies</td>\s*<td[^>]*><del>0</del>\s*</td>\s*<td[^>]*><ins>2</ins>", page)
    assert re.search(r"<td>Required</td>\s*<td[^>]*><del>optional</del>", page)  # d3, removed
    assert "1/0" not in page and "0/1" not in page
    assert "1 element added · 2 elements changed · 1 element removed · 2 properties changed" in page
    # The same page in Thai: labels, yes/no and dates (Buddhist era) in Thai.
    user.locale = "th"
    db.session.commit()
    page = client.get("/procedures/1.000001/versions/3/diff?against=1").get_data(as_text=True)
    assert "จำนวนสำเนา" in page and "ไม่บังคับ" in page and "optional" not in page
    assert "2566" in page and "2023-08-06" not in page
    # Unknown versions: a message on the history page, or 404 for a link.
    answer = client.get("/procedures/1.000001/compare?old=1&new=9")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/procedures/1.000001/history")
    assert client.get("/procedures/1.000001/versions/3/diff?against=9").status_code == 404
    history = client.get("/procedures/1.000001/history").get_data(as_text=True)
    assert 'action="/procedures/1.000001/compare"' in history and 'name="old"' in history
