"""The mark form in a real browser: numbers typed the Vietnamese way are shown back as they will
be saved, an ambiguous amount is refused beside its input, a form without an action asks for
one, and the review panel's counts follow each inline save without a reload."""
from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.review.models import Mark

CODE = "1.000894"  # a demo procedure with documents d1..d3


def _vietnamese(page) -> None:
    page.locator("#locale-select").select_option("vi")
    page.wait_for_url(lambda url: True)
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def test_local_numbers_are_echoed_and_the_panel_follows_each_save(live_server, page, make_user, sign_in):
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    page.goto(f"/procedures/{CODE}")
    _vietnamese(page)
    counts = page.locator("#review-counts")
    expect(counts.locator(".empty")).to_be_visible()

    for number, eid in enumerate(("d1", "d2", "d3"), start=1):
        block = page.locator(f"#review-block-document-{eid}")
        block.locator(".mark-open").click()
        form_id = f"mark-form-document-{eid}"
        form = page.locator(f"#{form_id}")
        expect(form).to_be_visible()
        if number == 1:
            # Saved without an action: the form asks for one.
            form.locator(".mark-save").click()
            expect(page.locator(f"[id='{form_id}-action-error']")).to_have_text("Hãy chọn thao tác.")
        form.locator("select[name=action]").select_option("accept_copy")
        form.locator("select[name='params.form']").select_option("e_copy")
        fees = page.locator(f"[id='{form_id}-fees_saved_vnd']")
        hours = page.locator(f"[id='{form_id}-hours_saved_per_case']")
        if number == 1:
            # "20,000" is twenty by the Vietnamese rules, twenty thousand by English habit.
            fees.fill("20,000")
            expect(page.locator(f"[id='{form_id}-fees_saved_vnd-echo'] .error")).to_contain_text("20000")
        fees.fill("20.000")
        expect(page.locator(f"[id='{form_id}-fees_saved_vnd-echo']")).to_have_text("= 20.000\xa0₫")
        hours.fill("1,5")
        expect(page.locator(f"[id='{form_id}-hours_saved_per_case-echo']")).to_have_text("= 1,5 giờ")
        form.locator(".mark-save").click()
        expect(block.locator(".mark-item")).to_have_count(1)
        # The panel's count follows without a reload.
        expect(counts.locator(".mark-counts")).to_contain_text(f"{number} ")
        expect(counts.locator(".mark-status-draft")).to_contain_text(str(number))

    saved = db.session.query(Mark.fees_saved_vnd, Mark.hours_saved_per_case).all()
    db.session.remove()
    assert saved == [(20000.0, 1.5)] * 3
