"""In a real browser (axe on every page): the consensus map beside its section, the coordinator's summary
linking to it, and the public page with its withdrawn endorsements and the signatories' badges."""
from __future__ import annotations

from playwright.sync_api import expect

from app.documents.models import Version
from app.documents.workflow import publish
from app.endorsements.services import endorse, withdraw
from app.extensions import db
from tests.browser.conftest import axe_check, sign_in, visit
from tests.conftest import PASSWORD
from tests.endorsements.conftest import final_setup  # noqa: F401  (fixture)


def test_reservations_beside_their_section_and_the_public_transparency(final_setup, new_page):  # noqa: F811
    s = final_setup
    people, commitments = s["people"], s["document"].sections[1]
    version = db.session.get(Version, s["version"]["id"])
    endorse(people["member"], version, organisation_id=s["ghent"].id, signatory_name="Anna De Smet",
            signatory_title="Deputy Mayor", reservation_section_id=commitments.id,
            reservation="Budget approval needed")
    oslo = endorse(people["editor"], version, organisation_id=s["oslo"].id, signatory_name="Ola Nordmann",
                   signatory_title="Mayor")
    withdraw(people["editor"], oslo, "The council voted against")
    publish(people["coordinator"], s["document"])
    db.session.commit()
    key = s["document"].public_key

    page = new_page()
    sign_in(page, people["coordinator"].email, PASSWORD)
    visit(page, f"/documents/{s['document'].id}")
    summary = page.get_by_role("region", name="Reservations on 1 section")
    summary.get_by_role("link", name="§2 Commitments: 1 reservation").click()
    beside = page.locator(f"#reservations-{commitments.id}")
    expect(beside).to_be_focused()
    expect(beside).to_contain_text("1 reservation")
    expect(beside).to_contain_text("City of Ghent: Budget approval needed")
    axe_check(page)
    visit(page, f"/versions/{version.id}")
    expect(page.locator(f"#v-reservations-{commitments.id}")).to_contain_text("Budget approval needed")

    visitor = new_page()
    visit(visitor, f"/public/{key}")
    withdrawn = visitor.get_by_role("region", name="Withdrawn endorsements")
    expect(withdrawn).to_contain_text("City of Oslo")
    expect(withdrawn).to_contain_text("The council voted against")
    expect(visitor.locator(f"#p-reservations-{commitments.id}")).to_contain_text("1 reservation")
    badge = visitor.get_by_role("img", name="The badge of City of Ghent")
    expect(badge).to_be_visible()
    assert visitor.evaluate("img => img.naturalWidth", badge.element_handle()) == 400  # the SVG loaded
    expect(visitor.locator("pre.badge-code code")).to_contain_text(f"/public/{key}/badge/{s['ghent'].id}.svg")
