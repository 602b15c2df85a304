"""The co-drafting API: documents, sections, saves with merges and conflicts, versions, diffs."""
from pathlib import Path

import pytest

from tests.conftest import assert_refused

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def drafting(make_group, api):
    group, people = make_group(roles=("observer", "member", "editor"))
    editor = api(people["editor"])
    response = editor.post(f"/api/v1/groups/{group.id}/documents", json={
        "title": "Joint statement on fair ICT", "kind": "statement", "summary": "Why we act.",
        "sections": [
            {"heading": "Purpose",
             "body": "We, the undersigned public buyers, agree on fair wages.\n\nSecond paragraph on audits."},
            {"heading": "Commitments", "body": "Each signatory will publish its criteria."},
        ]})
    assert response.status_code == 201, response.get_json()
    return group, people, response.get_json()


def test_document_has_the_contract_fields_and_numbered_sections(drafting, api):
    group, people, document = drafting
    got = api(people["observer"]).get(f"/api/v1/documents/{document['id']}").get_json()
    assert {"id", "group_id", "kind", "title", "summary", "status", "sections"} <= set(got)
    assert got["status"] == "draft"
    assert [s["number"] for s in got["sections"]] == ["1", "2"]
    assert {"id", "heading", "body", "position", "revision"} <= set(got["sections"][0])
    assert got["sections"][0]["revision"] == 1


def test_member_saves_a_section_and_the_revision_is_numbered(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    response = api(people["member"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": section["body"] + "\n\nA third paragraph.", "base_revision": 1, "message": "adds audits"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["merged"] is False
    assert data["revision"]["number"] == 2
    revisions = api(people["observer"]).get(f"/api/v1/sections/{section['id']}/revisions").get_json()["items"]
    assert [(r["number"], r["message"]) for r in revisions] == [(1, "Created"), (2, "adds audits")]


def test_concurrent_saves_of_different_words_are_merged(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    body = section["body"]
    first = api(people["member"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": body.replace("fair wages", "fair and living wages"), "base_revision": 1})
    assert first.status_code == 200
    second = api(people["editor"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": body.replace("on audits", "on independent audits"), "base_revision": 1})
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["merged"] is True
    text = second.get_json()["section"]["body"]
    assert "fair and living wages" in text and "independent audits" in text


def test_concurrent_saves_of_the_same_words_conflict_and_keep_the_first(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    body = section["body"]
    api(people["member"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": body.replace("fair wages", "living wages"), "base_revision": 1})
    clash = api(people["editor"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": body.replace("fair wages", "decent wages"), "base_revision": 1})
    assert clash.status_code == 409
    error = clash.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["current_revision"] == 2
    assert "living wages" in error["details"]["current_body"]
    current = api(people["member"]).get(f"/api/v1/sections/{section['id']}").get_json()
    assert "living wages" in current["body"] and "decent" not in current["body"]


def test_saving_identical_text_makes_no_revision(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    response = api(people["member"]).put(f"/api/v1/sections/{section['id']}", json={
        "body": section["body"], "base_revision": 1})
    assert response.status_code == 200
    assert response.get_json()["created"] is False
    assert response.get_json()["revision"]["number"] == 1


@pytest.mark.parametrize("payload, field", [
    ({"body": 5, "base_revision": 1}, "body"),
    ({"body": "x"}, "base_revision"),
    ({"body": "x", "base_revision": "1"}, "base_revision"),
    ({"body": "x", "base_revision": 99}, "base_revision"),
    ({"body": "x", "base_revision": 0}, "base_revision"),
])
def test_bad_saves_get_400_with_the_field(drafting, api, payload, field):
    _group, people, document = drafting
    response = api(people["member"]).put(f"/api/v1/sections/{document['sections'][0]['id']}", json=payload)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]


def test_oversized_section_gets_413_and_leaves_the_text(drafting, api, app):
    _group, people, document = drafting
    section = document["sections"][0]
    huge = "word " * (app.config["SECTION_MAX_BYTES"] // 5 + 10)
    response = api(people["member"]).put(f"/api/v1/sections/{section['id']}", json={"body": huge, "base_revision": 1})
    assert response.status_code == 413
    assert api(people["member"]).get(f"/api/v1/sections/{section['id']}").get_json()["body"] == section["body"]


def test_observer_cannot_save_and_outsider_sees_nothing(drafting, api, make_user):
    _group, people, document = drafting
    section = document["sections"][0]
    assert_refused(api(people["observer"]).put(f"/api/v1/sections/{section['id']}",
                                               json={"body": "x", "base_revision": 1}), 403, "forbidden")
    outsider = api(make_user())
    assert_refused(outsider.get(f"/api/v1/documents/{document['id']}"), 404, "not_found")
    assert_refused(outsider.put(f"/api/v1/sections/{section['id']}", json={"body": "x", "base_revision": 1}), 404,
                   "not_found")
    assert_refused(outsider.get(f"/api/v1/sections/{section['id']}/revisions"), 404, "not_found")
    assert_refused(outsider.get("/api/v1/sections/999999/revisions"), 404, "not_found")
    now = api(people["observer"]).get(f"/api/v1/sections/{section['id']}").get_json()
    assert (now["body"], now["revision"]) == (section["body"], 1)  # neither save reached the text


def test_sections_add_reorder_remove_keep_identity(drafting, api):
    _group, people, document = drafting
    editor = api(people["editor"])
    first, second = (s["id"] for s in document["sections"])
    added = editor.post(f"/api/v1/documents/{document['id']}/sections",
                        json={"heading": "Scope", "body": "Applies to ICT.", "after_section_id": first, "level": 2})
    assert added.status_code == 201
    new_id = added.get_json()["id"]
    assert added.get_json()["number"] == "1.1"
    reordered = editor.put(f"/api/v1/documents/{document['id']}/sections/order",
                           json={"order": [second, first, new_id]})
    assert reordered.status_code == 200
    got = editor.get(f"/api/v1/documents/{document['id']}").get_json()
    assert [s["id"] for s in got["sections"]] == [second, first, new_id]
    assert [s["number"] for s in got["sections"]] == ["1", "2", "2.1"]
    assert editor.put(f"/api/v1/documents/{document['id']}/sections/order", json={"order": [first]}).status_code == 400
    assert api(people["member"]).delete(f"/api/v1/sections/{new_id}").status_code == 403
    assert editor.delete(f"/api/v1/sections/{new_id}").status_code == 204
    got = editor.get(f"/api/v1/documents/{document['id']}").get_json()
    assert new_id not in [s["id"] for s in got["sections"]]
    history = editor.get(f"/api/v1/sections/{new_id}/revisions/1").get_json()
    assert history["body"] == "Applies to ICT."


def test_restore_an_old_revision_as_a_new_one(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    member = api(people["member"])
    member.put(f"/api/v1/sections/{section['id']}", json={"body": "Rewritten.", "base_revision": 1})
    restored = member.post(f"/api/v1/sections/{section['id']}/revisions/1/restore")
    assert restored.status_code == 200
    assert restored.get_json()["revision"]["number"] == 3
    assert restored.get_json()["section"]["body"] == section["body"]


def test_section_diff_is_word_level(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    member = api(people["member"])
    member.put(f"/api/v1/sections/{section['id']}", json={
        "body": section["body"].replace("fair wages", "living wages"), "base_revision": 1})
    diff = member.get(f"/api/v1/sections/{section['id']}/diff?from=1&to=2").get_json()["diff"]
    assert [-1, "fair"] in diff and [1, "living"] in diff
    assert "".join(t for op, t in diff if op != 1) == section["body"]
    assert member.get(f"/api/v1/sections/{section['id']}/diff?from=1&to=9").status_code == 404
    assert member.get(f"/api/v1/sections/{section['id']}/diff?from=a&to=2").status_code == 400


def test_versions_freeze_the_text_and_carry_a_content_hash(drafting, api):
    _group, people, document = drafting
    editor = api(people["editor"])
    created = editor.post(f"/api/v1/documents/{document['id']}/versions",
                          json={"label": "Draft for the Brussels workshop", "note": "first round"})
    assert created.status_code == 201
    version = created.get_json()
    assert version["number"] == 1 and len(version["content_hash"]) == 64
    section = document["sections"][0]
    editor.put(f"/api/v1/sections/{section['id']}", json={"body": "Changed later.", "base_revision": 1})
    frozen = editor.get(f"/api/v1/versions/{version['id']}").get_json()
    assert frozen["sections"][0]["body"] == section["body"]
    assert frozen["content_hash"] == version["content_hash"]
    assert api(people["member"]).post(f"/api/v1/documents/{document['id']}/versions",
                                      json={"label": "x"}).status_code == 403
    second = editor.post(f"/api/v1/documents/{document['id']}/versions", json={"label": "Second"}).get_json()
    assert second["number"] == 2 and second["content_hash"] != version["content_hash"]


def test_document_diff_names_added_removed_modified_moved(drafting, api):
    _group, people, document = drafting
    editor = api(people["editor"])
    did = document["id"]
    first, second = (s["id"] for s in document["sections"])
    v1 = editor.post(f"/api/v1/documents/{did}/versions", json={"label": "v1"}).get_json()["id"]
    editor.put(f"/api/v1/sections/{first}", json={"body": "New purpose.", "base_revision": 1})
    added = editor.post(f"/api/v1/documents/{did}/sections", json={"heading": "Annex",
                                                                   "body": "Lists."}).get_json()["id"]
    third = editor.post(f"/api/v1/documents/{did}/sections", json={"heading": "Gone", "body": "Soon."}).get_json()["id"]
    v2 = editor.post(f"/api/v1/documents/{did}/versions", json={"label": "v2"}).get_json()["id"]
    editor.delete(f"/api/v1/sections/{third}")
    editor.put(f"/api/v1/documents/{did}/sections/order", json={"order": [added, first, second]})
    diff = editor.get(f"/api/v1/documents/{did}/diff?from={v1}&to=current").get_json()["sections"]
    changes = {d["section_id"]: d["change"] for d in diff}
    assert changes[first] == "modified" and changes[added] == "added"
    diff2 = editor.get(f"/api/v1/documents/{did}/diff?from={v2}&to=current").get_json()["sections"]
    changes2 = {d["section_id"]: d["change"] for d in diff2}
    assert changes2[third] == "removed"
    assert changes2[added] == "moved"
    assert changes2[second] == "unchanged"


def test_import_markdown_splits_at_headings(make_group, api):
    group, people = make_group(roles=("editor",))
    text = (DATA / "fpc-roadmap.md").read_text()
    response = api(people["editor"]).post(f"/api/v1/groups/{group.id}/documents",
                                          json={"title": "FPC roadmap", "kind": "roadmap", "markdown": text})
    assert response.status_code == 201, response.get_json()
    sections = response.get_json()["sections"]
    assert sections[1]["heading"] == "Growing the public code ecosystem"
    assert sections[2]["number"] == "2.1" and sections[2]["heading"] == "Awareness"
    assert "SPDX" not in sections[0]["body"]


def test_a_body_with_a_lone_surrogate_is_refused_not_a_500(drafting, api):
    _group, people, document = drafting
    section = document["sections"][0]
    response = api(people["member"]).put(f"/api/v1/sections/{section['id']}",
                                         data='{"body": "x\\ud800y", "base_revision": 1}',
                                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "body" in response.get_json()["error"]["details"]["fields"]


def test_document_diff_past_its_time_budget_stays_exact_by_whole_lines(drafting, api, monkeypatch):
    from app.documents import services

    monkeypatch.setattr(services, "DIFF_REFINE_BUDGET", 0.0)
    _group, people, document = drafting
    editor = api(people["editor"])
    did, first = document["id"], document["sections"][0]
    v1 = editor.post(f"/api/v1/documents/{did}/versions", json={"label": "v1"}).get_json()["id"]
    new_body = first["body"].replace("fair wages", "living wages")
    editor.put(f"/api/v1/sections/{first['id']}", json={"body": new_body, "base_revision": 1})
    changes = editor.get(f"/api/v1/documents/{did}/diff?from={v1}&to=current").get_json()["sections"]
    change = next(c for c in changes if c["section_id"] == first["id"])
    assert change["change"] == "modified"
    assert "".join(t for op, t in change["diff"] if op != 1) == first["body"]
    assert "".join(t for op, t in change["diff"] if op != -1) == new_body
    assert [-1, "fair"] not in change["diff"]  # whole lines, not words


def test_comparing_again_follows_every_save_and_diffs_only_the_sections_saved_since(drafting, api, monkeypatch):
    from app.documents import services

    _group, people, document = drafting
    editor = api(people["editor"])
    did = document["id"]
    first, second = document["sections"]
    v1 = editor.post(f"/api/v1/documents/{did}/versions", json={"label": "v1"}).get_json()["id"]
    calls = []
    real = services.diff_texts
    monkeypatch.setattr(services, "diff_texts", lambda a, b, refine=True: calls.append(1) or real(a, b, refine))

    def changed_words():
        sections = editor.get(f"/api/v1/documents/{did}/diff?from={v1}&to=current").get_json()["sections"]
        return {s["section_id"]: ([t for op, t in s["diff"] if op == 1], [t for op, t in s["diff"] if op == -1])
                for s in sections}

    editor.put(f"/api/v1/sections/{first['id']}", json={"body": first["body"].replace("fair", "living"),
                                                         "base_revision": 1})
    assert changed_words()[first["id"]] == (["living"], ["fair"]) and len(calls) == 1
    assert changed_words()[first["id"]] == (["living"], ["fair"]) and len(calls) == 1  # nothing saved since
    editor.put(f"/api/v1/sections/{first['id']}", json={"body": first["body"].replace("fair", "decent"),
                                                         "base_revision": 2})
    editor.put(f"/api/v1/sections/{second['id']}", json={"body": second["body"].replace("its", "all its"),
                                                          "base_revision": 1})
    words = changed_words()
    assert words[first["id"]] == (["decent"], ["fair"]) and words[second["id"]] == (["all "], [])
    assert len(calls) == 3  # the two sections saved since, no more
