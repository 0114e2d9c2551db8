"""Synonyms and the glossary in search itself: an admin's change finds procedures at once, and
queries cross languages (a Vietnamese query finds a Thai-source procedure, an English query a
Vietnamese-only concept) through the glossary."""
from __future__ import annotations

import pytest

from app.catalog.importer import import_file
from app.extensions import db
from app.search import services, store, synonym_lists
from app.search.services import SearchRequest
from helpers import record, write_jsonl


def codes(text: str) -> list[str]:
    return [item.procedure.code for item in services.search(SearchRequest(text=text)).items]


@pytest.fixture
def catalog(app, tmp_path):
    karaoke = record("3.000001", title="Cấp giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
                     summary="Tổ chức, cá nhân kinh doanh dịch vụ karaoke đề nghị cấp giấy phép", translations={})
    # A Thai-source procedure with no Vietnamese translation: only the glossary links the words.
    work_permit = {**record("3.000002"), "lang": "th", "title": "การขอใบอนุญาตทำงานของคนต่างด้าว",
                   "summary": "คนต่างด้าวที่จะทำงานต้องยื่นคำขอรับใบอนุญาตทำงาน", "sector": "แรงงาน",
                   "agency": "กรมการจัดหางาน", "translations": {}}
    # A Vietnamese-only concept: no English translation.
    record_check = record("3.000003", title="Cấp Phiếu lý lịch tư pháp cho công dân",
                          summary="Công dân đề nghị cấp Phiếu lý lịch tư pháp", translations={})
    other = record("3.000004", title="Đăng ký hoạt động thư viện tư nhân",
                   summary="Thư viện tư nhân có phục vụ cộng đồng", translations={})
    import_file(write_jsonl(tmp_path / "c.jsonl", [karaoke, work_permit, record_check, other]), publish=True)
    services.reindex()
    yield
    store.searchers.clear()


def test_an_admin_adds_a_synonym_on_the_page_and_search_finds_the_procedure_at_once(catalog, client, make_user,
                                                                                      login):
    login(make_user("ada", "admin"))
    assert codes("hátvuiqx") == []  # a word no procedure holds
    answer = client.post("/admin/search/synonyms", data={"lang": "vi", "revision": "0",
                                                         "text": "hátvuiqx => karaoke\n"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert codes("hátvuiqx") == ["3.000001"]
    assert codes("hatvuiqx") == ["3.000001"]  # typed without diacritics
    page = client.get("/search?q=h%C3%A1tvuiqx").get_data(as_text=True)
    assert "3.000001" in page
    # Removed again: the next search no longer finds it.
    client.post("/admin/search/synonyms", data={"lang": "vi", "revision": str(synonym_lists.revision()), "text": ""})
    assert codes("hátvuiqx") == []


def test_a_vietnamese_query_finds_a_thai_source_procedure(catalog):
    assert codes("giấy phép lao động cho người nước ngoài")[:1] == ["3.000002"]


def test_an_english_query_finds_a_vietnamese_only_concept(catalog):
    assert codes("criminal record")[:1] == ["3.000003"]
    assert "3.000003" in codes("criminal record certificate")[:3]


def test_a_thai_query_finds_a_vietnamese_only_concept(catalog):
    assert codes("ประวัติอาชญากรรม")[:1] == ["3.000003"]
