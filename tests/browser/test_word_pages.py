"""In a real browser: an editor starts a document from a Word file with a comment and a tracked change, finds
the comment (from Word) and the suggestion on the document, and downloads the text again as a .docx."""
from __future__ import annotations

import re

import docx
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in, submit, visit
from tests.conftest import PASSWORD
from tests.word.builders import save, tracked


def _reviewed_file(path) -> None:
    d = docx.Document()
    d.core_properties.title = "Clean buses for our cities"
    d.add_heading("1 Goals", 1)
    p = d.add_paragraph("Every city bus we buy is clean by ")
    tracked(p, "del", "2035", "Legal Service", wid=1)
    tracked(p, "ins", "2030", "Legal Service", wid=2)
    p.add_run(".")
    d.add_heading("2 Scope", 1)
    q = d.add_paragraph("Urban and regional lines.")
    d.add_comment([q.runs[0]], text="Do regional lines belong here?", author="Jane Outside", initials="JO")
    path.write_bytes(save(d))


def test_an_editor_starts_a_document_from_word_and_downloads_it_again(make_group, new_page, tmp_path):
    group, people = make_group(roles=("editor",))
    source = tmp_path / "reviewed.docx"
    _reviewed_file(source)
    page = new_page()
    sign_in(page, people["editor"].email, PASSWORD)
    visit(page, f"/groups/{group.id}/documents/new")
    page.get_by_label("Import a Markdown or Word file (.md, .docx)").set_input_files(str(source))
    submit(page, page.get_by_role("button", name="Create the document"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Clean buses for our cities")
    expect(page.get_by_text("is created from the Word file, with 1 comment and 1 suggested change.")).to_be_visible()
    expect(page.get_by_role("heading", name="Goals")).to_be_visible()
    expect(page.get_by_role("heading", name="Scope")).to_be_visible()
    expect(page.get_by_text("Every city bus we buy is clean by 2035.")).to_be_visible()  # the text before the change
    expect(page.get_by_text("Jane Outside (from Word)")).to_be_visible()
    expect(page.get_by_text("Do regional lines belong here?")).to_be_visible()
    suggestions = page.get_by_role("link", name="1 suggested change to §1")
    expect(suggestions).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download as Word \(\.docx\)")).click()
    exported = tmp_path / "exported.docx"
    download_info.value.save_as(exported)
    assert download_info.value.suggested_filename == "clean-buses-for-our-cities-draft.docx"
    texts = [p.text for p in docx.Document(str(exported)).paragraphs]
    assert "1 Goals" in texts and "Every city bus we buy is clean by 2035." in texts and "2 Scope" in texts

    with page.expect_navigation():
        suggestions.click()
    axe_check(page)
    expect(page.get_by_role("heading", name="Suggested changes (1)")).to_be_visible()
    # the Word author and date (shown in the reader's time zone, Europe/Brussels by default)
    expect(page.get_by_text(re.compile(r"by Legal Service \(from Word\), 2 Mar 2026"))).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Suggested change #1").click()
    axe_check(page)
    main = page.locator("main")
    expect(main).to_contain_text("Tracked changes from the Word file (2).")
    # 2035 -> 2030 as the comparison reads it: the whole number struck and inserted, never "203" kept
    expect(main).to_contain_text(re.compile(r"clean by \[deleted: 2035\]\s*\[inserted: 2030\]"))
