"""In a real browser, by keyboard: a coordinator makes a statement final, publishes it, closes endorsement,
reopens it and removes a section, each time on a confirmation page that says what will happen; every
confirmation page is checked with axe."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.documents import services
from app.documents.models import Document
from app.documents.workflow import transition
from app.extensions import db
from app.organisations.models import Representative
from app.util import utcnow
from tests.browser.conftest import axe_check, release_db, sign_in, visit
from tests.conftest import PASSWORD


def tab_to(page, name: str, role: str = "a") -> None:
    """Press Tab until the focused element (a link or a button) reads `name`."""
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => el.matches('{role}') && el.textContent.trim().startsWith({name!r}))"
                         "(document.activeElement)"):
            return
    pytest.fail(f"{name!r} cannot be reached with Tab")


def press_enter_and_wait(page) -> None:
    release_db()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_coordinator_confirms_each_weighty_step_by_keyboard(page, make_group, make_organisation):
    group, people = make_group(roles=("member",))
    ghent = make_organisation("City of Ghent")
    people["member"].organisation_id = ghent.id
    db.session.add(Representative(organisation_id=ghent.id, user_id=people["member"].id))
    document = services.create_document(people["coordinator"], group, title="Clean buses", kind="statement",
                                        sections=[{"heading": "Scope", "body": "Cities buy buses together."},
                                                  {"heading": "Money", "body": "Joint tenders cut prices."}])
    transition(people["coordinator"], document, "review")
    db.session.commit()
    did = document.id
    release_db()
    sign_in(page, people["coordinator"].email, PASSWORD)

    visit(page, f"/documents/{did}")
    tab_to(page, "Make final and open for endorsement")
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Make the text final?")
    expect(page.locator("main")).to_contain_text("Version 1 will be frozen with its 2 sections")
    expect(page.locator("main")).to_contain_text("The representatives of 1 organisation will be asked to endorse it.")
    axe_check(page)
    page.get_by_label("Endorsement deadline").fill((utcnow() + timedelta(days=14)).date().isoformat())
    tab_to(page, "Make final and open for endorsement", "button")
    press_enter_and_wait(page)
    expect(page.locator(".flash")).to_contain_text("The document is now final.")

    tab_to(page, "Publish the final statement")
    press_enter_and_wait(page)
    expect(page.locator("main")).to_contain_text("Anyone with the link will read version 1 and its 0 of 1 endorsement.")
    axe_check(page)
    tab_to(page, "Publish the final statement", "button")
    press_enter_and_wait(page)
    expect(page.locator(".flash")).to_contain_text("The statement is public.")

    tab_to(page, "Close endorsement")
    press_enter_and_wait(page)
    expect(page.locator("main")).to_contain_text("1 organisation that has not endorsed can no longer endorse it.")
    axe_check(page)
    page.go_back()  # the person changes their mind: nothing happened
    release_db()
    db.session.expire_all()
    assert db.session.get(Document, did).status == "final"

    visit(page, f"/documents/{did}")
    tab_to(page, "Reopen for a new drafting round")
    press_enter_and_wait(page)
    expect(page.locator("main")).to_contain_text("0 endorsements of version 1 stay as they are.")
    axe_check(page)
    tab_to(page, "Reopen for a new drafting round", "button")
    press_enter_and_wait(page)
    expect(page.locator(".flash")).to_contain_text("The document is now draft.")

    section = page.locator(f"#section-{document.sections[1].id}")
    section.locator("summary.section-menu-button").focus()
    page.keyboard.press("Enter")
    remove = section.get_by_role("link", name="Remove… §2 Money")
    expect(remove).to_be_visible()
    remove.focus()
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove §2 “Money”?")
    expect(page.locator("main")).to_contain_text("The section and its 4 words leave the text")
    axe_check(page)
    tab_to(page, "Remove the section", "button")
    press_enter_and_wait(page)
    expect(page.locator(".flash")).to_contain_text("“Money” is removed.")
    axe_check(page)
