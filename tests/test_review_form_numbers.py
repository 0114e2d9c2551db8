"""Numbers typed in the mark form are read the way the interface language writes them
("20.000" is twenty thousand in Vietnamese, "1,5" one and a half), shown back as they will be
saved, and refused with a message when they could be read two ways; a form without an action
asks for one."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.catalog.importer import import_file
from app.extensions import db
from app.review.models import Mark
from app.review.numbers import read_number
from helpers import record, write_jsonl

CODE = "1.000001"
HX = {"HX-Request": "true"}


@pytest.mark.parametrize("locale, text, money, expected", [
    ("vi", "20.000", True, Decimal("20000")),
    ("vi", "1.500.000 ₫", True, Decimal("1500000")),
    ("vi", "20 000", True, Decimal("20000")),
    ("vi", "1,5", False, Decimal("1.5")),
    ("vi", "0,25", False, Decimal("0.25")),
    ("vi", "15000", True, Decimal("15000")),
    ("th", "20,000", True, Decimal("20000")),
    ("th", "1.5", False, Decimal("1.5")),
    ("en", "1,500,000", True, Decimal("1500000")),
    ("en", "0.5", False, Decimal("0.5")),
    ("en", "", False, None),
])
def test_numbers_are_read_with_the_interface_locale(app, locale, text, money, expected):
    with app.test_request_context("/"), force_locale(locale):
        assert read_number(text, money=money) == expected


@pytest.mark.parametrize("locale, text, words", [
    ("vi", "20,000", ["20.000", "20", "20000"]),   # twenty by the rules, twenty thousand by habit
    ("en", "20.000", ["20,000", "20", "20000"]),
    ("th", "1.500", ["1,500", "1.5", "1500"]),
    ("vi", "0.5", ["0,5"]),                        # the English way in Vietnamese: suggest the local way
    ("en", "1,5", ["1.5"]),
    ("en", "-3", ["zero or more"]),
    ("en", "abc", ["not a number", "1,500,000 / 0.5"]),
    ("en", "1e5", ["not a number"]),
])
def test_ambiguous_or_unreadable_numbers_are_refused_with_a_message(app, locale, text, words):
    with app.test_request_context("/"), force_locale(locale):
        with pytest.raises(ValueError) as refused:
            read_number(text)
    for word in words:
        assert word in str(refused.value)


@pytest.fixture
def catalog(app, tmp_path):
    import_file(write_jsonl(tmp_path / "catalog.jsonl", [record(CODE)]), publish=True)


@pytest.fixture
def rita(app, make_user, login):
    make_user("rita", "reviewer")
    return login("rita", test_client=app.test_client())


def _in_vietnamese(client):
    client.post("/locale", data={"locale": "vi", "next": "/"})


def test_vietnamese_amounts_and_hours_are_saved_as_written(catalog, rita):
    _in_vietnamese(rita)
    response = rita.post(f"/procedures/{CODE}/marks/new?element=field:d1.f3", data={
        "action": "reuse_from_database", "params.database": "population", "reason": "data_held_by_state",
        "hours_saved_per_case": "1,5", "fees_saved_vnd": "20.000", "other_saved_vnd": "1.500.000",
        "intent": "save"})
    assert response.status_code == 303, response.get_data(as_text=True)
    mark = db.session.scalars(select(Mark)).one()
    assert (mark.hours_saved_per_case, mark.fees_saved_vnd, mark.other_saved_vnd) == (1.5, 20000.0, 1500000.0)
    # Without JS, the mark's page shows what was saved, in the same notation.
    page = rita.get(f"/marks/{mark.id}").get_data(as_text=True)
    assert "20.000" in page and "1.500.000" in page
    # The edit form gives the numbers back the way they are read again: no grouping, a decimal comma.
    assert 'value="1,5"' in page and 'value="20000"' in page


def test_an_ambiguous_amount_is_refused_beside_its_input_and_kept(catalog, rita):
    _in_vietnamese(rita)
    response = rita.post(f"/procedures/{CODE}/marks/new?element=field:d1.f3", headers=HX, data={
        "action": "reuse_from_database", "params.database": "population", "fees_saved_vnd": "20,000",
        "hours_saved_per_case": "0,5", "intent": "save"})
    assert response.status_code == 422
    form = response.get_data(as_text=True)
    assert 'id="mark-form-field-d1.f3-fees_saved_vnd-error"' in form
    assert "20,000" in form and "20000" in form
    assert 'value="20,000"' in form  # what was typed stays in the input
    assert "= 0,5" in form  # the number that was read is shown back beside its input
    assert db.session.scalar(select(Mark.id)) is None


def test_the_inline_check_shows_the_number_as_it_will_be_saved(catalog, rita):
    _in_vietnamese(rita)
    saved = rita.get("/marks/read-number", query_string={"field": "fees_saved_vnd", "fees_saved_vnd": "20.000"},
                     headers=HX)
    assert saved.status_code == 200 and "= 20.000\xa0₫" in saved.get_data(as_text=True)
    hours = rita.get("/marks/read-number",
                     query_string={"field": "hours_saved_per_case", "hours_saved_per_case": "1,5"}, headers=HX)
    assert "= 1,5" in hours.get_data(as_text=True)
    refused = rita.get("/marks/read-number", query_string={"field": "fees_saved_vnd", "fees_saved_vnd": "20,000"},
                       headers=HX)
    assert 'class="error"' in refused.get_data(as_text=True)
    assert rita.get("/marks/read-number", query_string={"field": "rationale"}).status_code == 400


def test_saving_without_an_action_asks_for_one(catalog, rita):
    response = rita.post(f"/procedures/{CODE}/marks/new?element=field:d1.f3", data={
        "action": "", "reason": "data_held_by_state", "intent": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose an action." in page and "Unknown action" not in page
