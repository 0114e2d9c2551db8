"""axe-core (vendored from its npm package, for the tests only) on every page a signed-in user
can open in English, and the pages reviewers and leads live in also in Thai and Vietnamese: no violation of WCAG 2.x A/AA or axe's best practices.

The pages are the GET routes of the url_map, built with sample values over the demo catalog
with marks in every state, plus the states that only a click reaches (the inline mark form, a
search with hits and facets)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.search import services as search
from app.catalog.models import Procedure
from app.extensions import db
from conftest import TEST_PASSWORD
from tests.test_pseudo_locale import _review_site

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
# Rules beyond the WCAG and best-practice tags that the app must still pass.
EXTRA_RULES = ("label-content-name-mismatch",)
RUN_AXE = """async (extra) => {
  const rules = Object.fromEntries(extra.map((id) => [id, {enabled: true}]));
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    rules, resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(
    (n) => n.target.join(" ")).join(" | ")}`);
}"""
# Routes that are not pages: downloads, redirects, JSON, polled fragments, or pages of a
# background job (their own tests render them).
NOT_PAGES = {"static", "web.health", "web.root", "auth.logout", "i18n.editor_download", "exports.download",
             "review.read_number", "search_lists.download", "dashboard.download_xlsx"}
NEEDS = ("job_id", "export_id")


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, list(EXTRA_RULES))


def site_pages(app, review: dict, code: str, user_id: int) -> list[str]:
    values = {"code": code, "number": 1, "user_id": user_id, "batch_id": 1, "locale": "vi",
              "mark_id": review["proposed"], "assignment_id": review["assignment"]}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or set(NEEDS) & set(rule.arguments):
            continue
        if rule.endpoint.endswith(("progress", ".block", ".poll")) or "/jobs/" in rule.rule:
            continue
        if rule.rule.endswith((".xlsx", ".csv", ".json", ".po")):  # files to download
            continue
        urls.append(rule.build({name: values[name] for name in rule.arguments})[1])
    urls += [f"/marks/{review[name]}" for name in ("draft", "rejected", "implemented")]
    urls += ["/search?q=giấy+khai+sinh", "/search?q=zzqxv", "/procedures?sort=title&direction=desc",
             "/queues?queue=decide", "/queues?queue=mine"]
    return sorted(set(urls))


@pytest.fixture
def review_site(app, users):
    search.reindex()
    code = db.session.scalar(select(Procedure.code).where(Procedure.status == "published")
                             .order_by(Procedure.code).limit(1))
    review = _review_site(users, code)
    reviewer_id = users["reviewer"].id
    db.session.remove()
    return {"code": code, "review": review, "user_id": reviewer_id}


def core_page(url: str) -> bool:
    """The pages a reviewer or a lead lives in: checked in every language (the others in English)."""
    return url.startswith(("/procedures/", "/search?q=giấy", "/marks/", "/queues", "/dashboard")) or url == "/procedures"


@pytest.mark.parametrize("locale", ["en-US", "th-TH", "vi-VN"])
def test_no_axe_violation_on_any_page(app, new_page, review_site, locale):
    # The page's CSP forbids inline scripts; only the checker is injected past it.
    page = new_page(locale=locale, bypass_csp=True)
    # By field names: the labels are in the page's language.
    page.goto("/login")
    page.locator("input[name=username]").fill("everyone")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    found: dict[str, list[str]] = {}
    for url in site_pages(app, review_site["review"], review_site["code"], review_site["user_id"]):
        if locale != "en-US" and not core_page(url):
            continue
        response = page.goto(url)
        assert response.status == 200, url
        problems = violations(page)
        if problems:
            found[url] = problems
    # A state only a click reaches: the inline mark form on a procedure page.
    page.goto(f"/procedures/{review_site['code']}")
    page.locator("[data-mark-open], .mark-open, button.mark").first.click()
    page.wait_for_selector("form.mark-form, form[data-mark-form]")
    problems = violations(page)
    if problems:
        found["procedure page, mark form open"] = problems
    assert not found, "axe violations:\n" + "\n".join(f"{url}: {p}" for url, items in found.items() for p in items)
