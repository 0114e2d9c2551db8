"""Issue 11 §1: nothing a translator saves can change a page's markup.

The attack: the Vietnamese translation of the navigation label (context ``navigation``, msgid
``Main``) saved with a quote that breaks out of ``<nav aria-label="…">`` and adds htmx
attributes that create an admin account when an admin opens any page in Vietnamese."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext
from markupsafe import escape
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.i18n import catalogs, editor, stored
from helpers import copy_translations

PAYLOAD = ('Điều hướng chính" hx-post="/admin/users" hx-trigger="load" '
           'hx-vals=\'{"username":"x","password":"Pwned-12345x","roles":"admin"}\' hx-swap="none" data-x="')


@pytest.fixture
def translations_dir(tmp_path_factory) -> Path:
    """A folder of its own per test: the editor (and the tests) write into it."""
    return copy_translations(tmp_path_factory.mktemp("security-translations"))


def _save(client, locale: str, text: str, msgid: str = "Main", context: str | None = "navigation"):
    catalog = catalogs.read_catalog(catalogs.po_path(locale, editor.editor_dir()), locale)
    message = catalog.get(msgid, context=context)
    data = {"key": editor.entry_key(message), "base": editor.msgstr_hash(editor._forms(message)),
            "msgstr_0": text}
    return client.post(f"/translations/{locale}/entry", data=data, headers={"HX-Request": "true"})


def _write_po(folder: Path, locale: str, msgid: str, context: str | None, text: str) -> None:
    """Put a translation into a catalog behind the editor's back (a hand-edited .po file)."""
    path = catalogs.po_path(locale, folder)
    catalog = catalogs.read_catalog(path, locale)
    catalog.get(msgid, context=context).string = text
    catalogs.write_catalog(path, catalog)
    catalogs.compile_catalogs(folder, locales=[locale])


def test_the_payload_is_refused_for_a_vietnamese_translator(client, users, login, translations_dir):
    translator = users["translator"]
    translator.translator_locales = "vi"
    db.session.commit()
    login(translator)
    po = catalogs.po_path("vi", translations_dir)
    before = po.read_bytes()
    response = _save(client, "vi", PAYLOAD)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "are not in the source" in body and "attribute text not in the source" in body
    assert po.read_bytes() == before


def test_the_payload_is_refused_for_a_translator_limited_to_thai(client, users, login, translations_dir):
    translator = users["translator"]
    translator.translator_locales = "th"
    db.session.commit()
    login(translator)
    before = {locale: catalogs.po_path(locale, translations_dir).read_bytes() for locale in ("vi", "th")}
    assert _save(client, "vi", PAYLOAD).status_code == 403
    thai = PAYLOAD.replace("Điều hướng chính", "การนำทางหลัก")
    assert _save(client, "th", thai).status_code == 422
    assert {locale: catalogs.po_path(locale, translations_dir).read_bytes() for locale in ("vi", "th")} == before


@pytest.mark.parametrize("text", [
    'Chính" onmouseover="alert(1)',
    "Chính' data-x='1",
    "Chính &lt;b&gt;",
    "Chính > x",
    "Chính hx-get=/admin",
    "Chính onclick=alert(1)",
])
def test_check_entry_refuses_markup_characters_and_attribute_text(text):
    assert catalogs.check_entry("Main", text, plural_count=1)
    assert catalogs.check_entry("Main", "Điều hướng chính", plural_count=1) == []


def test_check_entry_allows_what_the_msgid_has():
    msgid = "Leave empty for every agency; otherwise a part of the agency's name."
    assert catalogs.check_entry(msgid, "Để trống: mọi cơ quan; nếu không, một phần tên 'cơ quan'.",
                                plural_count=1) != []  # two apostrophes where the msgid has one
    assert catalogs.check_entry(msgid, "Để trống; nếu không, một phần của tên cơ quan.", plural_count=1) == []
    assert catalogs.check_entry('Say "%(word)s"', 'Nói "%(word)s"', plural_count=1) == []


def test_translate_check_refuses_the_payload(app, runner, translations_dir):
    _write_po(translations_dir, "vi", "Main", "navigation", PAYLOAD)
    result = runner.invoke(args=["translate", "check", "--directory", str(translations_dir), "--locale", "vi"])
    assert result.exit_code == 1
    assert "msgid 'Main' (context 'navigation')" in result.output and "are not in the source" in result.output
    # The catalogs of the tree pass the same rule.
    assert catalogs.check_all() == []


def _store_unchecked(locale: str, changes: dict) -> None:
    """A stored catalog revision that bypassed the editor's checks (written straight to the table)."""
    catalog, revision = stored.load(locale)
    for (msgid, context), text in changes.items():
        catalog.get(msgid, context=context).string = text
    stored.add_revision(locale, catalog, revision + 1, "someone")
    db.session.commit()


def test_a_page_never_carries_translator_markup(app, client, users, login, translations_dir):
    """Even a catalog that bypassed the checks cannot add attributes: translations are escaped."""
    _store_unchecked("vi", {("Main", "navigation"): PAYLOAD, ("Search", None): 'Tìm kiếm"><b id="x">'})
    admin = users["admin"]
    login(admin)
    client.post("/locale", data={"locale": "vi", "next": "/procedures"})
    page = client.get("/procedures").get_data(as_text=True)
    assert 'hx-post="/admin/users"' not in page and "hx-trigger=\"load\"" not in page
    assert 'aria-label="Điều hướng chính&#34; hx-post=&#34;/admin/users&#34;' in page
    # A lazy string (the navigation labels) is escaped too.
    assert '<b id="x">' not in page and "Tìm kiếm&#34;&gt;&lt;b id=&#34;x&#34;&gt;" in page
    assert db.session.scalar(select(User).where(User.username == "x")) is None


def test_lazy_strings_escape_themselves(app, translations_dir):
    _write_po(translations_dir, "vi", "Search", None, 'a"b<c')
    app.extensions["babel"].instance.domain_instance.cache.clear()
    with app.test_request_context(), force_locale("vi"):
        assert str(escape(lazy_gettext("Search"))) == "a&#34;b&lt;c"
