"""Issue 25: a suggestion an editor merged by hand credits both its author and that editor, and no
suggestion is proposed on a final or closed text (refused as a save is: 409 document_frozen)."""
import pytest
from sqlalchemy import func, select

from app.comments import services
from app.comments.models import Amendment
from app.documents.services import save_section
from app.documents.workflow import transition
from app.extensions import db
from tests.comments.conftest import PURPOSE
from tests.conftest import csrf_token_from


def _count_amendments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Amendment))


def _conflicting_suggestion(s):
    """A member's suggestion that no longer merges: the editor changed the same words since."""
    people, section = s["people"], s["section"]
    amendment = services.propose_amendment(people["member"], section,
                                           body=PURPOSE.replace("fair wages", "living wages"), base_revision=1)
    save_section(people["editor"], section, body=PURPOSE.replace("fair wages", "decent wages"), base_revision=1)
    db.session.commit()
    return amendment


def test_a_suggestion_merged_by_hand_credits_its_author_and_the_editor(setting, client, login, api):
    s = setting
    member, editor = s["people"]["member"], s["people"]["editor"]
    amendment = _conflicting_suggestion(s)
    token = login(client, editor)
    resolved = PURPOSE.replace("fair wages", "decent living wages")
    done = client.post(f"/amendments/{amendment.id}/accept", data={"csrf_token": token, "body": resolved,
                                                                   "base_revision": "2"})
    assert done.status_code == 302
    flashed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"credited to {member.name} and {editor.name}" in flashed
    # The suggestion's record says so, in the page and the API.
    record = client.get(f"/amendments/{amendment.id}").get_data(as_text=True)
    assert f"credited to {member.name} and {editor.name} ({editor.name} merged it by hand)" in record
    data = api(s["people"]["observer"]).get(f"/api/v1/amendments/{amendment.id}").get_json()
    assert [p["id"] for p in data["credited_to"]] == [member.id, editor.id]
    # So does the section's history: the revision is its author's, and its message names the editor who merged it.
    history = client.get(f"/sections/{s['section'].id}/history").get_data(as_text=True)
    assert f"Suggested change #{amendment.id} by {member.name}, merged by hand by {editor.name}" in history
    revision = api(s["people"]["observer"]).get(f"/api/v1/sections/{s['section'].id}/revisions").get_json()["items"][-1]
    assert revision["number"] == 3 and revision["author_id"] == member.id
    assert editor.name in revision["message"] and member.name in revision["message"]


def test_a_suggestion_merged_without_help_is_credited_to_its_author_alone(setting, api):
    s = setting
    member, editor = s["people"]["member"], s["people"]["editor"]
    amendment = services.propose_amendment(member, s["section"], body=PURPOSE.replace("fair wages", "living wages"),
                                           base_revision=1)
    db.session.commit()
    response = api(editor).post(f"/api/v1/amendments/{amendment.id}/accept")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert [p["id"] for p in data["amendment"]["credited_to"]] == [member.id]
    expected = f"Suggested change #{amendment.id} by {member.name}, accepted by {editor.name}"
    assert data["revision"]["message"] == expected


@pytest.fixture(params=["final", "closed"])
def frozen(request, setting):
    coordinator = setting["people"]["coordinator"]
    transition(coordinator, setting["document"], "review")
    transition(coordinator, setting["document"], "final")
    if request.param == "closed":
        transition(coordinator, setting["document"], "closed")
    db.session.commit()
    return setting


def test_the_api_refuses_a_suggestion_on_a_frozen_text_as_it_refuses_a_save(frozen, api):
    s = frozen
    member, editor = api(s["people"]["member"]), api(s["people"]["editor"])
    proposed = member.post(f"/api/v1/sections/{s['section'].id}/amendments",
                           json={"body": PURPOSE + " More.", "base_revision": 1})
    saved = editor.put(f"/api/v1/sections/{s['section'].id}", json={"body": PURPOSE + " More.", "base_revision": 1})
    assert proposed.status_code == saved.status_code == 409
    assert proposed.get_json()["error"]["code"] == saved.get_json()["error"]["code"] == "document_frozen"
    assert _count_amendments() == 0


def test_the_suggest_page_refuses_a_frozen_text_as_the_edit_page_does(frozen, client, login):
    s = frozen
    token = login(client, s["people"]["editor"])
    sid = s["section"].id
    form = {"csrf_token": token, "body": PURPOSE + " More.", "base_revision": "1"}
    for wants_json in (False, True):
        headers = {"Accept": "application/json"} if wants_json else {}
        proposed = client.post(f"/sections/{sid}/suggest", data=form, headers=headers)
        saved = client.post(f"/sections/{sid}/edit", data={**form, "heading": "Purpose"}, headers=headers)
        assert proposed.status_code == saved.status_code == (409 if wants_json else 302)
        if wants_json:
            assert proposed.get_json()["error"]["code"] == saved.get_json()["error"]["code"] == "document_frozen"
    assert client.get(f"/sections/{sid}/suggest", headers={"Accept": "application/json"}).status_code == 409
    assert _count_amendments() == 0


def test_a_frozen_text_offers_no_suggest_link(frozen, client, login):
    s = frozen
    login(client, s["people"]["member"])
    for path in (f"/documents/{s['document'].id}", f"/sections/{s['section'].id}/discussion"):
        html = client.get(path).get_data(as_text=True)
        assert csrf_token_from(html) and f"/sections/{s['section'].id}/suggest" not in html, path
