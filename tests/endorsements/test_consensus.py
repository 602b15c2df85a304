"""The consensus map: reservations beside the section they concern, with a tally per section, on the document
page, the version page and the API; only active endorsements of that version count."""
from __future__ import annotations

import re

from sqlalchemy import event

from app.extensions import db
from tests.endorsements.conftest import endorse_body


def _reserve(api, s, who, organisation, section, words):
    response = api(s["people"][who]).post(
        f"/api/v1/versions/{s['version']['id']}/endorsements",
        json=endorse_body(organisation, reservation_section_id=section.id, reservation=words))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _with_a_third_organisation(s, make_organisation, make_user):
    """Lyon, represented by a member of the group, so that three organisations can endorse."""
    from app.groups.models import Membership
    from app.organisations.models import Representative

    lyon = make_organisation("Ville de Lyon <&\"", "FR")
    person = make_user(name="Louise")
    person.organisation_id = lyon.id
    db.session.add(Membership(group_id=s["group"].id, user_id=person.id, role="member"))
    db.session.add(Representative(organisation_id=lyon.id, user_id=person.id))
    db.session.commit()
    s["people"]["lyon"] = person
    return lyon


def test_the_api_tallies_the_reservations_of_each_section(final_setup, api, make_organisation, make_user):
    s = final_setup
    purpose, commitments = s["document"].sections
    lyon = _with_a_third_organisation(s, make_organisation, make_user)
    _reserve(api, s, "member", s["ghent"], commitments, "Budget approval needed")
    _reserve(api, s, "editor", s["oslo"], commitments, "Only from 2028")
    withdrawn = _reserve(api, s, "lyon", lyon, purpose, "Wording")
    assert api(s["people"]["lyon"]).post(f"/api/v1/endorsements/{withdrawn['id']}/withdraw",
                                         json={"reason": "Council said no"}).status_code == 200

    answer = api(s["people"]["observer"]).get(f"/api/v1/versions/{s['version']['id']}/consensus")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["reserved_sections"] == 1
    first, second = data["sections"]
    assert (first["heading"], first["number"], first["count"], first["reservations"]) == ("Purpose", "1", 0, [])
    assert (second["heading"], second["number"], second["count"]) == ("Commitments", "2", 2)
    assert [(r["organisation"], r["reservation"]) for r in second["reservations"]] == [
        ("City of Ghent", "Budget approval needed"), ("City of Oslo", "Only from 2028")]


def test_consensus_is_one_query_however_many_reservations(app, final_setup, api, make_organisation, make_user):
    from app.documents.models import Version
    from app.endorsements.services import consensus

    s = final_setup
    commitments = s["document"].sections[1]
    _reserve(api, s, "member", s["ghent"], commitments, "A")
    _reserve(api, s, "editor", s["oslo"], commitments, "B")
    version = db.session.get(Version, s["version"]["id"])
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        consensus(version)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_outsiders_and_visitors_do_not_read_the_map(final_setup, api, make_user):
    path = f"/api/v1/versions/{final_setup['version']['id']}/consensus"
    assert api(make_user()).get(path).status_code == 404
    assert api().get(path).status_code == 401


def test_the_document_and_version_pages_show_reservations_beside_their_section(final_setup, api, client, login):
    s = final_setup
    purpose, commitments = s["document"].sections
    _reserve(api, s, "member", s["ghent"], commitments, "Budget approval needed")
    _reserve(api, s, "editor", s["oslo"], commitments, "Only from 2028")

    login(client, s["people"]["coordinator"])
    for path in (f"/documents/{s['document'].id}", f"/versions/{s['version']['id']}"):
        html = client.get(path).get_data(as_text=True)
        # The tally and the reservations come right after §2's heading, before its text; §1 has none.
        start = re.search(r'id="(?:section|v)-' + str(commitments.id) + '-heading"', html).start()
        text = html[start:html.index("</section>", start)]
        assert "2 reservations" in text, path
        assert text.index("2 reservations") < text.index("We act.")
        assert "City of Ghent</span>: Budget approval needed" in text and "City of Oslo</span>: Only from 2028" in text
        assert html.count("reservations-") >= 2
        # The coordinator's summary at the top links to the section's reservations.
        assert "Reservations on 1 section" in html
        assert re.search(r'<a href="#[a-z-]*reservations-' + str(commitments.id) + r'">§2 Commitments: 2 reservations',
                         html), path
        purpose_part = html[html.index(f"{purpose.id}-heading"):html.index(f"{commitments.id}-heading")]
        assert "reservation" not in purpose_part


def test_members_see_the_reservations_but_not_the_coordinators_summary(final_setup, api, client, login):
    s = final_setup
    _reserve(api, s, "member", s["ghent"], s["document"].sections[1], "Budget approval needed")
    login(client, s["people"]["observer"])
    html = client.get(f"/documents/{s['document'].id}").get_data(as_text=True)
    assert "1 reservation" in html and "Budget approval needed" in html
    assert "Reservations on 1 section" not in html


def test_a_withdrawn_reservation_leaves_the_map(final_setup, api, client, login):
    s = final_setup
    endorsement = _reserve(api, s, "member", s["ghent"], s["document"].sections[1], "Budget approval needed")
    api(s["people"]["member"]).post(f"/api/v1/endorsements/{endorsement['id']}/withdraw", json={})
    login(client, s["people"]["coordinator"])
    html = client.get(f"/documents/{s['document'].id}").get_data(as_text=True)
    assert "Budget approval needed" not in html and "1 reservation" not in html and "Reservations on" not in html
    consensus = api(s["people"]["coordinator"]).get(f"/api/v1/versions/{s['version']['id']}/consensus").get_json()
    assert consensus["reserved_sections"] == 0 and all(entry["count"] == 0 for entry in consensus["sections"])
