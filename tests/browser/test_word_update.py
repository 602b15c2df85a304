"""In a real browser: an editor downloads the draft as Word, edits a paragraph offline, and brings it back
with "Update from a Word file"; the page says which section was saved, and the new words are shown."""
from __future__ import annotations

import re

import docx
from playwright.sync_api import expect

from app.documents import services
from app.extensions import db
from tests.browser.conftest import axe_check, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_an_editor_updates_the_draft_from_a_copy_edited_in_word(make_group, new_page, tmp_path):
    group, people = make_group(roles=("editor",))
    document = services.create_document(people["editor"], group, title="Clean buses", kind="statement", sections=[
        {"heading": "Goals", "body": "Every city bus we buy is clean by 2035."},
        {"heading": "Scope", "body": "Urban and regional lines."}])
    db.session.commit()
    page = new_page()
    sign_in(page, people["editor"].email, PASSWORD)
    visit(page, f"/documents/{document.id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download as Word \(\.docx\)")).click()
    copy = tmp_path / "copy.docx"
    download_info.value.save_as(copy)
    d = docx.Document(str(copy))
    paragraph = next(p for p in d.paragraphs if p.text == "Every city bus we buy is clean by 2035.")
    paragraph.runs[0].text = "Every city bus we buy is clean by 2030."
    d.save(str(copy))

    with page.expect_navigation():
        page.get_by_role("link", name="Update from a Word file").click()
    axe_check(page)
    page.get_by_label("Word file (.docx) downloaded from this document").set_input_files(str(copy))
    submit(page, page.get_by_role("button", name="Update from the Word file"))
    expect(page.get_by_text("Saved from Word: “Goals”.")).to_be_visible()
    expect(page.get_by_text("Every city bus we buy is clean by 2030.")).to_be_visible()
    axe_check(page)
