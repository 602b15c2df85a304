"""Workflow, frozen final text, endorsements and withdrawals, through the API."""
import pytest

from tests.conftest import assert_refused
from tests.endorsements.conftest import endorse_body


def test_going_final_freezes_a_version_with_its_hash(final_setup, api):
    s = final_setup
    version = s["version"]
    assert len(version["content_hash"]) == 64
    got = api(s["people"]["observer"]).get(f"/api/v1/versions/{version['id']}").get_json()
    assert got["content_hash"] == version["content_hash"]
    assert api(s["people"]["observer"]).get(f"/api/v1/documents/{s['document'].id}").get_json()["status"] == "final"


@pytest.mark.parametrize("call", [
    lambda d, sec: ("put", f"/api/v1/sections/{sec}", {"body": "Changed.", "base_revision": 1}),
    lambda d, sec: ("post", f"/api/v1/documents/{d}/sections", {"heading": "New"}),
    lambda d, sec: ("delete", f"/api/v1/sections/{sec}", None),
    lambda d, sec: ("patch", f"/api/v1/documents/{d}", {"title": "Retitled"}),
    lambda d, sec: ("put", f"/api/v1/documents/{d}/sections/order", {"order": [sec]}),
    lambda d, sec: ("post", f"/api/v1/sections/{sec}/revisions/1/restore", None),
], ids=["save", "add", "delete", "retitle", "reorder", "restore"])
def test_every_edit_of_a_final_document_is_refused_with_409(final_setup, api, call):
    s = final_setup
    method, path, body = call(s["document"].id, s["document"].sections[0].id)
    response = getattr(api(s["people"]["coordinator"]), method)(path, json=body) if body is not None \
        else getattr(api(s["people"]["coordinator"]), method)(path)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "document_frozen"


def test_frozen_edit_page_is_refused_too(final_setup, client, login, api):
    s = final_setup
    token = login(client, s["people"]["editor"])
    section = s["document"].sections[0]
    response = client.post(f"/sections/{section.id}/edit", data={"csrf_token": token, "heading": "x", "body": "y",
                                                                "base_revision": "1"},
                           headers={"Accept": "application/json"})
    assert_refused(response, 409, "document_frozen")
    text = api(s["people"]["observer"]).get(f"/api/v1/sections/{section.id}").get_json()
    assert (text["heading"], text["body"], text["revision"]) == ("Purpose", "We agree.", 1)


@pytest.mark.parametrize("role, to, status, code", [
    ("editor", "draft", 403, "forbidden"), ("member", "closed", 403, "forbidden"),
    ("coordinator", "review", 409, "transition_not_allowed"), ("coordinator", "nonsense", 400, "invalid"),
    ("coordinator", "closed", 200, None),
])
def test_transition_rules(final_setup, api, role, to, status, code):
    s = final_setup
    response = api(s["people"][role]).post(f"/api/v1/documents/{s['document'].id}/transitions", json={"to": to})
    if code:
        assert_refused(response, status, code)
    else:
        assert response.status_code == status
    now = api(s["people"]["observer"]).get(f"/api/v1/documents/{s['document'].id}").get_json()["status"]
    assert now == ("closed" if status == 200 else "final")  # a refused move leaves the document where it was


def test_representative_endorses_once_and_the_list_shows_it(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    member = api(s["people"]["member"])
    created = member.post(f"/api/v1/versions/{vid}/endorsements",
                          json=endorse_body(s["ghent"], note="Proud to sign",
                                            content_hash=s["version"]["content_hash"]))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["content_hash"] == s["version"]["content_hash"]
    again = member.post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_endorsed"
    listed = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsements").get_json()["items"]
    assert [(e["organisation"], e["withdrawn"]) for e in listed] == [("City of Ghent", False)]


def test_only_representatives_endorse(final_setup, api):
    s = final_setup
    response = api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                               json=endorse_body(s["oslo"]))
    assert_refused(response, 403, "not_representative")
    assert api(s["people"]["observer"]).get(f"/api/v1/versions/{s['version']['id']}/endorsements").get_json()[
        "items"] == []


def test_a_wrong_content_hash_is_refused(final_setup, api):
    s = final_setup
    response = api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                               json=endorse_body(s["ghent"], content_hash="0" * 64))
    assert_refused(response, 409, "content_hash_mismatch")
    assert api(s["people"]["observer"]).get(f"/api/v1/versions/{s['version']['id']}/endorsements").get_json()[
        "items"] == []


def test_endorsing_a_draft_version_or_a_closed_one_is_refused(final_setup, api):
    s = final_setup
    coordinator = api(s["people"]["coordinator"])
    named = coordinator.post(f"/api/v1/documents/{s['document'].id}/versions", json={"label": "not final"}).get_json()
    response = api(s["people"]["member"]).post(f"/api/v1/versions/{named['id']}/endorsements",
                                               json=endorse_body(s["ghent"]))
    assert_refused(response, 409, "not_open_for_endorsement")
    coordinator.post(f"/api/v1/documents/{s['document'].id}/transitions", json={"to": "closed"})
    response = api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                               json=endorse_body(s["ghent"]))
    assert_refused(response, 409, "not_open_for_endorsement")
    for vid in (named["id"], s["version"]["id"]):
        assert api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsements").get_json()["items"] == []


def test_withdrawal_keeps_the_record_and_allows_a_new_endorsement(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    member = api(s["people"]["member"])
    eid = member.post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"])).get_json()["id"]
    assert api(s["people"]["editor"]).post(f"/api/v1/endorsements/{eid}/withdraw", json={}).status_code == 403
    withdrawn = member.post(f"/api/v1/endorsements/{eid}/withdraw", json={"reason": "Council vote pending"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn"] is True
    assert member.post(f"/api/v1/endorsements/{eid}/withdraw", json={}).status_code == 409
    again = member.post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    assert again.status_code == 201
    listed = member.get(f"/api/v1/versions/{vid}/endorsements").get_json()["items"]
    assert [e["withdrawn"] for e in listed] == [True, False]
    assert listed[0]["withdrawal_reason"] == "Council vote pending"


def test_reservation_on_a_named_section(final_setup, api):
    s = final_setup
    section = s["document"].sections[1]
    response = api(s["people"]["member"]).post(
        f"/api/v1/versions/{s['version']['id']}/endorsements",
        json=endorse_body(s["ghent"], reservation_section_id=section.id, reservation="Budget approval needed"))
    assert response.status_code == 201
    assert response.get_json()["reservation_section_id"] == section.id
    bad = api(s["people"]["editor"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                          json=endorse_body(s["oslo"], reservation_section_id=999999, reservation="x"))
    assert bad.status_code == 400


def test_reopening_starts_a_new_round_and_keeps_the_final_version(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    coordinator = api(s["people"]["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{s['document'].id}/transitions",
                            json={"to": "draft"}).status_code == 200
    section = s["document"].sections[0]
    assert coordinator.put(f"/api/v1/sections/{section.id}", json={"body": "New round.",
                                                                   "base_revision": 1}).status_code == 200
    old = coordinator.get(f"/api/v1/versions/{vid}").get_json()
    assert old["sections"][0]["body"] == "We agree." and old["content_hash"] == s["version"]["content_hash"]
    endorsements = coordinator.get(f"/api/v1/versions/{vid}/endorsements").get_json()
    assert len(endorsements["items"]) == 1 and endorsements["open"] is False


def test_signoff_board_and_reminders(final_setup, api, app):
    from app.mail.models import OutboxMessage

    s = final_setup
    vid = s["version"]["id"]
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    coordinator = api(s["people"]["coordinator"])
    board = coordinator.get(f"/api/v1/versions/{vid}/signoff").get_json()["items"]
    states = {(row["organisation"], row["state"]) for row in board}
    assert states == {("City of Ghent", "endorsed"), ("City of Oslo", "pending")}
    assert api(s["people"]["editor"]).get(f"/api/v1/versions/{vid}/signoff").status_code == 403
    sent = coordinator.post(f"/api/v1/versions/{vid}/reminders").get_json()["sent"]
    assert sent == 1
    assert OutboxMessage.query.filter(OutboxMessage.recipient == s["people"]["editor"].email,
                                      OutboxMessage.subject.like("Reminder%")).count() == 1


def test_outsiders_see_no_version_or_endorsement(final_setup, api, make_user):
    s = final_setup
    outsider = api(make_user())
    vid = s["version"]["id"]
    assert_refused(outsider.get(f"/api/v1/versions/{vid}/endorsements"), 404, "not_found")
    assert_refused(outsider.post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"])), 404,
                   "not_found")
    assert api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsements").get_json()["items"] == []


def test_publish_makes_a_public_page_and_json(final_setup, api, app):
    s = final_setup
    vid = s["version"]["id"]
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    anonymous = app.test_client()
    assert anonymous.get(f"/public/{s['document'].id}").status_code == 404
    assert api(s["people"]["editor"]).post(f"/api/v1/documents/{s['document'].id}/publish", json={}).status_code == 403
    published = api(s["people"]["coordinator"]).post(f"/api/v1/documents/{s['document'].id}/publish", json={})
    assert published.status_code == 200
    url = published.get_json()["public_url"]
    page = anonymous.get(url.replace("http://localhost", ""))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "City of Ghent" in html and s["version"]["content_hash"] in html
    data = anonymous.get(url.replace("http://localhost", "") + ".json").get_json()
    assert data["version"]["content_hash"] == s["version"]["content_hash"]
    assert [e["organisation"] for e in data["endorsements"]] == ["City of Ghent"]
    assert data["sections"][0]["body"] == "We agree."
