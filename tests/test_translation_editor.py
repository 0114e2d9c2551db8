"""The in-app catalog editor: statistics, filters and search, saving one entry (checks,
conflicts, header stamp, a stored revision in the database, audit), the running app showing the
change at once and another process on its next look, per-language permission, the .po download
and ``flask translate export``. The source files are in a temporary folder and never written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.i18n import catalogs, editor, stored
from helpers import copy_translations


@pytest.fixture
def translations_dir(tmp_path_factory) -> Path:
    """A folder of its own per test (overrides the session one): the editor writes into it."""
    return copy_translations(tmp_path_factory.mktemp("editor-translations"))


def _key(locale: str, msgid: str, context: str | None = None) -> tuple[str, str]:
    """(entry key, base hash) of an entry, as the editor's form carries them."""
    catalog = editor.load(locale)
    message = catalog.get(msgid, context=context)
    assert message is not None, msgid
    return editor.entry_key(message), editor.msgstr_hash(editor._forms(message))


def _folder() -> Path:
    return editor.editor_dir()


def _save(client, locale, msgid, text, *, context=None, base=None, fuzzy=False, htmx=True):
    key, current = _key(locale, msgid, context)
    data = {"key": key, "base": current if base is None else base, "msgstr_0": text}
    if fuzzy:
        data["fuzzy"] = "y"
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/translations/{locale}/entry", data=data, headers=headers)


def _thai(client):
    """Show the interface in Thai to this client."""
    client.post("/locale", data={"locale": "th", "next": "/procedures"})


def test_statistics_of_every_locale(client, users, login, translations_dir):
    login(users["translator"])
    page = client.get("/translations").get_data(as_text=True)
    for locale in ("vi", "th", "en"):
        figures = catalogs.stats(catalogs.read_catalog(catalogs.po_path(locale, translations_dir), locale), locale)
        row = re.search(rf'<tr data-locale="{locale}">(.*?)</tr>', page, re.DOTALL).group(1)
        assert f'<td class="translated">{figures.translated}</td>' in row
        assert f">{figures.untranslated}</a>" in row and f">{figures.fuzzy}</a>" in row
    assert '<a href="/translations" aria-current="page">' in page  # the navigation link


def test_filters_and_search(client, users, login):
    login(users["translator"])
    # vi is complete: nothing untranslated; the editor then opens on all entries, a page at a time.
    assert "No entry matches." in client.get("/translations/vi?status=untranslated").get_data(as_text=True)
    assert '<option value="all" selected>' in client.get("/translations/vi").get_data(as_text=True)
    everything = client.get("/translations/vi?status=all").get_data(as_text=True)
    assert everything.count('class="card translation-entry"') == editor.PAGE_SIZE
    assert 'rel="next"' in everything
    # English is mostly empty: the untranslated filter shows it.
    assert "translation-entry" in client.get("/translations/en").get_data(as_text=True)
    # Search over msgid, translation and context; the HTMX request gets the fragment only.
    found = client.get("/translations/th?status=all&q=ค้นหา", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert "<html" not in body and '<dd lang="en" class="msgid">Search</dd>' in body
    assert found.headers["HX-Push-Url"].startswith("/translations/th?")
    by_context = client.get("/translations/th?status=all&q=audited+object").get_data(as_text=True)
    assert 'class="context">audited object</dd>' in by_context
    # A fuzzy entry shows under the fuzzy filter and not under "untranslated".
    _save(client, "th", "Search", "ค้นหา", fuzzy=True)
    fuzzy = client.get("/translations/th?status=fuzzy").get_data(as_text=True)
    assert '<dd lang="en" class="msgid">Search</dd>' in fuzzy
    assert '<dd lang="en" class="msgid">Search</dd>' not in client.get(
        "/translations/th?status=untranslated").get_data(as_text=True)
    # Opening the editor shows what needs work, the fuzzy entry included.
    assert '<dd lang="en" class="msgid">Search</dd>' in client.get("/translations/th").get_data(as_text=True)


def test_save_stamps_backs_up_compiles_audits_and_shows_live(client, users, login, translations_dir):
    users["translator"].display_name = "Somchai T."
    db.session.commit()
    login(users["translator"])
    _thai(client)
    assert "ค้นหา" in client.get("/procedures").get_data(as_text=True)
    po = catalogs.po_path("th", translations_dir)
    before = po.read_bytes()

    response = _save(client, "th", "Search", "ค้นหาขั้นตอน")
    assert response.status_code == 200
    assert "ค้นหาขั้นตอน" in response.get_data(as_text=True)

    saved = stored.newest("th")
    assert saved.revision == 1 and saved.author == "Somchai T. <translator>"
    catalog = stored.parse(saved.content, "th")
    assert catalog.get("Search").string == "ค้นหาขั้นตอน"
    assert catalog.last_translator == "Somchai T. <translator>"
    assert "PO-Revision-Date" in saved.content
    assert po.read_bytes() == before and not po.with_name("messages.po.bak").exists()  # the tree is not written
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "translation.updated")).one()
    assert entry.object_id == "th:Search" and entry.actor_name == "translator"
    assert entry.old["msgstr"] == ["ค้นหา"] and entry.new["msgstr"] == ["ค้นหาขั้นตอน"]

    # The running app shows the new text at once (Flask-Babel's cache is dropped).
    page = client.get("/procedures").get_data(as_text=True)
    assert ">ค้นหาขั้นตอน</a>" in page
    assert not catalogs.check_catalog(editor.load("th"), "th")


def test_plain_form_post_redirects_back_to_the_list(client, users, login):
    login(users["translator"])
    response = _save(client, "th", "Search", "ค้นหา!", htmx=False)
    assert response.status_code == 302 and "/translations/th" in response.headers["Location"]


def test_broken_placeholder_is_refused_and_file_unchanged(client, users, login, translations_dir):
    login(users["translator"])
    po = catalogs.po_path("th", translations_dir)
    before = po.read_bytes()
    response = _save(client, "th", "User %(name)s was created.", "สร้างผู้ใช้ %(username)s แล้ว")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "placeholder mismatch" in body and "%(name)s" in body and 'aria-invalid="true"' in body
    assert po.read_bytes() == before and stored.newest("th") is None
    assert _save(client, "th", "User %(name)s was created.", "สร้าง %s").status_code == 422
    assert stored.newest("th") is None


def test_added_html_tag_is_refused(client, users, login, translations_dir):
    login(users["translator"])
    po = catalogs.po_path("th", translations_dir)
    before = po.read_bytes()
    response = _save(client, "th", "Search", "<script>alert(1)</script>ค้นหา")
    assert response.status_code == 422 and "HTML tag mismatch" in response.get_data(as_text=True)
    assert po.read_bytes() == before and stored.newest("th") is None
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "translation.updated")).all() == []


def test_concurrent_edit_gets_a_conflict_and_keeps_the_first(app, client, users, login, translations_dir):
    login(users["translator"])
    other = app.test_client()
    login(users["admin"], test_client=other)
    key, base = _key("th", "Search")
    first = client.post("/translations/th/entry", data={"key": key, "base": base, "msgstr_0": "ค้นหาแรก"},
                        headers={"HX-Request": "true"})
    assert first.status_code == 200
    second = other.post("/translations/th/entry", data={"key": key, "base": base, "msgstr_0": "ค้นหาสอง"},
                        headers={"HX-Request": "true"})
    assert second.status_code == 409
    body = second.get_data(as_text=True)
    assert "ค้นหาแรก" in body and "ค้นหาสอง" in body
    assert editor.load("th").get("Search").string == "ค้นหาแรก"
    # Taking one's own version: submit again with the new base hash the conflict carries.
    new_base = re.search(r'name="base" value="([0-9a-f]+)"', body).group(1)
    assert new_base != base
    again = other.post("/translations/th/entry", data={"key": key, "base": new_base, "msgstr_0": "ค้นหาสอง"},
                       headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert editor.load("th").get("Search").string == "ค้นหาสอง"
    assert stored.newest("th").revision == 2


def test_plural_entry_has_one_field_per_form(client, users, login, translations_dir):
    login(users["translator"])
    page = client.get("/translations/en?status=all&q=procedures+changed+status").get_data(as_text=True)
    entry = page.split('class="card translation-entry"')[1]
    assert entry.count("<textarea") == 2  # English has two plural forms
    thai = client.get("/translations/th?status=all&q=procedures+changed+status").get_data(as_text=True)
    assert thai.split('class="card translation-entry"')[1].count("<textarea") == 1
    catalog = editor.load("en")
    message = next(m for m in catalog if m.id and isinstance(m.id, tuple) and "changed status" in m.id[1])
    key, base = editor.entry_key(message), editor.msgstr_hash(editor._forms(message))
    one_form = client.post("/translations/en/entry", data={"key": key, "base": base, "msgstr_0": message.id[0]})
    assert one_form.status_code == 422 and "invalid plural forms" in one_form.get_data(as_text=True)


def test_per_language_permission(app, client, users, login):
    translator = users["translator"]
    translator.translator_locales = "vi"
    db.session.commit()
    login(translator)
    index = client.get("/translations").get_data(as_text=True)
    assert 'data-locale="vi"' in index and 'data-locale="th"' not in index
    assert client.get("/translations/vi").status_code == 200
    assert client.get("/translations/th").status_code == 403
    assert client.get("/translations/th/download").status_code == 403
    assert _save(client, "th", "Search", "ค้นหาใหม่").status_code == 403
    assert client.get("/translations/xx").status_code == 404


def test_admin_sets_the_languages_of_a_translator(client, users, login):
    login(users["admin"])
    translator = users["translator"]
    page = client.get(f"/admin/users/{translator.id}").get_data(as_text=True)
    assert 'name="languages"' in page
    response = client.post(f"/admin/users/{translator.id}", data={
        "display_name": "", "roles": ["translator"], "active": "y", "languages": ["th", "vi"]})
    assert response.status_code == 302
    db.session.refresh(translator)
    assert translator.translator_locales == "vi,th"
    assert editor.allowed_locales(translator) == ("vi", "th")


def test_download_the_po_file(client, users, login, translations_dir):
    login(users["translator"])
    response = client.get("/translations/th/download")
    assert response.status_code == 200
    assert _save(client, "th", "Search", "ค้นหาใหม่").status_code == 200
    response = client.get("/translations/th/download")
    assert response.status_code == 200
    downloaded = stored.parse(response.get_data(as_text=True), "th")
    assert downloaded.get("Search").string == "ค้นหาใหม่"
    assert len(downloaded) == len(catalogs.read_catalog(catalogs.po_path("th", translations_dir), "th"))
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"].startswith("text/x-gettext-translation")


def test_other_process_notices_a_changed_catalog(app, client, users, login, translations_dir):
    """A revision stored by another process (written here straight to the table, as another
    worker's save would be) shows on the next request of this one once it looks again."""
    login(users["reviewer"])
    _thai(client)
    assert "ค้นหา" in client.get("/procedures").get_data(as_text=True)
    catalog, revision = stored.load("th")
    catalog.get("Search").string = "ค้นหาจากที่อื่น"
    stored.add_revision("th", catalog, revision + 1, "someone else")
    db.session.commit()
    assert ">ค้นหาจากที่อื่น</a>" in client.get("/procedures").get_data(as_text=True)


def test_a_new_source_string_shows_beside_stored_translations(client, users, login, translations_dir):
    """A deploy adds a string to the source catalog: the editor lists it next to the stored
    translations (the stored catalog is merged onto the source)."""
    login(users["translator"])
    assert _save(client, "th", "Search", "ค้นหาใหม่").status_code == 200
    po = catalogs.po_path("th", translations_dir)
    catalog = catalogs.read_catalog(po, "th")
    catalog.add("A string added by a deploy", "")
    catalogs.write_catalog(po, catalog)
    merged = editor.load("th")
    assert merged.get("Search").string == "ค้นหาใหม่"
    assert merged.get("A string added by a deploy") is not None


def test_export_writes_the_stored_catalogs_back(client, users, login, runner, tmp_path):
    login(users["translator"])
    assert _save(client, "th", "Search", "ค้นหาใหม่").status_code == 200
    result = runner.invoke(args=["translate", "export", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = catalogs.read_catalog(catalogs.po_path("th", tmp_path), "th")
    assert written.get("Search").string == "ค้นหาใหม่" and written.last_translator.endswith("<translator>")
    assert not catalogs.po_path("vi", tmp_path).exists()  # nothing saved in Vietnamese


@pytest.mark.parametrize("role, status", [("reviewer", 403), ("lead", 403), ("translator", 200), ("admin", 200)])
def test_roles(client, users, login, role, status):
    login(users[role])
    assert client.get("/translations").status_code == status
    assert client.get("/translations/th").status_code == status


def test_a_thai_translator_reads_why_a_translation_was_refused_in_thai(client, users, login):
    login(users["translator"])
    _thai(client)
    response = _save(client, "th", "User %(name)s was created.", "สร้างผู้ใช้ %(username)s แล้ว")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ตัวแทนไม่ตรงกัน" in body and "ขาด %(name)s" in body and "placeholder mismatch" not in body
    # The command line and CI keep reading English.
    assert catalogs.check_entry("User %(name)s was created.", "x %(username)s", plural_count=1) == [
        "msgstr: placeholder mismatch (missing %(name)s; not in the source %(username)s)"]


def _blank(locale: str, msgid: str, context: str | None = None) -> None:
    """Empty one translation of the source catalog (before anything is stored)."""
    path = catalogs.po_path(locale, _folder())
    catalog = catalogs.read_catalog(path, locale)
    catalog.get(msgid, context=context).string = ""
    catalogs.write_catalog(path, catalog)


def test_the_editor_opens_on_what_needs_work_with_a_reference_and_where_it_is_used(
        client, users, login, translations_dir):
    login(users["translator"])
    complete = client.get("/translations/th").get_data(as_text=True)
    # Nothing to do in a complete catalog: every entry is listed.
    assert '<option value="all" selected>' in complete
    _blank("th", "Search")
    page = client.get("/translations/th").get_data(as_text=True)
    assert '<option value="todo" selected>' in page and "1 entry" in page
    # The Vietnamese translation is shown beside the English source, and where the string is used.
    vi_search = catalogs.read_catalog(catalogs.po_path("vi", _folder()), "vi").get("Search").string
    assert f'<dd lang="vi" class="reference">{vi_search}</dd>' in page
    assert re.search(r'<dd class="locations"><code>[^<]+\.(py|html):\d+</code>', page)
    none = client.get("/translations/th?status=todo&ref=none").get_data(as_text=True)
    assert 'class="reference"' not in none


def test_next_entry_to_translate_goes_to_its_page_and_anchor(client, users, login, translations_dir):
    login(users["translator"])
    _blank("vi", "Search")
    _blank("vi", "Catalog")
    first = client.get("/translations/vi/next")
    assert first.status_code == 302 and "status=todo" in first.headers["Location"]
    key = first.headers["Location"].rsplit("#entry-", 1)[1]
    assert key in (_key("vi", "Search")[0], _key("vi", "Catalog")[0])
    second = client.get(f"/translations/vi/next?after={key}")
    other = second.headers["Location"].rsplit("#entry-", 1)[1]
    assert other != key and other in (_key("vi", "Search")[0], _key("vi", "Catalog")[0])
    # After a save the entry offers the next one.
    saved = _save(client, "vi", "Search", "Tìm kiếm")
    assert "Next entry to translate" in saved.get_data(as_text=True)
    _save(client, "vi", "Catalog", "Danh mục")
    done = client.get("/translations/vi/next")
    assert done.status_code == 302 and done.headers["Location"].endswith("status=all")
