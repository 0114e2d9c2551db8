"""The review settings page (income per hour by year, the four targets) and the compliance cost
section of a procedure page, against hand-computed figures."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import settings
from app.review.models import ReviewSetting
from app.review.services import create_mark, decide_mark, propose_mark
from helpers import record, write_jsonl

D = Decimal
CODE = "1.000001"
COMPLETE = {"reason": "not_necessary", "rationale": "Không cần thiết.", "legal_number": "60/2014/QH13"}


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "lena": make_user("lena", "lead"),
            "boss": make_user("boss", "admin")}


@pytest.fixture
def admin(client, login, people):
    login(people["boss"])
    return client


def stored(key):
    return {row.year: row.value for row in db.session.scalars(select(ReviewSetting).where(ReviewSetting.key == key))}


def audit_rows():
    return [(e.object_id, e.old, e.new) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "review_setting.changed").order_by(AuditEntry.id))]


# -- settings page -----------------------------------------------------------------------------

def test_page_shows_defaults_and_no_income(admin):
    html = admin.get("/admin/review-settings?year=2025").get_data(as_text=True)
    assert "No income per hour has been set yet." in html
    assert "No income per hour applies in 2025" in html
    for name, share in (("reviewed_internal", "0.5"), ("simplify", "0.2"), ("data_fields", "0.2"), ("cost", "0.2")):
        assert f'data-target="{name}" data-value="{share}"' in html
    assert html.count(">default</td>") == 4
    # The target inputs show percentages: plain numbers a form can send back.
    assert 'name="target.reviewed_internal" value="50"' in html and 'name="target.cost" value="20"' in html


def test_plain_post_sets_the_income_with_history_and_audit(admin, people):
    response = admin.post("/admin/review-settings/income", data={"year": "2024", "income": "25000"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/review-settings?year=2024")
    assert stored(settings.INCOME_PER_HOUR) == {2024: "25000"}
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Income per hour for 2024 saved." in page
    history = page.split('<tr data-year="2024">')[1].split("</tr>")[0]
    assert "25,000" in history and "boss" in history and "<time" in history
    # It applies to later years, and says which year it was set for.
    later = admin.get("/admin/review-settings?year=2026").get_data(as_text=True)
    assert 'data-setting="income" data-value="25000"' in later and "set for 2024" in later
    admin.post("/admin/review-settings/income", data={"year": "2026", "income": "27500.5"})
    assert stored(settings.INCOME_PER_HOUR) == {2024: "25000", 2026: "27500.5"}
    assert audit_rows() == [("income_per_hour_vnd/2024", None, {"value": "25000"}),
                            ("income_per_hour_vnd/2026", None, {"value": "27500.5"})]
    # The same value again changes nothing and says so.
    again = admin.post("/admin/review-settings/income", data={"year": "2026", "income": "27500.50"},
                       follow_redirects=True)
    assert "already set to this value" in again.get_data(as_text=True) and len(audit_rows()) == 2


def test_htmx_post_swaps_the_fragment(admin):
    response = admin.post("/admin/review-settings/income", data={"year": "2025", "income": "30000"},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="review-settings">') and "Income per hour for 2025 saved." in html
    assert 'data-setting="income" data-value="30000"' in html
    assert "HX-Request" in response.headers["Vary"]
    full = admin.get("/admin/review-settings")
    assert 'id="review-settings"' in full.get_data(as_text=True) and "<html" in full.get_data(as_text=True)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"year": "2025", "income": "25.000"}, "income", "without thousands separators"),
    ({"year": "2025", "income": "-5"}, "income", "zero or more"),
    ({"year": "2025", "income": "abc"}, "income", "zero or more"),
    ({"year": "2025", "income": ""}, "income", "zero or more"),
    ({"year": "1999", "income": "25000"}, "year", "between 2000 and 2100"),
    ({"year": "năm", "income": "25000"}, "year", "between 2000 and 2100"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_income_is_refused_beside_its_input(admin, data, field, message, htmx):
    response = admin.post("/admin/review-settings/income", data=data,
                          headers={"HX-Request": "true"} if htmx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("<html" in html) is not htmx
    error = re.search(rf'<p class="error" id="income-{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert f'aria-describedby="income-{field}' in html and 'aria-invalid="true"' in html
    assert f'value="{data[field]}"' in html  # what was typed stays in the input
    assert stored(settings.INCOME_PER_HOUR) == {} and audit_rows() == []


def test_targets_are_entered_in_percent_and_stored_as_shares(admin):
    data = {"year": "2025", "target.reviewed_internal": "60", "target.simplify": "20",
            "target.data_fields": "12.5", "target.cost": ""}
    response = admin.post("/admin/review-settings/targets", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 targets for 2025 saved." in html
    # 20 % is the default already and an empty input changes nothing: neither is stored.
    assert stored("target.reviewed_internal") == {2025: "0.6"} and stored("target.data_fields") == {2025: "0.125"}
    assert stored("target.simplify") == {} and stored("target.cost") == {}
    assert settings.target("data_fields", 2025) == D("0.125") and settings.target("data_fields", 2024) == D("0.2")
    assert 'data-target="data_fields" data-value="0.125"' in html and "12.5%" in html
    assert html.count("set for 2025</td>") == 2 and html.count(">default</td>") == 2
    assert [row[0] for row in audit_rows()] == ["target.reviewed_internal/2025", "target.data_fields/2025"]
    # The year before still shows the defaults.
    before = admin.get("/admin/review-settings?year=2024").get_data(as_text=True)
    assert 'data-target="reviewed_internal" data-value="0.5"' in before
    unchanged = admin.post("/admin/review-settings/targets", data={**data, "target.data_fields": "12.5"},
                           follow_redirects=True)
    assert "No target changed." in unchanged.get_data(as_text=True) and len(audit_rows()) == 2


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_targets_save_nothing(admin, htmx):
    data = {"year": "2025", "target.reviewed_internal": "60", "target.simplify": "120",
            "target.data_fields": "0,2", "target.cost": "20"}
    response = admin.post("/admin/review-settings/targets", data=data, headers={"HX-Request": "true"} if htmx else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("simplify", "data_fields"):
        error = f'<p class="error" id="targets-target-{name}-error">Enter a percentage between 0 and 100.</p>'
        assert error in html
    assert 'id="targets-target-reviewed_internal-error"' not in html
    assert 'name="target.simplify" value="120"' in html
    assert audit_rows() == [] and stored("target.reviewed_internal") == {}


def test_lead_reads_and_cannot_write(client, login, people):
    login(people["lena"])
    html = client.get("/admin/review-settings").get_data(as_text=True)
    assert "Only an admin may change these settings." in html
    assert 'action="/admin/review-settings/income"' not in html
    assert 'action="/admin/review-settings/targets"' not in html
    assert client.post("/admin/review-settings/income", data={"year": "2025", "income": "1"}).status_code == 403
    assert stored(settings.INCOME_PER_HOUR) == {}


def test_names_in_the_history_are_escaped(client, login):
    from app.auth import services as accounts

    boss = accounts.create_user("evil", "correct horse battery", ["admin"], display_name="<script>alert(1)</script>")
    db.session.commit()
    settings.set_setting(settings.INCOME_PER_HOUR, 20000, 2025, boss)
    db.session.commit()
    login("evil")
    html = client.get("/admin/review-settings?year=2025").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- the cost section of a procedure page ------------------------------------------------------

def costed_record(code=CODE, **cost):
    """The example record with one fee of 50,000 VND and the given cost inputs."""
    item = record(code)
    item["fees"] = [{"id": "fee1", "text": "Lệ phí 50.000 đồng", "amount_vnd": 50000}]
    item["cost"] = cost
    return item


def mark(people, code, key, action, status, params=None, **values):
    made = create_mark(get_procedure(code).id, key, {"action": action, "params": params or {}, **COMPLETE, **values},
                       people["rita"])
    if status != "draft":
        propose_mark(made.id, 1, people["rita"])
    if status == "accepted":
        decide_mark(made.id, 2, "accepted", "Đồng ý.", people["lena"])
    db.session.commit()
    return made.id


def cost_rows(html):
    """data-* values of the rows of the cost table: view -> {name: Decimal or None}."""
    section = html.split('aria-labelledby="sec-cost"')[1].split("</section>")[0]
    rows = {}
    for match in re.finditer(r'<tr data-view="(\w+)"([^>]*)>', section):
        values = dict(re.findall(r'data-([\w-]+)="([^"]*)"', match.group(2)))
        rows[match.group(1)] = {name: D(value) if value else None for name, value in values.items()}
    return section, rows


def test_cost_section_against_a_hand_computed_example(app, tmp_path, people, client, login):
    import_file(write_jsonl(tmp_path / "c.jsonl", [costed_record(hours_per_case=2.5, other_costs_vnd=10000,
                                                                 cases_per_year=1000)]), publish=True)
    settings.set_setting(settings.INCOME_PER_HOUR, "40000", 2020, people["boss"])
    db.session.commit()
    mark(people, CODE, "document:d2", "remove", "accepted", hours_saved_per_case=1, fees_saved_vnd=0,
         other_saved_vnd=5000)
    mark(people, CODE, "step:s2", "remove_step", "proposed", hours_saved_per_case=2, fees_saved_vnd=0,
         other_saved_vnd=0)
    mark(people, CODE, "document:d3", "remove", "draft", hours_saved_per_case=2, fees_saved_vnd=0,
         other_saved_vnd=0)
    login(people["rita"])
    html = client.get(f"/procedures/{CODE}").get_data(as_text=True)
    section, rows = cost_rows(html)
    # 2.5 h x 40,000 + 50,000 fee + 10,000 other = 160,000 VND per case; x 1,000 = 160,000,000 a year.
    assert rows["now"] == {"per-case": D(160000), "annual": D(160_000_000)}
    assert "₫160,000" in section and "₫160,000,000" in section
    assert "₫40,000" in section and "set for 2020" in section and "₫50,000" in section
    # Accepted: 1 h x 40,000 + 5,000 = 45,000 saved per case (28.1 %); 115,000 left.
    assert rows["accepted"] == {"per-case": D(115000), "annual": D(115_000_000), "saved": D(45000),
                                "saved-annual": D(45_000_000)}
    assert "28.1%" in section
    # Proposed too: 3 h asked of 2.5 (cut to 2.5): 2.5 x 40,000 + 5,000 = 105,000 saved; 55,000 left.
    assert rows["proposed"] == {"per-case": D(55000), "annual": D(55_000_000), "saved": D(105000),
                                "saved-annual": D(105_000_000)}
    assert "65.6%" in section
    assert "The marks save 3 hours per case, more than the 2.5 hours it takes: counted as 2.5." in section
    assert 'id="sec-cost"' in section and ">Compliance cost inputs</h2>" in html
    # The fragment carries the same section.
    fragment = client.get(f"/procedures/{CODE}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and cost_rows(fragment)[1] == rows


@pytest.mark.parametrize(("who", "link"), [("boss", True), ("rita", False)])
def test_gaps_are_named_never_zero(app, tmp_path, people, client, login, who, link):
    item = costed_record(other_costs_vnd=0, cases_per_year=100)  # no hours per case
    item["fees"].append({"id": "fee2", "text": "Phí bản sao"})  # no amount
    import_file(write_jsonl(tmp_path / "g.jsonl", [item]), publish=True)
    login(people[who])
    html = client.get(f"/procedures/{CODE}").get_data(as_text=True)
    section, rows = cost_rows(html)
    assert rows["now"] == {"per-case": None, "annual": None}
    table = section.split('<table class="cost-table"')[1].split("</table>")[0]
    assert rows["accepted"]["saved"] is None and "₫0" not in table
    assert table.count('<span class="gap">unknown</span>') == 2 + 2 * 5  # now: 2 figures; after: 5 each
    for text in ("hours per case missing", "fee fee2 has no amount", "income per hour missing"):
        assert text in section
    # Admins get a link to the settings where the income is set.
    assert ('href="/admin/review-settings"' in section) is link


def test_a_mark_without_an_estimate_and_an_orphaned_mark(app, tmp_path, people, client, login):
    import_file(write_jsonl(tmp_path / "v1.jsonl", [costed_record(hours_per_case=2, other_costs_vnd=0,
                                                                  cases_per_year=10)]), publish=True)
    settings.set_setting(settings.INCOME_PER_HOUR, "10000", 2020, people["boss"])
    db.session.commit()
    gone = mark(people, CODE, "document:d3", "remove", "accepted", hours_saved_per_case=1, fees_saved_vnd=0,
                other_saved_vnd=0)
    vague = mark(people, CODE, "field:d1.f3", "reuse_from_database", "proposed", {"database": "population"},
                 hours_saved_per_case="0.5")
    second = costed_record(hours_per_case=2, other_costs_vnd=0, cases_per_year=10)
    second["dossier"].pop(2)  # d3 is removed in version 2
    import_file(write_jsonl(tmp_path / "v2.jsonl", [second]), publish=True)
    db.session.commit()
    login(people["rita"])
    section, rows = cost_rows(client.get(f"/procedures/{CODE}").get_data(as_text=True))
    # 2 h x 10,000 + 50,000 = 70,000 a case; the orphaned mark saves nothing.
    assert rows["now"]["per-case"] == D(70000)
    assert rows["accepted"]["saved"] == D(0) and rows["accepted"]["per-case"] == D(70000)
    assert f"Mark {gone} is left out: its element is no longer in the procedure." in section
    assert rows["proposed"]["saved"] is None
    text = re.sub(r"<[^>]+>", "", section)
    assert f"mark {vague} has no estimate of fees saved" in text
    # Other costs are 0 today: a blank saving there is 0, not a gap.
    assert f"mark {vague} has no estimate of other costs saved" not in text
    assert f"mark {vague} has no estimate of hours saved" not in text
    assert f'<a href="/marks/{vague}">{vague}</a>' in section  # the mark's page


def test_no_cases_a_year(app, tmp_path, people, client, login):
    import_file(write_jsonl(tmp_path / "z.jsonl", [costed_record(hours_per_case=1, other_costs_vnd=0,
                                                                 cases_per_year=0)]), publish=True)
    settings.set_setting(settings.INCOME_PER_HOUR, "30000", 2020, people["boss"])
    db.session.commit()
    mark(people, CODE, "fee:fee1", "exempt_fee", "accepted", hours_saved_per_case=0, fees_saved_vnd=50000,
         other_saved_vnd=0)
    login(people["rita"])
    section, rows = cost_rows(client.get(f"/procedures/{CODE}").get_data(as_text=True))
    # 1 h x 30,000 + 50,000 = 80,000 a case, 0 cases: 0 a year; 50,000 of 80,000 saved per case.
    assert rows["now"] == {"per-case": D(80000), "annual": D(0)}
    assert rows["accepted"]["saved-annual"] == D(0) and "62.5%" in section
    assert 'data-note="no-cases"' in section


def test_an_older_version_shows_its_inputs_only(app, tmp_path, people, client, login):
    import_file(write_jsonl(tmp_path / "v1.jsonl", [costed_record(hours_per_case=2, other_costs_vnd=0,
                                                                  cases_per_year=10)]), publish=True)
    import_file(write_jsonl(tmp_path / "v2.jsonl", [costed_record(hours_per_case=3, other_costs_vnd=0,
                                                                  cases_per_year=10)]), publish=True)
    login(people["rita"])
    html = client.get(f"/procedures/{CODE}?version=1").get_data(as_text=True)
    section, rows = cost_rows(html)
    assert rows == {} and "computed for the current version" in section and ">2</dd>" in section
    assert cost_rows(client.get(f"/procedures/{CODE}").get_data(as_text=True))[1]["now"]["per-case"] is None
