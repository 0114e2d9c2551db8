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
