"""The actions pages through the browser's forms (test client): table, filters, summary, timeline, forms."""
from __future__ import annotations

import re

from app.extensions import db
from app.roadmaps.models import RoadmapAction
from tests.roadmaps.conftest import make_final


def _add(api, setup, who="member", **body):
    response = api(setup["people"][who]).post(f"/api/v1/documents/{setup['document'].id}/actions",
                                              json={"title": "Adopt the clauses", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_member_adds_an_action_through_the_form_and_sees_it_in_table_and_timeline(client, login, roadmap_setup):
    s = roadmap_setup
    token = login(client, s["people"]["member"])
    form = client.get(f"/documents/{s['document'].id}/actions/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "City of Ghent (BE)" in html and "City of Vienna" not in html  # only organisations taking part
    response = client.post(f"/documents/{s['document'].id}/actions/new", data={
        "csrf_token": token, "title": "Map the supply chain", "description": "Down to **assembly**.",
        "owner_organisation_ids": [str(s["ghent"].id), str(s["oslo"].id)],
        "lead_user_id": str(s["people"]["member"].id), "start_date": "2027-Q1", "due_date": "2027-Q2",
        "status": "in_progress", "section_id": str(s["sections"][0].id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"].split("#")[0])
    text = _text(page.get_data(as_text=True))
    assert "Map the supply chain" in text and "City of Ghent, City of Oslo" in text
    assert "§1 Foundations" in text and "2027-Q1" in text and "2027-Q2" in text
    assert "0 of 1 action done" in text
    timeline = text.split("Timeline by quarter")[1]
    assert "2027-Q1 Map the supply chain — starts" in timeline
    assert "2027-Q2 Map the supply chain — due (2027-Q2)" in timeline


def test_the_form_shows_bad_input_beside_the_field(client, login, roadmap_setup):
    s = roadmap_setup
    token = login(client, s["people"]["member"])
    response = client.post(f"/documents/{s['document'].id}/actions/new", data={
        "csrf_token": token, "title": "Late", "start_date": "2027-Q3", "due_date": "2027-Q1", "status": "planned"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "The due date is before the start date." in html
    assert db.session.query(RoadmapAction).count() == 0


def test_a_description_with_a_nul_character_is_refused_beside_the_field_and_nothing_is_saved(client, login,
                                                                                            roadmap_setup, api):
    """PostgreSQL's text cannot hold NUL: the form says so (it answered 500 there), and so does the API."""
    s = roadmap_setup
    token = login(client, s["people"]["member"])
    response = client.post(f"/documents/{s['document'].id}/actions/new", data={
        "csrf_token": token, "title": "Pasted", "description": "From a PDF\x00 pasted.", "status": "planned"})
    assert response.status_code == 400
    assert "Contains a NUL character" in response.get_data(as_text=True)
    api_answer = api(s["people"]["member"]).post(f"/api/v1/documents/{s['document'].id}/actions",
                                                 json={"title": "Pasted", "description": "From a PDF\x00 pasted."})
    assert api_answer.status_code == 400
    assert "NUL" in api_answer.get_json()["error"]["details"]["fields"]["description"]
    assert db.session.query(RoadmapAction).count() == 0


def test_filters_by_organisation_status_and_period(client, login, roadmap_setup, api):
    s = roadmap_setup
    _add(api, s, title="Ghent clauses", owner_organisation_ids=[s["ghent"].id], due_date="2027-Q1", status="done")
    _add(api, s, title="Oslo monitoring", owner_organisation_ids=[s["oslo"].id], start_date="2028-Q1",
         due_date="2028-Q4", status="at_risk")
    login(client, s["people"]["observer"])
    base = f"/documents/{s['document'].id}/actions"

    def titles(query):
        html = client.get(base + query).get_data(as_text=True)
        table = html.split("Table of actions")[1].split("Timeline by quarter")[0]
        return [t for t in ("Ghent clauses", "Oslo monitoring") if t in table]

    assert titles("") == ["Ghent clauses", "Oslo monitoring"]
    assert titles(f"?organisation={s['oslo'].id}") == ["Oslo monitoring"]
    assert titles("?status=done") == ["Ghent clauses"]
    assert titles("?period=2028") == ["Oslo monitoring"]
    assert titles("?period=2028-Q3") == ["Oslo monitoring"]
    assert titles("?period=2027-Q1") == ["Ghent clauses"]
    invalid = client.get(base + "?period=soon")
    assert invalid.status_code == 200 and "is not a year or a quarter" in invalid.get_data(as_text=True)
    summary = _text(client.get(base).get_data(as_text=True))
    assert "1 of 2 actions done" in summary


def test_observers_see_no_edit_controls_and_cannot_open_the_forms(client, login, roadmap_setup, api):
    s = roadmap_setup
    action = _add(api, s)
    login(client, s["people"]["observer"])
    html = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True)
    assert "Add an action" not in html and f"/actions/{action['id']}/edit" not in html
    assert client.get(f"/documents/{s['document'].id}/actions/new").status_code == 403
    assert client.get(f"/actions/{action['id']}/edit").status_code == 403


def test_edit_move_and_remove_through_the_pages(client, login, roadmap_setup, api):
    s = roadmap_setup
    first, second = _add(api, s, title="First"), _add(api, s, title="Second")
    token = login(client, s["people"]["editor"])
    edit = client.get(f"/actions/{first['id']}/edit").get_data(as_text=True)
    assert 'value="First"' in edit and 'name="revision"' in edit
    response = client.post(f"/actions/{first['id']}/edit", data={
        "csrf_token": token, "title": "First, renamed", "status": "done", "due_date": "2027-Q4",
        "revision": str(first["revision"])})
    assert response.status_code == 302
    client.post(f"/actions/{second['id']}/move", data={"csrf_token": token, "direction": "up"})
    table = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True).split("<tbody>")[1]
    assert table.index("Second") < table.index("First, renamed")
    client.post(f"/actions/{second['id']}/delete", data={"csrf_token": token})
    table = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True).split("<tbody>")[1]
    assert "First, renamed" in table and "Second" not in table


def test_a_stale_form_is_refused_and_keeps_what_the_person_typed(client, login, roadmap_setup, api):
    s = roadmap_setup
    action = _add(api, s)
    api(s["people"]["editor"]).patch(f"/api/v1/actions/{action['id']}", json={"title": "Editor's words"})
    token = login(client, s["people"]["member"])
    response = client.post(f"/actions/{action['id']}/edit", data={
        "csrf_token": token, "title": "Member's words", "status": "planned", "revision": str(action["revision"])})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone changed this action meanwhile" in html and 'value="Member&#39;s words"' in html
    assert api(s["people"]["member"]).get(f"/api/v1/actions/{action['id']}").get_json()["title"] == "Editor's words"


def test_the_document_page_links_a_roadmap_to_its_actions_but_not_a_statement(client, login, roadmap_setup):
    from app.documents.services import create_document

    s = roadmap_setup
    statement = create_document(s["people"]["editor"], s["group"], title="Statement", kind="statement")
    db.session.commit()
    login(client, s["people"]["observer"])
    html = client.get(f"/documents/{s['document'].id}").get_data(as_text=True)
    assert f'href="/documents/{s["document"].id}/actions"' in html
    html = client.get(f"/documents/{statement.id}").get_data(as_text=True)
    assert "/actions" not in html and client.get(f"/documents/{statement.id}/actions").status_code == 404


def test_the_actions_page_needs_as_many_queries_for_forty_actions_as_for_two(client, login, roadmap_setup, api,
                                                                            count_queries):
    s = roadmap_setup
    counts = []
    login(client, s["people"]["observer"])
    for total in (2, 40):
        while len(api(s["people"]["editor"]).get(f"/api/v1/documents/{s['document'].id}/actions?limit=200")
                  .get_json()["items"]) < total:
            _add(api, s, who="editor", owner_organisation_ids=[s["ghent"].id, s["oslo"].id],
                 lead_user_id=s["people"]["member"].id, due_date="2027-Q2", section_id=s["sections"][0].id)
        with count_queries() as queries:
            assert client.get(f"/documents/{s['document'].id}/actions").status_code == 200
        counts.append(queries.count)
    assert counts[1] == counts[0], counts


def test_a_frozen_roadmap_page_offers_no_editing_and_its_forms_answer_409(client, login, roadmap_setup, api):
    s = roadmap_setup
    action = _add(api, s)
    make_final(api, s)
    token = login(client, s["people"]["editor"])
    html = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True)
    assert "Add an action" not in html and "Endorsed plan and progress" in html
    response = client.post(f"/actions/{action['id']}/edit", data={"csrf_token": token, "title": "Sneaky",
                                                                   "status": "done"})
    assert response.status_code == 302  # the page's conflict: flashed, and nothing changed
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This document is final: its text cannot change." in page
    assert api(s["people"]["editor"]).get(f"/api/v1/actions/{action['id']}").get_json()["title"] == "Adopt the clauses"


def test_the_actions_page_of_another_group_is_not_found(client, login, roadmap_setup, api, make_group):
    s = roadmap_setup
    action = _add(api, s)
    _group, strangers = make_group(roles=("editor",))
    token = login(client, strangers["editor"])
    for path in (f"/documents/{s['document'].id}/actions", f"/actions/{action['id']}", f"/actions/{action['id']}/edit"):
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.get_data(as_text=True)
        assert "We could not find that page" in html and "Adopt the clauses" not in html, path
    response = client.post(f"/actions/{action['id']}/edit", data={"csrf_token": token, "title": "Taken over"})
    assert response.status_code == 404
    assert api(s["people"]["member"]).get(f"/api/v1/actions/{action['id']}").get_json()["title"] == "Adopt the clauses"


def test_the_download_links_work_with_the_browser_session(client, login, roadmap_setup, api):
    s = roadmap_setup
    _add(api, s, due_date="2027-Q1")
    login(client, s["people"]["observer"])
    html = client.get(f"/documents/{s['document'].id}/actions").get_data(as_text=True)
    for suffix, mimetype in (("csv", "text/csv"), ("ics", "text/calendar")):
        link = f"/api/v1/documents/{s['document'].id}/actions.{suffix}"
        assert f'href="{link}"' in html
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == mimetype
        assert "attachment" in response.headers["Content-Disposition"]
