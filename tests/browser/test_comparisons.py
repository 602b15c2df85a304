"""In a real browser: comparisons read as track changes on the formatted text.

The compare page (inline and side by side) and a suggestion (its preview and its page): no word is split
by a change, no Markdown mark shows, every insertion and deletion carries words a screen reader says, and
axe-core finds nothing (visit and submit check every page).
"""
import re

import lxml.html
import pytest

from app.documents.services import create_version, save_section
from app.extensions import db
from tests.browser.conftest import axe_check, sign_in, submit, visit
from tests.comments.conftest import setting  # noqa: F401  (fixture)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

BEFORE = ("We agree on **fair wages**, once a year.\n\n"
          "Publishing criteria is not an optional extra for buyers.\n\n"
          "- repair\n- reuse\n\n"
          "| Lot | Share |\n|---|---|\n| Laptops | 40% |\n")
AFTER = ("We agree on **fair wages**, twice a year.\n\n"
         "Publishing criteria is never a voluntary add-on for buyers.\n\n"
         "- repair\n- reuse\n- refurbish\n\n"
         "| Lot | Share |\n|---|---|\n| Laptops | 45% |\n")
MARKERS = ("**", "|---", "| ---", "](")
WORD = re.compile(r"\w")


def segments(element, kind=""):
    """The comparison's visible text in reading order as (kind, text): kind "" for unchanged, "ins" or "del"."""
    if "visually-hidden" in (element.get("class") or "") or "diff-note" in (element.get("class") or ""):
        return []
    kind = element.tag if element.tag in ("ins", "del") else kind
    out = [(kind, element.text)] if element.text else []
    for child in element:
        out += segments(child, kind)
        if child.tail:
            out.append((kind, child.tail))
    return out


def assert_reads_as_track_changes(page):
    comparisons = page.locator(".diff-formatted")
    assert comparisons.count() >= 1
    changes = 0
    for index in range(comparisons.count()):
        box = comparisons.nth(index)
        text = box.inner_text()
        assert not any(marker in text for marker in MARKERS), text
        assert not re.search(r"^\s*(#|- |\d+\. )", text, re.M), text
        parts = [(kind, text) for kind, text in segments(lxml.html.fragment_fromstring(box.inner_html(),
                                                                                      create_parent="div")) if text]
        for (left_kind, left), (right_kind, right) in zip(parts, parts[1:]):
            if "" in (left_kind, right_kind) and left_kind != right_kind:  # unchanged text meets a change
                assert not (WORD.match(left[-1]) and WORD.match(right[0])), f"a word is split: {left!r}|{right!r}"
        changes += sum(1 for kind, _text in parts if kind)
    assert changes
    # Every insertion and deletion is announced: its words are in the accessibility tree, not display:none.
    announced = page.evaluate("""() => [...document.querySelectorAll('.diff-formatted ins, .diff-formatted del')]
        .map(e => {const label = e.querySelector('.visually-hidden');
                   return label && getComputedStyle(label).display !== 'none' ? label.textContent : null;})""")
    assert announced and all(label in ("[inserted: ", "[deleted: ") for label in announced), announced


def test_the_compare_page_reads_as_track_changes(setting, page):  # noqa: F811
    people, document, section = setting["people"], setting["document"], setting["section"]
    save_section(people["editor"], section, body=BEFORE, base_revision=1)
    version = create_version(people["editor"], document, label="Before the workshop")
    save_section(people["editor"], section, body=AFTER, base_revision=2)
    document_id, version_id, email, section_id = document.id, version.id, people["member"].email, section.id
    db.session.commit()

    sign_in(page, email, PASSWORD)
    visit(page, f"/documents/{document_id}/compare?from={version_id}&to=current")
    assert_reads_as_track_changes(page)
    assert page.locator(".diff-formatted del", has_text="once").count() == 1
    assert page.locator(".diff-formatted ins", has_text="never a voluntary add-on").count() == 1
    assert page.locator(".diff-formatted td ins", has_text="45").count() == 1
    assert page.locator(".diff-formatted li ins", has_text="refurbish").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="Side by side").click()
    axe_check(page)
    assert_reads_as_track_changes(page)
    assert page.locator(".diff-old del", has_text="once").count() == 1
    assert page.locator(".diff-new ins", has_text="twice").count() == 1
    visit(page, f"/documents/{document_id}/compare?from={version_id}&to=current&view=source")  # for editors
    for view in ("inline", "side"):
        visit(page, f"/sections/{section_id}/diff?from=2&to=3&view={view}")
        assert_reads_as_track_changes(page)
    visit(page, f"/sections/{section_id}/diff?from=2&to=3&view=source")


def test_a_suggestion_reads_as_track_changes(setting, page):  # noqa: F811
    people, section = setting["people"], setting["section"]
    save_section(people["editor"], section, body=BEFORE, base_revision=1)
    section_id, email = section.id, people["member"].email
    db.session.commit()

    sign_in(page, email, PASSWORD)
    visit(page, f"/sections/{section_id}/suggest")
    page.get_by_label("Your text for the section (Markdown)").fill(AFTER)
    submit(page, page.get_by_role("button", name="Preview the change"))
    assert_reads_as_track_changes(page)
    submit(page, page.get_by_role("button", name="Post suggestion"))
    assert "Suggested change" in page.locator("h1").inner_text()
    assert_reads_as_track_changes(page)
    assert page.locator(".diff-formatted ins", has_text="twice").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="Side by side").click()
    axe_check(page)
    assert_reads_as_track_changes(page)
