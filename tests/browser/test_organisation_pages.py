"""A contact manages who signs for their organisation, in a real browser, with axe-core on every page."""
from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.organisations.models import OrganisationContact
from tests.browser.conftest import axe_check, release_db, sign_in, submit, visit
from tests.browser.test_foundation_pages import flash, mailed_link
from tests.conftest import PASSWORD


def test_a_contact_invites_a_representative_who_registers(page, new_page, make_user, make_organisation):
    organisation = make_organisation("City of Ghent", "BE")
    contact = make_user(name="Carla Contact")
    db.session.add(OrganisationContact(organisation_id=organisation.id, user_id=contact.id))
    db.session.commit()
    contact_email, oid = contact.email, organisation.id
    release_db()

    sign_in(page, contact_email, PASSWORD)
    visit(page, "/profile")
    page.get_by_role("link", name="City of Ghent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("City of Ghent")
    axe_check(page)
    reps = page.locator("section", has=page.get_by_role("heading", name="Representatives"))
    reps.get_by_label("E-mail address").fill("rita@ghent.example.eu")
    submit(page, reps.get_by_role("button", name="Name a representative"))
    expect(flash(page)).to_contain_text("an invitation to register is on its way")
    expect(page.locator("section", has=page.get_by_role("heading", name="Representatives"))) \
        .to_contain_text("rita@ghent.example.eu")
    axe_check(page)

    link = mailed_link("rita@ghent.example.eu", "/organisation-invitations/")
    stranger = new_page()
    visit(stranger, link)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Represent City of Ghent")
    axe_check(stranger)
    stranger.get_by_label("Full name").fill("Rita Representative")
    stranger.get_by_label("Password").fill("a-long-enough-password")
    submit(stranger, stranger.get_by_role("button", name="Create account"))
    expect(flash(stranger)).to_contain_text("You now represent City of Ghent.")

    visit(page, f"/organisations/{oid}")
    reps = page.locator("section", has=page.get_by_role("heading", name="Representatives"))
    expect(reps.get_by_role("listitem").first).to_contain_text("Rita Representative")
    expect(reps.get_by_role("button", name="Remove Rita Representative")).to_be_visible()
