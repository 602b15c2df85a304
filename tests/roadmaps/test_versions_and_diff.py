"""Actions are part of the text: versions freeze them, the content hash covers them, diffs say what changed."""
from __future__ import annotations

from app.documents.hashing import content_hash
from app.documents.models import Version
from app.documents.services import create_document, create_version, version_state
from app.extensions import db
from app.roadmaps.services import version_actions
from tests.conftest import PASSWORD
from tests.roadmaps.conftest import make_final


def _add(client, setup, **body):
    response = client.post(f"/api/v1/documents/{setup['document'].id}/actions",
                           json={"title": "Adopt the clauses", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _name(client, setup, label):
    response = client.post(f"/api/v1/documents/{setup['document'].id}/versions", json={"label": label})
    assert response.status_code == 201
    return response.get_json()


def test_a_named_version_keeps_the_actions_as_they_were(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    action = _add(editor, s, description="Use the *model clauses*.", owner_organisation_ids=[s["ghent"].id],
                  lead_user_id=s["people"]["member"].id, start_date="2027-Q1", due_date="2027-Q1",
                  section_id=s["sections"][1].id)
    v1 = _name(editor, s, "First draft")
    editor.patch(f"/api/v1/actions/{action['id']}", json={"due_date": "2027-Q3", "title": "Adopt clauses"})
    frozen = version_actions(db.session.get(Version, v1["id"]))
    assert len(frozen) == 1
    item = frozen[0]
    assert item["title"] == "Adopt the clauses" and item["due"] == "2027-Q1" and item["start"] == "2027-Q1"
    assert (item["start_date"], item["due_date"]) == ("2027-Q1", "2027-Q1")  # as shown, for the PDF
    assert (item["start_on"], item["due_on"]) == ("2027-01-01", "2027-03-31")
    assert item["owners"] == [{"id": s["ghent"].id, "name": "City of Ghent", "country": "BE"}]
    assert item["lead"] == {"id": s["people"]["member"].id, "name": "Member"}
    assert item["status"] == "planned" and item["status_label"] == "Planned"
    assert item["section"] == "2" and item["section_heading"] == "Monitoring"
    assert item["description_html"] == "<p>Use the <em>model clauses</em>.</p>"
    api_view = editor.get(f"/api/v1/versions/{v1['id']}/actions").get_json()["items"]
    assert api_view[0]["due"] == "2027-Q1"
    whole = editor.get(f"/api/v1/versions/{v1['id']}").get_json()  # the version as it was, actions included
    assert [a["title"] for a in whole["actions"]] == ["Adopt the clauses"] and whole["actions"][0]["due"] == "2027-Q1"


def test_the_version_page_lists_its_actions(client, login, roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    _add(editor, s, title="Publish the first report", due_date="2028-Q4", owner_organisation_ids=[s["oslo"].id])
    version = _name(editor, s, "For the workshop")
    login(client, s["people"]["observer"])
    html = client.get(f"/versions/{version['id']}").get_data(as_text=True)
    assert "Publish the first report" in html and "2028-Q4" in html and "City of Oslo" in html


def test_diff_between_versions_describes_each_action_change_in_words(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    kept = _add(editor, s, title="Adopt the clauses", due_date="2027-Q1", owner_organisation_ids=[s["ghent"].id])
    dropped = _add(editor, s, title="Old idea")
    unchanged = _add(editor, s, title="Steady")
    v1 = _name(editor, s, "One")
    editor.patch(f"/api/v1/actions/{kept['id']}", json={
        "due_date": "2027-Q3", "owner_organisation_ids": [s["ghent"].id, s["oslo"].id], "status": "in_progress",
        "lead_user_id": s["people"]["member"].id})
    editor.delete(f"/api/v1/actions/{dropped['id']}")
    added = _add(editor, s, title="New idea")
    v2 = _name(editor, s, "Two")
    diff = editor.get(f"/api/v1/documents/{s['document'].id}/diff?from={v1['id']}&to={v2['id']}").get_json()
    by_id = {a["action_id"]: a for a in diff["actions"]}
    assert by_id[kept["id"]]["change"] == "modified"
    assert by_id[kept["id"]]["changes"] == ["due 2027-Q1 → 2027-Q3", "status planned → in progress",
                                            "owner added: City of Oslo", "lead nobody → Member"]
    assert by_id[dropped["id"]]["change"] == "removed"
    assert by_id[added["id"]]["change"] == "added"
    assert by_id[unchanged["id"]]["change"] == "unchanged"
    # and against the current roadmap
    editor.patch(f"/api/v1/actions/{kept['id']}", json={"owner_organisation_ids": [s["oslo"].id]})
    current = editor.get(f"/api/v1/documents/{s['document'].id}/diff?from={v2['id']}&to=current").get_json()
    assert {a["action_id"]: a for a in current["actions"]}[kept["id"]]["changes"] == ["owner removed: City of Ghent"]


def test_the_compare_page_shows_the_action_changes(client, login, roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    action = _add(editor, s, due_date="2027-Q1")
    v1 = _name(editor, s, "One")
    editor.patch(f"/api/v1/actions/{action['id']}", json={"due_date": "2027-Q3"})
    login(client, s["people"]["observer"])
    html = client.get(f"/documents/{s['document'].id}/compare?from={v1['id']}&to=current").get_data(as_text=True)
    assert "due 2027-Q1 → 2027-Q3" in html


def test_a_statements_diff_has_no_actions(roadmap_setup, api):
    s = roadmap_setup
    statement = create_document(s["people"]["editor"], s["group"], title="S", kind="statement",
                                sections=[{"heading": "A", "body": "b"}])
    db.session.commit()
    editor = api(s["people"]["editor"])
    version = editor.post(f"/api/v1/documents/{statement.id}/versions", json={"label": "v"}).get_json()
    diff = editor.get(f"/api/v1/documents/{statement.id}/diff?from={version['id']}&to=current").get_json()
    assert diff["actions"] == []


def test_the_content_hash_of_a_document_without_actions_is_unchanged(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    version = _name(editor, s, "No actions yet")
    stored = db.session.get(Version, version["id"])
    state = version_state(stored)
    # the hash as it was computed before actions existed: title and sections only
    assert version["content_hash"] == content_hash(stored.title, state)
    statement = create_document(s["people"]["editor"], s["group"], title="S", kind="statement",
                                sections=[{"heading": "A", "body": "b"}])
    v = create_version(s["people"]["editor"], statement, label="v")
    assert v.content_hash == content_hash("S", [{"level": 1, "heading": "A", "body": "b"}])


def test_the_content_hash_changes_with_the_actions(roadmap_setup, api):
    s = roadmap_setup
    editor = api(s["people"]["editor"])
    without = _name(editor, s, "Without")["content_hash"]
    action = _add(editor, s, due_date="2027-Q1")
    with_one = _name(editor, s, "With one")["content_hash"]
    again = _name(editor, s, "Same again")["content_hash"]
    editor.patch(f"/api/v1/actions/{action['id']}", json={"due_date": "2027-Q2"})
    moved_due = _name(editor, s, "Due moved")["content_hash"]
    assert without != with_one
    assert with_one == again  # same text and actions, same hash
    assert moved_due != with_one


def test_going_final_freezes_the_actions_and_endorsement_still_checks_the_hash(roadmap_setup, api):
    s = roadmap_setup
    from app.organisations.models import Representative

    db.session.add(Representative(organisation_id=s["ghent"].id, user_id=s["people"]["member"].id))
    editor = api(s["people"]["editor"])
    _add(editor, s, title="Adopt the clauses", due_date="2027-Q2", owner_organisation_ids=[s["ghent"].id])
    final = make_final(api, s)
    frozen = version_actions(db.session.get(Version, final["id"]))
    assert [a["title"] for a in frozen] == ["Adopt the clauses"]
    member = api(s["people"]["member"])
    body = {"organisation_id": s["ghent"].id, "signatory_name": "Anna", "signatory_title": "Alderman",
            "password": PASSWORD}  # endorsing asks for the password, also with a token
    wrong = member.post(f"/api/v1/versions/{final['id']}/endorsements", json={**body, "content_hash": "0" * 64})
    assert wrong.status_code == 409
    right = member.post(f"/api/v1/versions/{final['id']}/endorsements",
                        json={**body, "content_hash": final["content_hash"]})
    assert right.status_code == 201, right.get_json()


def test_the_redline_pdf_says_what_changed_for_each_action(roadmap_setup, api):
    """Lawyers read the redline before sign-off: a change of due date must be in it, even when no section
    changed, and a changed action makes a new redline of the current text."""
    import subprocess

    s = roadmap_setup
    editor = api(s["people"]["editor"])
    kept = _add(editor, s, title="Adopt the clauses", due_date="2027-Q1")
    v1 = _name(editor, s, "One")
    url = f"/api/v1/documents/{s['document'].id}/compare/export.pdf?from={v1['id']}&to=current"
    before = editor.get(url)
    assert before.status_code == 200
    editor.patch(f"/api/v1/actions/{kept['id']}", json={"due_date": "2027-Q3"})
    after = editor.get(url)
    assert after.status_code == 200 and after.get_data() != before.get_data()
    text = subprocess.run(["pdftotext", "-", "-"], input=after.get_data(), capture_output=True, check=True).stdout
    text = " ".join(text.decode("utf-8").split())
    assert "Actions of the roadmap" in text and "Adopt the clauses" in text and "due 2027-Q1 → 2027-Q3" in text
