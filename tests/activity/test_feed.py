"""The activity feed: a group's edits, versions, comments and suggestions, newest first, each with its link."""


def comment(client, section, body, **extra):
    response = client.post(f"/api/v1/sections/{section.id}/comments", json={"body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_activity_feed_lists_edits_versions_comments_and_suggestions_with_links(setting, api, make_user):
    people, section, document = setting["people"], setting["section"], setting["document"]
    editor, member = api(people["editor"]), api(people["member"])
    editor.put(f"/api/v1/sections/{section.id}", json={"body": section.body + " More.", "base_revision": 1})
    editor.post(f"/api/v1/documents/{document.id}/versions", json={"label": "First draft"})
    made = comment(member, section, "Nice.")
    amendment = member.post(f"/api/v1/sections/{section.id}/amendments", json={
        "body": "New text.", "base_revision": 2}).get_json()
    feed = api(people["observer"]).get(f"/api/v1/groups/{setting['group'].id}/activity").get_json()
    actions = [i["action"] for i in feed["items"]]
    assert actions[:4] == ["amendment.propose", "comment.add", "version.create", "section.edit"]
    links = {i["action"]: i["link"] for i in feed["items"]}
    assert links["amendment.propose"] == f"/amendments/{amendment['id']}"
    assert links["comment.add"] == f"/documents/{document.id}#comment-{made['id']}"
    assert links["section.edit"] == f"/sections/{section.id}/diff?from=1&to=2"
    assert feed["items"][0]["text"].startswith(people["member"].name + " suggested a change to “Purpose”")
    page = api(people["observer"]).get(f"/api/v1/groups/{setting['group'].id}/activity?limit=2").get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    older = api(people["observer"]).get(
        f"/api/v1/groups/{setting['group'].id}/activity?limit=2&cursor={page['next_cursor']}").get_json()
    assert older["items"][0]["id"] < page["items"][-1]["id"]
    assert api(make_user()).get(f"/api/v1/groups/{setting['group'].id}/activity").status_code == 404
