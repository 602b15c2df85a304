"""Real-browser tests: the app on a real HTTP server, driven by Debian's chromium through Playwright.

Every page a test visits is checked with axe-core for WCAG 2.1 A and AA.
Use `visit(page, path)` to navigate (it runs axe on arrival) and
`submit(page, button)` to click a form's button and check the page the
browser lands on. `axe_check(page)` checks whatever is on screen now (call
it after following a link with click(), or after opening something on the
page). A test that shows an address it never checked fails at teardown.

Data made in the test thread (factories) lives in the same database as the
server thread. With SQLite, a transaction left open in the test thread holds
the write lock (the app begins them IMMEDIATE), so `visit` and `submit` end
the test thread's transaction first; call `release_db()` yourself before
driving the browser any other way after touching the database.

Without /usr/bin/chromium (or ACCORD_CHROMIUM) the tests are skipped, except
on CI (CI=true), where they fail.
"""
from __future__ import annotations

import logging
import os
import threading

import pytest

from app.extensions import db

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")  # Debian's package; never `playwright install`
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


def _require_chromium():
    if os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return
    where = f"chromium is missing at {CHROMIUM} (install Debian's package: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run: {where}; under CI=true they must not be skipped", pytrace=False)
    pytest.skip(f"browser tests skipped because {where}")


# --- the server -------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """The test's `app` served by werkzeug on 127.0.0.1 and a free port; yields the base URL."""
    from werkzeug.serving import make_server

    # One log line per request drowns the report of a failure; errors are still logged.
    werkzeug_logger = logging.getLogger("werkzeug")
    level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url  # where this installation is reached: mailed links point here
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        werkzeug_logger.setLevel(level)


def release_db():
    """End the test thread's transaction so that the server thread may write."""
    db.session.rollback()


# --- the browser ------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


@pytest.fixture
def new_page(request, browser, live_server):
    """new_page() -> a page in a fresh browser context (its own cookies), closed after the test.

    A safety net for axe: every address a page of the test showed must have
    been checked with axe_check (visit and submit do it) at least once, or
    the test fails at teardown naming the unchecked pages.
    """
    contexts, pages = [], []

    def make():
        context = browser.new_context(base_url=live_server, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        shown = []
        page.on("framenavigated", lambda frame: frame == page.main_frame and shown.append(frame.url))
        pages.append((page, shown))
        return page

    yield make
    try:
        if not getattr(request.node, "browser_call_failed", True):
            unchecked = []
            for page, shown in pages:
                page.evaluate("0")  # let pending events arrive
                checked = _checked_urls.get(id(page), set())
                unchecked += [url for url in dict.fromkeys(map(_without_fragment, shown)) if url not in checked]
            if unchecked:
                pytest.fail("pages shown but never checked with axe_check (use visit/submit, or call "
                            f"axe_check after the navigation): {unchecked}", pytrace=False)
    finally:
        for page, _shown in pages:
            _checked_urls.pop(id(page), None)
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- accessibility ----------------------------------------------------------------

_axe = None
_checked_urls: dict[int, set[str]] = {}  # id(page) -> addresses checked with axe


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) (axe-core, WCAG 2.1 A/AA) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact')}]: {violation['help']} "
                     f"({violation.get('helpUrl', '')})")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('failureSummary', '').replace(chr(10), ' / ')}")
    return "\n".join(lines)


def axe_check(page) -> None:
    """Fail the test with every WCAG 2.1 A/AA violation axe-core finds on the page as shown now."""
    global _axe
    from axe_playwright_python.sync_playwright import Axe

    if _axe is None:
        _axe = Axe()
    page.wait_for_load_state("load")
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response.get("violations", [])
    _checked_urls.setdefault(id(page), set()).add(_without_fragment(page.url))
    if violations:
        pytest.fail(_format_violations(page.url, violations), pytrace=False)


def visit(page, path: str, *, expect_status: int | None = 200):
    """Go to `path` (relative to the live server), check the status and run axe. Returns the response."""
    release_db()
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    if expect_status is not None:
        assert response.status == expect_status, f"{path} answered {response.status}, expected {expect_status}"
    axe_check(page)
    return response


def submit(page, button):
    """Click a form's submit button (a Locator), wait for the page it leads to and run axe on it."""
    release_db()
    with page.expect_navigation():
        button.click()
    axe_check(page)


@pytest.fixture(name="axe_check")
def axe_check_fixture():
    return axe_check


@pytest.fixture(name="visit")
def visit_fixture():
    return visit


@pytest.fixture(name="submit")
def submit_fixture():
    return submit


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real form, checking the login page and the page it leads to."""
    visit(page, "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, page.get_by_role("button", name="Sign in"))
