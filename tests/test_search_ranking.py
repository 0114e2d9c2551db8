"""Ranking beyond all words: partial matches, filler words, typos, alternatives, numbers and
units, and the bounds on what a query may cost."""
from __future__ import annotations

import time

import pytest

from app.catalog.demo import load_demo
from app.search import engine, querying, services, spelling, store
from app.search.analysis import tokenize
from app.search.services import SearchRequest
from app.search.synonyms import Alternative


@pytest.fixture
def demo(app):
    load_demo()
    services.reindex()
    yield
    store.searchers.clear()


@pytest.fixture
def leased(demo):
    """(searcher, key, extras) of the current generation, held for the test."""
    with services._searcher() as found:
        yield found


def page(text, **kwargs):
    return services.search(SearchRequest(text=text, **kwargs))


def codes(text, **kwargs):
    return [item.procedure.code for item in page(text, **kwargs).items]


def test_procedures_with_every_word_come_first_then_those_with_most(demo):
    result = page("cần những giấy tờ gì khi khai báo tạm vắng")
    assert result.items[0].procedure.code == "1.003677"
    assert result.corrected is None
    strict = page("khai báo tạm vắng chim cánh cụt")
    assert strict.complete == 0 and strict.total > 0
    assert strict.items[0].procedure.code == "1.003677"


def test_operators_keep_their_meaning_when_words_are_relaxed(demo):
    # A quoted phrase, a field filter and NOT stay required; only the plain words relax.
    for code in codes('"giấy phép" chim cánh cụt'):
        assert code in codes('"giấy phép"')
    assert "1.000894" not in codes("đăng ký NOT kết hôn chim")
    assert set(codes("sector:\"Hộ tịch\" chim cánh cụt")) <= set(codes('sector:"Hộ tịch"'))
    # OR and brackets: the query runs exactly as written.
    assert codes("(chim OR cánh) cụt") == []


def test_facet_counts_describe_the_listed_procedures(demo):
    result = page("khai báo tạm vắng chim cánh cụt")
    assert sum(count for _value, count in result.facets["status"]) == result.total
    assert len(services.matching_ids(SearchRequest(text="khai báo tạm vắng chim cánh cụt"))) == result.total


def test_typo_is_corrected_with_a_way_back_to_the_literal_query(demo):
    result = page("dang ky ket hno")
    assert result.corrected == "dang ky ket hon"
    assert result.items[0].procedure.code == "1.000894"
    literal = page("dang ky ket hno", literal=True)
    assert literal.corrected is None and literal.suggestion == "dang ky ket hon"
    assert page("registraton of birth").items[0].procedure.code == "2.400003"
    assert page("marraige registration").corrected == "marriage registration"


def test_did_you_mean_prefers_the_word_that_stands_next_to_its_neighbour(demo):
    # "hone" is one edit from "hon" and from "hong"; "ket hon" is a pair in the catalog.
    assert page("dang ky ket hone", literal=True).suggestion == "dang ky ket hon"


def test_a_correction_costs_little(leased):
    searcher, _key, extras = leased
    eng = querying.engine_for(searcher, extras)
    stem = querying._stem(searcher.schema)
    spelling.corrections(eng, "hno", stem, "ket")  # term sets built once per segment
    started = time.perf_counter()
    for _ in range(20):
        found = spelling.corrections(eng, "registraton", stem, None, "of")
    per_word = (time.perf_counter() - started) / 20
    assert found and found[0].word == "registration"
    # A hang guard only (a loaded machine is slow); bench/search_bench.py measures the figure.
    assert per_word < 1.0, per_word


def test_alternatives_satisfy_the_words_they_span_below_exact_matches(leased):
    searcher, _key, extras = leased
    eng = querying.engine_for(searcher, extras)
    words = tuple(tokenize("bằng lái", subwords=False))
    plain = querying.plan_words(eng, searcher.schema, words, [], correct=False)
    alternative = Alternative(0, 2, ("giấy", "phép", "lái", "xe"), 0.8, "synonym")
    widened = querying.plan_words(eng, searcher.schema, words, [alternative], correct=False)
    licence = eng.docnum_by_pid[_pid("2.200010")]
    assert licence in set(widened.docs[0].tolist()) and licence in set(widened.docs[1].tolist())
    assert len(widened.docs[0]) >= len(plain.docs[0])
    assert {weight for field, text, weight in widened.terms if text == "phep"} == {0.8}


def test_alternatives_change_the_result_and_its_cache_key(demo, monkeypatch):
    before = codes("bằng lái")
    monkeypatch.setattr(querying.synonyms, "alternatives",
                        lambda words: [Alternative(0, 2, ("giấy", "phép", "lái", "xe"), 0.8, "synonym")]
                        if list(words) == ["bằng", "lái"] else [])
    after = codes("bằng lái")
    assert after[:2] != before[:2] or set(after[:2]) == {"2.200010", "2.200011"}
    assert set(after[:2]) == {"2.200010", "2.200011"}


def test_numbers_and_units_as_people_type_them(demo):
    assert tokenize("ảnh 4x6") == tokenize("ảnh 4 x 6") == ["ảnh", "4", "x", "6"]
    assert tokenize("04 cm x 06 cm") == tokenize("4cm x 6cm") == ["4", "cm", "x", "6", "cm"]
    assert tokenize("25m2") == tokenize("25 m²") == ["25", "m2"]
    assert tokenize("CT01 1.001193") == ["ct01", "1.001193"]
    for text in ("ảnh 4x6", "ảnh 4cm x 6cm"):
        found = page(text)
        assert {"2.100013", "2.300001", "2.300004"} <= {item.procedure.code for item in found.items[:3]}
    # The hit still names the element that matched.
    photo = {item.procedure.code: item for item in page("ảnh 4x6").items}["2.100013"]
    assert photo.snippet.kind == "document"
    assert [text for text, marked in photo.snippet.pieces if marked][:1] == ["ảnh"]
    karaoke = page("phòng hát 20m2").items[0]
    assert karaoke.procedure.code == "2.300020"


def test_a_huge_phrase_slop_answers_quickly(demo):
    started = time.monotonic()
    try:
        page('"đăng ký khai sinh giấy phép hộ khẩu"~999999')
    except services.QueryTooExpensive:
        pass
    assert time.monotonic() - started < 30  # was over 60 s at full CPU; a hang guard only
    parsed = querying.parse(_schema(), '"đăng ký khai sinh"~999999')
    assert all(node.slop <= querying.MAX_SLOP for node in _phrases(parsed.match))


def test_query_cost_bounds_give_a_friendly_message(demo, client, make_user, login, monkeypatch):
    monkeypatch.setattr(engine, "MAX_EXPANSION_TERMS", 100)
    with pytest.raises(services.QueryTooExpensive):
        page(" ".join(f"word{number}" for number in range(querying.MAX_WORDS + 1)))
    with pytest.raises(services.QueryTooExpensive):
        page("*a*")  # every term of the vocabulary
    login(make_user("rita", "reviewer"))
    response = client.get("/search?q=*a*")
    assert response.status_code == 200 and "would take too long" in response.get_data(as_text=True)


def test_time_budget_is_checked_inside_the_engine(leased):
    searcher, key, extras = leased
    querying.cache.clear()
    with pytest.raises(engine.QueryTooExpensive):
        querying.run(searcher, key, extras, SearchRequest(text="đăng ký kết hôn"), budget=-1.0)


def test_search_page_separates_every_word_from_most_words_and_shows_corrections(demo, client, make_user, login):
    login(make_user("rita", "reviewer"))
    html = client.get("/search?q=khai báo tạm vắng chim cánh cụt").get_data(as_text=True)
    assert "No procedure contains every word; these contain most of them:" in html
    html = client.get("/search?q=dang ky ket hno").get_data(as_text=True)
    assert "Showing results for <strong>dang ky ket hon</strong>" in html
    assert "exact=1" in html
    literal = client.get("/search?q=dang+ky+ket+hno&exact=1").get_data(as_text=True)
    assert "Showing results for" not in literal and "Did you mean" in literal
    for locale, words in (("vi", "Đang hiển thị kết quả cho"), ("th", "แสดงผลลัพธ์สำหรับ")):
        client.post("/locale", data={"locale": locale})
        assert words in client.get("/search?q=dang ky ket hno").get_data(as_text=True)


def _pid(code):
    from app.catalog.services import get_procedure
    return get_procedure(code).id


def _schema():
    from app.search.schema import build_schema
    return build_schema()


def _phrases(node):
    from whoosh import query as wq
    if isinstance(node, wq.Phrase):
        yield node
    for child in getattr(node, "subqueries", ()) or ():
        yield from _phrases(child)
