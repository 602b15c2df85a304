"""The audit trail: every change is an event; the hash chain shows tampering."""
from sqlalchemy import text

from app.extensions import db
from tests.conftest import assert_refused
from tests.endorsements.conftest import endorse_body


def test_events_are_recorded_and_the_chain_verifies(final_setup, api):
    s = final_setup
    api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                    json=endorse_body(s["ghent"]))
    coordinator = api(s["people"]["coordinator"])
    events = coordinator.get(f"/api/v1/groups/{s['group'].id}/audit?limit=200").get_json()["items"]
    actions = [e["action"] for e in events]
    assert actions[:2] == ["group.create", "document.create"]
    assert "document.transition" in actions and "endorsement.create" in actions and "version.create" in actions
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:]))
    assert coordinator.get(f"/api/v1/groups/{s['group'].id}/audit/verify").get_json()["ok"] is True


def test_changing_one_stored_event_is_detected_and_named(final_setup, api):
    s = final_setup
    coordinator = api(s["people"]["coordinator"])
    events = coordinator.get(f"/api/v1/groups/{s['group'].id}/audit").get_json()["items"]
    target = events[1]
    db.session.execute(text("UPDATE audit_events SET action = 'document.nothing' WHERE id = :id"), {"id": target["id"]})
    db.session.commit()
    result = coordinator.get(f"/api/v1/groups/{s['group'].id}/audit/verify").get_json()
    assert result["ok"] is False
    assert result["broken_event_id"] == target["id"]


def test_audit_is_for_coordinators_only(final_setup, api, make_user):
    s = final_setup
    gid = s["group"].id
    refused = assert_refused(api(s["people"]["editor"]).get(f"/api/v1/groups/{gid}/audit"), 403, "forbidden")
    assert "items" not in refused.get_json()  # no event reaches an editor
    hidden = assert_refused(api(make_user()).get(f"/api/v1/groups/{gid}/audit/verify"), 404, "not_found")
    assert "ok" not in hidden.get_json()
    assert api(s["people"]["coordinator"]).get(f"/api/v1/groups/{gid}/audit").get_json()["items"]  # what they miss


def test_audit_page_verifies(final_setup, client, login):
    s = final_setup
    login(client, s["people"]["coordinator"])
    html = client.get(f"/groups/{s['group'].id}/audit?verify=1").get_data(as_text=True)
    assert "The chain is intact" in html


def test_membership_changes_are_audited(make_group, api, make_user):
    group, people = make_group(roles=("member", "editor"))
    coordinator = api(people["coordinator"])
    coordinator.patch(f"/api/v1/groups/{group.id}/members/{people['member'].id}", json={"role": "editor"})
    coordinator.delete(f"/api/v1/groups/{group.id}/members/{people['editor'].id}")
    coordinator.post(f"/api/v1/groups/{group.id}/invitations", json={"email": "new@example.eu", "role": "member"})
    actions = [e["action"] for e in coordinator.get(f"/api/v1/groups/{group.id}/audit").get_json()["items"]]
    assert actions == ["group.create", "membership.role", "membership.remove", "invitation.create"]
    assert coordinator.get(f"/api/v1/groups/{group.id}/audit/verify").get_json()["ok"] is True
