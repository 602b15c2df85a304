"""The action endpoints of the API contract: adding, listing, changing, reordering and removing actions."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.documents.services import create_document
from app.extensions import db
from app.roadmaps.models import RoadmapAction
from tests.conftest import assert_refused
from tests.roadmaps.conftest import make_final


def _post(client, document, **body):
    return client.post(f"/api/v1/documents/{document.id}/actions", json={"title": "Adopt the clauses", **body})


def test_a_member_adds_an_action_with_owners_lead_quarters_and_section(roadmap_setup, api):
    s = roadmap_setup
    member = api(s["people"]["member"])
    response = _post(member, s["document"], description="Use the **model clauses**.",
                     owner_organisation_id=s["ghent"].id, owner_organisation_ids=[s["oslo"].id],
                     lead_user_id=s["people"]["editor"].id, start_date="2027-Q1", due_date="2027-Q3",
                     status="in_progress", section_id=s["sections"][1].id)
    assert response.status_code == 201, response.get_json()
    action = response.get_json()
    assert action["title"] == "Adopt the clauses"
    assert action["start_date"] == "2027-Q1" and action["due_date"] == "2027-Q3"
    assert action["start"] == "2027-01-01" and action["due"] == "2027-09-30"
    assert [o["name"] for o in action["owners"]] == ["City of Ghent", "City of Oslo"]
    assert action["lead"] == {"id": s["people"]["editor"].id, "name": "Editor"}
    assert action["status"] == "in_progress" and action["section_id"] == s["sections"][1].id
    listed = member.get(f"/api/v1/documents/{s['document'].id}/actions").get_json()
    assert [a["id"] for a in listed["items"]] == [action["id"]] and listed["next_cursor"] is None
    shown = api(s["people"]["observer"]).get(f"/api/v1/actions/{action['id']}").get_json()
    assert shown["title"] == "Adopt the clauses"


def test_the_minimal_contract_body_is_enough_and_the_status_defaults_to_planned(roadmap_setup, api):
    response = api(roadmap_setup["people"]["member"]).post(
        f"/api/v1/documents/{roadmap_setup['document'].id}/actions", json={"title": "Meet suppliers"})
    assert response.status_code == 201
    assert response.get_json()["status"] == "planned"
    assert response.get_json()["owners"] == [] and response.get_json()["due_date"] is None


def test_a_day_is_shown_as_a_day(roadmap_setup, api):
    action = _post(api(roadmap_setup["people"]["member"]), roadmap_setup["document"], start_date="2027-02-01",
                   due_date="2027-12-31").get_json()
    assert (action["start_date"], action["due_date"]) == ("2027-02-01", "2027-12-31")


@pytest.mark.parametrize("body, field", [
    ({"start_date": "2027-Q3", "due_date": "2027-Q1"}, "due_date"),
    ({"start_date": "2027-06-01", "due_date": "2027-05-31"}, "due_date"),
    ({"due_date": "2027-Q5"}, "due_date"),
    ({"due_date": "2027-02-30"}, "due_date"),
    ({"start_date": "next spring"}, "start_date"),
    ({"status": "finished"}, "status"),
    ({"status": ""}, "status"),
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"owner_organisation_id": 999999}, "owner_organisation_ids"),
    ({"lead_user_id": 999999}, "lead_user_id"),
    ({"section_id": 999999}, "section_id"),
    # wrong JSON types: 400 with the field named, never a 500
    ({"title": 5}, "title"),
    ({"owner_organisation_id": "3"}, "owner_organisation_id"),
    ({"owner_organisation_ids": 3}, "owner_organisation_ids"),
    ({"owner_organisation_ids": [True]}, "owner_organisation_ids.0"),
    ({"lead_user_id": 1.5}, "lead_user_id"),
    ({"due_date": 20270101}, "due_date"),
    ({"status": ["done"]}, "status"),
    ({"description": {"text": "x"}}, "description"),
])
def test_bad_input_is_refused_with_the_field_named(roadmap_setup, api, body, field):
    response = _post(api(roadmap_setup["people"]["member"]), roadmap_setup["document"], **body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert field in error["details"]["fields"], error
    assert api(roadmap_setup["people"]["member"]).get(
        f"/api/v1/documents/{roadmap_setup['document'].id}/actions").get_json()["items"] == []


def test_an_organisation_not_taking_part_in_the_group_cannot_own_an_action(roadmap_setup, api):
    response = _post(api(roadmap_setup["people"]["member"]), roadmap_setup["document"],
                     owner_organisation_ids=[roadmap_setup["ghent"].id, roadmap_setup["vienna"].id])
    assert response.status_code == 400
    assert "taking part" in response.get_json()["error"]["details"]["fields"]["owner_organisation_ids"]


def test_a_person_outside_the_group_cannot_lead_an_action(roadmap_setup, api):
    response = _post(api(roadmap_setup["people"]["member"]), roadmap_setup["document"],
                     lead_user_id=roadmap_setup["outsider"].id)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["fields"]["lead_user_id"] == "Not a member of this working group."


def test_a_section_of_another_document_or_a_removed_one_is_refused(roadmap_setup, api):
    s = roadmap_setup
    other = create_document(s["people"]["editor"], s["group"], title="Other", kind="roadmap",
                            sections=[{"heading": "Elsewhere", "body": ""}])
    db.session.commit()
    member = api(s["people"]["member"])
    refused = assert_refused(_post(member, s["document"], section_id=other.sections[0].id), 400, "invalid")
    assert "section_id" in refused.get_json()["error"]["details"]["fields"]
    assert api(s["people"]["editor"]).delete(f"/api/v1/sections/{s['sections'][0].id}").status_code == 204
    refused = assert_refused(_post(member, s["document"], section_id=s["sections"][0].id), 400, "invalid")
    assert "section_id" in refused.get_json()["error"]["details"]["fields"]
    assert member.get(f"/api/v1/documents/{s['document'].id}/actions").get_json()["items"] == []


def test_a_huge_description_is_refused_with_413(roadmap_setup, api):
    response = _post(api(roadmap_setup["people"]["member"]), roadmap_setup["document"], description="x" * 70_000)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "description_too_large"


def test_malformed_json_is_a_400(roadmap_setup, api):
    response = api(roadmap_setup["people"]["member"]).post(
        f"/api/v1/documents/{roadmap_setup['document'].id}/actions", data="{title",
        headers={"Content-Type": "application/json"})
    assert_refused(response, 400, "invalid_json")
    assert api(roadmap_setup["people"]["member"]).get(
        f"/api/v1/documents/{roadmap_setup['document'].id}/actions").get_json()["items"] == []


def test_a_statement_has_no_actions(roadmap_setup, api):
    s = roadmap_setup
    statement = create_document(s["people"]["editor"], s["group"], title="Statement", kind="statement")
    db.session.commit()
    member = api(s["people"]["member"])
    assert_refused(_post(member, statement), 404, "not_found")
    assert_refused(member.get(f"/api/v1/documents/{statement.id}/actions"), 404, "not_found")
    assert db.session.scalar(select(func.count()).select_from(RoadmapAction)) == 0


def test_another_groups_action_is_not_found(roadmap_setup, api, make_group):
    s = roadmap_setup
    action = _post(api(s["people"]["member"]), s["document"]).get_json()
    _other_group, strangers = make_group(roles=("editor",))
    stranger = api(strangers["editor"])
    for call in (stranger.get(f"/api/v1/actions/{action['id']}"),
                 stranger.patch(f"/api/v1/actions/{action['id']}", json={"title": "Mine now"}),
                 stranger.delete(f"/api/v1/actions/{action['id']}"),
                 stranger.get(f"/api/v1/actions/{action['id']}/updates"),
                 stranger.get(f"/api/v1/documents/{s['document'].id}/actions"),
                 stranger.get(f"/api/v1/documents/{s['document'].id}/actions.csv"),
                 _post(stranger, s["document"])):
        assert call.status_code == 404, call.request.path
        assert call.get_json()["error"]["code"] == "not_found"
    assert api(s["people"]["member"]).get(f"/api/v1/actions/{action['id']}").get_json()["title"] == "Adopt the clauses"


def test_anonymous_callers_are_told_to_sign_in(roadmap_setup, api):
    listed = assert_refused(api().get(f"/api/v1/documents/{roadmap_setup['document'].id}/actions"), 401,
                            "unauthorized")
    assert "items" not in listed.get_json()
    assert_refused(_post(api(), roadmap_setup["document"]), 401, "unauthorized")
    assert db.session.scalar(select(func.count()).select_from(RoadmapAction)) == 0


def test_patch_changes_only_the_fields_given(roadmap_setup, api):
    s = roadmap_setup
    member = api(s["people"]["member"])
    action = _post(member, s["document"], owner_organisation_id=s["ghent"].id, due_date="2027-Q1",
                   description="Keep me.").get_json()
    response = member.patch(f"/api/v1/actions/{action['id']}", json={"due_date": "2027-Q3", "status": "at_risk"})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["due_date"] == "2027-Q3" and changed["status"] == "at_risk"
    assert changed["description"] == "Keep me." and changed["owner_organisation_ids"] == [s["ghent"].id]
    assert changed["revision"] == action["revision"] + 1
    cleared = member.patch(f"/api/v1/actions/{action['id']}", json={"due_date": None, "owner_organisation_ids": []})
    assert cleared.get_json()["due_date"] is None and cleared.get_json()["owners"] == []


def test_patch_refuses_a_due_date_before_the_existing_start(roadmap_setup, api):
    member = api(roadmap_setup["people"]["member"])
    action = _post(member, roadmap_setup["document"], start_date="2027-Q2").get_json()
    response = member.patch(f"/api/v1/actions/{action['id']}", json={"due_date": "2027-Q1"})
    assert response.status_code == 400 and "due_date" in response.get_json()["error"]["details"]["fields"]
    assert member.get(f"/api/v1/actions/{action['id']}").get_json()["due_date"] is None


def test_a_stale_revision_is_refused_instead_of_overwriting_a_colleagues_change(roadmap_setup, api):
    s = roadmap_setup
    member, editor = api(s["people"]["member"]), api(s["people"]["editor"])
    action = _post(member, s["document"]).get_json()
    assert editor.patch(f"/api/v1/actions/{action['id']}",
                        json={"title": "Editor's title", "revision": action["revision"]}).status_code == 200
    stale = member.patch(f"/api/v1/actions/{action['id']}", json={"title": "Member's title",
                                                                  "revision": action["revision"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale"
    assert stale.get_json()["error"]["details"]["current_revision"] == action["revision"] + 1
    assert member.get(f"/api/v1/actions/{action['id']}").get_json()["title"] == "Editor's title"


def test_reorder_and_delete(roadmap_setup, api):
    s = roadmap_setup
    member = api(s["people"]["member"])
    ids = [_post(member, s["document"], title=f"Action {n}").get_json()["id"] for n in range(3)]
    response = member.put(f"/api/v1/documents/{s['document'].id}/actions/order", json={"order": ids[::-1]})
    assert response.status_code == 200
    assert [a["title"] for a in response.get_json()["items"]] == ["Action 2", "Action 1", "Action 0"]
    assert member.put(f"/api/v1/documents/{s['document'].id}/actions/order",
                      json={"order": ids[:2]}).status_code == 400
    assert member.delete(f"/api/v1/actions/{ids[1]}").status_code == 204
    assert member.get(f"/api/v1/actions/{ids[1]}").status_code == 404
    listed = member.get(f"/api/v1/documents/{s['document'].id}/actions").get_json()["items"]
    assert sorted(a["id"] for a in listed) == sorted([ids[0], ids[2]])


def test_the_list_is_paginated(roadmap_setup, api):
    member = api(roadmap_setup["people"]["member"])
    for n in range(3):
        _post(member, roadmap_setup["document"], title=f"Action {n}")
    first = member.get(f"/api/v1/documents/{roadmap_setup['document'].id}/actions?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = member.get(f"/api/v1/documents/{roadmap_setup['document'].id}/actions?limit=2&cursor="
                      f"{first['next_cursor']}").get_json()
    assert [a["title"] for a in rest["items"]] == ["Action 2"] and rest["next_cursor"] is None


def test_every_change_is_an_audit_event(roadmap_setup, api):
    s = roadmap_setup
    member = api(s["people"]["member"])
    action = _post(member, s["document"]).get_json()
    member.patch(f"/api/v1/actions/{action['id']}", json={"status": "done"})
    member.put(f"/api/v1/documents/{s['document'].id}/actions/order", json={"order": [action["id"]]})
    member.delete(f"/api/v1/actions/{action['id']}")
    events = [e.action for e in db.session.query(AuditEvent).filter_by(group_id=s["group"].id)
              .order_by(AuditEvent.seq) if e.action.startswith("action.")]
    assert events == ["action.create", "action.update", "action.reorder", "action.delete"]
    chain = api(s["people"]["coordinator"]).get(f"/api/v1/groups/{s['group'].id}/audit/verify").get_json()
    assert chain["ok"] is True


def test_a_final_roadmap_refuses_every_change_to_its_actions_with_409(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    action = _post(editor, s["document"]).get_json()
    make_final(api, s)
    for call in (_post(editor, s["document"]),
                 editor.patch(f"/api/v1/actions/{action['id']}", json={"status": "done"}),
                 editor.delete(f"/api/v1/actions/{action['id']}"),
                 editor.put(f"/api/v1/documents/{s['document'].id}/actions/order", json={"order": [action["id"]]})):
        assert call.status_code == 409, call.get_json()
        assert call.get_json()["error"]["code"] == "document_frozen"
    assert editor.get(f"/api/v1/actions/{action['id']}").get_json()["status"] == "planned"


def test_the_openapi_document_describes_the_action_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/documents/{did}/actions"])
    assert {"patch", "delete"} <= set(paths["/api/v1/actions/{aid}"])
    assert "get" in paths["/api/v1/documents/{did}/actions.csv"]
    assert "get" in paths["/api/v1/documents/{did}/actions.ics"]
    assert "get" in paths["/api/v1/organisations/{oid}/actions.ics"]
