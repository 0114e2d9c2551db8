"""A procedure printed: the content, without the menu, the language switcher or any button."""
from __future__ import annotations

from playwright.sync_api import expect


def test_a_procedure_prints_without_menu_switcher_or_buttons(live_server, page, make_user, sign_in):
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    page.goto("/procedures/1.000894")
    expect(page.locator(".topbar")).to_be_visible()
    expect(page.locator(".mark-open").first).to_be_visible()
    page.emulate_media(media="print")
    for hidden in (".topbar", "#locale-select", ".mark-open", "button"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#sec-dossier")).to_be_visible()
    expect(page.locator("h1").first).to_be_visible()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
