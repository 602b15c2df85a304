"""What anyone reads on a published statement's public page and its JSON: the current endorsements and, apart,
the withdrawn ones with their dates; a roadmap's actions with their owners and latest progress; each signatory's
embeddable badge (an SVG that escapes every text, 404 for an organisation that does not endorse)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.extensions import db
from tests.endorsements import conftest as endorsement_fixtures
from tests.endorsements.conftest import endorse_body
from tests.roadmaps import conftest as roadmap_fixtures
from tests.roadmaps.conftest import make_final

# The statement and the roadmap these tests publish, as the endorsement and roadmap tests build them.
final_setup = endorsement_fixtures.final_setup
roadmap_setup = roadmap_fixtures.roadmap_setup

SVG = "{http://www.w3.org/2000/svg}"


def _publish(api, s) -> str:
    published = api(s["people"]["coordinator"]).post(f"/api/v1/documents/{s['document'].id}/publish", json={})
    assert published.status_code == 200, published.get_json()
    return published.get_json()["public_url"].replace("http://localhost", "")


@pytest.fixture
def published(final_setup, api):
    """Ghent endorses with a reservation on §2; Oslo endorsed, then withdrew; the statement is public."""
    s = final_setup
    vid = s["version"]["id"]
    commitments = s["document"].sections[1]
    assert api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(
        s["ghent"], reservation_section_id=commitments.id, reservation="Budget approval needed")).status_code == 201
    oslo = api(s["people"]["editor"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["oslo"]))
    assert api(s["people"]["editor"]).post(f"/api/v1/endorsements/{oslo.get_json()['id']}/withdraw",
                                           json={"reason": "The council voted against"}).status_code == 200
    s["url"] = _publish(api, s)
    return s


def test_the_public_page_lists_withdrawn_endorsements_apart_with_their_dates(published, client):
    html = client.get(published["url"]).get_data(as_text=True)
    current = html[html.index('id="endorsements-heading"'):html.index('id="withdrawn-heading"')]
    withdrawn = html[html.index('id="withdrawn-heading"'):]
    withdrawn = withdrawn[:withdrawn.index("</section>")]
    assert "City of Ghent" in current and "City of Oslo" not in current
    assert "Withdrawn endorsements" in html
    assert "City of Oslo" in withdrawn and "The council voted against" in withdrawn
    assert len(re.findall(r"<td>\d{1,2} \w{3} \d{4}", withdrawn)) == 2  # the day endorsed and the day withdrawn


def test_the_public_page_shows_the_reservation_beside_its_section(published, client):
    html = client.get(published["url"]).get_data(as_text=True)
    commitments = published["document"].sections[1]
    start = html.index(f'id="p-{commitments.id}-heading"')
    section = html[start:html.index("</section>", start)]
    assert "1 reservation" in section and "Budget approval needed" in section
    assert section.index("1 reservation") < section.index("We act.")


def test_the_public_json_keeps_its_fields_and_adds_the_withdrawn_apart(published, client):
    data = client.get(published["url"] + ".json").get_json()
    assert [e["organisation"] for e in data["endorsements"]] == ["City of Ghent"]
    assert set(data["endorsements"][0]) >= {"organisation", "country", "signatory_name", "signatory_title", "note",
                                            "reservation", "reservation_section_id", "date"}
    assert [(w["organisation"], w["withdrawal_reason"]) for w in data["withdrawn"]] == [
        ("City of Oslo", "The council voted against")]
    assert data["withdrawn"][0]["withdrawn_at"].endswith("Z") and data["withdrawn"][0]["date"]
    assert data["reservations"][0]["count"] == 1 and data["reservations"][0]["heading"] == "Commitments"
    assert "actions" not in data  # a statement has none


def test_a_badge_for_each_endorsing_organisation(published, client):
    s = published
    key = s["url"].rsplit("/", 1)[-1]
    response = client.get(f"/public/{key}/badge/{s['ghent'].id}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    svg = ET.fromstring(response.get_data())
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "City of Ghent endorsed “Fair ICT”"
    words = " ".join(t.text for t in svg.iter(f"{SVG}text"))
    assert "City of Ghent" in words and "endorsed “Fair ICT”" in words and f"/public/{key}" in words
    assert svg.find(f".//{SVG}path") is not None  # the QR code
    again = client.get(f"/public/{key}/badge/{s['ghent'].id}.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # In the statement's language whoever looks (a French visitor's browser gets the same, cacheable badge).
    french = client.get(f"/public/{key}/badge/{s['ghent'].id}.svg", headers={"Accept-Language": "fr"})
    assert french.get_data() == response.get_data()
    # The page offers the snippet to paste, escaped as text inside <pre><code>.
    html = client.get(s["url"]).get_data(as_text=True)
    snippet = re.search(r"<pre[^>]*><code>(.*?)</code></pre>", html, re.S).group(1)
    assert snippet.startswith("&lt;a href=") and f"/public/{key}/badge/{s['ghent'].id}.svg" in snippet


def test_no_badge_for_a_withdrawn_or_never_given_endorsement(published, client, make_organisation):
    s = published
    key = s["url"].rsplit("/", 1)[-1]
    stranger = make_organisation("City of Vienna", "AT")
    assert client.get(f"/public/{key}/badge/{s['oslo'].id}.svg").status_code == 404  # withdrawn
    assert client.get(f"/public/{key}/badge/{stranger.id}.svg").status_code == 404
    assert client.get(f"/public/{key}/badge/999999.svg").status_code == 404
    html = client.get(s["url"]).get_data(as_text=True)
    assert f"badge/{s['oslo'].id}.svg" not in html


def test_no_badge_while_the_statement_is_not_public(final_setup, api, client):
    s = final_setup
    api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                    json=endorse_body(s["ghent"]))
    assert client.get(f"/public/{s['document'].id}/badge/{s['ghent'].id}.svg").status_code == 404
    url = _publish(api, s)
    assert client.get(f"{url}/badge/{s['ghent'].id}.svg").status_code == 200
    api(s["people"]["coordinator"]).post(f"/api/v1/documents/{s['document'].id}/publish", json={"published": False})
    assert client.get(f"{url}/badge/{s['ghent'].id}.svg").status_code == 404


def test_the_badge_escapes_a_hostile_organisation_name(final_setup, api, client):
    s = final_setup
    s["ghent"].name = 'Evil <script>alert(1)</script> & "Co"'
    db.session.commit()
    api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                    json=endorse_body(s["ghent"]))
    url = _publish(api, s)
    body = client.get(f"{url}/badge/{s['ghent'].id}.svg").get_data(as_text=True)
    assert "<script" not in body and "&lt;script&gt;" in body and "&amp;" in body
    svg = ET.fromstring(body)  # still well-formed XML
    assert svg.find(f"{SVG}title").text.startswith('Evil <script>alert(1)</script> & "Co"')
    html = client.get(url).get_data(as_text=True)
    assert "<script>alert(1)" not in html


@pytest.fixture
def public_roadmap(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    ids = []
    for title, owners in (("Adopt the clauses", [s["ghent"].id]), ("Train the buyers", [s["oslo"].id, s["ghent"].id])):
        response = editor.post(f"/api/v1/documents/{s['document'].id}/actions",
                               json={"title": title, "due_date": "2027-Q2", "owner_organisation_ids": owners})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    make_final(api, s)
    member = api(s["people"]["member"])
    assert member.post(f"/api/v1/actions/{ids[0]}/updates", json={
        "status": "in_progress", "note": "Clauses drafted.", "entry_date": "2026-11-01"}).status_code == 201
    s["url"] = _publish(api, s)
    return s


def test_a_public_roadmap_shows_its_actions_owners_and_progress(public_roadmap, client):
    html = client.get(public_roadmap["url"]).get_data(as_text=True)
    actions = html[html.index('id="public-actions-heading"'):]
    actions = actions[:actions.index("</section>")]
    first, second = actions.split("<tr>")[2:4]
    assert "Adopt the clauses" in first and "City of Ghent" in first
    assert "In progress" in first and "as of 1 November 2026" in first and "Clauses drafted." in first
    assert "Train the buyers" in second and "City of Oslo" in second and "City of Ghent" in second
    assert "No progress recorded yet" in second


def test_the_public_json_of_a_roadmap_lists_its_actions_with_progress(public_roadmap, client):
    data = client.get(public_roadmap["url"] + ".json").get_json()
    first, second = data["actions"]
    assert first["title"] == "Adopt the clauses" and first["owners"] == ["City of Ghent"]
    assert first["status"] == "planned"  # as endorsed
    assert first["progress"] == {"status": "in_progress", "as_of": "2026-11-01", "note": "Clauses drafted."}
    assert sorted(second["owners"]) == ["City of Ghent", "City of Oslo"]
    assert second["progress"] == {"status": "planned", "as_of": None, "note": ""}
    assert data["endorsements"] == [] and data["withdrawn"] == []
