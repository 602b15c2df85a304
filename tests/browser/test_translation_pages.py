"""In a real browser: an editor starts a French translation from the document page's Languages panel, the
original changes, the translation's page says the section is behind with the words that changed, and the
editor marks it up to date; readers switch languages section by section. Every page is checked with axe."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.documents import services
from app.documents.models import Section
from app.extensions import db
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_an_editor_translates_a_statement_and_keeps_it_up_to_date(page, make_group):
    group, people = make_group(roles=("editor",))
    editor = people["editor"]
    document = services.create_document(editor, group, title="Clean buses", kind="statement",
                                        sections=[{"heading": "Scope", "body": "Cities buy buses together."},
                                                  {"heading": "Money", "body": "Joint tenders cut prices."}])
    db.session.commit()
    did, scope_id = document.id, document.sections[0].id
    release_db()
    sign_in(page, editor.email, PASSWORD)
    visit(page, f"/documents/{did}")
    languages = page.get_by_role("region", name="Languages")
    languages.get_by_label("Translate into").select_option("fr")
    submit(page, languages.get_by_role("button", name="Start a translation"))
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the interface stays the reader's
    expect(page.get_by_role("region", name="Languages")).to_contain_text("This is a translation into French")
    translation_url = page.url.split("#")[0]
    tid = int(re.search(r"/documents/(\d+)", translation_url).group(1))
    expect(page.locator("main [lang=fr]").first).to_be_visible()  # the translation's own text is marked French

    # The original changes: the translation's section is behind, with the words that changed.
    scope = db.session.get(Section, scope_id)
    services.save_section(editor, scope, body="Cities and regions buy buses together.", base_revision=1)
    db.session.commit()
    release_db()
    visit(page, f"/documents/{tid}")
    behind = page.get_by_role("note").filter(has_text="Behind the original")
    expect(behind).to_have_count(1)
    expect(behind.locator("ins")).to_contain_text("and regions")
    # On the original's page too, the section is listed as behind.
    visit(page, f"/documents/{did}")
    expect(page.get_by_role("region", name="Languages")).to_contain_text("§1 Scope is behind")
    with page.expect_navigation():
        page.get_by_role("link", name="§1 Scope is behind").click()
    axe_check(page)

    # Marked up to date: the note is gone, and the links lead between the languages section by section.
    submit(page, page.get_by_role("button", name="Mark as up to date Scope"))
    expect(page.get_by_role("note").filter(has_text="Behind the original")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"English \(original\)")).first.click()
    axe_check(page)
    assert page.url.startswith(f"{page.url.split('/documents/')[0]}/documents/{did}")
    assert page.url.endswith(f"#section-{scope_id}")
