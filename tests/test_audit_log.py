"""The audit log reads as a person would: named actions, a per-field diff, readable filters,
links to an object's history, paging, and the viewer's language."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from app.audit import services as audit
from app.audit.labels import action_label, field_label
from app.audit.models import AuditEntry
from app.extensions import db
from app.timeutil import utcnow


def _rows(app, count: int, actor=None, **fields):
    for number in range(count):
        audit.record(actor, fields.get("action", "user.updated"), fields.get("object_type", "user"),
                     fields.get("object_id", f"user{number}"), old=fields.get("old"), new=fields.get("new"),
                     message=fields.get("message", ""))
    db.session.commit()


def test_actions_and_changes_are_named_not_coded(app, client, make_user, login):
    admin = make_user("ada", "admin")
    _rows(app, 1, admin, action="user.updated", object_id="lena",
          old={"roles": ["lead", "reviewer"], "active": True, "display_name": "Lê Thị Na"},
          new={"roles": ["translator"], "active": True, "display_name": "Lê Thị Na"})
    login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Account changed" in html and "user.updated" not in html.split("<select", 1)[0]
    # The diff names fields and shows old -> new; no JSON braces.
    assert "<dt>roles</dt>" in html
    assert "<del>Lead, Reviewer</del> → <ins>Translator</ins>" in html
    assert '{"roles"' not in html and "[&#34;lead&#34;" not in html
    # An unchanged field stays visible but is not struck through.
    assert '<div class="same">' in html and "<ins>Lê Thị Na</ins>" in html


def test_filters_by_readable_names_object_history_and_paging(app, client, make_user, login):
    admin = make_user("ada", "admin")
    _rows(app, 60, admin, action="user.password_reset")
    _rows(app, 3, None, action="batch.imported", object_type="import_batch", object_id="7",
          new={"file": "a.jsonl", "created": 2})
    login(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    # The action filter offers names, values are the codes.
    assert '<option value="batch.imported" >Batch imported</option>' in page
    assert '<option value="cli" >command line</option>' in page
    total = db.session.scalar(select(func.count(AuditEntry.id)))
    assert f"{total} entries" in page and "Page 1 of 2" in page
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    only = client.get("/admin/audit?action=batch.imported", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "3 entries" in only and "Password reset" not in only and "<html" not in only
    history = client.get("/admin/audit?object_type=import_batch&object_id=7").get_data(as_text=True)
    assert "3 entries" in history and "object 7" in history
    by_actor = client.get("/admin/audit?actor=cli").get_data(as_text=True)
    by_cli = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.actor_name == "cli"))
    assert by_cli >= 3 and f"{by_cli} entries" in by_actor
    assert "<td>Password reset</td>" not in by_actor and "<td>Batch imported</td>" in by_actor


def test_date_range_uses_local_days_and_bad_parameters_are_ignored(app, client, make_user, login):
    admin = make_user("ada", "admin")
    _rows(app, 2, admin, action="user.password_reset")
    old = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_name == "ada").order_by(AuditEntry.id)).first()
    old.at = utcnow() - timedelta(days=10)
    db.session.commit()
    login(admin)
    today = (utcnow() + timedelta(hours=7)).date()  # the app's default zone is UTC+7
    recent = client.get(f"/admin/audit?since={today.isoformat()}&actor=ada&action=user.password_reset").get_data(as_text=True)
    assert "1 entry" in recent
    everything = client.get(f"/admin/audit?until={today.isoformat()}&actor=ada&action=user.password_reset").get_data(as_text=True)
    assert "2 entries" in everything
    for query in ("since=yesterday", "page=-3", "until=2026-13-45", "page=99999"):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query
    # Out-of-range numbers and NUL are refused before the page runs.
    for query in ("page=400000000000000000", "actor=%00x"):
        assert client.get(f"/admin/audit?{query}").status_code == 400, query


def test_thai_interface_names_actions_and_fields_in_thai(app, client, make_user, login):
    admin = make_user("ada", "admin")
    _rows(app, 1, admin, action="mark.accepted", object_type="review_mark", object_id="5",
          old={"status": "proposed"}, new={"status": "accepted"})
    login(admin)
    client.post("/locale", data={"locale": "th", "next": "/"})
    html = client.get("/admin/audit").get_data(as_text=True)
    with app.test_request_context("/"), force_locale("th"):
        action, field = action_label("mark.accepted"), field_label("status")
    assert action != "Proposal accepted" and field != "status"
    assert f"<td>{action}</td>" in html and f"<dt>{field}</dt>" in html


def test_batch_publication_names_the_batch_as_a_field_not_a_note(app, client, make_user, login, tmp_path):
    from app.catalog import importer, publication
    from app.catalog.models import ImportBatch
    from tests.helpers import record, write_jsonl

    admin = make_user("ada", "admin")
    path = write_jsonl(tmp_path / "one.jsonl", [record("9.000123")])
    result = importer.import_file(path, actor=admin)
    db.session.commit()
    publication.publish_batch(db.session.get(ImportBatch, result.batch_id), admin)
    db.session.commit()
    row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "procedure.published"))
    assert row.new["batch"] == result.batch_id and row.message == ""
    login(admin)
    html = client.get("/admin/audit?object_type=procedure&object_id=9.000123").get_data(as_text=True)
    assert "<dt>import batch</dt>" in html and f"<ins>{result.batch_id}</ins>" in html
