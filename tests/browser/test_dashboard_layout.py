"""The dashboard at 1366 px in a real browser: a contents bar to its sections, figure cards
whose tables stay inside their border, percentages written on the bars, paged tables, and the
download of what it shows."""
from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.review import settings
from app.review.settings import current_year


def test_dashboard_fits_1366_and_has_contents_and_a_download(live_server, new_page, make_user, sign_in):
    boss = make_user("boss", "admin")
    settings.set_setting(settings.INCOME_PER_HOUR, "1250000", current_year(), boss)  # large amounts
    db.session.commit()
    db.session.remove()
    make_user("lena", "lead")
    page = new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, "lena")
    page.goto("/dashboard")
    contents = page.locator("nav.dashboard-contents")
    for anchor in ("#sec-figures", "#sec-gaps", "#sec-agencies", "#sec-sectors", "#sec-top"):
        expect(contents.locator(f'a[href="{anchor}"]')).to_be_visible()
    # No figure card's content sticks out of its border.
    overflow = page.evaluate("""() => Array.from(document.querySelectorAll('.figure-card')).map(card => {
        const box = card.getBoundingClientRect();
        const widest = Math.max(...Array.from(card.querySelectorAll('table, svg, p')).map(
            el => el.getBoundingClientRect().right));
        return [card.getAttribute('data-figure'), widest - box.right, card.scrollWidth - card.clientWidth];
    })""")
    assert len(overflow) == 4
    assert all(past <= 0.5 and scrolled <= 0 for _key, past, scrolled in overflow), overflow
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # Each bar carries its percentage as text.
    expect(page.locator(".figure-card[data-figure=cost] .bar-value").first).to_have_text(
        __import__("re").compile(r"^(\d+(\.\d)?%|—)$"))
    # The contents bar takes the reader to a section.
    contents.locator('a[href="#sec-top"]').click()
    expect(page.locator("#sec-top")).to_be_in_viewport()
    with page.expect_download() as download:
        contents.locator("li.download a").click()
    assert download.value.suggested_filename.endswith(".xlsx")
