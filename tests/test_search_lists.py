"""Saved searches (each user's own, with filters) and result lists as CSV and XLSX."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.catalog.demo import load_demo
from app.extensions import db
from app.search import services as search
from app.search_lists import services as lists
from app.search_lists.models import SavedSearch
from conftest import csrf_field


@pytest.fixture
def demo(app):
    load_demo()
    search.reindex()
    db.session.commit()


def test_a_reviewer_saves_a_search_with_its_filters_and_opens_it_again(app, demo, client, users, login):
    login(users["reviewer"])
    page = client.get("/search?q=khai+sinh&level=commune&sort=code").get_data(as_text=True)
    assert 'id="save-search-form"' in page and 'name="level" value="commune" form="save-search-form"' in page
    response = client.post("/saved-searches", data={"name": "  Khai sinh   ở xã ", "q": "khai sinh", "level": "commune",
                                                    "sort": "code", "page": "3", "evil": "x"})
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedSearch))
    # Only the search page's own keys are kept, in a stable order; the name is tidied.
    assert saved.name == "Khai sinh ở xã" and saved.query == "q=khai+sinh&level=commune&sort=code"
    assert response.headers["Location"].endswith("/search?q=khai+sinh&level=commune&sort=code")
    listing = client.get("/saved-searches").get_data(as_text=True)
    assert '<a href="/search?q=khai+sinh&amp;level=commune&amp;sort=code">Khai sinh ở xã</a>' in listing
    assert "Words: <q>khai sinh</q> · Level: Commune · Sort: Code" in listing
    # The same name again replaces the query.
    client.post("/saved-searches", data={"name": "Khai sinh ở xã", "q": "khai sinh"}, headers={"HX-Request": "true"})
    assert db.session.scalar(select(func.count(SavedSearch.id))) == 1
    db.session.refresh(saved)
    assert saved.query == "q=khai+sinh"


def test_saved_searches_are_private_and_bad_input_is_refused(app, demo, client, users, login):
    login(users["reviewer"])
    for data, message in (({"name": "", "q": "x"}, "Give the search a name."),
                          ({"name": "x" * 121, "q": "x"}, "at most 120 characters"),
                          ({"name": "nothing"}, "There is nothing to save"),
                          ({"name": "long", "q": "a" * 2100}, "too long to save")):
        response = client.post("/saved-searches", data=data, headers={"HX-Request": "true"})
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert client.post("/saved-searches", data={"name": "mine", "q": "x"}, csrf=False).status_code == 400
    client.post("/saved-searches", data={"name": "mine", "q": "hộ tịch"})
    saved = db.session.scalar(select(SavedSearch))
    other = login(users["lead"], test_client=app.test_client())
    assert ">mine</a>" not in other.get("/saved-searches").get_data(as_text=True)
    assert other.post(f"/saved-searches/{saved.id}/delete").status_code == 404
    assert client.post(f"/saved-searches/{saved.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(SavedSearch.id))) == 0


def test_a_user_keeps_at_most_a_hundred_searches(app, client, users, login):
    for number in range(lists.MAX_SAVED):
        db.session.add(SavedSearch(user_id=users["reviewer"].id, name=f"s{number}", query="q=x"))
    db.session.commit()
    login(users["reviewer"])
    response = client.post("/saved-searches", data={"name": "one more", "q": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "remove one first" in response.get_data(as_text=True)


def test_the_result_list_downloads_as_csv_and_xlsx_in_code_order(app, demo, client, users, login):
    login(users["translator"])
    expected = search.matching_ids(search.SearchRequest(text="giấy phép"))
    assert len(expected) > 2
    response = client.get("/search/results.csv?q=giấy+phép")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == ["Code", "Procedure", "Agency", "Sector", "Status"]
    codes = [row[0] for row in table[1:]]
    assert len(codes) == len(expected) and codes == sorted(codes)
    book = load_workbook(io.BytesIO(client.get("/search/results.xlsx?q=giấy+phép").get_data()))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Search: giấy phép" and rows[1][0] == "Code"
    assert [row[0] for row in rows[2:]] == codes


def test_result_lists_never_carry_formulas_and_bad_searches_are_refused(app, client, users, login, tmp_path):
    from app.catalog.importer import import_file
    from tests.helpers import record, write_jsonl

    hostile = record("9.000777", title="=HYPERLINK(\"http://x\",\"click\") giấy phép")
    import_file(write_jsonl(tmp_path / "h.jsonl", [hostile]), publish=True)
    search.reindex()
    db.session.commit()
    login(users["reviewer"])
    text = client.get("/search/results.csv?q=hyperlink").get_data().decode("utf-8")
    assert "'=HYPERLINK" in text
    book = load_workbook(io.BytesIO(client.get("/search/results.xlsx?q=hyperlink").get_data()))
    cell = book.active.cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK") and cell.quotePrefix
    bad = client.get('/search/results.csv?q="unclosed')
    assert bad.status_code in (200, 302)
    if bad.status_code == 302:
        assert "/search?q=" in bad.headers["Location"]
    assert client.get("/search/results.pdf?q=x").status_code == 404
