"""The glossary (`translations/glossary.json`): one word per domain term in each language,
checked by `flask translate check` over the catalogs."""
from __future__ import annotations

import json

from app.i18n import catalogs, glossary
from tests.helpers import copy_translations


def test_the_repository_catalogs_follow_the_glossary():
    terms = glossary.load()
    assert terms["vi"].terms["Accepted"].use == "Đã chấp thuận" and "รับข้อเสนอ" in terms["th"].avoid
    for locale in ("vi", "th"):
        catalog, _problems = catalogs.read_checked(catalogs.po_path(locale), locale)
        assert glossary.problems(catalog, locale, terms[locale]) == []


def test_a_status_translated_two_ways_is_refused_by_the_check(tmp_path, runner):
    folder = copy_translations(tmp_path / "translations")
    path = catalogs.po_path("vi", folder)
    catalog = catalogs.read_catalog(path, "vi")
    catalog.get("Accepted", "mark status").string = "Được chấp thuận"
    catalogs.write_catalog(path, catalog)
    result = runner.invoke(args=["translate", "check", "--directory", str(folder)])
    assert result.exit_code == 1
    assert "'Accepted' is 'Đã chấp thuận' in this language, not 'Được chấp thuận'" in result.output


def test_an_avoided_word_anywhere_in_a_translation_is_refused(tmp_path):
    folder = copy_translations(tmp_path / "translations")
    path = catalogs.po_path("th", folder)
    catalog = catalogs.read_catalog(path, "th")
    message = catalog.get("The proposal was accepted.")
    message.string = "ข้อเสนอได้รับข้อเสนอแล้ว"
    catalogs.write_catalog(path, catalog)
    problems = [str(problem) for problem in catalogs.check_all(folder, ["th"])]
    assert problems == ["th: msgid 'The proposal was accepted.': glossary: 'รับข้อเสนอ' is not used in this language"]


def test_exceptions_by_context_and_a_broken_glossary_file(tmp_path):
    folder = copy_translations(tmp_path / "translations")
    # "Published" as a column of dates is another word than the status.
    catalog = catalogs.read_catalog(catalogs.po_path("vi", folder), "vi")
    assert catalog.get("Published", "column: date and time of").string != "Đã công bố"
    assert catalogs.check_all(folder, ["vi"]) == []
    (folder / "glossary.json").write_text(json.dumps({"vi": {"terms": {"Accepted": ""}}}), encoding="utf-8")
    problems = [str(problem) for problem in catalogs.check_all(folder, ["vi"])]
    assert len(problems) == 1 and "term 'Accepted' needs a translation" in problems[0]
