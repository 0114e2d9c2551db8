"""Browser fixtures: the app served by a real WSGI server in a thread, with the demo catalog
loaded, and Debian's chromium driven through Playwright.

Never run ``playwright install``: the tests use the system browser at ``/usr/bin/chromium``.
Every test in this folder gets the ``browser`` marker, so ``-m "not browser"`` skips them.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app.catalog.demo import load_demo
from app.extensions import db
from conftest import TEST_PASSWORD  # tests/conftest.py, as the other test files import it

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
# Playwright waits (locators, navigations, expect) give up after this many milliseconds.
TIMEOUT_MS = 5_000
HERE = Path(__file__).resolve().parent
# Console errors tolerated by every browser test: Chromium logs every 4xx answer to a fetch,
# and the app answers a refused form (422) or a stale edit (409) with its fragment on purpose.
KNOWN_CONSOLE_ERRORS: tuple[str, ...] = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)",
    "Failed to load resource: the server responded with a status of 409 (CONFLICT)",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder as a browser test (before ``-m`` selects)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(WSGIRequestHandler):
    # An idle connection (a speculative preconnect, say) cannot keep a handler thread,
    # and so server_close(), waiting longer than this.
    timeout = 10

    def log_request(self, *args, **kwargs) -> None:
        """No access log lines; errors are still logged by the server."""


@pytest.fixture
def live_server(app):
    """The app with the demo catalog, served on a free local port; yields the base URL."""
    load_demo()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()  # also joins the request threads still running
        thread.join(timeout=10)
        db.session.remove()
    assert not thread.is_alive(), "the live server thread did not stop"


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        # `make test` installs it first; a missing browser is a broken set-up, not a reason to skip.
        pytest.fail(f"{CHROMIUM} is not installed: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context: ``new_page(java_script_enabled=False)``.

    Relative URLs resolve against the live server. Contexts are closed after the test (before
    the server stops), and the test fails if a page logged a JavaScript error or got a 5xx.
    """
    contexts = []
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type != "error" or message.text in KNOWN_CONSOLE_ERRORS:
            return
        source = message.location.get("url", "")
        if source.endswith("/favicon.ico"):
            return  # the app has no icon; browsers ask for one anyway
        problems.append(f"console error: {message.text} ({source})")

    def watch(page) -> None:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", on_console)
        page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 500 else None)

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", VIEWPORT)
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A page in a fresh context (locale en-US, 1280x900), closed after the test."""
    return new_page()


@pytest.fixture
def sign_in():
    """Sign in through the login form: ``sign_in(page, "rita")``; waits for the next page."""
    def do_sign_in(page, username: str, password: str = TEST_PASSWORD, path: str = "/login") -> None:
        page.goto(path)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
    return do_sign_in
