"""Every page in the pseudo-locale xx: any interface text that did not go through the catalog
shows up as plain ASCII letters, since the pseudo-translation accents every letter.

What is not interface text is left out before the check: elements whose ``lang`` differs from
the interface locale (procedure content), ``<code>`` (codes, identifiers), ``<time>`` (dates
that Babel spells from CLDR data, not from the catalog), scripts and styles, and the data of
the test database (procedure texts, user names, audit notes), which the pages show as it is.
"""
from __future__ import annotations

import io
import json
import re
import time
from html.parser import HTMLParser

import pytest
from helpers import write_jsonl, wait_for_job
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.core import jobs
from app.audit.models import AuditEntry
from app.auth.models import User
from app.catalog.demo import demo_files, load_demo
from app.catalog.models import ImportBatch
from app.catalog.records import flatten
from app.catalog.services import get_procedure
from app.catalog.validation import schema
from app.extensions import db
from app.i18n.catalogs import pseudo_translate
from app.i18n.locale import PSEUDO_LOCALE
from app.queues.services import assign
from app.review.models import Mark, MarkComment
from app.review.services import add_comment, create_mark, decide_mark, implement_mark, propose_mark
from app.review.settings import INCOME_PER_HOUR, set_setting
from app.search import indexer as search_indexer
from app.search import services as search

# Attributes a user reads or hears: tooltips, accessible names, placeholders, confirm dialogs.
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "data-confirm", "hx-confirm")
SKIPPED_ELEMENTS = {"script", "style", "code", "time"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                 "track", "wbr"}
GAP = "\x00"  # stands for a left-out element: not a letter, so it hides nothing


class InterfaceText(HTMLParser):
    """The text of a page a user would take for interface text (see the module docstring)."""

    def __init__(self, interface_locale: str):
        super().__init__(convert_charrefs=True)
        self.interface_locale = interface_locale
        self.stack: list[tuple[str, bool]] = []  # (tag, left out)
        self.parts: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def _left_out(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        left_out = (self._left_out() or tag in SKIPPED_ELEMENTS
                    or (lang is not None and tag != "html" and lang != self.interface_locale))
        if left_out and not self._left_out():
            self.parts.append(GAP)
        if not left_out:
            for name in READ_ATTRIBUTES:
                if attrs.get(name):
                    self.attributes.append((tag, name, attrs[name]))
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, left_out))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        self.parts.append(" ")  # element boundaries separate words

    def handle_data(self, data):
        if not self._left_out():
            self.parts.append(data)


def untranslated(html: str, data: list[str], interface_locale: str = PSEUDO_LOCALE) -> list[str]:
    """Pieces of interface text in ``html`` that are not pseudo-translated, with some context."""
    parser = InterfaceText(interface_locale)
    parser.feed(html)
    parser.close()
    texts = [("text", "".join(parser.parts))]
    texts += [(f"<{tag} {name}>", value) for tag, name, value in parser.attributes]
    found = []
    for where, text in texts:
        remaining = _without_data(text, data)
        for match in re.finditer(r"[A-Za-z]+", remaining):
            start, end = max(0, match.start() - 40), match.end() + 40
            context = " ".join(remaining[start:end].replace(GAP, "…").split())
            found.append(f"{where}: {match.group(0)!r} in {context!r}")
    return found


def _without_data(text: str, data: list[str]) -> str:
    for value in data:  # longest first, whole words only
        if value in text:
            text = re.sub(r"(?<![A-Za-z])" + re.escape(value) + r"(?![A-Za-z])", GAP, text)
    return text


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _enums(value):
    if isinstance(value, dict):
        yield from (item for item in value.get("enum", []) if isinstance(item, str))
        for item in value.values():
            yield from _enums(item)
    elif isinstance(value, list):
        for item in value:
            yield from _enums(item)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def data_strings() -> list[str]:
    """Texts the pages show as stored: the demo catalog, user names, audit rows, file names,
    and the property names of the import format (identifiers that import errors quote)."""
    values: set[str] = set(_keys(schema()))
    # Enumerated codes (published, commune, working_days...) are not shown as they are: a page
    # that shows one has skipped its label, so they are not data here.
    codes = set(_enums(schema()))
    for path in demo_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                values.update(value for value in _strings(json.loads(line)) if value not in codes)
    for user in db.session.scalars(select(User)):
        values.update((user.username, user.display_name))
    for entry in db.session.scalars(select(AuditEntry)):
        values.update((entry.actor_name, entry.action, entry.message or "", entry.object_id))
    values.update(db.session.scalars(select(ImportBatch.filename)))
    for mark in db.session.scalars(select(Mark)):
        values.update(value for value in (mark.rationale, mark.legal_text, mark.decision_comment) if value)
    values.update(db.session.scalars(select(MarkComment.text)))
    values.update(db.session.scalars(select(jobs.Job.label)))
    # Whole values and their lines (lists are joined on pages), longest first.
    pieces = {piece.strip() for value in values for piece in [value, *value.splitlines()]}
    return sorted((piece for piece in pieces if len(piece) >= 2), key=len, reverse=True)


@pytest.fixture
def pseudo_site(app, client, users, login, tmp_path):
    """The demo catalog, a waiting second version, an everyone-role user in the pseudo-locale."""
    app.config["PSEUDO_LOCALE"] = True
    load_demo()
    changed = json.loads(demo_files()[0].read_text(encoding="utf-8").splitlines()[0])
    changed["summary"] = changed["summary"] + " (bản sửa đổi)"
    from app.catalog.importer import import_file
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=False, filename="v2.jsonl")
    search.reindex()
    db.session.commit()
    assert client.post("/locale", data={"locale": PSEUDO_LOCALE, "next": "/login"}).status_code == 302
    return {"code": changed["code"], "client": client}


def _sample_values(code: str, user_id: int, import_job: str) -> dict:
    return {"code": code, "number": 2, "user_id": user_id, "job_id": import_job, "batch_id": 1, "locale": "vi"}


def _review_site(users, code: str) -> dict:
    """Marks in every state (one without estimates, one on the procedure that the waiting
    version will flag), a comment thread, an assignment and review settings."""
    actor = users["all"]
    procedure = get_procedure(code)
    record = procedure.current_version.record
    documents = [key for key in flatten(record) if key.startswith("document:")]
    steps = [key for key in flatten(record) if key.startswith("step:")]
    why = {"reason": "not_necessary", "rationale": "Giấy tờ này không cần thiết.",
           "legal_number": record["legal_basis"][0]["number"]}
    saves = {"hours_saved_per_case": "1.5", "fees_saved_vnd": "0", "other_saved_vnd": "10000"}

    def made(key, action, params=None, effects=saves):
        return create_mark(procedure.id, key, {"action": action, "params": params or {}, **why, **effects}, actor)

    draft = made(documents[0], "remove", effects={})
    proposed = made(documents[1], "accept_copy", {"form": "e_copy"})
    propose_mark(proposed.id, proposed.revision, actor)
    add_comment(proposed.id, "Cần hỏi ý kiến Bộ Tư pháp.", actor)
    decided = {}
    for key, decision in ((steps[0], "accepted"), (steps[1], "rejected"), (None, "accepted")):
        mark = made(key, "remove_step" if key else "simplify")
        propose_mark(mark.id, mark.revision, actor)
        decided[key] = decide_mark(mark.id, mark.revision, decision, "Đồng ý theo đề xuất.", actor)
    implemented = implement_mark(decided[steps[0]].id, decided[steps[0]].revision, actor, "Đã sửa thông tư.")
    assignment = assign(users["reviewer"].id, "agency", record["agency"], actor)
    set_setting(INCOME_PER_HOUR, "44000", 2024, actor)
    db.session.commit()
    return {"draft": draft.id, "proposed": proposed.id, "rejected": decided[steps[1]].id,
            "implemented": implemented.id, "procedure": decided[None].id, "assignment": assignment.id,
            "element": documents[0]}


def test_every_page_is_translated_in_the_pseudo_locale(app, pseudo_site, users, login, monkeypatch):
    client = pseudo_site["client"]
    pages: dict[str, str] = {}

    # Signed out: the login page, its validation errors, the sign-out message.
    pages["GET /login"] = client.get("/login").get_data(as_text=True)
    pages["POST /login (empty)"] = client.post("/login", data={}).get_data(as_text=True)
    pages["POST /login (wrong password)"] = client.post(
        "/login", data={"username": "everyone", "password": "wrong password!"}).get_data(as_text=True)
    login(users["all"])

    # Background jobs in each state: an import that failed, one that worked, one running;
    # an index rebuild that finished and one running.
    bad = b'{"code": "9.000001", "title": ""}\nnot json\n'
    response = client.post("/admin/imports", data={"file": (io.BytesIO(bad), "bad.jsonl")},
                           content_type="multipart/form-data")
    failed_job = wait_for_job(jobs.get(response.headers["Location"].rsplit("/", 1)[1]))
    assert failed_job.state == "failed"
    good = json.loads(demo_files()[1].read_text(encoding="utf-8").splitlines()[0])
    good["code"] = "9.000002"
    response = client.post("/admin/imports", data={"file": (io.BytesIO(json.dumps(good).encode()), "good.jsonl"),
                                                   "publish": "y"}, content_type="multipart/form-data")
    done_job = wait_for_job(jobs.get(response.headers["Location"].rsplit("/", 1)[1]))
    assert done_job.state == "done", done_job.message
    running = jobs.Job(id="e" * 32, kind="import", owner_id=None, label="big.jsonl", state="running", phase="load",
                       done=5, total=10)
    db.session.add(running)
    db.session.commit()
    client.post("/admin/search/rebuild")
    pages["GET /admin/search/progress (queued)"] = client.get("/admin/search/progress").get_data(as_text=True)
    search_indexer.carry_out_requests()  # this server's search worker
    db.session.commit()
    pages["GET /admin/search/progress (done)"] = client.get("/admin/search/progress").get_data(as_text=True)

    # The review: marks in every state, a bulk marking job, an export job.
    code = pseudo_site["code"]
    review = _review_site(users, code)
    bulk_form = {"code": [code], "target": "document", "pattern": "a", "action": "make_optional",
                 "reason": "not_necessary", "rationale": "Giấy tờ này không cần thiết.", "legal_number": "",
                 "legal_text": "", "hours_saved_per_case": "", "fees_saved_vnd": "", "other_saved_vnd": ""}
    preview = client.post("/bulk/preview", data=bulk_form).get_data(as_text=True)
    pages["POST /bulk/preview"] = preview
    token = re.search(r'name="plan" value="([^"]+)"', preview).group(1)
    response = client.post("/bulk/confirm", data={"plan": token})
    bulk_job = wait_for_job(jobs.get(response.headers["Location"].rsplit("/", 1)[1]))
    response = client.post("/exports", data={"format": "xlsx", "status": "proposed", "agency": ""})
    export_id = response.headers["Location"].rsplit("/", 1)[1]
    wait_for_job(jobs.get(export_id))
    for name, mark_id in review.items():
        if name not in ("assignment", "element"):
            pages[f"GET mark ({name})"] = client.get(f"/marks/{mark_id}").get_data(as_text=True)
    for queue in ("mine", "unreviewed", "changed", "decide"):
        pages[f"GET /queues?queue={queue}"] = client.get(f"/queues?queue={queue}").get_data(as_text=True)
    pages["GET mark form fragment"] = client.get(
        f"/procedures/{code}/marks/block?element={review['element']}&open=1",
        headers={"HX-Request": "true"}).get_data(as_text=True)
    pages["POST mark form (invalid)"] = client.post(
        f"/procedures/{code}/marks/new?element={review['element']}",
        data={"action": "reuse_from_database", "hours_saved_per_case": "1,5"}).get_data(as_text=True)
    pages["POST stale edit (conflict)"] = client.post(
        f"/marks/{review['draft']}", data={"revision": "0", "action": "make_optional", "rationale": "Đồng ý theo đề xuất."}
    ).get_data(as_text=True)
    pages["POST review settings (invalid)"] = client.post(
        "/admin/review-settings/income", data={"year": "1900", "value": "25.000"}).get_data(as_text=True)
    pages["GET dashboard (agency)"] = client.get(
        "/dashboard", query_string={"agency": "Bộ Tư pháp"}).get_data(as_text=True)
    # A kept board shown while a newer one is computed (as a slow national board would be).
    from app.dashboard import services as dashboard
    from app.review import changes

    monkeypatch.setattr(dashboard, "SLOW_SECONDS", 0.0)
    changes.bump(db.session)
    db.session.commit()
    pages["GET dashboard (refreshing)"] = client.get(
        "/dashboard", query_string={"agency": "Bộ Tư pháp"}).get_data(as_text=True)
    assert "board-refreshing" in pages["GET dashboard (refreshing)"]
    filters = dashboard.Filters.from_args(MultiDict({"agency": "Bộ Tư pháp"}))
    for _ in range(200):  # let the background refresh end here
        if not dashboard.current_board(filters).refreshing:
            break
        time.sleep(0.05)

    # Every GET route of the url_map, with sample arguments.
    values = {**_sample_values(code, users["reviewer"].id, done_job.id), "mark_id": review["proposed"],
              "assignment_id": review["assignment"], "export_id": export_id}
    per_endpoint = {"bulk.job": {"job_id": bulk_job.id}}
    # JSON / redirects / seen above / file downloads / a fragment for HTMX only (seen above)
    skipped = {"static", "web.health", "web.root", "auth.login", "i18n.editor_download", "exports.download",
               "search_lists.download", "i18n.editor_next",
               "review.block", "review.read_number", "dashboard.download_xlsx"}
    pages["GET read-number (refused)"] = client.get(
        "/marks/read-number?field=fees_saved_vnd&fees_saved_vnd=20.000", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in skipped:
            continue
        arguments = {**values, **per_endpoint.get(rule.endpoint, {})}
        url = rule.build({name: arguments[name] for name in rule.arguments})[1]
        if rule.endpoint == "search.index":
            url += "?q=đăng ký"
        if rule.endpoint == "catalog.compare":
            url += "?old=1&new=2"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[f"GET {url}"] = response.get_data(as_text=True)
        if rule.endpoint == "catalog.show":
            pages[f"GET {url}?version=1"] = client.get(url + "?version=1").get_data(as_text=True)
            thai = client.get("/procedures/2.400001")
            pages["GET /procedures/2.400001"] = thai.get_data(as_text=True)
    pages["GET job failed"] = client.get(f"/admin/imports/jobs/{failed_job.id}").get_data(as_text=True)
    pages["GET job running"] = client.get(f"/admin/imports/jobs/{running.id}").get_data(as_text=True)
    pages["GET search, page 2 with filters"] = client.get(
        "/search?q=giấy&level=province&page=2").get_data(as_text=True)
    pages["GET search, no hit"] = client.get("/search?q=zzqxv").get_data(as_text=True)
    pages["GET search, unreadable"] = client.get('/search?q="unclosed').get_data(as_text=True)
    pages["GET catalog, page 2"] = client.get("/procedures?page=2&sort=title&direction=desc").get_data(as_text=True)
    pages["GET catalog, nothing"] = client.get("/procedures?q=zzqxv").get_data(as_text=True)

    # Forms with errors, flashes, error pages.
    pages["POST /admin/users (empty)"] = client.post("/admin/users", data={}).get_data(as_text=True)
    pages["POST /admin/users (created)"] = client.post(
        "/admin/users", data={"username": "newbie", "roles": ["reviewer"]}).get_data(as_text=True)
    pages["POST reset password"] = client.post(
        f"/admin/users/{users['reviewer'].id}/reset-password").get_data(as_text=True)
    pages["POST /account/password (bad)"] = client.post(
        "/account/password", data={"current": "x", "new": "short", "confirm": "other"}).get_data(as_text=True)
    client.post(f"/procedures/{pseudo_site['code']}/publish")
    pages["GET after publish (flash)"] = client.get(f"/procedures/{pseudo_site['code']}").get_data(as_text=True)
    pages["GET flagged mark"] = client.get(f"/marks/{review['procedure']}").get_data(as_text=True)
    pages["GET /queues?queue=changed (flagged)"] = client.get("/queues?queue=changed").get_data(as_text=True)
    pages["GET 404"] = client.get("/procedures/0.000000").get_data(as_text=True)
    pages["GET 405"] = client.get("/logout").get_data(as_text=True)
    pages["POST without CSRF token"] = client.post("/logout", csrf=False).get_data(as_text=True)
    client.post("/logout")
    pages["GET /login (signed out)"] = client.get("/login").get_data(as_text=True)

    data = data_strings()
    problems = {page: found for page, html in pages.items() if (found := untranslated(html, data))}
    assert not problems, "interface text that is not in the catalog:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found[:10]) for page, found in problems.items())
    assert all('<html lang="xx">' in html for page, html in pages.items() if "<html" in html)


def test_the_check_catches_an_untranslated_string(app):
    """The check itself: plain text in the template is found; content in another language,
    codes and data are not."""
    app.config["PSEUDO_LOCALE"] = True
    html = app.jinja_env.from_string(
        '<html lang="{{ current_locale }}"><p>{{ _("Search") }}</p>'
        '<p>Forgot to mark this</p><p title="Plain tooltip">{{ _("Catalog") }}</p>'
        '<p lang="vi">Đăng ký kết hôn</p><code>1.000894</code><p>Hộ tịch</p></html>')
    with app.test_request_context("/", headers={"Accept-Language": PSEUDO_LOCALE}):
        rendered = html.render(current_locale=PSEUDO_LOCALE)
    found = untranslated(rendered, ["Hộ tịch"])
    assert [re.search(r"'(\w+)'", item).group(1) for item in found] == [
        "Forgot", "to", "mark", "this", "Plain", "tooltip"]
    assert found[-1].startswith("<p title>")
    assert pseudo_translate("Search") in rendered and pseudo_translate("Catalog") in rendered


def test_pseudo_locale_is_not_offered_and_needs_the_setting(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert 'value="xx"' not in page
    client.post("/locale", data={"locale": "xx", "next": "/login"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)  # refused: setting off
    app.config["PSEUDO_LOCALE"] = True
    client.post("/locale", data={"locale": "xx", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="xx">' in page and pseudo_translate("Sign in") in page
    assert 'value="xx"' not in page
