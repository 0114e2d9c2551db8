"""Search synonyms and the glossary: the list format, query-time alternatives, storage and the
revision that carries a change to every process, the admin page and the CLI."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEntry
from app.extensions import db
from app.search import synonym_format as fmt
from app.search import synonym_lists, synonyms
from app.search.analysis import tokenize
from app.search.models import SynonymEntry


def alts(text: str) -> list[synonyms.Alternative]:
    return synonyms.alternatives(tokenize(text, subwords=False))


def alt_words(text: str, source: str | None = None) -> set[str]:
    return {" ".join(alt.words) for alt in alts(text) if source is None or alt.source == source}


# --------------------------------------------------------------------------- the format


def test_format_reads_both_ways_and_one_way_entries_per_language():
    parsed = fmt.parse("# a comment\n[vi]\nBằng lái,  giấy phép lái xe # trailing\n\nTNCN => thu nhập cá nhân\n"
                       "[en]\nlicence, license\n")
    assert not parsed.problems
    vi = parsed.entries["vi"]
    assert vi[0] == fmt.Entry("vi", ("bằng lái", "giấy phép lái xe"), None, 3)
    assert vi[1].terms == ("tncn",) and vi[1].targets == ("thu nhập cá nhân",) and vi[1].line == 5
    assert [entry.text() for entry in parsed.entries["en"]] == ["licence, license"]
    again = fmt.parse(fmt.format_lists(parsed.entries, header="x"))
    assert again.entries["vi"][1].text() == "tncn => thu nhập cá nhân"


@pytest.mark.parametrize("text, line, words", [
    ("[vi]\na => b\nb => a\n", 3, "loop"),
    ("[vi]\na => b\nb => c\nc => a\n", 4, "loop"),
    ("[vi]\na, b\nb => a\n", 3, "loop"),
    ("[vi]\na => a\n", 2, "loop"),
    ("[vi]\na, , b\n", 2, "empty term"),
    ("[vi]\na =>\n", 2, "empty term"),
    ("[vi]\n=> b\n", 2, "empty term"),
    ("[vi]\nsolo\n", 2, "two terms or more"),
    ("[vi]\na => b => c\n", 2, "more than one =>"),
    ("[vi]\na, !!!\n", 2, "no letters or digits"),
    ("[vi]\nok, fine\n" + "a, " + " ".join(["word"] * 10_000) + "\n", 3, "longer than"),
    ("[vi]\na, " + " ".join(["w"] * 9) + "\n", 2, "more than 8 words"),
    ("[vi]\n" + ", ".join(f"t{i}" for i in range(21)) + "\n", 2, "more than 20 terms"),
    ("a, b\n", 1, "no language yet"),
    ("[fr]\na, b\n", 1, "unknown language fr"),
])
def test_format_refuses_bad_input_naming_the_line(text, line, words):
    problems = fmt.parse(text).problems
    assert problems, text[:40]
    assert problems[0].line == line
    assert words in str(problems[0].message)
    assert str(problems[0]).startswith(f"Line {line}:")


def test_format_refuses_too_many_entries():
    text = "[en]\n" + "".join(f"a{i}, b{i}\n" for i in range(fmt.MAX_ENTRIES + 1))
    problems = fmt.parse(text).problems
    assert [problem.line for problem in problems] == [fmt.MAX_ENTRIES + 2]
    assert "too many entries" in str(problems[0].message)


def test_a_chain_without_a_loop_is_accepted():
    assert not fmt.parse("[vi]\na => b\nb => c\nd, e\ne => f\n").problems


def test_the_shipped_starter_set_and_glossary_are_valid():
    lists = synonym_lists.starter_lists()
    assert all(len(lists[lang]) >= 25 for lang in fmt.LANGUAGES)
    from app.search import glossary

    concepts = glossary.concepts()
    assert len(concepts) >= 60
    assert all(set(concept) == {"vi", "en", "th"} for concept in concepts)


# --------------------------------------------------------------------------- alternatives


def test_abbreviations_and_colloquial_terms_of_the_starter_set():
    assert "giấy phép lái xe" in alt_words("bằng lái")
    assert "thu nhập cá nhân" in alt_words("thuế TNCN")
    assert "bảo hiểm xã hội" in alt_words("sổ BHXH")
    assert "căn cước công dân" in alt_words("cấp lại cmnd")
    assert "cmnd" in alt_words("căn cước công dân")  # both ways
    assert "giấy chứng nhận quyền sử dụng đất" in alt_words("làm sổ đỏ")
    assert "sổ đỏ" not in alt_words("giấy chứng nhận quyền sử dụng đất", "synonym")  # one way
    assert "ใบอนุญาตขับรถ" in alt_words("ใบขับขี่")
    assert "บัตรประจำตัวประชาชน" in alt_words("บัตรประชาชน")
    assert "license" in alt_words("licence") and "licence" in alt_words("license")
    assert "issuance of passport" in alt_words("passport renewal")
    assert "identity card" in alt_words("ID card")


def test_spans_positions_and_weights():
    found = alts("xin bằng lái ô tô")
    span = [alt for alt in found if alt.words == ("giấy", "phép", "lái", "xe")]
    assert span and (span[0].start, span[0].end) == (1, 3)
    assert span[0].source == "synonym" and span[0].weight == synonyms.SYNONYM_WEIGHT
    assert all(0 < alt.weight < 1 for alt in found)
    # Words in query order; each alternative's span lies within the query.
    assert [alt.start for alt in found] == sorted(alt.start for alt in found)
    assert all(0 <= alt.start < alt.end <= 5 for alt in found)


def test_vietnamese_entries_match_without_diacritics_a_little_lower():
    with_marks = {alt.words: alt.weight for alt in alts("bằng lái")}
    without = {alt.words: alt.weight for alt in alts("bang lai")}
    assert ("giấy", "phép", "lái", "xe") in without
    assert without[("giấy", "phép", "lái", "xe")] < with_marks[("giấy", "phép", "lái", "xe")]
    # A word typed with other marks is another word: đạt is not đất.
    assert "land" not in alt_words("đạt") and "land" in alt_words("đất") and "land" in alt_words("dat")


def test_english_entries_match_by_stem():
    assert "driver license" in alt_words("driving licences")


def test_glossary_crosses_languages_below_synonyms():
    vi = alts("giấy phép lao động")
    assert {("work", "permit"), ("ใบอนุญาต", "ทำงาน")} <= {alt.words for alt in vi}
    glossary_weights = {alt.weight for alt in vi if alt.source == "glossary"}
    assert glossary_weights and max(glossary_weights) < synonyms.SYNONYM_WEIGHT
    assert "lý lịch tư pháp" in alt_words("criminal record certificate", "glossary")
    assert "giấy phép lao động" in alt_words("ขอใบอนุญาตทำงาน", "glossary")


def test_alternatives_are_bounded_per_word_and_per_query():
    long_query = " ".join(["giấy phép lao động", "bằng lái", "cmnd", "bhxh", "foreigner apartment"] * 8)
    found = alts(long_query)
    assert len(found) <= synonyms.MAX_ALTERNATIVES
    per_word: dict[int, int] = {}
    for alt in found:
        for i in range(alt.start, alt.end):
            per_word[i] = per_word.get(i, 0) + 1
    assert max(per_word.values()) <= synonyms.MAX_PER_WORD
    assert max(alt.end for alt in found) <= synonyms.MAX_QUERY_WORDS
    assert synonyms.alternatives([]) == []
    assert alts("zzzz qqqq") == []


# --------------------------------------------------------------------------- storage


def _audit_rows(action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "search_synonyms").order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_the_starter_set_applies_until_lists_are_stored(app):
    assert synonym_lists.revision() is None and not synonym_lists.stored()
    assert synonym_lists.current_lists() == synonym_lists.starter_lists()
    assert "giấy phép lái xe" in alt_words("bằng lái")


def test_saving_one_language_stores_it_keeps_the_others_and_is_audited(app, users):
    result = synonym_lists.save_language("vi", "phở bò, bún bò\nbằng lái => giấy phép lái xe\n", users["admin"],
                                         expected_revision=0)
    db.session.commit()
    assert synonym_lists.revision() == result.revision
    lists = synonym_lists.current_lists()
    assert [entry.text() for entry in lists["vi"]] == ["phở bò, bún bò", "bằng lái => giấy phép lái xe"]
    assert lists["th"] == synonym_lists.starter_lists()["th"]  # the first save stored the others as shipped
    assert db.session.scalar(select(SynonymEntry.line).where(SynonymEntry.lang == "en", SynonymEntry.position == 1))
    rows = _audit_rows("search.synonyms_saved")
    assert [(row.object_type, row.object_id, row.actor_name) for row in rows] == [("search_synonyms", "vi", "admin")]
    assert rows[0].new["added"] == ["phở bò, bún bò", "bằng lái => giấy phép lái xe"] and rows[0].new["entries"] == 2
    assert "bằng lái, bằng lái xe, giấy phép lái xe, gplx" in rows[0].old["removed"]
    synonyms.forget()
    assert "bún bò" in alt_words("phở bò")
    assert "cmnd" not in alt_words("căn cước công dân", "synonym")


@pytest.mark.parametrize("text, line", [
    ("a, b\nc => d\nd => c\n", 3),
    ("a, b\n, c\n", 2),
    ("ok, fine\na, " + " ".join(["word"] * 10_000) + "\n", 2),
    ("a, b\n[en]\nx, y\n", 2),
])
def test_a_bad_list_is_refused_with_its_line_and_nothing_changes(app, users, text, line):
    with pytest.raises(synonym_lists.SynonymListError) as refused:
        synonym_lists.save_language("vi", text, users["admin"])
    db.session.rollback()
    assert refused.value.problems[0].line == line
    assert f"Line {line}:" in str(refused.value)
    assert synonym_lists.revision() is None
    assert db.session.scalar(select(SynonymEntry.id).limit(1)) is None
    assert _audit_rows() == []


def test_too_many_entries_are_refused(app, users):
    text = "".join(f"w{i}, v{i}\n" for i in range(fmt.MAX_ENTRIES + 1))
    with pytest.raises(synonym_lists.SynonymListError) as refused:
        synonym_lists.save_language("en", text, users["admin"])
    db.session.rollback()
    assert refused.value.problems[0].line == fmt.MAX_ENTRIES + 1
    assert synonym_lists.revision() is None


def test_a_save_against_an_older_revision_is_a_conflict(app, users):
    first = synonym_lists.save_language("en", "car, automobile\n", users["admin"], expected_revision=0)
    db.session.commit()
    synonym_lists.save_language("en", "car, auto\n", users["admin"], expected_revision=first.revision)
    db.session.commit()
    with pytest.raises(synonym_lists.SynonymConflict):
        synonym_lists.save_language("en", "car, vehicle\n", users["admin"], expected_revision=first.revision)
    db.session.rollback()
    assert [entry.text() for entry in synonym_lists.current_lists()["en"]] == ["car, auto"]
    with pytest.raises(synonym_lists.SynonymConflict):  # the lists were stored meanwhile
        synonym_lists.save_language("en", "car, vehicle\n", users["admin"], expected_revision=0)
    db.session.rollback()


def test_a_change_reaches_another_process_within_two_seconds(app, database_url, translations_dir, tmp_path):
    """Two app instances on one database stand for two workers: each keeps its own compiled
    lists and notices the other's change by the revision number."""
    from conftest import _config

    other = create_app({**_config(database_url, tmp_path / "other"), "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir)})
    with other.app_context():
        assert "koala" not in alt_words("wombat")  # compiled and cached in the other worker
        db.session.rollback()
    synonym_lists.save_language("en", "wombat, koala\n", None)
    db.session.commit()
    changed_at = time.monotonic()
    seen = None
    while time.monotonic() - changed_at < 2.0:
        with other.app_context():
            if "koala" in alt_words("wombat"):
                seen = time.monotonic() - changed_at
                break
            db.session.rollback()
        time.sleep(0.05)
    assert seen is not None and seen <= 2.0
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_bootstrap_stores_the_starter_set_once(app, runner):
    assert synonym_lists.store_starter_set() is True
    db.session.commit()
    assert synonym_lists.current_lists() == synonym_lists.starter_lists()
    assert {row.object_id for row in _audit_rows("search.synonyms_starter_loaded")} == {"vi", "th", "en"}
    assert synonym_lists.store_starter_set() is False


# --------------------------------------------------------------------------- the CLI


def test_cli_export_import_round_trip(app, runner, tmp_path):
    exported = tmp_path / "synonyms.txt"
    result = runner.invoke(args=["search", "synonyms", "export", str(exported)])
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8")
    assert "[vi]\n" in text and "[th]\n" in text and "[en]\n" in text
    assert fmt.parse(text).entries == {lang: list(e) for lang, e in synonym_lists.starter_lists().items()}
    edited = text.replace("[en]\n", "[en]\nwombat, koala\n")
    exported.write_text(edited, encoding="utf-8")
    result = runner.invoke(args=["search", "synonyms", "import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "en: 1 entries added, 0 removed" in result.output
    again = tmp_path / "again.txt"
    assert runner.invoke(args=["search", "synonyms", "export", str(again)]).exit_code == 0
    assert again.read_text(encoding="utf-8") == edited
    assert [row.actor_name for row in _audit_rows("search.synonyms_imported")] == ["cli"] * 3
    assert "koala" in alt_words("wombat")


def test_cli_import_refuses_a_bad_file_naming_the_line(app, runner, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("[th]\nใบขับขี่, ใบอนุญาตขับรถ\n[en]\na => b\nb => c\nc => a\n", encoding="utf-8")
    result = runner.invoke(args=["search", "synonyms", "import", str(bad)])
    assert result.exit_code == 1
    assert "Line 6: a loop" in result.output and "nothing was changed" in result.output
    assert synonym_lists.revision() is None and _audit_rows() == []
    bad.write_bytes(b"[en]\n\xff\xfe, x\n")
    result = runner.invoke(args=["search", "synonyms", "import", str(bad)])
    assert result.exit_code == 1 and "not UTF-8" in result.output


# --------------------------------------------------------------------------- the page


def test_page_shows_a_language_and_saves_it_with_htmx_and_plain_posts(app, client, users, login):
    login(users["admin"])
    page = client.get("/admin/search/synonyms?lang=th")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ใบขับขี่, ใบอนุญาตขับรถ, ใบอนุญาตขับขี่" in html
    assert 'name="csrf_token"' in html and 'name="revision" value="0"' in html
    # HTMX: the fragment comes back with the message.
    answer = client.post("/admin/search/synonyms", data={"lang": "en", "revision": "0", "text": "wombat, koala\n"},
                         headers={"HX-Request": "true"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in body and "The English list was saved" in body
    assert "HX-Request" in answer.headers["Vary"]
    assert "koala" in alt_words("wombat")  # this process at once
    revision = synonym_lists.revision()
    # A plain form post redirects to the page, which shows the message.
    answer = client.post("/admin/search/synonyms", data={"lang": "en", "revision": str(revision),
                                                         "text": "wombat, koala\nlicence, license\n"})
    assert answer.status_code == 302
    followed = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 entries added" in followed and "licence, license" in followed
    assert [row.object_id for row in _audit_rows("search.synonyms_saved")] == ["en", "en"]


def test_page_refuses_bad_input_and_conflicts_keeping_the_text(app, client, users, login):
    login(users["admin"])
    answer = client.post("/admin/search/synonyms", data={"lang": "vi", "revision": "0",
                                                         "text": "a => b\n<b>x</b>, y\nb => a\n"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Line 3: a loop" in html and "&lt;b&gt;x&lt;/b&gt;, y" in html and "<b>x</b>" not in html
    assert synonym_lists.revision() is None
    synonym_lists.save_language("vi", "a, b\n", users["admin"])
    db.session.commit()
    answer = client.post("/admin/search/synonyms", data={"lang": "vi", "revision": "0", "text": "mine, yours\n"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "mine, yours" in html and "changed elsewhere" in html
    assert [entry.text() for entry in synonym_lists.current_lists()["vi"]] == ["a, b"]
    too_long = client.post("/admin/search/synonyms", data={"lang": "vi", "text": "x" * 4_000_001})
    assert too_long.status_code == 422 and "longer than" in too_long.get_data(as_text=True)


def test_page_tries_a_query(app, client, users, login):
    login(users["admin"])
    html = client.get("/admin/search/synonyms?try=b%E1%BA%B1ng+l%C3%A1i").get_data(as_text=True)
    assert "giấy phép lái xe" in html and "synonyms" in html
    html = client.get("/admin/search/synonyms?try=zzz").get_data(as_text=True)
    assert "No synonym or glossary term applies" in html


def test_page_is_for_admins_and_posts_need_the_csrf_token(app, client, users, login):
    for role in ("reviewer", "lead", "translator"):
        login(users[role])
        assert client.get("/admin/search/synonyms").status_code == 403
        assert client.post("/admin/search/synonyms", data={"lang": "en", "text": "a, b\n"}).status_code == 403
        client.post("/logout")
    login(users["admin"])
    refused = client.post("/admin/search/synonyms", data={"lang": "en", "text": "a, b\n"}, csrf=False)
    assert refused.status_code == 400
    assert synonym_lists.revision() is None


# --------------------------------------------------------------------------- translations in the index


def test_every_translated_title_and_summary_goes_through_every_fitting_analysis():
    from app.search.documents import build_parts
    from helpers import record

    thai = {**record("2.400001"), "lang": "th", "title": "การขอรับใบอนุญาตประกอบกิจการโรงงาน",
            "translations": {"vi": {"title": "Cấp giấy phép hoạt động nhà máy", "summary": "Người lập nhà máy nộp đơn"},
                             "en": {"title": "Factory operation licence", "summary": "Founders of a factory apply"}}}
    _columns, parts = build_parts(1, "2.400001", "published", None, thai)
    for text in ("Cấp giấy phép hoạt động nhà máy", "Factory operation licence"):
        assert text in parts.titles
        assert any(text in part for part in parts.body) and any(text in part for part in parts.pairs)
    for text in ("Người lập nhà máy nộp đơn", "Founders of a factory apply"):
        assert any(text in part for part in parts.body) and any(text in part for part in parts.pairs)
    assert parts.english == ["Factory operation licence Founders of a factory apply"]
