"""Search: indexing from the outbox, queries, facets, snippets, the page, CLI, rebuilds."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from app.catalog import publication
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.search import engine, indexer, postings, services, store
from app.search.engine import SCORED_FIELDS
from app.search.services import SearchRequest
from helpers import example_records, record, write_jsonl


def load(tmp_path, records, publish=True, name="s.jsonl"):
    return import_file(write_jsonl(tmp_path / name, records), publish=publish)


@pytest.fixture
def corpus(app, tmp_path):
    birth, residence = example_records()
    marriage = record("1.000894", title="Đăng ký kết hôn", summary="Đăng ký kết hôn giữa công dân Việt Nam",
                      sector="Hộ tịch", kind="external", level=["commune"],
                      translations={"en": {"title": "Marriage registration"}})
    internal = record("1.000003", kind="internal", level=["province"], sector="Nội vụ", agency="Bộ Nội vụ",
                      title="Thẩm định đề án vị trí việc làm", summary="Thẩm định nội bộ",
                      translations={"en": {"title": "Appraisal of job position schemes"}})
    internal["dossier"][0]["name"] = "Bản sao sổ hộ khẩu của người đề nghị"
    markup = record("1.000006", title="Cấp <b>giấy phép</b> & chứng chỉ hành nghề",
                    translations={"en": {"title": "Practising certificate"}})
    abolished = record("1.000007", status="abolished", title="Cấp đổi sổ hộ khẩu",
                       translations={"en": {"title": "Household book renewal"}})
    thai = {**record("2.400001"), "lang": "th", "title": "การขอใบอนุญาตประกอบกิจการโรงงาน",
            "summary": "ผู้ประกอบการยื่นคำขอรับใบอนุญาตประกอบกิจการโรงงานต่อสำนักงานอุตสาหกรรมจังหวัด",
            "sector": "อุตสาหกรรม", "translations": {"en": {"title": "Factory operating licence"}}}
    draft = record("1.000009", status="draft", title="Thủ tục nháp bí mật")
    load(tmp_path, [birth, residence, marriage, internal, markup, abolished, thai, draft])
    services.reindex()
    yield
    store.searchers.clear()


def codes(text, **kwargs):
    page = services.search(SearchRequest(text=text, **kwargs))
    return [item.procedure.code for item in page.items]


@pytest.mark.parametrize("text, expected_first", [
    ("đăng ký kết hôn", "1.000894"),
    ("dang ky ket hon", "1.000894"),
    ("DANG KY KET HON", "1.000894"),
    ('"đăng ký khai sinh"', "1.001193"),
    ("1.004222", "1.004222"),
    ("CT01", "1.004222"),
    ("66/2023/TT-BCA", "1.004222"),
    ("ใบอนุญาต", "2.400001"),
    ("marriage registrations", "1.000894"),
    ("thẩm đị*", "1.000003"),
])
def test_queries_find_the_expected_procedure(corpus, text, expected_first):
    found = codes(text)
    assert found and found[0] == expected_first, found


def test_exact_diacritics_rank_above_folded_only_matches(corpus):
    # "khai sinh" with diacritics: the birth registration must come first.
    assert codes("khai sinh")[0] == "1.001193"


def test_boolean_operators(corpus):
    both = set(codes("đăng ký"))
    assert {"1.001193", "1.000894", "1.004222"} <= both
    assert "1.000894" not in codes("đăng ký NOT kết")
    assert set(codes("1.000894 OR 1.004222")) == {"1.000894", "1.004222"}


def test_field_filter_and_facets(corpus):
    assert codes('sector:"Nội vụ"') == ["1.000003"]
    page = services.search(SearchRequest(text="", filters=(("kind", ("internal",)),)))
    assert [item.procedure.code for item in page.items] == ["1.000003"]
    counts = dict(page.facets["kind"])
    assert counts["internal"] == 1 and counts["external"] >= 5  # own facet ignores its own filter
    everything = services.search(SearchRequest(text=""))
    assert dict(everything.facets["status"]) == {"published": 6, "abolished": 1}
    levels = dict(everything.facets["level"])
    assert levels["province"] == 1 and levels["commune"] >= 5
    combined = services.search(SearchRequest(text="", filters=(("status", ("abolished",)), ("level", ("commune",)))))
    assert [item.procedure.code for item in combined.items] == ["1.000007"]


def test_drafts_are_not_searchable(corpus):
    assert codes("nháp bí mật") == []


def test_snippet_names_the_matched_element(corpus):
    page = services.search(SearchRequest(text="sổ hộ khẩu"))
    by_code = {item.procedure.code: item for item in page.items}
    snippet = by_code["1.000003"].snippet
    assert (snippet.kind, snippet.element_id) == ("document", "d1")
    marked = [text for text, is_mark in snippet.pieces if is_mark]
    assert [word.lower() for word in marked] == ["sổ", "hộ", "khẩu"]


def test_malformed_queries_never_fail(corpus):
    for text in ['"unclosed', "((", "AND", "NOT", "title:", "*", "a" * 600, "[1 TO", "{}", ":::", "\\"]:
        try:
            services.search(SearchRequest(text=text))
        except services.QueryError:
            pass


def test_did_you_mean_on_zero_results(corpus):
    page = services.search(SearchRequest(text="thẩm địnk"))
    assert page.total == 0 and page.suggestion
    assert "1.000003" in codes(page.suggestion)


def test_sort_by_code(corpus):
    found = codes("", sort="code")
    assert found == sorted(found)


def test_search_page_fragment_facets_and_escaping(corpus, client, make_user, login):
    login(make_user("rita", "reviewer"))
    html = client.get("/search?q=giấy phép").get_data(as_text=True)
    assert "<b>giấy phép</b>" not in html and "&lt;b&gt;" in html
    assert "<mark>" in html
    fragment = client.get("/search?q=sổ hộ khẩu&kind=internal", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'hx-swap-oob="true"' in body
    assert "1.000003" in body and "1.000007" not in body
    assert "/procedures/1.000003#el-d1" in body
    bad = client.get('/search?q="((')
    assert bad.status_code == 200


def test_cli_query_json_check_and_reindex(corpus, runner):
    result = runner.invoke(args=["search", "query", "dang ky ket hon", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0]["code"] == "1.000894" and {"code", "title", "score"} <= set(hits[0])
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    reindexed = runner.invoke(args=["search", "reindex"])
    assert reindexed.exit_code == 0 and "indexed 7 procedures" in reindexed.output


def test_publication_reaches_the_index_through_the_outbox(corpus, tmp_path, runner):
    load(tmp_path, [record("1.000100", title="Cấp phép khai thác cát sông")], publish=False, name="new.jsonl")
    assert codes("khai thác cát") == []
    publication.publish_procedure(get_procedure("1.000100"), None)
    db.session.commit()
    assert runner.invoke(args=["search", "check"]).exit_code == 1  # the index lags until applied
    assert services.apply_pending() == 1
    assert codes("khai thác cát") == ["1.000100"]
    publication.abolish_procedure(get_procedure("1.000100"), None)
    db.session.commit()
    services.apply_pending()
    page = services.search(SearchRequest(text="khai thác cát"))
    assert page.items[0].procedure.status == "abolished"
    assert services.apply_pending() == 0  # nothing left; applying is idempotent
    assert services.check().ok


def test_indexer_thread_makes_a_publication_searchable_within_two_seconds(corpus, app, tmp_path):
    load(tmp_path, [record("1.000101", title="Cấp giấy phép nuôi ong mật")], publish=False, name="bee.jsonl")
    indexer.runner.start(app, interval=0.2)
    try:
        publication.publish_procedure(get_procedure("1.000101"), None)
        db.session.commit()
        started = time.monotonic()
        while not codes("nuôi ong") and time.monotonic() - started < 5:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        indexer.runner.shutdown()
    assert codes("nuôi ong") == ["1.000101"] and elapsed < 2.0


def test_crashed_rebuild_leaves_the_old_index_serving(corpus, app, monkeypatch):
    before = store.current(app.config["SEARCH_INDEX_DIR"]).name

    def explode():
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr("app.search.documents.all_documents", explode)
    with pytest.raises(RuntimeError):
        services.reindex()
    assert store.current(app.config["SEARCH_INDEX_DIR"]).name == before
    assert codes("dang ky ket hon")[0] == "1.000894"


def test_crash_while_writing_posting_arrays_leaves_the_old_index_serving(corpus, app, monkeypatch):
    before = store.current(app.config["SEARCH_INDEX_DIR"]).name

    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("app.search.postings.write", explode)
    with pytest.raises(OSError):
        services.reindex()
    assert store.current(app.config["SEARCH_INDEX_DIR"]).name == before
    assert codes("dang ky ket hon")[0] == "1.000894"


def test_posting_arrays_hold_what_whoosh_holds(corpus, app, tmp_path):
    generation = store.current(app.config["SEARCH_INDEX_DIR"])
    searcher, _key, _extras = services._searcher()
    compared = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        arrays = postings.for_segment(generation.path, postings.segment_id(leaf))
        assert arrays is not None and set(arrays.fields) == set(SCORED_FIELDS)
        for field in SCORED_FIELDS:
            for term in leaf.lexicon(field):
                expected = postings.read_leaf(leaf.postings(field, term))
                found = arrays.postings(field, term.decode("utf-8"))
                assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1])
                compared += 1
        assert arrays.postings("folded", "zzqxv")[0].size == 0
    assert compared > 500
    # Segments never change: their columns are read once, whatever engine asks again.
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    first = [engine.segment_columns(leaf) for leaf in leaves]
    assert all(again is columns for again, columns in zip([engine.segment_columns(leaf) for leaf in leaves],
                                                           first, strict=True))
    # A procedure the indexer adds later lives in a segment without arrays, and is found.
    load(tmp_path, [record("1.000102", title="Cấp phép khai thác đá ong")], publish=True, name="late.jsonl")
    services.apply_pending()
    assert codes("khai thác đá ong") == ["1.000102"]
    assert codes("dang ky ket hon")[0] == "1.000894"


def test_posting_arrays_written_by_several_processes_are_the_same(tmp_path, monkeypatch):
    from whoosh import fields, index

    schema = fields.Schema(folded=fields.TEXT, title=fields.TEXT)
    texts = ["dang ky ket hon", "dang ky khai sinh", "cap giay phep", "ket hon ket hon"]
    folders = {}
    for procs in (1, 2):
        folder = tmp_path / f"procs-{procs}"
        folder.mkdir()
        created = index.create_in(folder, schema)
        for half in (texts[:2], texts[2:]):  # two commits, two segments
            writer = created.writer()
            for text in half:
                writer.add_document(folded=text, title=text.split()[0])
            writer.commit(merge=False)
        monkeypatch.setattr(postings, "PARALLEL_FROM", 0)
        with created.reader() as reader:
            assert len(list(reader.leaf_readers())) == 2
            # folded: 4 + 4 + 3 + 2 distinct words; title: "dang" twice, "cap", "ket"; no body field
            assert postings.write(folder, reader, ("folded", "title", "body"), procs=procs) == 17
        created.close()
        # Segment ids are random: compare the files' names and contents, not their folders.
        folders[procs] = sorted((path.name, path.read_bytes()) for path in (folder / postings.FOLDER).rglob("*.npy"))
    assert folders[1] == folders[2] and len(folders[1]) == 16  # 2 segments x 2 fields x 4 arrays
    arrays = postings.SegmentArrays(next((tmp_path / "procs-2" / postings.FOLDER).iterdir()))
    docs, tfs = arrays.postings("folded", "ket")
    assert docs.tolist() in ([], [0], [1]) and tfs.dtype == np.float32


def test_rebuild_switches_atomically_and_cleans_up(corpus, app):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    first = store.current(folder).name
    services.reindex()
    second = store.current(folder).name
    assert second != first
    assert [path.name for path in folder.glob("gen-*")] == [second]
    assert codes("dang ky ket hon")[0] == "1.000894"


def test_admin_index_page_and_rebuild_job(corpus, client, make_user, login):
    from app.admin import jobs

    login(make_user("ada", "admin"))
    page = client.get("/admin/search").get_data(as_text=True)
    assert "The index and the database agree." in page
    assert client.post("/admin/search/rebuild").status_code == 302
    job = jobs.latest("reindex")
    job.thread.join(timeout=30)
    assert job.state == "done" and job.result["documents"] == 7
    done = client.get("/admin/search/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Rebuild finished: 7 procedures" in done


def test_review_state_facet_follows_the_marks(corpus, make_user):
    from app.review.services import create_mark, propose_mark

    rita = make_user("rita", "reviewer")
    marriage = get_procedure("1.000894")
    internal = get_procedure("1.000003")
    create_mark(marriage.id, None, {"action": "keep"}, rita)
    mark = create_mark(internal.id, "document:d1", {"action": "remove", "reason": "data_held_by_state",
                                                     "rationale": "Held in the population database.",
                                                     "legal_number": "123/2015/NĐ-CP"}, rita)
    propose_mark(mark.id, mark.revision, rita)
    db.session.commit()
    page = services.search(SearchRequest(text=""))
    assert dict(page.facets["review"]) == {"unreviewed": 5, "draft": 1, "proposed": 1}
    proposed = services.search(SearchRequest(text="", filters=(("review", ("proposed",)),)))
    assert [item.procedure.code for item in proposed.items] == ["1.000003"]
    unreviewed = services.search(SearchRequest(text="", filters=(("review", ("unreviewed",)),)))
    assert "1.000003" not in [item.procedure.code for item in unreviewed.items] and unreviewed.total == 5
