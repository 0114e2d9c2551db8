"""The translator workflow: the catalogs of the tree, `flask translate check` and each failure
class on a small temporary catalog, plural forms, extract / update / compile / stats / pseudo."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import force_locale, ngettext

from app.config import PROJECT_ROOT
from app.i18n import catalogs

PO_HEADER = '''msgid ""
msgstr ""
"Language: {locale}\\n"
"Plural-Forms: nplurals={nplurals}; plural={plural};\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

'''


def write_po(folder: Path, locale: str, body: str, *, nplurals: int = 1, plural: str = "0") -> Path:
    path = catalogs.po_path(locale, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PO_HEADER.format(locale=locale, nplurals=nplurals, plural=plural) + body, encoding="utf-8")
    return path


def check(runner, folder: Path, locale: str = "vi"):
    return runner.invoke(args=["translate", "check", "--directory", str(folder), "--locale", locale])


# --- the catalogs of the tree ---------------------------------------------------------------

def test_vi_and_th_pass_the_check_and_are_complete(runner):
    result = runner.invoke(args=["translate", "check"])
    assert result.exit_code == 0, result.output
    assert catalogs.check_all() == []
    template = catalogs.read_catalog(catalogs.TEMPLATE_FILE)
    total = len([message for message in template if message.id])
    assert total > 300
    for locale in ("vi", "th"):
        figures = catalogs.stats(catalogs.read_catalog(catalogs.po_path(locale), locale), locale)
        assert (figures.translated, figures.fuzzy, figures.untranslated) == (total, 0, 0), locale


def test_the_template_is_up_to_date_with_the_sources():
    """A string marked in the code but not extracted would show in English in vi and th."""
    def ids(catalog):
        return {(message.context, message.id) for message in catalog if message.id}

    extracted, committed = catalogs.extract(), catalogs.read_catalog(catalogs.TEMPLATE_FILE)
    assert ids(extracted) == ids(committed), "run `flask translate extract` and `flask translate update`"
    for locale in ("vi", "th", "en"):
        assert ids(catalogs.read_catalog(catalogs.po_path(locale), locale)) == ids(committed), locale


def test_extraction_follows_babel_cfg():
    mapping = (PROJECT_ROOT / "babel.cfg").read_text(encoding="utf-8")
    assert "trimmed = true" in mapping and "jinja2.ext.i18n" in mapping
    template = catalogs.extract()
    files = {filename for message in template for filename, _line in message.locations}
    assert any(name.startswith("templates/") for name in files) and any(name.startswith("app/") for name in files)
    assert not any(name.startswith(("tests/", "app/migrations/")) for name in files)
    # Lazy strings, contexts and translator comments are extracted.
    role = template.get("Lead", context="user role")
    assert role is not None and role.auto_comments
    assert template.get("Online", context="online public service level") is not None


@pytest.mark.parametrize("locale, nplurals", [("vi", 1), ("th", 1), ("en", 2)])
def test_catalog_headers_have_the_plural_forms_of_the_language(locale, nplurals):
    catalog = catalogs.read_catalog(catalogs.po_path(locale), locale)
    assert catalog.num_plurals == nplurals
    for message in catalog:
        if message.pluralizable and locale != "en":
            assert len(message.string) == 1 and message.string[0]


@pytest.mark.parametrize("locale, one, many", [
    ("vi", "1 thủ tục", "5 thủ tục"),
    ("th", "กระบวนงาน 1 รายการ", "กระบวนงาน 5 รายการ"),
    ("en", "1 procedure", "5 procedures"),
])
def test_plural_forms_render(app, locale, one, many):
    with app.test_request_context("/"), force_locale(locale):
        assert ngettext("%(num)s procedure", "%(num)s procedures", 1) == one
        assert ngettext("%(num)s procedure", "%(num)s procedures", 5) == many


# --- the check: each failure class ----------------------------------------------------------

GOOD_VI = '''
msgid "Hello %(name)s"
msgstr "Xin chào %(name)s"

msgid "%(num)s procedure"
msgid_plural "%(num)s procedures"
msgstr[0] "%(num)s thủ tục"

msgctxt "procedure status"
msgid "Published"
msgstr "Đã công bố"

msgid "Read the <strong>guide</strong>"
msgstr "Đọc <strong>hướng dẫn</strong>"

msgid "50%% done"
msgstr "Xong 50%%"
'''


def test_a_good_catalog_passes(runner, tmp_path):
    write_po(tmp_path, "vi", GOOD_VI)
    result = check(runner, tmp_path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("entry, msgid, problem", [
    ('msgid "Hello %(name)s"\nmsgstr "Xin chào"\n', "Hello %(name)s", "placeholder mismatch (missing %(name)s)"),
    ('msgid "Hello %(name)s"\nmsgstr "Xin chào %(ten)s"\n', "Hello %(name)s",
     "placeholder mismatch (missing %(name)s; not in the source %(ten)s)"),
    ('msgid "%(count)s errors"\nmsgstr "%(count)d lỗi"\n', "%(count)s errors", "placeholder mismatch"),
    ('msgid "Hello %(name)s"\nmsgstr "Xin chào %s %(name)s"\n', "Hello %(name)s", "positional placeholder '%s'"),
    ('msgid "Done"\nmsgstr "Xong 100%"\n', "Done", "a lone %"),
    ('msgid "Save"\nmsgstr "<script>alert(1)</script>Lưu"\n', "Save",
     "HTML tag mismatch (not in the source </script>, <script>)"),
    ('msgid "Read the <strong>guide</strong>"\nmsgstr "Đọc <b>hướng dẫn</b>"\n', "Read the <strong>guide</strong>",
     "HTML tag mismatch (missing </strong>, <strong>; not in the source </b>, <b>)"),
    ('msgid "Open <a href=\\"%(url)s\\">it</a>"\nmsgstr "Mở <a href=\\"%(url)s\\" onclick=\\"x()\\">nó</a>"\n',
     'Open <a href="%(url)s">it</a>', "HTML tag mismatch"),
    ('msgid "Save"\nmsgstr "Lưu <img src=x onerror=alert(1)"\n', "Save", "an incomplete HTML tag"),
    (('msgid "%(num)s procedure"\nmsgid_plural "%(num)s procedures"\nmsgstr[0] "%(num)s thủ tục"\n'
      'msgstr[1] "%(num)s thủ tục"\n'), "%(num)s procedure", "invalid plural forms: more msgstr[] than the catalog's 1 plural form(s)"),
    ('msgid "%(num)s procedure"\nmsgid_plural "%(num)s procedures"\nmsgstr[0] "một thủ tục"\n',
     "%(num)s procedure", "msgstr[0]: placeholder mismatch (missing %(num)s)"),
    ('msgid "Sign in"\nmsgstr ""\n', "Sign in", "untranslated"),
    ('#, fuzzy\nmsgid "Sign in"\nmsgstr "Đăng nhập"\n', "Sign in", "fuzzy"),
    ('msgctxt "procedure status"\nmsgid "Draft"\nmsgstr ""\n', "Draft", "untranslated"),
])
def test_check_fails_naming_locale_msgid_and_problem(runner, tmp_path, entry, msgid, problem):
    write_po(tmp_path, "vi", 'msgid "Sign out"\nmsgstr "Đăng xuất"\n\n' + entry)
    result = check(runner, tmp_path)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("vi: ")]
    assert len(lines) >= 1, result.output
    assert any(f"msgid {msgid!r}" in line and problem in line for line in lines), result.output
    assert "problem(s) in the catalogs" in result.output


def test_check_fails_on_a_wrong_plural_header(runner, tmp_path):
    write_po(tmp_path, "th", 'msgid "Sign in"\nmsgstr "เข้าสู่ระบบ"\n', nplurals=2, plural="(n != 1)")
    result = check(runner, tmp_path, "th")
    assert result.exit_code == 1 and "nplurals=2; th has 1 plural form(s)" in result.output


def test_english_may_stay_empty_but_not_break_placeholders(runner, tmp_path):
    body = 'msgid "Sign in"\nmsgstr ""\n\nmsgid "%(num)s item"\nmsgid_plural "%(num)s items"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    write_po(tmp_path, "en", body, nplurals=2, plural="(n != 1)")
    assert check(runner, tmp_path, "en").exit_code == 0
    write_po(tmp_path, "en", body + '\nmsgid "Hello %(name)s"\nmsgstr "Hi"\n', nplurals=2, plural="(n != 1)")
    result = check(runner, tmp_path, "en")
    assert result.exit_code == 1 and "en: msgid 'Hello %(name)s': msgstr: placeholder mismatch" in result.output


def test_a_missing_catalog_fails(runner, tmp_path):
    result = check(runner, tmp_path, "th")
    assert result.exit_code == 1 and "th: msgid '': no catalog" in result.output


def test_check_entry_is_what_an_editor_calls_on_save():
    assert catalogs.check_entry("Hello %(name)s", "Xin chào %(name)s", plural_count=1, require_complete=True) == []
    assert catalogs.check_entry(("%(num)s day", "%(num)s days"), ["%(num)s ngày"], plural_count=1) == []
    assert catalogs.check_entry("Save", "<b>Lưu</b>", plural_count=1) == [
        "msgstr: HTML tag mismatch (not in the source </b>, <b>)"]
    assert catalogs.check_entry("Save", "", plural_count=1, require_complete=True) == ["untranslated"]
    assert catalogs.check_entry("Save", "", plural_count=1) == []


# --- extract, update, compile, stats, pseudo ------------------------------------------------

def test_extract_update_compile_workflow(runner, tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS_DIR / "vi", folder / "vi")
    extracted = tmp_path / "extracted.pot"
    result = runner.invoke(args=["translate", "extract", "--output", str(extracted)])
    assert result.exit_code == 0 and "messages extracted" in result.output
    assert len(catalogs.read_catalog(extracted)) > 300

    # A source string changes: update keeps the translation as a fuzzy guess with the previous msgid.
    # (From the committed template, so that strings being added elsewhere meanwhile do not count.)
    template = tmp_path / "messages.pot"
    text = catalogs.TEMPLATE_FILE.read_text(encoding="utf-8")
    template.write_text(text.replace('msgid "Keep me signed in"', 'msgid "Keep me signed in on this device"'),
                        encoding="utf-8")
    result = runner.invoke(args=["translate", "update", "--directory", str(folder), "--locale", "vi",
                                 "--template", str(template), "--previous"])
    assert result.exit_code == 0 and "vi: " in result.output and "1 fuzzy" in result.output
    po_text = catalogs.po_path("vi", folder).read_text(encoding="utf-8")
    assert '#| msgid "Keep me signed in"\nmsgid "Keep me signed in on this device"' in po_text
    assert '#~ msgid "Keep me signed in"' not in po_text
    result = check(runner, folder)
    assert result.exit_code == 1
    assert "vi: msgid 'Keep me signed in on this device': fuzzy" in result.output

    # Compile: fuzzy entries are left out of the .mo (the source shows until a translator confirms).
    result = runner.invoke(args=["translate", "compile", "--directory", str(folder), "--locale", "vi"])
    assert result.exit_code == 0
    mo = catalogs.po_path("vi", folder).with_suffix(".mo")
    translations = Translations.load(str(folder), ["vi"])
    assert mo.exists()
    assert translations.gettext("Sign in") == "Đăng nhập"
    assert translations.gettext("Keep me signed in on this device") == "Keep me signed in on this device"
    assert translations.ngettext("%(num)s procedure", "%(num)s procedures", 5) == "%(num)s thủ tục"


def test_update_creates_a_missing_catalog(runner, tmp_path):
    result = runner.invoke(args=["translate", "update", "--directory", str(tmp_path), "--locale", "th"])
    assert result.exit_code == 0 and "th: 0 translated" in result.output
    with catalogs.po_path("th", tmp_path).open("rb") as handle:
        catalog = read_po(handle, locale="th")
    assert catalog.num_plurals == 1 and len(catalog) > 300


def test_stats_lists_each_locale(runner):
    result = runner.invoke(args=["translate", "stats"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("vi: ") and "0 fuzzy, 0 untranslated" in line and "(100.0 %)" in line for line in lines)
    assert any(line.startswith("th: ") and "0 fuzzy, 0 untranslated" in line for line in lines)
    assert any(line.startswith("en: ") and "source language" in line for line in lines)


def test_pseudo_command_and_translation(runner, tmp_path):
    result = runner.invoke(args=["translate", "pseudo", "--directory", str(tmp_path)])
    assert result.exit_code == 0
    assert catalogs.po_path("xx", tmp_path).with_suffix(".mo").exists()
    assert catalogs.pseudo_translate("Search") == "[Šëåŕçĥ ~~~]"
    converted = catalogs.pseudo_translate('Page %(page)s of <a href="%(url)s">%(pages)s</a> &amp; more')
    assert "%(page)s" in converted and '<a href="%(url)s">' in converted and "&amp;" in converted
    assert catalogs.check_entry('Page %(page)s of <a href="%(url)s">%(pages)s</a> &amp; more', converted,
                                plural_count=2) == []
    catalog = catalogs.read_catalog(catalogs.po_path("xx", tmp_path), "xx")
    assert catalogs.check_catalog(catalog, "xx", require_complete=True) == []
