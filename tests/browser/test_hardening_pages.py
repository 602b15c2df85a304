"""Issue #25 in the browser: drafts do not outlive a sign-out, and an invitation for another address says so."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from app.groups.services import invite
from tests.browser.conftest import release_db, sign_in, submit, visit
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
