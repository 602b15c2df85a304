"""Bringing people in, in a real browser with axe-core: the batch invitation form with a faulty line, then a
good batch, and the start page a newcomer lands on."""
from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from tests.browser.conftest import release_db, sign_in, submit, visit
from tests.conftest import PASSWORD


def test_a_coordinator_invites_a_batch_and_a_member_reads_where_to_start(page, new_page, make_group,
                                                                        make_organisation):
    group, people = make_group(roles=("member",), name="Heat pumps")
    ghent = make_organisation("City of Ghent", "BE")
    member = people["member"]
    member.organisation_id = ghent.id
    from app.organisations.models import Representative
    db.session.add(Representative(organisation_id=ghent.id, user_id=member.id))
    db.session.commit()
    coordinator_email, member_email, gid = people["coordinator"].email, member.email, group.id
    release_db()

    sign_in(page, coordinator_email, PASSWORD)
    visit(page, f"/groups/{gid}")
    expect(page.get_by_role("table", name="Members of Heat pumps and their roles")).to_contain_text(
        "May endorse for City of Ghent")
    page.get_by_role("link", name="Invite several people at once, with a personal note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite several people")
    page.get_by_label("Addresses, one a line").fill("anna@city.example\nberta@city.example, chair")
    page.get_by_label("A personal note (optional)").fill("Our next call is on Thursday.")
    submit(page, page.get_by_role("button", name="Send the invitations"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Line 2: “chair” is not a role")
    expect(page.get_by_label("Addresses, one a line")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Addresses, one a line").fill("anna@city.example\nberta@city.example, editor")
    submit(page, page.get_by_role("button", name="Send the invitations"))
    expect(page.locator(".flash")).to_contain_text("2 invitations sent.")

    newcomer = new_page()  # the member, who joined today: the group page points them to where to start
    sign_in(newcomer, member_email, PASSWORD)
    visit(newcomer, f"/groups/{gid}")
    expect(newcomer.get_by_role("heading", name="New here?")).to_be_visible()
    newcomer.get_by_role("link", name="Start here", exact=True).click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Heat pumps")
    visit(newcomer, f"/groups/{gid}/start")  # checked by axe as well
    expect(newcomer.get_by_role("heading", name="How to take part")).to_be_visible()
    expect(newcomer.get_by_role("main")).to_contain_text("Nothing is open for comments or endorsement at the moment.")
    expect(newcomer.get_by_role("main")).to_contain_text("Coordinator")
