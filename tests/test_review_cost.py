"""Compliance cost (Circular 02/2017/TT-VPCP Art. 27) before and after the marks, against
hand-computed figures; data gaps, clamping, zero cases; the yearly settings."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import cost, settings
from app.review.cost import Clamp, CostInputs, Gap, MarkEffect
from app.review.models import ReviewSetting
from helpers import mark_to, record, write_jsonl

D = Decimal
CODE = "1.000001"
COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}


def paid_record(code=CODE, **cost_inputs):
    """The example record with two fees (50,000 and 8,000 VND) and the given cost inputs."""
    item = record(code)
    item["fees"] = [{"id": "fee1", "text": "Lệ phí 50.000 đồng", "amount_vnd": 50000},
                    {"id": "fee2", "text": "Phí bản sao 8.000 đồng", "amount_vnd": 8000}]
    item["cost"] = cost_inputs or {"hours_per_case": 3, "other_costs_vnd": 20000, "cases_per_year": 1500000}
    return item


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "lena": make_user("lena", "lead"),
            "boss": make_user("boss", "admin")}


@pytest.fixture
def income(people):
    """25,000 VND an hour, set for 2024."""
    settings.set_setting(settings.INCOME_PER_HOUR, "25000", 2024, people["boss"])
    db.session.commit()


def load(tmp_path, records):
    import_file(write_jsonl(tmp_path / "catalog.jsonl", records), publish=True)


def marked(people, code, key, action, *, status="draft", params=None, **effects):
    """A mark taken through the workflow to ``status``."""
    return mark_to(status, code, key, {"action": action, "params": params or {}, **COMPLETE, **effects},
                   people["rita"], people["lena"])


def test_cost_per_case_and_per_year():
    inputs = CostInputs(1, CODE, hours_per_case=D(3), fees_per_case=D(58000), other_costs_vnd=D(20000),
                        cases_per_year=D(1500000))
    per_case, gaps = cost.cost_per_case(inputs, D(25000))
    # 3 h x 25,000 VND/h + (50,000 + 8,000) VND fees + 20,000 VND other = 153,000 VND
    assert (per_case, gaps) == (D(3 * 25000 + 58000 + 20000), []) == (D(153000), [])
    # 153,000 VND x 1,500,000 cases = 229,500,000,000 VND a year
    assert cost.annual(per_case, inputs.cases_per_year) == D(229_500_000_000)


def test_cost_after_accepted_and_proposed_marks(tmp_path, people, income):
    load(tmp_path, [paid_record()])
    a = marked(people, CODE, "document:d2", "remove", status="accepted",
               hours_saved_per_case=1, fees_saved_vnd=0, other_saved_vnd=10000)
    b = marked(people, CODE, "fee:fee2", "exempt_fee", status="implemented",
               hours_saved_per_case=0, fees_saved_vnd=8000, other_saved_vnd=0)
    c = marked(people, CODE, "step:s2", "remove_step", status="proposed",
               hours_saved_per_case=0.5, fees_saved_vnd=0, other_saved_vnd=0)
    marked(people, CODE, "document:d3", "remove", status="draft",
           hours_saved_per_case=2, fees_saved_vnd=0, other_saved_vnd=0)
    marked(people, CODE, "step:s1", "remove_step", status="rejected",
           hours_saved_per_case=1, fees_saved_vnd=0, other_saved_vnd=0)

    report = cost.procedure_cost(get_procedure(CODE).id, year=2025)
    assert (report.income_per_hour, report.income_year) == (D(25000), 2024)  # the 2024 figure still applies
    assert report.gaps == []
    assert report.cost_per_case == D(153000)  # 3 x 25,000 + 58,000 + 20,000
    assert report.annual_cost == D(229_500_000_000)  # 153,000 x 1,500,000

    accepted = report.accepted
    assert sorted(accepted.mark_ids) == sorted([a, b])
    # saved: 1 h x 25,000 + 8,000 fees + 10,000 other = 43,000 VND per case
    assert accepted.saved_per_case == D(1 * 25000 + 8000 + 10000) == D(43000)
    assert accepted.cost_per_case_after == D(153000 - 43000)
    assert accepted.saved_annual == D(43000 * 1500000) == D(64_500_000_000)
    assert accepted.annual_cost_after == D(110000 * 1500000)
    assert accepted.share_saved == D(43000) / D(153000)
    assert (accepted.gaps, accepted.clamped, accepted.excluded) == ([], [], [])

    proposed = report.proposed
    assert sorted(proposed.mark_ids) == sorted([a, b, c])
    # plus 0.5 h x 25,000 = 12,500: 55,500 VND per case
    assert proposed.saved_per_case == D(Decimal("1.5") * 25000 + 8000 + 10000) == D(55500)
    assert proposed.cost_per_case_after == D(97500)
    assert proposed.saved_annual == D(55500 * 1500000) == D(83_250_000_000)


def test_missing_inputs_are_gaps_not_zero(tmp_path, people):
    no_hours = paid_record("1.000002", other_costs_vnd=0, cases_per_year=100)
    no_hours["fees"][1].pop("amount_vnd")
    load(tmp_path, [paid_record(), no_hours])
    report = cost.procedure_cost(get_procedure("1.000002").id, year=2025)
    # No income per hour is set at all, no hours are known and fee2 has no amount.
    assert report.gaps == [Gap("1.000002", "hours_per_case"), Gap("1.000002", "income_per_hour"),
                           Gap("1.000002", "fee:fee2")]
    assert (report.cost_per_case, report.annual_cost) == (None, None)
    assert report.inputs.fees_without_amount == ("fee:fee2",)
    assert report.accepted.saved_per_case is None and report.proposed.share_saved is None
    complete = cost.procedure_cost(get_procedure(CODE).id, year=2025)
    assert complete.gaps == [Gap(CODE, "income_per_hour")] and complete.cost_per_case is None

    no_cases = paid_record("1.000003", hours_per_case=1, other_costs_vnd=0)
    load(tmp_path, [no_cases])
    settings.set_setting(settings.INCOME_PER_HOUR, 20000, 2025, people["boss"])
    report = cost.procedure_cost(get_procedure("1.000003").id, year=2025)
    # 1 h x 20,000 + 58,000 = 78,000 VND per case; the year is unknown without a case count.
    assert (report.cost_per_case, report.annual_cost) == (D(78000), None)
    assert report.gaps == [Gap("1.000003", "cases_per_year")]


def test_a_mark_without_an_estimate_makes_the_savings_unknown(tmp_path, people, income):
    load(tmp_path, [paid_record()])
    marked(people, CODE, "document:d2", "remove", status="accepted", hours_saved_per_case=1, fees_saved_vnd=0,
           other_saved_vnd=0)
    partial = marked(people, CODE, "field:d1.f3", "reuse_from_database", status="accepted",
                     params={"database": "population"}, hours_saved_per_case="0.25")
    view = cost.procedure_cost(get_procedure(CODE).id, year=2025).accepted
    assert view.gaps == [Gap(str(partial), "fees_saved_vnd"), Gap(str(partial), "other_saved_vnd")]
    assert (view.saved_per_case, view.cost_per_case_after, view.saved_annual) == (None, None, None)


def test_no_cases_a_year_costs_nothing_and_divides_by_nothing(tmp_path, people, income):
    load(tmp_path, [paid_record(hours_per_case=2, other_costs_vnd=0, cases_per_year=0)])
    marked(people, CODE, "fee:fee1", "exempt_fee", status="accepted", hours_saved_per_case=0,
           fees_saved_vnd=50000, other_saved_vnd=0)
    report = cost.procedure_cost(get_procedure(CODE).id, year=2025)
    # 2 h x 25,000 + 58,000 = 108,000 VND a case, 0 cases: 0 VND a year.
    assert (report.cost_per_case, report.annual_cost) == (D(108000), D(0))
    assert (report.accepted.saved_annual, report.accepted.annual_cost_after) == (D(0), D(0))
    assert report.accepted.share_saved == D(50000) / D(108000)  # per case, still meaningful
    totals = cost.catalog_cost(2025)["accepted"]
    assert (totals.annual_cost, totals.saved_annual, totals.procedures) == (D(0), D(0), 1)
    assert totals.share_saved is None


def test_savings_are_clamped_to_the_cost_and_reported(tmp_path, people, income):
    load(tmp_path, [paid_record()])
    for key in ("document:d2", "document:d3"):
        marked(people, CODE, key, "remove", status="accepted", hours_saved_per_case=2, fees_saved_vnd=50000,
               other_saved_vnd=5000)
    view = cost.procedure_cost(get_procedure(CODE).id, year=2025).accepted
    # Asked: 4 h (of 3), 100,000 VND fees (of 58,000), 10,000 other (of 20,000: kept).
    assert view.clamped == [Clamp("hours", D(4), D(3)), Clamp("fees", D(100000), D(58000))]
    assert view.saved_per_case == D(3 * 25000 + 58000 + 10000) == D(143000)
    assert view.cost_per_case_after == D(10000)


def test_abolishing_saves_the_whole_cost():
    inputs = CostInputs(1, CODE, D(3), D(58000), D(20000), D(10))
    effects = [MarkEffect(1, "abolish", "accepted"),
               MarkEffect(2, "remove", "accepted")]  # no estimate: moot once abolished
    view = cost.apply_marks(inputs, D(25000), effects, "accepted")
    assert (view.saved_per_case, view.cost_per_case_after, view.share_saved) == (D(153000), D(0), D(1))
    assert (view.saved_annual, view.gaps) == (D(1530000), [])
    keep = cost.apply_marks(inputs, D(25000), [MarkEffect(3, "keep", "accepted")], "accepted")
    assert (keep.saved_per_case, keep.gaps) == (D(0), [])


def test_orphaned_marks_are_left_out_and_changed_ones_listed():
    inputs = CostInputs(1, CODE, D(3), D(58000), D(20000), D(10))
    effects = [MarkEffect(1, "remove", "accepted", "orphaned", D(1), D(0), D(0)),
               MarkEffect(2, "remove", "proposed", "text_changed", D(1), D(0), D(0))]
    accepted = cost.apply_marks(inputs, D(25000), effects, "accepted")
    assert (accepted.excluded, accepted.mark_ids, accepted.saved_per_case) == ([1], [], D(0))
    proposed = cost.apply_marks(inputs, D(25000), effects, "proposed")
    assert (proposed.mark_ids, proposed.to_recheck, proposed.saved_per_case) == ([2], [2], D(25000))


def test_catalog_totals_leave_out_incomplete_procedures(tmp_path, people, income):
    no_hours = paid_record("1.000002", other_costs_vnd=0, cases_per_year=100)
    small = paid_record("1.000003", hours_per_case=1, other_costs_vnd=2000, cases_per_year=10)
    load(tmp_path, [paid_record(), no_hours, small])
    marked(people, "1.000003", None, "abolish", status="accepted")
    marked(people, CODE, "document:d2", "remove", status="proposed", hours_saved_per_case=1, fees_saved_vnd=0,
           other_saved_vnd=0)
    totals = cost.catalog_cost(2025)
    # 1.000001: 153,000 x 1,500,000 = 229,500,000,000; 1.000003: (25,000 + 58,000 + 2,000) x 10 = 850,000
    for view in ("accepted", "proposed"):
        assert totals[view].annual_cost == D(229_500_000_000 + 850_000)
        assert totals[view].procedures == 2
        assert totals[view].incomplete == {"1.000002": [Gap("1.000002", "hours_per_case")]}
    assert totals["accepted"].saved_annual == D(850_000)  # the abolished procedure
    assert totals["proposed"].saved_annual == D(850_000 + 25_000 * 1_500_000)
    assert totals["accepted"].share_saved == D(850_000) / D(229_500_850_000)


# -- settings ----------------------------------------------------------------------------------

def test_settings_by_year_with_audit(app, people):
    boss = people["boss"]
    assert settings.get_setting(settings.INCOME_PER_HOUR, 2025).value is None
    assert settings.target("simplify", 2025) == D("0.2") and settings.target("reviewed_internal") == D("0.5")
    assert settings.get_setting("target.simplify", 2025).is_default
    settings.set_setting(settings.INCOME_PER_HOUR, "24000", 2023, boss)
    settings.set_setting(settings.INCOME_PER_HOUR, "26500.5", 2025, boss)
    settings.set_setting("target.cost", "0.25", 2025, boss)
    db.session.commit()
    assert settings.get_setting(settings.INCOME_PER_HOUR, 2022).value is None
    assert settings.get_setting(settings.INCOME_PER_HOUR, 2024) == settings.SettingValue(
        settings.INCOME_PER_HOUR, D(24000), 2023)
    assert settings.get_setting(settings.INCOME_PER_HOUR, 2026).value == D("26500.5")
    assert settings.target("cost", 2025) == D("0.25") and settings.target("cost", 2024) == D("0.2")
    assert not settings.get_setting("target.cost", 2025).is_default
    row = db.session.scalar(select(ReviewSetting).where(ReviewSetting.key == "target.cost"))
    assert (row.value, row.year, row.updated_by.username) == ("0.25", 2025, "boss")

    settings.set_setting(settings.INCOME_PER_HOUR, "25000", 2025, boss)
    settings.set_setting(settings.INCOME_PER_HOUR, "25000.0", 2025, boss)  # same value: no change
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review_setting.changed")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.object_id, e.old, e.new) for e in entries][-2:] == [
        ("target.cost/2025", None, {"value": "0.25"}),
        ("income_per_hour_vnd/2025", {"value": "26500.5"}, {"value": "25000"})]
    assert len(entries) == 4


@pytest.mark.parametrize(("key", "value", "year", "who"), [
    (settings.INCOME_PER_HOUR, "25000", 2025, "lena"),  # not an admin
    ("target.speed", "0.2", 2025, "boss"),
    ("target.cost", "1.5", 2025, "boss"),  # a share is at most 1
    (settings.INCOME_PER_HOUR, "-1", 2025, "boss"),
    (settings.INCOME_PER_HOUR, "25.000", 1999, "boss"),
    (settings.INCOME_PER_HOUR, "", 2025, "boss"),
])
def test_settings_refused(people, key, value, year, who):
    with pytest.raises(settings.SettingError):
        settings.set_setting(key, value, year, people[who])


def test_a_blank_saving_on_what_costs_nothing_is_zero_not_a_gap():
    """A fee-free procedure: a mark with hours and other costs but no fee estimate saves 0 in
    fees; the same blank on a procedure that charges a fee is unknown."""
    effect = cost.MarkEffect(1, "remove", "accepted", None, D("1"), None, D("5000"))
    free = cost.CostInputs(1, "1.000001", D(3), D(0), D(20000), D(100))
    view = cost.apply_marks(free, D(10000), [effect], "accepted")
    assert view.gaps == [] and view.saved_per_case == D(10000 + 5000)
    charged = cost.CostInputs(2, "1.000002", D(3), D(50000), D(20000), D(100))
    view = cost.apply_marks(charged, D(10000), [effect], "accepted")
    assert view.gaps == [cost.Gap("1", "fees_saved_vnd")] and view.saved_per_case is None
