"""Small screens and long labels: the navigation bar stays on one line on a laptop in Vietnamese
(its menus open without JavaScript), and the main pages fit a 390 px wide phone without a
horizontal scroll of the page (wide tables scroll inside their own box)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.models import Procedure
from app.extensions import db

PHONE = {"width": 390, "height": 844}


def a_published_code() -> str:
    code = db.session.scalar(select(Procedure.code).where(Procedure.status == "published").order_by(Procedure.code))
    db.session.rollback()
    return code


def speak(user, language: str) -> None:
    """The user's saved interface language (the sign-in form is read in English first)."""
    user.locale = language
    db.session.commit()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# The outermost elements that reach past the right edge outside any box that scrolls: what to fix.
WIDE_ELEMENTS = """() => {
  const scrolls = e => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  const outside = e => { for (let a = e.parentElement; a; a = a.parentElement) { if (scrolls(a)) return false; } return true; };
  const wide = e => e.getBoundingClientRect().right > innerWidth + 1;
  return [...document.querySelectorAll('body *')].filter(e => wide(e) && outside(e) && !wide(e.parentElement) || (wide(e) && outside(e) && !e.firstElementChild))
    .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.')
                          + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


def test_admin_bar_stays_on_one_line_in_vietnamese(new_page, make_user, sign_in):
    speak(make_user("ada", "admin", "lead", "reviewer", "translator"), "vi")
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, "ada")
    page.goto("/procedures")
    tops = page.evaluate("[...document.querySelectorAll('.topbar nav > ul > li')].map(li => li.offsetTop)")
    assert len(tops) <= 7 and len(set(tops)) == 1, f"the bar wraps: {tops}"
    # A menu opens with a click and leads to its pages; a click elsewhere closes it.
    menu = page.locator(".nav-menu details").last
    menu.locator("summary").click()
    expect(menu.locator("a").first).to_be_visible()
    page.locator("h1").click()
    expect(menu.locator("a").first).to_be_hidden()


def test_menus_open_without_javascript(new_page, make_user, sign_in):
    make_user("ada", "admin")
    page = new_page(java_script_enabled=False)
    sign_in(page, "ada")
    page.locator(".nav-menu summary", has_text="Administration").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_main_pages_fit_a_phone(new_page, make_user, sign_in, language):
    user = make_user("ada", "admin", "lead", "reviewer")
    code = a_published_code()
    page = new_page(viewport=PHONE)
    sign_in(page, "ada")
    speak(user, language)
    page.goto("/search?q=x", timeout=60_000)  # the first search builds the demo index
    for path in ("/search?q=gi%E1%BA%A5y", "/procedures", f"/procedures/{code}", "/queues", "/dashboard",
                 f"/procedures/{code}/history"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert page_width(page) <= PHONE["width"], (
            f"{path} is {page_width(page)} px wide at 390 px: {page.evaluate(WIDE_ELEMENTS)}")
