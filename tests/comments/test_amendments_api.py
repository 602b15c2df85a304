"""Suggested changes: proposed on a revision, merged onto the current text when accepted, 409 when they no
longer merge."""
import pytest

from tests.comments.conftest import PURPOSE
from tests.conftest import assert_refused

REFUSED = {403: "forbidden", 404: "not_found"}  # the error code a refused caller reads


def propose(client, section, body, base_revision=1, **extra):
    return client.post(f"/api/v1/sections/{section.id}/amendments",
                       json={"body": body, "base_revision": base_revision, **extra})


def save(client, section, body, base_revision):
    response = client.put(f"/api/v1/sections/{section.id}", json={"body": body, "base_revision": base_revision})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_member_proposes_a_change_shown_as_a_diff_against_its_base(setting, api):
    response = propose(api(setting["people"]["member"]), setting["section"],
                       PURPOSE.replace("fair wages", "living wages"), rationale="Stronger.")
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "proposed" and data["base_revision"] == 1 and data["rationale"] == "Stronger."
    assert [-1, "fair"] in data["diff"] and [1, "living"] in data["diff"]


def test_an_accepted_change_becomes_a_revision_credited_to_its_author(setting, api):
    people, section = setting["people"], setting["section"]
    amendment = propose(api(people["member"]), section, PURPOSE.replace("fair wages", "living wages")).get_json()
    response = api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["revision"]["number"] == 2 and data["revision"]["author_id"] == people["member"].id
    assert "living wages" in data["section"]["body"]
    assert data["amendment"]["status"] == "accepted" and data["amendment"]["accepted_revision"] == 2
    revisions = api(people["observer"]).get(f"/api/v1/sections/{section.id}/revisions").get_json()["items"]
    assert revisions[-1]["author_id"] == people["member"].id
    assert f"Suggested change #{amendment['id']}" in revisions[-1]["message"]


def test_a_change_written_on_an_old_revision_is_merged_onto_the_current_text(setting, api):
    people, section = setting["people"], setting["section"]
    amendment = propose(api(people["member"]), section, PURPOSE.replace("fair wages", "living wages")).get_json()
    save(api(people["editor"]), section, PURPOSE.replace("every year", "every six months"), 1)
    response = api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["section"]["body"]
    assert "living wages" in body and "every six months" in body
    assert response.get_json()["merged"] is True


def test_a_change_that_no_longer_merges_is_409_with_the_current_text_and_saves_nothing(setting, api):
    people, section = setting["people"], setting["section"]
    amendment = propose(api(people["member"]), section, PURPOSE.replace("fair wages", "living wages")).get_json()
    save(api(people["editor"]), section, PURPOSE.replace("fair wages", "decent wages"), 1)
    response = api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["current_revision"] == 2 and "decent wages" in error["details"]["current_body"]
    assert "living wages" in error["details"]["proposed_body"]
    assert api(people["observer"]).get(f"/api/v1/amendments/{amendment['id']}").get_json()["status"] == "proposed"
    resolved = PURPOSE.replace("fair wages", "decent, living wages")
    by_hand = api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept",
                                         json={"body": resolved, "base_revision": 2})
    assert by_hand.status_code == 200, by_hand.get_json()
    assert by_hand.get_json()["section"]["body"] == resolved
    assert by_hand.get_json()["revision"]["author_id"] == people["member"].id


def test_a_frozen_document_refuses_acceptance(setting, api):
    people, section, document = setting["people"], setting["section"], setting["document"]
    amendment = propose(api(people["member"]), section, PURPOSE + "\n\nMore.").get_json()
    coordinator = api(people["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "final"}).status_code == 200
    assert_refused(api(people["editor"]).post(f"/api/v1/amendments/{amendment['id']}/accept"), 409, "document_frozen")
    assert_refused(api(people["member"]).post(f"/api/v1/amendments/{amendment['id']}/accept"), 403, "forbidden")
    assert api(people["observer"]).get(f"/api/v1/amendments/{amendment['id']}").get_json()["status"] == "proposed"
    text = api(people["observer"]).get(f"/api/v1/sections/{section.id}").get_json()
    assert (text["body"], text["revision"]) == (PURPOSE, 1)  # the final text is as it was frozen


def test_rejecting_with_a_reason_and_deciding_only_once(setting, api):
    people, section = setting["people"], setting["section"]
    amendment = propose(api(people["member"]), section, PURPOSE + "\n\nMore.").get_json()
    editor = api(people["editor"])
    rejected = editor.post(f"/api/v1/amendments/{amendment['id']}/reject", json={"reason": "Out of scope."})
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reason"] == "Out of scope."
    again = editor.post(f"/api/v1/amendments/{amendment['id']}/accept")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "amendment_decided"
    assert editor.post(f"/api/v1/amendments/{amendment['id']}/reject", json={}).status_code == 409


@pytest.mark.parametrize("role, propose_status, decide_status", [
    ("observer", 403, 403), ("member", 201, 403), ("editor", 201, 200), ("coordinator", 201, 200),
    ("outsider", 404, 404)])
def test_who_may_propose_accept_and_reject(setting, api, make_user, role, propose_status, decide_status):
    people, section = setting["people"], setting["section"]
    user = make_user() if role == "outsider" else people[role]

    def answered(response, status):
        if status in REFUSED:
            assert_refused(response, status, REFUSED[status])
        assert response.status_code == status

    def listed():
        return {a["body"].rsplit("\n\n", 1)[1]: a["status"] for a in api(people["coordinator"]).get(
            f"/api/v1/sections/{section.id}/amendments").get_json()["items"]}

    answered(propose(api(user), section, PURPOSE + "\n\nMine."), propose_status)
    assert ("Mine." in listed()) is (propose_status == 201)
    first = propose(api(people["member"]), section, PURPOSE + "\n\nA.").get_json()
    second = propose(api(people["member"]), section, PURPOSE + "\n\nB.").get_json()
    answered(api(user).post(f"/api/v1/amendments/{first['id']}/accept"), decide_status)
    answered(api(user).post(f"/api/v1/amendments/{second['id']}/reject", json={}), decide_status)
    statuses = listed()
    decided = ("accepted", "rejected") if decide_status == 200 else ("proposed", "proposed")
    assert (statuses["A."], statuses["B."]) == decided
    text = api(people["coordinator"]).get(f"/api/v1/sections/{section.id}").get_json()["body"]
    assert text.endswith("A.") is (decide_status == 200)  # only an accepted change reaches the text


@pytest.mark.parametrize("body, field", [
    ({"body": PURPOSE, "base_revision": 1}, "body"),
    ({"body": "x", "base_revision": 2}, "base_revision"),
    ({"body": "x", "base_revision": 0}, "base_revision"),
    ({"body": "x"}, "base_revision"),
    ({"body": 3, "base_revision": 1}, "body"),
    ({"body": "x", "base_revision": 1, "rationale": "r" * 5001}, "rationale"),
])
def test_bad_proposals_are_400_with_the_field(setting, api, body, field):
    response = api(setting["people"]["member"]).post(f"/api/v1/sections/{setting['section'].id}/amendments",
                                                     json=body)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]


def test_an_oversized_proposal_is_413(setting, api, app):
    huge = "word " * (app.config["SECTION_MAX_BYTES"] // 5 + 10)
    assert_refused(propose(api(setting["people"]["member"]), setting["section"], huge), 413, "section_too_large")
    assert api(setting["people"]["member"]).get(f"/api/v1/sections/{setting['section'].id}/amendments").get_json()[
        "items"] == []


def test_others_support_a_suggestion_once_and_may_withdraw(setting, api):
    people, section = setting["people"], setting["section"]
    amendment = propose(api(people["member"]), section, PURPOSE + "\n\nMore.").get_json()
    url = f"/api/v1/amendments/{amendment['id']}/support"
    supported = api(people["editor"]).post(url)
    assert supported.status_code == 200
    assert supported.get_json()["supporters"] == [{"id": people["editor"].id, "name": people["editor"].name}]
    assert api(people["editor"]).post(url).get_json()["error"]["code"] == "already_supported"
    assert api(people["member"]).post(url).status_code == 409  # its own author
    assert api(people["observer"]).post(url).status_code == 403
    assert api(people["editor"]).delete(url).get_json()["support_count"] == 0


def test_suggestions_of_a_section_are_listed_by_status(setting, api):
    people, section = setting["people"], setting["section"]
    first = propose(api(people["member"]), section, PURPOSE + "\n\nA.").get_json()
    propose(api(people["member"]), section, PURPOSE + "\n\nB.")
    api(people["editor"]).post(f"/api/v1/amendments/{first['id']}/reject", json={})
    observer = api(people["observer"])
    everything = observer.get(f"/api/v1/sections/{section.id}/amendments").get_json()["items"]
    assert [a["status"] for a in everything] == ["rejected", "proposed"]
    assert len(observer.get(f"/api/v1/sections/{section.id}/amendments?status=proposed").get_json()["items"]) == 1
    assert observer.get(f"/api/v1/sections/{section.id}/amendments?status=maybe").status_code == 400
