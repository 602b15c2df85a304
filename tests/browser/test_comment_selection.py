"""In a real browser: select words in a section, comment on them, and find the comment on exactly those words.

Uses the browser layer of tests/browser (one chromium per run, the live server fixture).
"""
import pytest
from sqlalchemy import select

from app.comments.models import Comment
from app.documents.services import save_section
from app.extensions import db
from tests.comments.conftest import setting  # noqa: F401  (fixture)
from tests.conftest import PASSWORD

TEXT = "We agree on **fair wages** now.\n\nAnd fair wages later, for everyone."

pytestmark = pytest.mark.browser


def test_selecting_the_second_occurrence_of_words_anchors_the_comment_on_it(setting, live_server, browser):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    save_section(setting["people"]["editor"], setting["section"], body=TEXT, base_revision=1)
    email, section_id, document_id = setting["people"]["member"].email, setting["section"].id, setting["document"].id
    # End this thread's transaction, and touch no object until the browser is done: on SQLite an open
    # transaction here would hold the write lock the server's requests wait for.
    db.session.commit()
    live = live_server
    context = browser.new_context()
    try:
        page = context.new_page()
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
        context.close()
    db.session.rollback()
    comment = db.session.scalar(select(Comment))
    assert (comment.anchor_start, comment.anchor_end) == (TEXT.rindex("fair wages"), TEXT.rindex("fair wages") + 10)


def test_only_its_author_gets_a_comments_tools_on_the_document_page_and_they_work(
        setting, make_user, new_page):  # noqa: F811
    """The page keeps each section's markup once for every reader of a role and fills in, per reader, the
    tools an author has on their own comments: whoever reads first, the author can edit and delete their
    comment and resolve their thread from the document page (with this session's CSRF token), and another
    member sees none of that."""
    from playwright.sync_api import expect

    from app.comments.services import add_comment
    from app.groups.models import Membership
    from tests.browser.conftest import sign_in, submit, visit

    s = setting
    other = make_user("Otto Other")
    db.session.add(Membership(group_id=s["group"].id, user_id=other.id, role="member"))
    thread = add_comment(s["people"]["member"], s["section"], body="Which wages are fair?", quote="fair wages")
    author_email, other_email = s["people"]["member"].email, other.email
    cid, did = thread.id, s["document"].id
    db.session.commit()  # no open transaction while the server works (SQLite's write lock)

    reader = new_page()  # reads first: the section's markup is kept as they see it
    sign_in(reader, other_email, PASSWORD)
    visit(reader, f"/documents/{did}")
    theirs = reader.locator(f"#comment-{cid}")
    expect(theirs).to_contain_text("Which wages are fair?")
    expect(theirs.get_by_role("link", name="Edit")).to_have_count(0)
    expect(theirs.get_by_role("button", name="Delete")).to_have_count(0)
    expect(reader.get_by_role("button", name="Resolve")).to_have_count(0)

    author = new_page()
    sign_in(author, author_email, PASSWORD)
    visit(author, f"/documents/{did}")
    mine = author.locator(f"#comment-{cid}")
    expect(mine.get_by_role("link", name="Edit")).to_have_count(1)
    expect(author.get_by_role("button", name="Resolve")).to_have_count(1)
    submit(author, mine.get_by_role("button", name="Delete"))
    expect(author.locator(f"#comment-{cid}")).to_contain_text("This comment was deleted.")
