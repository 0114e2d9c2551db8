"""Accessibility smoke checks on the login, catalog and procedure pages, using the browser's own
DOM (no external checker): labelled controls, image alternatives, one h1, the page language,
and a skip link that is the first thing Tab reaches and that moves focus to the content."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.models import Procedure
from app.extensions import db

# Form controls a person fills in, and whether each has a non-empty label by one of the ways
# HTML and ARIA allow: <label for> or a wrapping <label> (both in control.labels), aria-label,
# or aria-labelledby pointing at elements with text.
UNLABELLED_CONTROLS = """() => {
  const text = (node) => (node && node.textContent || "").trim();
  const controls = [...document.querySelectorAll("input, select, textarea")].filter(
    (el) => !(el.tagName === "INPUT" && ["hidden", "submit"].includes(el.type)));
  return controls.filter((el) => {
    if ([...(el.labels || [])].some((label) => text(label))) return false;
    if ((el.getAttribute("aria-label") || "").trim()) return false;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (ids.some((id) => text(document.getElementById(id)))) return false;
    return true;
  }).map((el) => el.outerHTML.slice(0, 200));
}"""

# Put focus at the very start of the document, as after loading a page without autofocus
# (the login page autofocuses the username on purpose; the check is about the page order).
FOCUS_DOCUMENT_START = """() => {
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute("tabindex");
}"""


def first_published_code() -> str:
    code = db.session.scalar(select(Procedure.code).where(Procedure.status == "published")
                             .order_by(Procedure.code).limit(1))
    db.session.rollback()
    assert code, "the demo catalog has no published procedure"
    return code


def open_page(page, which: str, sign_in) -> None:
    """Load one of the pages under test the way a user reaches it."""
    if which != "login":
        sign_in(page, "ada")
    if which == "login":
        page.goto("/login")
    elif which == "procedure":
        page.goto(f"/procedures/{first_published_code()}")
    expect(page.locator("main")).to_be_visible()


def accessibility_problems(page) -> list[str]:
    """Run every check and return what failed, so that one run reports all problems at once."""
    problems = []
    if page.locator("input:not([type=hidden]), select, textarea").count() == 0:
        problems.append("no form control on the page (the label check would check nothing)")
    for control in page.evaluate(UNLABELLED_CONTROLS):
        problems.append(f"form control without a label: {control}")
    for image in page.eval_on_selector_all("img:not([alt])", "imgs => imgs.map(i => i.outerHTML)"):
        problems.append(f"image without alt: {image}")
    headings = page.locator("h1").all_inner_texts()
    if len(headings) != 1 or not headings[0].strip():
        problems.append(f"expected exactly one non-empty h1, found {headings}")
    # The context asks for en-US and the app supports "en": the page must say so.
    lang = page.evaluate("document.documentElement.lang")
    if lang != "en":
        problems.append(f"<html lang> is {lang!r}, expected 'en'")

    page.evaluate(FOCUS_DOCUMENT_START)
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
      const el = document.activeElement, box = el.getBoundingClientRect();
      return {html: el.outerHTML.slice(0, 120), skip: el.matches("a.skip-link[href='#main']"),
              x: box.x, y: box.y, width: box.width};
    }""")
    if not focused["skip"]:
        problems.append(f"the first Tab focuses {focused['html']}, not the skip link")
    elif focused["x"] < 0 or focused["y"] < 0 or focused["width"] <= 0:
        problems.append(f"the focused skip link is off-screen: {focused}")
    else:
        page.keyboard.press("Enter")
        if page.evaluate("document.activeElement.id") != "main":
            problems.append("following the skip link does not move focus to #main")
    return problems


@pytest.mark.parametrize("which", ["login", "catalog", "procedure"])
def test_accessibility_smoke(page, which, make_user, sign_in):
    make_user("ada", "reviewer")
    open_page(page, which, sign_in)
    assert accessibility_problems(page) == []
