"""Search index robustness (issue 11 §8): old generations closed and removed, damage detected
by ``flask search check`` and when opening, search answering "unavailable" (never a 500) while
this node's search worker rebuilds, an index of an empty catalog."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.core import jobs
from app.search import indexer, nodes, postings, services, store
from app.search.services import SearchRequest
from helpers import example_records, record
from test_search import load


@pytest.fixture
def indexed(app, tmp_path):
    birth, residence = example_records()
    load(tmp_path, [birth, residence, record("1.000894", title="Đăng ký kết hôn")])
    services.reindex()
    yield Path(app.config["SEARCH_INDEX_DIR"])
    store.searchers.clear()


def codes(text: str) -> list[str]:
    return [item.procedure.code for item in services.search(SearchRequest(text=text)).items]


def open_files() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return found


def mapped_deleted() -> list[str]:
    return [line for line in Path("/proc/self/maps").read_text().splitlines() if "(deleted)" in line]


def test_rebuilds_leave_no_open_files_maps_or_old_generations(indexed):
    assert codes('"kết hôn"')[0] == "1.000894"
    files_before = len(open_files())
    for _ in range(8):
        services.reindex()
        assert codes('"kết hôn"')[0] == "1.000894"
    assert len(open_files()) <= files_before
    assert not [path for path in open_files() if str(indexed) in path and "(deleted)" in path]
    assert not [line for line in mapped_deleted() if str(indexed) in line]
    assert [path.name for path in indexed.glob("gen-*")] == [store.current(indexed).name]
    assert store.searchers.open_count() == 1


def test_a_generation_in_use_is_removed_when_its_last_search_ends(indexed):
    first = store.current(indexed).name
    with store.searchers.lease(indexed):  # a search still running on the old generation
        services.reindex()
        assert codes('"kết hôn"')[0] == "1.000894"  # a new search uses the new one
        assert (indexed / first).is_dir()
        assert store.remove_unused(indexed) == []  # held (by this process; any process alike)
    assert not (indexed / first).exists()
    assert store.searchers.open_count() == 1


def _search_page(client) -> tuple[int, str]:
    response = client.get("/search?q=%22k%E1%BA%BFt+h%C3%B4n%22")
    return response.status_code, response.get_data(as_text=True)


def _rebuild_states() -> list[str]:
    db.session.commit()
    return db.session.scalars(select(jobs.Job.state).where(jobs.Job.kind == nodes.REBUILD_KIND)).all()


def _repaired_by_the_worker(client) -> None:
    assert _rebuild_states() == ["queued"]
    indexer.work_round()  # this server's search worker
    assert _rebuild_states() == ["done"]
    status, page = _search_page(client)
    assert status == 200 and "1.000894" in page and "unavailable" not in page


def test_overwritten_arrays_are_found_by_check_and_rebuilt(indexed, app, client, make_user, login):
    login(make_user("ada", "admin"))
    assert codes('"kết hôn"')[0] == "1.000894"
    generation = store.current(indexed)
    docs = next((generation.path / postings.FOLDER).glob("*/folded.docs.npy"))
    docs.write_bytes(docs.read_bytes()[:128] + b"\x07" * (docs.stat().st_size - 128))  # same size
    result = app.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 1 and "folded.docs.npy: checksum differs" in result.output
    assert "agree" not in result.output
    status, page = _search_page(client)
    assert status == 200 and "The search index of this server is unavailable" in page
    admin = client.get("/admin/search").get_data(as_text=True)
    assert "is damaged and cannot be used" in admin and "checksum differs" in admin
    _repaired_by_the_worker(client)
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0


def test_truncated_arrays_in_a_new_process_are_unavailable_not_500(indexed, client, make_user, login):
    login(make_user("rita", "reviewer"))
    generation = store.current(indexed)
    docs = next((generation.path / postings.FOLDER).glob("*/body.tfs.npy"))
    docs.write_bytes(b"garbage")
    store.searchers.clear()  # as a process started after the damage
    postings.retain(set())
    status, page = _search_page(client)
    assert status == 200 and "The search index of this server is unavailable" in page
    _repaired_by_the_worker(client)


def test_damaged_current_is_unavailable_and_rebuilt(indexed, client, make_user, login):
    login(make_user("rita", "reviewer"))
    (indexed / store.CURRENT).write_bytes(b"\x00\xffgarbage")
    status, page = _search_page(client)
    assert status == 200 and "The search index of this server is unavailable" in page
    _repaired_by_the_worker(client)


def test_deleted_segment_file_is_unavailable_and_rebuilt(indexed, client, make_user, login):
    login(make_user("rita", "reviewer"))
    generation = store.current(indexed)
    segment_file = next(generation.path.glob("*.seg"))
    segment_file.unlink()
    store.searchers.clear()  # as a process started after the damage
    status, page = _search_page(client)
    assert status == 200 and "The search index of this server is unavailable" in page
    _repaired_by_the_worker(client)


def test_a_node_without_an_index_says_so_and_its_worker_builds_it(app, tmp_path, client, make_user, login):
    login(make_user("rita", "reviewer"))
    load(tmp_path, [record("1.000894", title="Đăng ký kết hôn")])
    status, page = _search_page(client)
    assert status == 200 and "The search index of this server is being built" in page
    assert store.current(app.config["SEARCH_INDEX_DIR"]) is None  # not built inside the request
    assert client.get("/procedures").status_code == 200  # the catalog as usual
    _repaired_by_the_worker(client)
    store.searchers.clear()


def test_an_index_of_an_empty_catalog_searches_and_checks(app):
    state = services.reindex()
    assert state["documents"] == 0
    page = services.search(SearchRequest(text="đăng ký"))
    assert page.total == 0 and page.items == []
    assert services.search(SearchRequest(text="")).total == 0
    report = services.check()
    assert report.ok and not report.damage
    result = app.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    store.searchers.clear()
