"""Signing in a real browser, with axe-core on every page: the sign-off board's schedule, the endorse page
that names the text in words, and the delegation page."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.documents.services import create_document
from app.documents.workflow import transition
from app.endorsements.services import delegate, make_final
from app.extensions import db
from app.groups.models import Membership
from app.organisations.models import Representative
from app.util import utcnow
from tests.browser.conftest import release_db, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_the_board_the_endorse_page_and_delegations(page, new_page, make_group, make_organisation, make_user):
    group, people = make_group(name="Fair ICT")
    ghent = make_organisation("City of Ghent", "BE")
    member = people["member"]
    member.organisation_id, member.job_title = ghent.id, "Deputy Mayor"
    db.session.add(Representative(organisation_id=ghent.id, user_id=member.id))
    piet = make_user(name="Piet Janssens", organisation=ghent)
    db.session.add(Membership(group_id=group.id, user_id=piet.id, role="member"))
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement",
                               sections=[{"heading": "Purpose", "body": "We agree."}])
    transition(people["coordinator"], document, "review")
    version = make_final(people["coordinator"], document, label="Text for signature",
                         deadline=utcnow().date() + timedelta(days=20), reminder_days=[7, 1])
    delegate(member, version, organisation_id=ghent.id, delegate_user_id=piet.id, mandate="Board, 12 May")
    db.session.commit()
    vid = version.id
    release_db()

    sign_in(page, people["coordinator"].email, PASSWORD)
    visit(page, f"/versions/{vid}/signoff")
    schedule = page.locator("#schedule")
    expect(schedule).to_contain_text("Reminders go to those who have not decided 7, 1 days before the deadline.")
    schedule.get_by_label("Reminder days before the deadline").fill("10, 2")
    submit(page, schedule.get_by_role("button", name="Save the reminder schedule"))
    expect(page.locator("#schedule")).to_contain_text("10, 2 days before the deadline")

    representative = new_page()
    sign_in(representative, member.email, PASSWORD)
    visit(representative, f"/versions/{vid}/endorse")
    expect(representative.get_by_label("Signatory's title")).to_have_value("Deputy Mayor")
    expect(representative.get_by_label("I have read “Fair ICT”, Text for signature (version 1)")).not_to_be_checked()
    representative.get_by_text("Content hash of this exact text").click()
    expect(representative.locator("details code.hash")).to_have_text(version.content_hash)
    visit(representative, f"/versions/{vid}/delegations")
    expect(representative.get_by_role("table")).to_contain_text("Piet Janssens")
    expect(representative.get_by_role("table")).to_contain_text("Board, 12 May")
