"""After the roadmap is final: dated follow-up entries, which never alter the endorsed version."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.documents.models import Version
from app.extensions import db
from app.roadmaps.services import version_actions
from tests.conftest import assert_refused
from tests.roadmaps.conftest import make_final


@pytest.fixture
def final_roadmap(roadmap_setup, api):
    s = roadmap_setup
    response = api(s["people"]["editor"]).post(f"/api/v1/documents/{s['document'].id}/actions", json={
        "title": "Adopt the clauses", "due_date": "2027-Q2", "owner_organisation_ids": [s["ghent"].id]})
    s["action"] = response.get_json()
    s["version"] = make_final(api, s)
    return s


def test_a_member_records_progress_and_the_endorsed_version_stays_as_it_was(final_roadmap, api):
    s = final_roadmap
    version = db.session.get(Version, s["version"]["id"])
    before = (version.content_hash, version_actions(version))
    member = api(s["people"]["member"])
    url = f"/api/v1/actions/{s['action']['id']}/updates"
    first = member.post(url, json={"status": "in_progress", "note": "Clauses drafted.", "entry_date": "2026-11-01"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["previous_status"] == "planned" and first.get_json()["status"] == "in_progress"
    second = member.post(url, json={"note": "Legal review under way."})
    assert second.status_code == 201 and second.get_json()["entry_date"] == date.today().isoformat()
    blank = member.post(url, json={"note": "A blank date means today.", "entry_date": "   "})
    assert blank.status_code == 201 and blank.get_json()["entry_date"] == date.today().isoformat()
    listed = member.get(url).get_json()["items"]
    assert [u["note"] for u in listed] == ["Clauses drafted.", "Legal review under way.", "A blank date means today."]
    action = member.get(f"/api/v1/actions/{s['action']['id']}").get_json()
    assert action["status"] == "planned" and action["current_status"] == "in_progress"
    db.session.expire_all()
    version = db.session.get(Version, s["version"]["id"])
    assert (version.content_hash, version_actions(version)) == before


@pytest.mark.parametrize("role, expected", [("observer", 403), ("member", 201), ("editor", 201),
                                            ("coordinator", 201)])
def test_who_records_progress(final_roadmap, api, role, expected):
    response = api(final_roadmap["people"][role]).post(f"/api/v1/actions/{final_roadmap['action']['id']}/updates",
                                                       json={"note": "Progress."})
    if expected == 403:
        assert_refused(response, 403, "forbidden")
    assert response.status_code == expected
    notes = [u["note"] for u in api(final_roadmap["people"]["coordinator"]).get(
        f"/api/v1/actions/{final_roadmap['action']['id']}/updates").get_json()["items"]]
    assert notes == ([] if expected == 403 else ["Progress."])


@pytest.mark.parametrize("body, field", [
    ({}, "note"),
    ({"status": "finished"}, "status"),
    ({"note": "x", "entry_date": "yesterday"}, "entry_date"),
    ({"note": "x", "entry_date": "2026-Q1"}, "entry_date"),
    ({"note": "x", "entry_date": (date.today() + timedelta(days=3)).isoformat()}, "entry_date"),
    ({"note": 5}, "note"),
])
def test_bad_follow_up_entries_are_refused(final_roadmap, api, body, field):
    response = api(final_roadmap["people"]["member"]).post(
        f"/api/v1/actions/{final_roadmap['action']['id']}/updates", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]


def test_no_follow_up_before_the_roadmap_is_final(roadmap_setup, api):
    s = roadmap_setup
    member = api(s["people"]["member"])
    action = member.post(f"/api/v1/documents/{s['document'].id}/actions", json={"title": "Draft"}).get_json()
    response = member.post(f"/api/v1/actions/{action['id']}/updates", json={"note": "Too early"})
    assert_refused(response, 409, "not_final")
    assert member.get(f"/api/v1/actions/{action['id']}/updates").get_json()["items"] == []


def test_the_page_shows_the_endorsed_plan_beside_progress_and_takes_entries(client, login, final_roadmap):
    s = final_roadmap
    token = login(client, s["people"]["member"])
    page = client.get(f"/actions/{s['action']['id']}")
    html = page.get_data(as_text=True)
    assert "As endorsed (version" in html and "Record progress" in html
    response = client.post(f"/actions/{s['action']['id']}", data={
        "csrf_token": token, "entry_date": "2026-10-15", "status": "at_risk", "note": "Budget not approved."})
    assert response.status_code == 302
    html = client.get(f"/actions/{s['action']['id']}").get_data(as_text=True)
    assert "2026-10-15" in html and "Budget not approved." in html and "planned → at risk" in html
    index = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True)
    table = index.split("<tbody>")[1].split("</tbody>")[0]
    assert "Status when endorsed" in index
    assert "action-status-planned" in table and "action-status-at_risk" in table
    assert "Last entry 15 October 2026" in table
    # the observer sees it, without the form
    observer_client = client.application.test_client()
    login(observer_client, s["people"]["observer"])
    html = observer_client.get(f"/actions/{s['action']['id']}").get_data(as_text=True)
    assert "Budget not approved." in html and "Record progress</button>" not in html


def test_a_bad_entry_in_the_page_form_is_shown_beside_the_field(client, login, final_roadmap):
    s = final_roadmap
    token = login(client, s["people"]["member"])
    response = client.post(f"/actions/{s['action']['id']}", data={"csrf_token": token, "entry_date": "",
                                                                   "status": "", "note": ""})
    assert response.status_code == 400
    assert "Write a note, change the status, or both." in response.get_data(as_text=True)


def test_progress_reads_its_entries_and_their_authors_in_two_queries_however_many(final_roadmap, api, app,
                                                                                  count_queries):
    from app.documents.models import Document
    from app.roadmaps.services import progress_of

    s = final_roadmap
    url = f"/api/v1/actions/{s['action']['id']}/updates"
    for role in ("member", "editor", "coordinator"):  # three authors
        assert api(s["people"][role]).post(url, json={"note": f"Entry by the {role}."}).status_code == 201
    db.session.expire_all()
    document = db.session.get(Document, s["document"].id)
    with count_queries() as queries:
        progress = progress_of(document, [s["action"]["id"]])
    assert progress[s["action"]["id"]]["latest"]["author"] == s["people"]["coordinator"].name
    assert queries.count == 2, queries.statements
