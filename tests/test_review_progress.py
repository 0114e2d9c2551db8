"""Progress figures against a hand count on a small catalog."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import progress, settings
from app.review.cost import Gap
from app.review.progress import Ratio
from app.review.services import create_mark, decide_mark, implement_mark, propose_mark
from helpers import record, write_jsonl

D = Decimal
COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}
NO_EFFECT = {"hours_saved_per_case": 0, "fees_saved_vnd": 0, "other_saved_vnd": 0}

# Every record is the example: documents d1 (fields d1.f1-d1.f9), d2, d3; 3 h, fee 0 VND,
# 20,000 VND other costs, 1,500,000 cases a year.
CATALOG = {
    "2.000001": {"kind": "internal", "online_level": "partial"},  # I1
    "2.000002": {"kind": "internal", "online_level": "full"},  # I2
    "2.000003": {"kind": "internal", "online_level": "none"},  # I3
    "2.000004": {"kind": "internal", "status": "draft"},  # not published: never counted
    "1.000001": {},  # E1, external, fully online
    "1.000002": {"online_level": "none"},  # E2
    "1.000003": {"status": "abolished"},  # not published: never counted
}


@pytest.fixture
def review(app, tmp_path, make_user):
    import_file(write_jsonl(tmp_path / "catalog.jsonl", [record(code, **values) for code, values in CATALOG.items()]),
                publish=True)
    rita, lena, boss = make_user("rita", "reviewer"), make_user("lena", "lead"), make_user("boss", "admin")
    settings.set_setting(settings.INCOME_PER_HOUR, 10000, 2025, boss)

    def mark(code, key, action, status, params=None, **values):
        made = create_mark(get_procedure(code).id, key, {"action": action, "params": params or {}, **COMPLETE,
                                                         **values}, rita)
        if status != "draft":
            propose_mark(made.id, 1, rita)
        if status in ("accepted", "implemented", "rejected"):
            decide_mark(made.id, 2, "rejected" if status == "rejected" else "accepted", "Decided.", lena)
        if status == "implemented":
            implement_mark(made.id, 3, lena)

    mark("2.000001", None, "keep", "draft")
    mark("2.000001", "document:d2", "make_optional", "accepted", **NO_EFFECT)
    mark("2.000002", "document:d3", "remove", "proposed", **NO_EFFECT)
    mark("2.000002", "field:d1.f1", "reuse_from_database", "proposed", {"database": "population"}, **NO_EFFECT)
    mark("2.000002", "field:d1.f2", "reuse_from_database", "proposed", {"database": "population"})  # no estimate
    mark("2.000003", None, "keep", "rejected")
    mark("2.000003", "document:d2", "remove", "draft")
    mark("1.000001", None, "abolish", "accepted")
    mark("1.000001", "document:d1", "remove", "accepted", **NO_EFFECT)
    mark("1.000001", "field:d1.f3", "reuse_from_database", "proposed", {"database": "population"}, **NO_EFFECT)
    mark("1.000002", None, "simplify", "draft")
    mark("1.000002", None, "make_fully_online", "implemented", hours_saved_per_case=0.5, fees_saved_vnd=0,
         other_saved_vnd=5000)
    mark("1.000002", "document:d2", "remove", "proposed", hours_saved_per_case=1, fees_saved_vnd=0,
         other_saved_vnd=0)
    db.session.commit()


def test_reviewed_internal_procedures(review):
    figure = progress.reviewed_internal(2025)
    # Internal and published: I1, I2, I3. As proposed: I1 (a keep mark, even a draft one) and
    # I2 (proposals); I3 has a draft and a rejected keep only. As accepted: I1 alone.
    assert figure.proposed == Ratio(2, 3) and figure.accepted == Ratio(1, 3)
    assert figure.proposed.share == D(2) / D(3)
    assert figure.target == D("0.5")


def test_simplification_proposals(review):
    figure = progress.simplification(2025)
    # Published: I1, I2, I3, E1, E2. Any mark but keep simplifies. As proposed: I1 (accepted
    # make_optional), I2 (proposals), E1 (abolish, accepted), E2 (implemented, proposed); I3
    # has a draft only. As accepted: I1, E1, E2.
    assert figure.proposed == Ratio(4, 5)
    assert figure.accepted == Ratio(3, 5)
    assert figure.details["abolish"] == {"proposed": Ratio(1, 5), "accepted": Ratio(1, 5)}
    assert figure.target == D("0.2")


def test_data_fields_of_online_procedures(review):
    figure = progress.data_fields(2025)
    # Online (partly or fully) and published: I1, I2, E1: 3 x 3 documents, 3 x 9 fields.
    # As proposed: documents E1 d1 and I2 d3; fields E1 d1.f1-d1.f9 (their document goes;
    # d1.f3, marked too, counts once) and I2 d1.f1, d1.f2. I1's make_optional does not count,
    # nor E2's removal (not online).
    assert figure.details["proposed"] == {"documents": Ratio(2, 9), "fields": Ratio(9 + 2, 27)}
    assert figure.proposed == Ratio(2 + 11, 9 + 27)
    # As accepted: E1 d1 and its 9 fields.
    assert figure.details["accepted"] == {"documents": Ratio(1, 9), "fields": Ratio(9, 27)}
    assert figure.accepted == Ratio(10, 36)


def test_cost_saved(review):
    figure = progress.cost_saved(2025)
    # Each procedure: 3 h x 10,000 + 0 fees + 20,000 other = 50,000 VND x 1,500,000 cases a year.
    per_year = (3 * 10000 + 0 + 20000) * 1_500_000
    assert per_year == 75_000_000_000
    # As accepted: E1 abolished (all of it); E2 online: 0.5 h x 10,000 + 5,000 = 10,000 VND a case.
    assert figure.accepted == Ratio(D(per_year + 10000 * 1_500_000), D(5 * per_year))
    assert figure.accepted.share == D("0.24")  # 90,000,000,000 / 375,000,000,000
    # As proposed: I2 has a proposal without an estimate, so it is left out of both sums and
    # listed; E2 adds 1 h x 10,000 = 10,000 VND a case.
    assert figure.proposed == Ratio(D(per_year + 2 * 10000 * 1_500_000), D(4 * per_year))
    assert figure.proposed.share == D("0.35")  # 105,000,000,000 / 300,000,000,000
    gaps = figure.details["incomplete"]["proposed"]["2.000002"]
    # No fee is charged: the blank fee estimate saves 0; hours and other costs stay unknown.
    assert [gap.field for gap in gaps] == ["hours_saved_per_case", "other_saved_vnd"]
    assert figure.details["unknown_marks"] == {"proposed": 1, "accepted": 0}
    assert figure.details["incomplete"]["accepted"] == {}
    assert figure.details["procedures"] == {"proposed": 4, "accepted": 5}


def test_all_figures_and_targets(review, make_user):
    settings.set_setting("target.data_fields", "0.3", 2025, make_user("admin2", "admin"))
    figures = progress.progress(2025)
    assert list(figures) == ["reviewed_internal", "simplify", "data_fields", "cost"]
    assert {key: figure.target for key, figure in figures.items()} == {
        "reviewed_internal": D("0.5"), "simplify": D("0.2"), "data_fields": D("0.3"), "cost": D("0.2")}


def test_empty_catalog_has_no_shares(app):
    for figure in progress.progress(2025).values():
        assert figure.proposed.share is None and figure.accepted.share is None
    assert Ratio(0, 0).share is None and Gap("x", "y").field == "y"
