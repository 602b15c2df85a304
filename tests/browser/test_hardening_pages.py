"""Issue #25 in the browser: drafts do not outlive a sign-out, and an invitation for another address says so."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from app.groups.services import invite
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_signing_out_clears_the_drafts_this_browser_kept(page, make_user):
    user = make_user(name="Shared Laptop")
    release_db()
    sign_in(page, user.email, PASSWORD)
    page.evaluate("""() => {
        localStorage.setItem('accord-draft-section-7', JSON.stringify({body: 'unsaved words'}));
        localStorage.setItem('unrelated-setting', 'kept');
    }""")
    submit(page, page.get_by_role("button", name=re.compile(r"^Sign out")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert page.evaluate("() => localStorage.getItem('accord-draft-section-7')") is None
    assert page.evaluate("() => localStorage.getItem('unrelated-setting')") == "kept"


def test_an_invitation_for_another_address_shows_it_and_offers_no_accept_button(page, make_group, make_user):
    group, people = make_group()
    _invitation, token = invite(people["coordinator"], group, "invited@example.eu", "member",
                                lambda raw: f"/invitations/{raw}")
    outsider = make_user(email="outsider@example.eu")
    db.session.commit()
    release_db()
    sign_in(page, outsider.email, PASSWORD)
    visit(page, f"/invitations/{token}")
    expect(page.get_by_role("alert")).to_contain_text("This invitation is for invited@example.eu")
    expect(page.get_by_role("button", name="Accept the invitation")).to_have_count(0)


def test_the_editors_preview_says_why_a_text_cannot_be_formatted(page, make_group):
    from app.documents.services import create_document

    group, people = make_group()
    document = create_document(people["editor"], group, title="Clean buses", kind="statement",
                               sections=[{"heading": "Aim", "body": "Cities buy clean buses."}])
    db.session.commit()
    section_id = document.sections[0].id
    release_db()
    sign_in(page, people["editor"].email, PASSWORD)
    visit(page, f"/sections/{section_id}/edit")
    page.wait_for_function("() => !!window.accordEditor")
    page.evaluate("() => window.accordEditor.value('[' .repeat(5000) + ' and more')")
    page.get_by_role("button", name="Preview", exact=True).click()
    problem = page.locator(".preview-problem")
    expect(problem).to_contain_text("Preview unavailable: Square brackets or link addresses are left open")
    expect(page.locator(".editor-preview script")).to_have_count(0)
    axe_check(page)


def test_the_sealed_audit_checkpoint_is_shown_on_the_activity_and_audit_pages(page, make_group):
    """The chain's head is published where members look; the coordinator's audit page says the chain holds."""
    from app.audit.checkpoints import seal_checkpoint
    from app.audit.services import head

    group, people = make_group()
    checkpoint = seal_checkpoint(group.id, head(group.id))
    db.session.commit()
    head_hash, gid = checkpoint.head_hash, group.id
    release_db()
    sign_in(page, people["member"].email, PASSWORD)
    visit(page, f"/groups/{gid}/activity")
    expect(page.locator(".audit-checkpoint")).to_contain_text(head_hash)
    page.context.clear_cookies()
    sign_in(page, people["coordinator"].email, PASSWORD)
    visit(page, f"/groups/{gid}/audit")
    expect(page.locator(".audit-checkpoint")).to_contain_text(head_hash)
