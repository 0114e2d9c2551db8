"""The admin upload page: background import with progress, errors shown by line and field."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from app.core import jobs
from app.catalog.models import Procedure
from app.extensions import db
from helpers import record, wait_for_job, write_jsonl


def wait_for(job_id: str) -> jobs.Job:
    return wait_for_job(job_id)


def upload(client, content: bytes, publish: bool):
    data = {"file": (io.BytesIO(content), "procedures.jsonl")}
    if publish:
        data["publish"] = "y"
    response = client.post("/admin/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_upload_imports_in_background_and_reports(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    content = write_jsonl(tmp_path / "f.jsonl", [record(f"1.{n:06d}") for n in range(1, 31)]).read_bytes()
    job_id = upload(client, content, publish=True)
    job = wait_for(job_id)
    assert job.state == "done" and job.result["new_procedures"] == 30 and job.result["published"] == 30
    page = client.get(f"/admin/imports/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "30 new procedures" in page and "hx-trigger" not in page  # finished: polling stops
    assert db.session.scalar(select(func.count(Procedure.id))) == 30
    assert not list((tmp_path / "uploads").glob("*")), "the uploaded file is removed after import"


def test_running_job_fragment_polls_itself(app, client, make_user, login):
    login(make_user("ada", "admin"))
    job = jobs.Job(id="f" * 32, kind="import", owner_id=None, label="big.jsonl", state="running",
                   phase="validate", done=10, total=40)
    db.session.add(job)
    db.session.commit()
    html = client.get(f"/admin/imports/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:500ms"' in html and 'value="25"' in html


def test_bad_upload_lists_errors_and_imports_nothing(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    bad = record("1.000002")
    bad["dossier"][0]["originals"] = -1
    content = write_jsonl(tmp_path / "bad.jsonl", [record("1.000001"), bad, "not json"]).read_bytes()
    job = wait_for(upload(client, content, publish=True))
    assert job.state == "failed" and job.error_count == 2
    html = client.get(f"/admin/imports/jobs/{job.id}").get_data(as_text=True)
    assert "Nothing was imported." in html
    # Errors grouped by line: the line number heads its group.
    assert re.search(r'<th scope="rowgroup" rowspan="1">2</th><td><code>\$\.dossier\[0\]\.originals</code></td>', html)
    assert re.search(r'<th scope="rowgroup" rowspan="1">3</th>', html)
    assert db.session.scalar(select(func.count(Procedure.id))) == 0


def test_draft_upload_then_publish_batch_from_page(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    content = write_jsonl(tmp_path / "d.jsonl", [record("1.000001"), record("1.000002")]).read_bytes()
    job = wait_for(upload(client, content, publish=False))
    batch_id = job.result["batch_id"]
    page = client.get("/admin/imports").get_data(as_text=True)
    assert f"/admin/imports/{batch_id}/publish" in page
    assert client.post(f"/admin/imports/{batch_id}/publish").status_code == 302
    statuses = set(db.session.scalars(select(Procedure.status)))
    assert statuses == {"published"}


def test_missing_file_is_a_form_error(app, client, make_user, login):
    login(make_user("ada", "admin"))
    response = client.post("/admin/imports", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
