"""A document's language: chosen when it is started (page, API, file upload), by default the language its creator
uses Accord in; changed by an editor until the document has a final version; never into a language one of its
translations has, never for a translation. Bad codes are refused and change nothing."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from app.documents.models import Document
from app.extensions import db
from tests.conftest import assert_refused


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Document.id)))


def test_the_api_creates_a_document_in_the_language_asked_or_the_callers(api, make_group):
    group, people = make_group(roles=("editor",))
    editor = people["editor"]
    french = api(editor).post(f"/api/v1/groups/{group.id}/documents",
                              json={"title": "Déclaration commune", "kind": "statement", "language": "fr"})
    assert french.status_code == 201 and french.get_json()["language"] == "fr"
    editor.language = "de"
    db.session.commit()
    german = api(editor).post(f"/api/v1/groups/{group.id}/documents", json={"title": "Erklärung", "kind": "statement"})
    assert german.get_json()["language"] == "de"  # the creator's interface language
    before = _count()
    assert_refused(api(editor).post(f"/api/v1/groups/{group.id}/documents",
                                    json={"title": "X", "kind": "statement", "language": "klingon"}), 400, "invalid")
    upload = api(editor).client.post(
        f"/api/v1/groups/{group.id}/documents", headers=api(editor).headers,
        data={"file": (io.BytesIO(b"# Titel\n\n## Eins\n\nText.\n"), "a.md"), "language": "xx"})
    assert_refused(upload, 400, "invalid")
    assert _count() == before
    markdown = api(editor).client.post(
        f"/api/v1/groups/{group.id}/documents", headers=api(editor).headers,
        data={"file": (io.BytesIO(b"# Titolo\n\n## Uno\n\nTesto.\n"), "a.md"), "language": "it"})
    assert markdown.status_code == 201 and markdown.get_json()["language"] == "it"


def test_an_editor_changes_the_language_until_a_final_version(api, make_group):
    group, people = make_group(roles=("editor",))
    editor, coordinator = api(people["editor"]), api(people["coordinator"])
    did = editor.post(f"/api/v1/groups/{group.id}/documents",
                      json={"title": "Statement", "kind": "statement", "language": "en",
                            "sections": [{"heading": "Scope", "body": "Text."}]}).get_json()["id"]
    changed = editor.patch(f"/api/v1/documents/{did}", json={"language": "nl"})
    assert changed.status_code == 200 and changed.get_json()["language"] == "nl"
    assert editor.post(f"/api/v1/documents/{did}/translations", json={"language": "fr"}).status_code == 201
    assert_refused(editor.patch(f"/api/v1/documents/{did}", json={"language": "fr"}), 409, "translation_exists")
    assert coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "review"}).status_code == 200
    assert coordinator.post(f"/api/v1/documents/{did}/transitions",
                            json={"to": "final", "label": "Final"}).status_code == 200
    assert_refused(editor.patch(f"/api/v1/documents/{did}", json={"language": "de"}), 409, "document_frozen")
    assert coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "draft"}).status_code == 200
    # reopened for a new round: endorsements of the final version name its text, and its language stays
    assert_refused(editor.patch(f"/api/v1/documents/{did}", json={"language": "de"}), 409, "language_fixed")
    db.session.expire_all()
    assert db.session.get(Document, did).language == "nl"


def test_a_translations_language_is_fixed(api, make_group):
    group, people = make_group(roles=("editor",))
    editor = api(people["editor"])
    did = editor.post(f"/api/v1/groups/{group.id}/documents",
                      json={"title": "Statement", "kind": "statement", "language": "en"}).get_json()["id"]
    tid = editor.post(f"/api/v1/documents/{did}/translations", json={"language": "es"}).get_json()["id"]
    assert_refused(editor.patch(f"/api/v1/documents/{tid}", json={"language": "it"}), 409,
                   "translation_language_fixed")
    db.session.expire_all()
    assert db.session.get(Document, tid).language == "es"


def test_the_new_document_page_offers_the_language_and_keeps_it(client, login, make_group):
    group, people = make_group(roles=("editor",))
    people["editor"].language = "nb"
    db.session.commit()
    token = login(client, people["editor"])
    page = client.get(f"/groups/{group.id}/documents/new").get_data(as_text=True)
    assert 'name="language"' in page and '<option selected value="nb">' in page  # the editor's own by default
    created = client.post(f"/groups/{group.id}/documents/new",
                          data={"csrf_token": token, "title": "Felles erklæring", "kind": "statement",
                                "language": "nb", "summary": ""})
    assert created.status_code == 302
    document = db.session.scalar(select(Document).where(Document.title == "Felles erklæring"))
    assert document.language == "nb"
    assert 'lang="nb"' in client.get(f"/documents/{document.id}").get_data(as_text=True)
