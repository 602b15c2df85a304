"""The discussion API as API.md fixes it: comments with anchors, threads, resolving, bad input."""
import pytest

from app.comments.services import MAX_COMMENT_CHARS
from tests.comments.conftest import PURPOSE
from tests.conftest import assert_refused

REFUSED = {403: "forbidden", 404: "not_found"}  # the error code a refused caller reads


def comments_url(section):
    return f"/api/v1/sections/{section.id}/comments"


def post_comment(client, section, **body):
    return client.post(comments_url(section), json={"body": "A remark.", **body})


def test_a_comment_on_quoted_words_answers_201_with_its_anchor(setting, api):
    member = api(setting["people"]["member"])
    response = post_comment(member, setting["section"], body="Say *living* wages?", quote="fair wages")
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    start = PURPOSE.index("fair wages")
    assert data["anchor"] == {"quote": "fair wages", "start": start, "end": start + 10, "revision": 1}
    assert isinstance(data["id"], int)
    assert "<em>living</em>" in data["html"]


def test_a_comment_without_quote_is_on_the_whole_section(setting, api):
    response = post_comment(api(setting["people"]["member"]), setting["section"])
    assert response.status_code == 201
    assert response.get_json()["anchor"] == {"quote": None, "start": None, "end": None, "revision": 1}


def test_a_recurring_quote_takes_the_occurrence_asked_for(setting, api):
    member = api(setting["people"]["member"])
    section = setting["section"]
    api(setting["people"]["editor"]).put(f"/api/v1/sections/{section.id}", json={
        "body": PURPOSE + "\n\nAgain: fair wages.", "base_revision": 1})
    second = post_comment(member, section, quote="fair wages", occurrence=1).get_json()
    assert second["anchor"]["start"] == (PURPOSE + "\n\nAgain: fair wages.").rindex("fair wages")
    near = post_comment(member, section, quote="fair wages", start=len(PURPOSE)).get_json()
    assert near["anchor"]["start"] == second["anchor"]["start"]


def test_listed_anchors_follow_their_words_through_edits_and_orphan_when_the_words_go(setting, api):
    people, section = setting["people"], setting["section"]
    member = api(people["member"])
    on_wages = post_comment(member, section, quote="fair wages").get_json()
    on_criteria = post_comment(member, section, quote="publishes its criteria").get_json()
    editor = api(people["editor"])
    new_text = "Preamble added.\n\n" + PURPOSE.replace("publishes its criteria", "reports")
    assert editor.put(f"/api/v1/sections/{section.id}", json={"body": new_text, "base_revision": 1}).status_code == 200
    listed = {c["id"]: c for c in api(people["observer"]).get(comments_url(section)).get_json()["items"]}
    moved = listed[on_wages["id"]]["anchor"]
    assert moved["orphaned"] is False and moved["revision"] == 2
    assert new_text[moved["start"]:moved["end"]] == "fair wages"
    assert moved["original"] == {"start": on_wages["anchor"]["start"], "end": on_wages["anchor"]["end"], "revision": 1}
    gone = listed[on_criteria["id"]]["anchor"]
    assert gone["orphaned"] is True and gone["start"] is None
    assert gone["quote"] == "publishes its criteria"


def test_replies_join_the_thread_and_answer_with_its_anchor(setting, api):
    people, section = setting["people"], setting["section"]
    thread = post_comment(api(people["member"]), section, quote="fair wages").get_json()
    first = post_comment(api(people["editor"]), section, body="Agreed.", parent_id=thread["id"]).get_json()
    second = post_comment(api(people["member"]), section, body="Thanks.", parent_id=first["id"])
    assert second.status_code == 201
    assert second.get_json()["parent_id"] == thread["id"]
    assert second.get_json()["anchor"]["quote"] == "fair wages"
    items = api(people["observer"]).get(comments_url(section)).get_json()["items"]
    assert [(c["id"], c["parent_id"]) for c in items] == [(thread["id"], None), (first["id"], thread["id"]),
                                                         (second.get_json()["id"], thread["id"])]


def test_resolving_and_reopening_a_thread(setting, api):
    people, section = setting["people"], setting["section"]
    thread = post_comment(api(people["member"]), section).get_json()
    editor = api(people["editor"])
    resolved = editor.post(f"/api/v1/comments/{thread['id']}/resolve")
    assert resolved.status_code == 200
    assert resolved.get_json()["resolved"] is True and resolved.get_json()["resolved_by"]["id"] == people["editor"].id
    assert editor.post(f"/api/v1/comments/{thread['id']}/resolve").status_code == 200  # already resolved: no change
    listed = api(people["observer"]).get(comments_url(section)).get_json()["items"][0]
    assert listed["resolved"] is True and listed["body"] == "A remark."  # still readable
    reopened = api(people["member"]).post(f"/api/v1/comments/{thread['id']}/reopen")
    assert reopened.status_code == 200 and reopened.get_json()["resolved"] is False


def test_editing_and_deleting_keep_the_thread_readable(setting, api):
    people, section = setting["people"], setting["section"]
    member = api(people["member"])
    thread = post_comment(member, section, body="First thought.").get_json()
    answer = post_comment(api(people["editor"]), section, body="Answer.", parent_id=thread["id"]).get_json()
    edited = member.patch(f"/api/v1/comments/{thread['id']}", json={"body": "Second thought."})
    assert edited.status_code == 200
    assert edited.get_json()["body"] == "Second thought." and edited.get_json()["edited_at"]
    assert member.delete(f"/api/v1/comments/{thread['id']}").status_code == 204
    items = api(people["observer"]).get(comments_url(section)).get_json()["items"]
    assert items[0]["deleted"] is True and items[0]["body"] == ""
    assert items[1]["id"] == answer["id"] and items[1]["body"] == "Answer."
    assert member.patch(f"/api/v1/comments/{thread['id']}", json={"body": "Back."}).status_code == 409


# --- who may do what -------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("observer", 403), ("member", 201), ("editor", 201),
                                          ("coordinator", 201), ("outsider", 404)])
def test_who_may_comment(setting, api, make_user, role, status):
    user = make_user() if role == "outsider" else setting["people"][role]
    response = post_comment(api(user), setting["section"])
    if status in REFUSED:
        assert_refused(response, status, REFUSED[status])
    else:
        assert response.status_code == status
    items = api(setting["people"]["coordinator"]).get(comments_url(setting["section"])).get_json()["items"]
    assert [item["body"] for item in items] == ([] if status in REFUSED else ["A remark."])


@pytest.mark.parametrize("role, status", [("observer", 403), ("other member", 403), ("author", 200),
                                          ("editor", 200), ("coordinator", 200), ("outsider", 404)])
@pytest.mark.parametrize("action", ["resolve", "reopen"])
def test_who_may_resolve_and_reopen(setting, api, make_user, role, status, action):
    from app.extensions import db
    from app.groups.models import Membership

    people = setting["people"]
    thread = post_comment(api(people["member"]), setting["section"]).get_json()
    if action == "reopen":
        api(people["editor"]).post(f"/api/v1/comments/{thread['id']}/resolve")
    if role == "other member":
        user = make_user()
        db.session.add(Membership(group_id=setting["group"].id, user_id=user.id, role="member"))
        db.session.commit()
    elif role == "author":
        user = people["member"]
    elif role == "outsider":
        user = make_user()
    else:
        user = people[role]
    response = api(user).post(f"/api/v1/comments/{thread['id']}/{action}")
    if status in REFUSED:
        assert_refused(response, status, REFUSED[status])
    else:
        assert response.status_code == status
    resolved = api(people["coordinator"]).get(comments_url(setting["section"])).get_json()["items"][0]["resolved"]
    assert resolved == ((action == "resolve") == (status == 200))  # a refusal leaves the thread as it was


@pytest.mark.parametrize("role, patch_status, delete_status", [
    ("author", 200, 204), ("editor", 403, 204), ("coordinator", 403, 204), ("observer", 403, 403),
    ("outsider", 404, 404)])
def test_authors_edit_and_authors_or_editors_delete(setting, api, make_user, role, patch_status, delete_status):
    people = setting["people"]
    thread = post_comment(api(people["member"]), setting["section"]).get_json()
    user = {"author": people["member"], "outsider": make_user()}.get(role) or people.get(role)
    client = api(user)

    def seen():
        return api(people["coordinator"]).get(comments_url(setting["section"])).get_json()["items"][0]

    patched = client.patch(f"/api/v1/comments/{thread['id']}", json={"body": "Changed."})
    if patch_status in REFUSED:
        assert_refused(patched, patch_status, REFUSED[patch_status])
    assert patched.status_code == patch_status
    assert seen()["body"] == ("Changed." if patch_status == 200 else "A remark.")
    deleted = client.delete(f"/api/v1/comments/{thread['id']}")
    if delete_status in REFUSED:
        assert_refused(deleted, delete_status, REFUSED[delete_status])
    assert deleted.status_code == delete_status
    assert seen()["deleted"] is (delete_status == 204)


# --- bad input -------------------------------------------------------------------------------

def test_a_section_of_another_groups_document_is_not_found(setting, api, make_group):
    _other_group, others = make_group(roles=("member",))
    stranger = api(others["member"])
    assert_refused(post_comment(stranger, setting["section"]), 404, "not_found")
    assert_refused(stranger.get(comments_url(setting["section"])), 404, "not_found")
    assert_refused(stranger.post("/api/v1/sections/999999/comments", json={"body": "x"}), 404, "not_found")
    assert api(setting["people"]["member"]).get(comments_url(setting["section"])).get_json()["items"] == []


@pytest.mark.parametrize("body, status, field", [
    ({"body": "Fine.", "quote": "words that are not there"}, 400, "quote"),
    ({"body": ""}, 400, "body"),
    ({"body": "   \n  "}, 400, "body"),
    ({"body": 5}, 400, "body"),
    ({"quote": "fair wages"}, 400, "body"),
    ({"body": "x", "quote": 7}, 400, "quote"),
    ({"body": "x", "occurrence": -1, "quote": "fair"}, 400, "occurrence"),
    ({"body": "x", "parent_id": "1"}, 400, "parent_id"),
    ({"body": "x", "quote": "q" * 5001}, 400, "quote"),
    ({"body": "bad \ud800 text"}, 400, "body"),
])
def test_bad_comments_are_refused_with_the_field(setting, api, body, status, field):
    response = api(setting["people"]["member"]).post(comments_url(setting["section"]), json=body)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]


def test_an_oversized_comment_is_413(setting, api):
    response = post_comment(api(setting["people"]["member"]), setting["section"], body="x" * (MAX_COMMENT_CHARS + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "comment_too_large"
    assert post_comment(api(setting["people"]["member"]), setting["section"],
                        body="x" * MAX_COMMENT_CHARS).status_code == 201


def test_replying_to_a_deleted_comment_is_409(setting, api):
    people, section = setting["people"], setting["section"]
    member = api(people["member"])
    thread = post_comment(member, section).get_json()
    member.delete(f"/api/v1/comments/{thread['id']}")
    assert_refused(post_comment(member, section, parent_id=thread["id"]), 409, "comment_deleted")
    items = api(people["coordinator"]).get(comments_url(section)).get_json()["items"]
    assert [(item["id"], item["deleted"]) for item in items] == [(thread["id"], True)]  # and no reply stored


def test_replies_name_a_comment_of_the_same_section_and_carry_no_quote(setting, api):
    people = setting["people"]
    member = api(people["member"])
    elsewhere = post_comment(member, setting["other"]).get_json()
    wrong = assert_refused(post_comment(member, setting["section"], parent_id=elsewhere["id"]), 400, "invalid")
    assert "parent_id" in wrong.get_json()["error"]["details"]["fields"]
    assert api(people["observer"]).get(comments_url(setting["section"])).get_json()["items"] == []
    thread = post_comment(member, setting["section"]).get_json()
    quoted = post_comment(member, setting["section"], parent_id=thread["id"], quote="fair wages")
    assert_refused(quoted, 400, "invalid")
    assert "quote" in quoted.get_json()["error"]["details"]["fields"]
    for section, only in ((setting["section"], thread), (setting["other"], elsewhere)):  # no reply stored
        items = api(people["observer"]).get(comments_url(section)).get_json()["items"]
        assert [item["id"] for item in items] == [only["id"]]


def test_hostile_markdown_in_comments_is_sanitised_like_sections(setting, api):
    body = ("<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> "
            "<a href=\"https://example.eu\" onclick=\"alert(4)\">ok</a>")
    data = post_comment(api(setting["people"]["member"]), setting["section"], body=body).get_json()
    html = data["html"]
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "onclick" not in html and "<img" not in html
    assert 'href="https://example.eu"' in html


def test_a_removed_section_keeps_its_comments_readable_but_closed(setting, api):
    people, section = setting["people"], setting["section"]
    post_comment(api(people["member"]), section, body="Keep this.", quote="fair wages")
    assert api(people["editor"]).delete(f"/api/v1/sections/{section.id}").status_code == 204
    listed = api(people["observer"]).get(comments_url(section))
    assert listed.status_code == 200 and listed.get_json()["items"][0]["body"] == "Keep this."
    assert_refused(post_comment(api(people["member"]), section), 409, "section_removed")
    assert [c["body"] for c in api(people["observer"]).get(comments_url(section)).get_json()["items"]] == [
        "Keep this."]


def test_comment_endpoints_are_in_the_openapi_description(api):
    paths = api().get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [("/api/v1/sections/{sid}/comments", "post"), ("/api/v1/sections/{sid}/comments", "get"),
                         ("/api/v1/comments/{cid}/resolve", "post"), ("/api/v1/comments/{cid}/reopen", "post"),
                         ("/api/v1/comments/{cid}", "patch"), ("/api/v1/comments/{cid}", "delete"),
                         ("/api/v1/sections/{sid}/amendments", "post"), ("/api/v1/amendments/{aid}/accept", "post"),
                         ("/api/v1/amendments/{aid}/reject", "post"), ("/api/v1/notifications", "get"),
                         ("/api/v1/groups/{gid}/activity", "get")]:
        assert method in paths[path], (path, method)
    assert "201" in paths["/api/v1/sections/{sid}/comments"]["post"]["responses"]
    assert "409" in paths["/api/v1/amendments/{aid}/accept"]["post"]["responses"]
