"""A translator's journey in a real browser: find a Thai string in the catalog editor, fix it,
and see the interface show it in Thai at once, without a restart; the catalog is stored in the
database and the source .po file is left as it was."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.i18n import catalogs, stored
from helpers import copy_translations

NEW_TEXT = "ค้นหาด่วน"


@pytest.fixture
def translations_dir(tmp_path_factory) -> Path:
    """A folder of its own (overrides the session one): the editor reads its sources there."""
    return copy_translations(tmp_path_factory.mktemp("journey-translations"))


def test_translator_fixes_a_thai_string_and_sees_it_at_once(page, make_user, sign_in, translations_dir):
    source = catalogs.po_path("th", translations_dir).read_bytes()
    make_user("tina", "translator")
    sign_in(page, "tina")
    page.get_by_role("link", name="Translations").click()
    expect(page.locator('tr[data-locale="th"]')).to_be_visible()
    page.locator('tr[data-locale="th"] a[lang="th"]').click()
    expect(page).to_have_url(re.compile(r"/translations/th"))

    # Active search: all entries, then type; the list follows without a page load.
    page.get_by_label("Show").select_option("all")
    page.get_by_label("Search source, translation and context").fill("ค้นหา")
    entry = page.locator(".translation-entry", has=page.locator("dd.msgid", has_text=re.compile(r"^Search$")))
    expect(entry).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q="))

    entry.get_by_label("Translation").fill(NEW_TEXT)
    entry.get_by_role("button", name="Save").click()
    saved = page.locator(".translation-entry", has=page.locator("dd.msgid", has_text=re.compile(r"^Search$")))
    expect(saved.get_by_role("status")).to_have_text("Saved.")

    # The interface in Thai shows the new text at once.
    page.goto("/procedures")
    with page.expect_navigation():
        page.locator("#locale-select").select_option("th")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("navigation").get_by_role("link", name=NEW_TEXT)).to_be_visible()
    db.session.rollback()  # see what the server's thread committed
    assert stored.parse(stored.newest("th").content, "th").get("Search").string == NEW_TEXT
    assert catalogs.po_path("th", translations_dir).read_bytes() == source
