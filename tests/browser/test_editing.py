"""In a real browser: the section editor never traps (write, preview, write, side by side, save; with the
keyboard and with the mouse), the conflict screen's one-click ways out, and a section's tools in one quiet
menu that the keyboard reaches. axe checks every state shown."""
import pytest
from sqlalchemy import select

from app.auth.models import User
from app.documents import services
from app.documents.models import Section
from app.extensions import db
from app.groups.models import Membership
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

BODY = "Buyers check wages every year."


@pytest.fixture
def doc(make_group, make_user):
    group, people = make_group(roles=("observer",))
    for name, key, role in (("Marta Puig", "marta", "editor"), ("Jon Berg", "jon", "member")):
        people[key] = make_user(name)
        db.session.add(Membership(group_id=group.id, user_id=people[key].id, role=role))
    document = services.create_document(people["marta"], group, title="Fair ICT statement", kind="statement",
                                        sections=[{"heading": "Purpose", "body": "We agree on fair wages."},
                                                  {"heading": "Monitoring", "body": BODY},
                                                  {"heading": "Scope", "body": "ICT hardware."}])
    db.session.commit()
    ids = {"document": document.id, "section": document.sections[1].id,
           "marta": people["marta"].email, "jon": people["jon"].email, "marta_id": people["marta"].id}
    db.session.commit()
    return ids


def saved_body(section_id: int) -> tuple[str, int]:
    release_db()
    section = db.session.scalar(select(Section).where(Section.id == section_id))
    result = section.body, section.current_revision
    release_db()
    return result


def focused(page, script: str = "el => el.getAttribute('aria-label') || el.textContent.trim()"):
    return page.evaluate(f"({script})(document.activeElement)")


def previewing(page) -> bool:
    return page.locator(".editor-preview-full.editor-preview-active").count() == 1


def test_the_editor_by_keyboard_write_preview_write_side_by_side_save(doc, page):
    from playwright.sync_api import expect

    sign_in(page, doc["jon"], PASSWORD)
    visit(page, f"/sections/{doc['section']}/edit")
    page.get_by_role("textbox", name="Heading", exact=True).focus()
    page.keyboard.press("Tab")
    assert focused(page) == "Bold"  # the toolbar is one Tab stop ...
    page.keyboard.press("End")
    assert focused(page) == "Side by side"  # ... walked with the arrow keys, Home and End
    page.keyboard.press("ArrowLeft")
    assert focused(page) == "Preview"
    assert page.evaluate("document.activeElement.getAttribute('aria-keyshortcuts')") == "Alt+P"
    assert "go back to writing" in page.evaluate("document.activeElement.title")
    page.keyboard.press("Tab")  # into the text
    page.keyboard.press("Control+End")
    page.keyboard.type(" Auditors visit **twice** a year.")

    page.keyboard.press("Alt+P")  # to the preview: it takes the focus, so that it is read
    expect(page.locator(".editor-preview-full strong")).to_have_text("twice")
    assert previewing(page)
    assert focused(page) == "Preview of the text"
    expect(page.get_by_role("button", name="Preview")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Bold")).to_have_attribute("aria-disabled", "true")
    axe_check(page)

    page.keyboard.press("Alt+P")  # and back to writing, the cursor where it was
    expect(page.locator(".editor-preview-active")).to_have_count(0)
    expect(page.get_by_role("button", name="Preview")).to_have_attribute("aria-pressed", "false")
    page.keyboard.type(" Reports are public.")

    page.keyboard.press("F9")  # side by side, inside the page
    side = page.locator(".editor-preview-side.editor-preview-active-side")
    expect(side).to_contain_text("Reports are public.")
    expect(page.get_by_role("button", name="Side by side")).to_have_attribute("aria-pressed", "true")
    assert page.locator(".CodeMirror-fullscreen, .editor-toolbar.fullscreen").count() == 0
    axe_check(page)
    page.keyboard.press("Tab")  # Tab leaves the text (no trap): the preview pane, then the next field
    assert focused(page) == "Preview of the text"
    page.keyboard.press("Tab")
    assert focused(page, "el => el.name") == "message"
    page.keyboard.type("Audits and reports")
    page.keyboard.press("Tab")
    assert focused(page) == "Save section"
    expect(page.get_by_role("button", name="Save section")).to_be_in_viewport()
    release_db()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe_check(page)
    expect(page.locator("#save-notice")).to_contain_text("Saved as revision 2.")
    expect(page.locator("#save-notice")).to_be_focused()  # read out where the person landed
    body, revision = saved_body(doc["section"])
    assert body == BODY + " Auditors visit **twice** a year. Reports are public." and revision == 2


def test_the_editor_with_the_mouse_write_preview_write_side_by_side_save(doc, page):
    from playwright.sync_api import expect

    sign_in(page, doc["jon"], PASSWORD)
    visit(page, f"/sections/{doc['section']}/edit")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Twice a year.")
    preview = page.get_by_role("button", name="Preview")
    preview.click()
    expect(page.locator(".editor-preview-full")).to_contain_text("Twice a year.")
    expect(preview).to_have_attribute("aria-pressed", "true")
    expect(preview).to_be_enabled()
    preview.click()  # the same button leads back
    expect(page.locator(".editor-preview-active")).to_have_count(0)
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Public reports.")
    page.get_by_role("button", name="Side by side").click()
    expect(page.locator(".editor-preview-active-side")).to_contain_text("Public reports.")
    save = page.get_by_role("button", name="Save section")
    cancel = page.get_by_role("link", name="Cancel")
    expect(save).to_be_visible()
    expect(cancel).to_be_visible()
    axe_check(page)
    submit(page, save)
    expect(page.locator("#save-notice")).to_contain_text("Saved as revision 2.")
    assert saved_body(doc["section"]) == (BODY + " Twice a year. Public reports.", 2)


def test_the_conflict_screen_names_the_other_writer_and_edit_from_their_text_takes_one_click(doc, page):
    from playwright.sync_api import expect

    sign_in(page, doc["jon"], PASSWORD)
    visit(page, f"/sections/{doc['section']}/edit")
    release_db()
    theirs = "Buyers check wages every month."
    services.save_section(db.session.get(User, doc["marta_id"]), db.session.get(Section, doc["section"]),
                          body=theirs, base_revision=1)
    db.session.commit()
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Backspace")
    page.keyboard.type(" and quarter.")
    submit(page, page.get_by_role("button", name="Save section"))
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Marta Puig changed the same words while you were writing")
    expect(page.locator(".conflict")).to_contain_text("Marta Puig saved this section today at")
    page.get_by_role("link", name="Edit from their text").click()
    expect(page.locator("#conflict-status")).to_have_text(
        "The editor now holds their text. Edit it, then save the section.")
    page.keyboard.type(" Reports are public.")
    axe_check(page)
    submit(page, page.get_by_role("button", name="Save section"))
    expect(page.locator("#save-notice")).to_contain_text("Saved as revision 3.")
    assert saved_body(doc["section"]) == (theirs + " Reports are public.", 3)


def test_a_sections_tools_are_one_quiet_menu_the_keyboard_reaches(doc, page):
    from playwright.sync_api import expect

    sign_in(page, doc["marta"], PASSWORD)
    visit(page, f"/documents/{doc['document']}")
    section = page.locator(f"#section-{doc['section']}")
    remove = section.get_by_role("link", name="Remove… §2 Monitoring")
    expect(remove).to_be_hidden()  # no strip of buttons under the text, no red button in sight
    expect(section.get_by_role("link", name="Edit §2 Monitoring")).to_be_hidden()
    menu = section.locator("summary.section-menu-button")
    expect(menu).to_have_accessible_name("Section tools for §2 Monitoring")
    for _ in range(80):  # Tab through the page until the menu's button has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.section-menu-button')") and \
                page.evaluate("document.activeElement.closest('section').id") == f"section-{doc['section']}":
            break
    else:
        pytest.fail("the section's tools cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(remove).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page) == "Edit §2 Monitoring"
    style = remove.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).fontWeight]")
    assert style[0] in ("rgba(0, 0, 0, 0)", "transparent") and int(style[1]) < 600  # plain, never filled
    items = section.locator(".section-menu-items a, .section-menu-items button")
    assert items.last.text_content().startswith("Remove")  # last, after the others
    axe_check(page)
    page.keyboard.press("Escape")
    expect(remove).to_be_hidden()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    release_db()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Edit
    axe_check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit §2 Monitoring")
