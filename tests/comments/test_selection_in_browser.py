"""In a real browser: select words in a section, comment on them, and find the comment on exactly those words.

The app runs on a real HTTP server in a thread; Debian's chromium is driven
through Playwright (never `playwright install`). Skipped without chromium,
except under CI=true, where that is a failure.
"""
import os
import threading

import pytest
from sqlalchemy import select

from app.comments.models import Comment
from app.documents.services import save_section
from app.extensions import db
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
TEXT = "We agree on **fair wages** now.\n\nAnd fair wages later, for everyone."

pytestmark = pytest.mark.browser


@pytest.fixture
def live(app):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"No chromium at {CHROMIUM}: under CI nothing may be skipped.")
        pytest.skip(f"No chromium at {CHROMIUM}")
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_selecting_the_second_occurrence_of_words_anchors_the_comment_on_it(setting, live):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    save_section(setting["people"]["editor"], setting["section"], body=TEXT, base_revision=1)
    email, section_id, document_id = setting["people"]["member"].email, setting["section"].id, setting["document"].id
    # End this thread's transaction, and touch no object until the browser is done: on SQLite an open
    # transaction here would hold the write lock the server's requests wait for.
    db.session.commit()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(f"{live}/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.goto(f"{live}/documents/{document_id}")
            button = page.locator(f'.comment-on-selection[data-section="{section_id}"]')
            assert button.is_hidden()
            page.evaluate("""(id) => {
                const body = document.querySelector('#section-' + id + ' .section-body');
                const text = body.querySelectorAll('p')[1].firstChild;  // "And fair wages later, ..."
                const range = document.createRange();
                range.setStart(text, 4);
                range.setEnd(text, 14);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
            }""", section_id)
            button.wait_for(state="visible")
            assert button.text_content() == "Comment on “fair wages”"
            button.click()
            form = page.locator(f'.comment-form[data-section="{section_id}"]')
            assert form.locator('input[name="quote"]').input_value() == "fair wages"
            assert form.locator('input[name="occurrence"]').input_value() == "1"
            form.locator("textarea").fill("Which wages are fair?")
            form.locator("button[type=submit]").click()
            page.wait_for_load_state("load")
            assert page.locator(".comment-mark").count() == 1
            violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).response["violations"]
            assert violations == [], [v["id"] for v in violations]
        finally:
            browser.close()
    db.session.rollback()
    comment = db.session.scalar(select(Comment))
    assert (comment.anchor_start, comment.anchor_end) == (TEXT.rindex("fair wages"), TEXT.rindex("fair wages") + 10)
