"""Search: indexing from the outbox, queries, facets, snippets, the page, CLI, rebuilds."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from app.catalog import publication
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.core import jobs
from app.extensions import db
from app.search import engine, indexer, postings, services, store
from app.search import nodes
from app.search.models import SearchNode
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


HANG_GUARD_SECONDS = 120


def codes(text, **kwargs):
    page = services.search(SearchRequest(text=text, **kwargs))
    return [item.procedure.code for item in page.items]


def every_word(text, **kwargs):
    """The hits holding every word as typed (no typo corrections, no partial matches)."""
    page = services.search(SearchRequest(text=text, literal=True, **kwargs))
    return [item.procedure.code for item in page.items][:page.complete]


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
    assert "1.000009" not in codes("nháp bí mật")
    assert codes('"nháp bí mật"') == []


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


def test_typos_are_corrected_and_the_literal_query_offers_did_you_mean(corpus):
    page = services.search(SearchRequest(text="thẩm địnk"))
    assert page.corrected == "thẩm dinh" and page.items[0].procedure.code == "1.000003"
    literal = services.search(SearchRequest(text="thẩm địnk", literal=True))
    assert literal.corrected is None and literal.suggestion == "thẩm dinh"
    assert "1.000003" in codes(literal.suggestion)


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
    assert every_word("khai thác cát") == []
    publication.publish_procedure(get_procedure("1.000100"), None)
    db.session.commit()
    assert runner.invoke(args=["search", "check"]).exit_code == 1  # the index lags until applied
    assert services.apply_pending() == 1
    assert every_word("khai thác cát") == ["1.000100"]
    publication.abolish_procedure(get_procedure("1.000100"), None)
    db.session.commit()
    services.apply_pending()
    page = services.search(SearchRequest(text="khai thác cát"))
    assert page.items[0].procedure.status == "abolished"
    assert services.apply_pending() == 0  # nothing left; applying is idempotent
    assert services.check().ok


def test_indexer_thread_makes_a_publication_searchable(corpus, app, tmp_path):
    """The indexer thread applies a publication by itself. How fast is measured in
    ``bench/search_bench.py``; the timeout here only guards against a hang."""
    load(tmp_path, [record("1.000101", title="Cấp giấy phép nuôi ong mật")], publish=False, name="bee.jsonl")
    assert every_word("nuôi ong") == []
    indexer.runner.start(app, interval=0.2)
    try:
        publication.publish_procedure(get_procedure("1.000101"), None)
        db.session.commit()
        started = time.monotonic()
        while not every_word("nuôi ong") and time.monotonic() - started < HANG_GUARD_SECONDS:
            time.sleep(0.05)
    finally:
        indexer.runner.shutdown()
    assert every_word("nuôi ong") == ["1.000101"]


def test_crashed_rebuild_leaves_the_old_index_serving(corpus, app, monkeypatch):
    before = store.current(app.config["SEARCH_INDEX_DIR"]).name

    def explode():
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr("app.search.documents.all_parts", explode)
    with pytest.raises(RuntimeError):
        services.reindex()
    assert store.current(app.config["SEARCH_INDEX_DIR"]).name == before
    assert codes("dang ky ket hon")[0] == "1.000894"


def test_crash_while_writing_posting_arrays_leaves_the_old_index_serving(corpus, app, monkeypatch):
    before = store.current(app.config["SEARCH_INDEX_DIR"]).name

    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("app.search.postings.save_field", explode)
    with pytest.raises(OSError):
        services.reindex()
    assert store.current(app.config["SEARCH_INDEX_DIR"]).name == before
    assert codes("dang ky ket hon")[0] == "1.000894"
    # The half-written arrays never got a segment's name.
    assert not [path for path in (Path(app.config["SEARCH_INDEX_DIR"])).glob(f"gen-*/{postings.FOLDER}/*")
                if not path.name.endswith(".partial") and path.parent.parent.name != before]


def _whoosh_built(folder: Path):
    """The same documents indexed by Whoosh's own writer, text fields included."""
    from whoosh import index as whoosh_index

    from app.search import documents
    from app.search.schema import build_schema

    folder.mkdir()
    index = whoosh_index.create_in(folder, build_schema())
    writer = index.writer()
    for doc in documents.all_documents():
        writer.add_document(**doc)
    writer.commit()
    return index


@pytest.mark.parametrize("chunk_tokens", [None, 64])
def test_rebuild_arrays_equal_the_arrays_of_whoosh_postings(corpus, app, tmp_path, monkeypatch, chunk_tokens):
    """A rebuild inverts the texts itself; Whoosh's writer, given the same documents, must end
    with the same terms, postings, frequencies, positions and field lengths (also when the
    merge sorts the tokens of a few terms at a time)."""
    if chunk_tokens:
        from app.search import inversion

        monkeypatch.setattr(inversion, "CHUNK_TOKENS", chunk_tokens)
        services.reindex()
    generation = store.current(app.config["SEARCH_INDEX_DIR"])
    ours = [path for path in (generation.path / postings.FOLDER).iterdir()]
    assert len(ours) == 1 and (ours[0] / postings.ONLY_COPY).exists()
    index = _whoosh_built(tmp_path / "whoosh")
    with index.reader() as reader:
        assert postings.write(tmp_path / "whoosh", reader, postings.TEXT_FIELDS) > 500
    index.close()
    theirs = next((tmp_path / "whoosh" / postings.FOLDER).iterdir())
    files = sorted(path.name for path in theirs.glob("*.npy"))
    assert files == sorted(path.name for path in ours[0].glob("*.npy"))
    # 6 fields x 4 arrays, positions and their starts for 2, lengths for the 5 scored fields;
    # columns: pid, updated, code, 5 facets with their value names, level bits
    assert len(files) == 6 * 4 + 2 * 2 + 5 + 3 + 5 * 2 + 1
    for name in files:
        mine, whooshs = np.load(ours[0] / name), np.load(theirs / name)
        assert mine.dtype == whooshs.dtype and np.array_equal(mine, whooshs), name


def test_queries_on_rebuilt_arrays_match_whoosh_on_its_own_index(corpus, app, tmp_path):
    """Phrases, prefixes, wildcards and ranges answered from the arrays find the documents
    Whoosh's matchers find in an index that holds the text."""
    from app.search import querying

    index = _whoosh_built(tmp_path / "whoosh")
    with services._searcher() as (searcher, _key, extras):
        ours = querying.engine_for(searcher, extras)
    assert all(arrays is not None and arrays.only_copy for _sub, _offset, arrays in ours.segments)
    queries = ['"sổ hộ khẩu"', '"dang ky khai sinh"', '"khai sinh đăng ký"', '"đăng khai"~2', "dang*", "kh*",
               "k?t hon", "k*n", "folded:[dang TO khai]", "folded:{a TO dang]", '"marriage registration"',
               "licen*", "ใบอนุญาต*", '"1.000894"', "code:1.00*", "sổ NOT hộ", "dang OR cap*"]
    with index.searcher() as whoosh_searcher:
        # The same engine over Whoosh's index alone (no arrays: every node falls back to Whoosh).
        fallback = engine.Engine(whoosh_searcher, tmp_path / "whoosh")
        assert all(arrays is None for _sub, _offset, arrays in fallback.segments)
        checked = 0
        for text in queries:
            parsed = querying.parse(searcher.schema, text)
            expected = sorted(parsed.match.docs(whoosh_searcher))
            assert ours.matches(parsed.match).tolist() == expected, text
            assert fallback.matches(parsed.match).tolist() == expected, text
            checked += bool(expected)
        assert checked >= 12
        # What the snippets mark for a prefix comes from the arrays, or from Whoosh's lexicon.
        for either in (ours, fallback):
            terms = querying.query_terms(either, querying.parse(searcher.schema, "kha*").rank)
            assert {"khai", "khau"} <= terms["folded"]
            assert either.vocabulary("folded") == sorted(set(either.vocabulary("folded")))
            assert "ket" in either.vocabulary("folded")
        assert ours.vocabulary("folded") == fallback.vocabulary("folded")
        # Scores agree too: the same field lengths and frequencies.
        words = querying.parse(searcher.schema, "đăng ký kết hôn")
        weighted = querying._weighted_terms(words, words.words)
        docs = ours.matches(words.match)
        assert np.allclose(ours.scores(docs, weighted), fallback.scores(docs, weighted))
    index.close()


def test_indexer_segments_get_arrays_and_merges_keep_the_rebuilt_segment(corpus, app, tmp_path):
    generation = store.current(app.config["SEARCH_INDEX_DIR"])
    rebuilt = {path.name for path in (generation.path / postings.FOLDER).iterdir()}
    titles = ["Cấp phép khai thác đá ong", "Đăng ký nuôi ong mật", "Cấp giấy chứng nhận ong chúa",
              "Thẩm định trại ong giống", "Kiểm dịch mật ong xuất khẩu", "Gia hạn giấy phép nuôi ong"]
    for number, title in enumerate(titles):
        code = f"1.00010{number}"
        load(tmp_path, [record(code, title=title)], publish=True, name=f"late-{number}.jsonl")
        services.apply_pending()  # one commit per procedure: small segments that Whoosh merges
        assert codes(f'"{title.lower()}"') == [code]
    with services._searcher() as (searcher, _key, _extras):
        segments = {postings.segment_id(leaf) for leaf, _offset in searcher.reader().leaf_readers()}
    assert rebuilt <= segments, "the rebuilt segment was merged away"
    assert len(segments) < 1 + len(titles), "small segments were never merged"
    folders = {path.name for path in (generation.path / postings.FOLDER).iterdir()}
    assert folders == segments  # every segment has arrays; merged ones left none behind
    assert sorted(codes("ong", sort="code")) == [f"1.00010{number}" for number in range(len(titles))]
    assert codes("dang ky ket hon")[0] == "1.000894"
    # A procedure of the rebuilt segment changed: its old document there is deleted, the new one
    # lives in a small segment, and the rebuilt segment stays.
    load(tmp_path, [record("1.000894", title="Đăng ký lại việc kết hôn")], publish=True, name="changed.jsonl")
    services.apply_pending()
    assert codes('"đăng ký lại việc kết hôn"') == ["1.000894"]
    assert codes('"dang ky ket hon"') == []
    with services._searcher() as (searcher, _key, _extras):
        assert rebuilt <= {postings.segment_id(leaf) for leaf, _offset in searcher.reader().leaf_readers()}


def test_rebuild_switches_atomically_and_cleans_up(corpus, app):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    first = store.current(folder).name
    calls = []
    services.reindex(progress=lambda done, total, phase: calls.append((done, total, phase)))
    assert calls == [(0, 7, "read"), (7, 7, "write")]  # fewer than 500 procedures: start and phase change
    second = store.current(folder).name
    assert second != first
    # The old generation is removed once this process's searcher of it is closed (the next
    # search opens the new one, which the rebuild opened before the switch).
    assert codes("dang ky ket hon")[0] == "1.000894"
    assert [path.name for path in folder.glob("gen-*")] == [second]


def rebuild_jobs() -> list[jobs.Job]:
    db.session.commit()  # a new snapshot, as a new request would see
    return db.session.scalars(select(jobs.Job).where(jobs.Job.kind == nodes.REBUILD_KIND)
                              .order_by(jobs.Job.node)).all()


def test_admin_index_page_and_rebuild_request(corpus, app, client, make_user, login):
    """The button asks every server's search worker for a rebuild (a job per server); each
    server's search worker carries out its own, and any web worker shows the progress."""
    login(make_user("ada", "admin"))
    page = client.get("/admin/search").get_data(as_text=True)
    assert "The index and the database agree." in page
    db.session.add(SearchNode(name="node-b", documents=7))  # as node-b's search worker reports itself
    db.session.commit()
    response = client.post("/admin/search/rebuild", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="search-health"' in fragment
    assert fragment.count("Waiting for the search worker of this server") == 2
    assert 'hx-trigger="load delay:1s"' in fragment and "Rebuild the index" not in fragment
    assert [(job.node, job.state) for job in rebuild_jobs()] == [("node-b", "queued"), (nodes.this_node(), "queued")]
    # A second click while they wait adds nothing; the general job workers leave them alone.
    client.post("/admin/search/rebuild")
    assert len(rebuild_jobs()) == 2
    assert jobs.drain(app) == 0
    before = store.current(app.config["SEARCH_INDEX_DIR"]).name
    assert indexer.carry_out_requests() == 1  # this server's search worker: its own job only
    assert store.current(app.config["SEARCH_INDEX_DIR"]).name != before
    assert [(job.node, job.state) for job in rebuild_jobs()] == [("node-b", "queued"), (nodes.this_node(), "done")]
    done = client.get("/admin/search/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Rebuild finished: 7 procedures" in done
    assert "Waiting for the search worker of this server" in done  # node-b has not taken its own yet
    assert 'hx-trigger="load delay:1s"' in done


def test_one_rebuild_at_a_time_per_node(corpus, app, client, make_user, login):
    """The rebuild lock lives in the index folder: another process (here: the lock taken as
    another process would) is refused; a rebuild whose worker died shows "interrupted"."""
    from app.search import rebuilds
    from app.timeutil import utcnow

    folder = app.config["SEARCH_INDEX_DIR"]
    before = store.current(folder).name
    login(make_user("ada", "admin"))
    with rebuilds.exclusive(folder):
        with pytest.raises(services.RebuildRunning):
            services.reindex()
        refused = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert refused.exit_code == 1 and "already running" in refused.output
    assert store.current(folder).name == before
    job = nodes.request_rebuild()[0]
    claimed = nodes.claim()
    assert claimed == job.id and nodes.claim() is None
    # As the search worker of this node would, in a process of its own.
    db.session.execute(update(jobs.Job).where(jobs.Job.id == job.id).values(worker="node-a:4242:search-worker"))
    db.session.commit()
    jobs.progress(job.id, "read", 500, 2000)
    db.session.commit()  # a new snapshot, as a new request would see
    page = client.get("/admin/search/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Rebuilding: 500 of 2,000 procedures" in page and 'hx-trigger="load delay:1s"' in page
    jobs.progress(job.id, "write", 2000, 2000)
    db.session.commit()
    page = client.get("/admin/search/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "all 2,000 procedures read; writing the index files" in page
    # Its worker stops beating: the rebuild reads as interrupted.
    db.session.execute(update(jobs.Job).where(jobs.Job.id == job.id)
                       .values(heartbeat_at=utcnow() - jobs.HEARTBEAT_TIMEOUT * 2))
    db.session.commit()
    page = client.get("/admin/search/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Its process ended before it finished." in page and "hx-trigger" not in page
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert store.current(folder).name != before
    latest = rebuild_jobs()[-1]
    assert (latest.state, latest.result["documents"]) == ("done", 7)


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


def test_review_states_are_read_again_only_after_marks_change(corpus, make_user):
    """The review state facet reads every mark; it does so once per change of the marks,
    whichever session or process made the change (a counter raised as the change commits)."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from app.review import changes
    from app.review.models import Mark
    from app.review.services import create_mark, propose_mark

    rita = make_user("rita", "reviewer")
    db.session.commit()
    before = changes.current()
    marriage = get_procedure("1.000894")
    mark = create_mark(marriage.id, None, {"action": "keep"}, rita)
    db.session.rollback()  # nothing committed: nothing counted
    assert changes.current() == before
    mark = create_mark(marriage.id, None, {"action": "keep"}, rita)
    db.session.commit()
    first = changes.current()
    assert first is not None and first != before
    assert dict(services.search(SearchRequest(text="")).facets["review"])["draft"] == 1
    # Unchanged marks: the same states, not read again.
    assert changes.procedure_states() is changes.procedure_states()
    db.session.commit()  # a transaction without mark changes leaves the counter alone
    assert changes.current() == first

    # Another session (as another web worker would) proposes the mark with a plain UPDATE.
    with Session(db.engine) as other:
        other.execute(update(Mark).where(Mark.id == mark.id).values(status="proposed", revision=Mark.revision + 1))
        other.commit()
    db.session.commit()  # end this session's snapshot, as a new request would
    assert changes.current() == first + 1
    assert dict(services.search(SearchRequest(text="")).facets["review"]) == {"unreviewed": 6, "proposed": 1}

    # And through the services, in one transaction: one step of the counter.
    internal = get_procedure("1.000003")
    other_mark = create_mark(internal.id, None, {"action": "keep"}, rita)
    propose_mark(other_mark.id, other_mark.revision, rita)
    db.session.commit()
    assert changes.current() == first + 2
    assert dict(services.search(SearchRequest(text="")).facets["review"]) == {"unreviewed": 5, "proposed": 2}


def test_review_change_counter_row_is_created_when_missing(app, make_user):
    from sqlalchemy import delete

    from app.review import changes
    from app.review.models import ReviewChange

    db.session.execute(delete(ReviewChange))
    db.session.commit()
    assert changes.current() is None
    assert changes.procedure_states()[0][0] == "hash"  # no counter: nothing is cached
    changes.bump(db.session)
    db.session.commit()
    assert changes.current() is not None and changes.procedure_states()[0][0] == "seq"
