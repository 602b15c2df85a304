"""A copy exported as .docx, edited offline in Word and uploaded again: changed sections are saved, or
suggested where they changed in Accord since; nothing is overwritten."""
from __future__ import annotations

import io

import docx
import pytest
from sqlalchemy import func, select

from app.comments.models import Amendment
from app.documents import services
from app.documents.models import SectionRevision
from app.extensions import db

SECTIONS = [
    {"heading": "Purpose", "body": "We, the buyers, **agree** to buy clean buses.\n\nThe market must follow."},
    {"heading": "Scope", "body": "Two lots:\n\n- forty city buses\n- twenty-five coaches"},
    {"heading": "Monitoring", "body": "We report *every* year.\n\nThe secretariat keeps the figures."},
]


@pytest.fixture
def world(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(people["editor"], group, title="Clean buses", kind="statement",
                                        sections=SECTIONS)
    version = services.create_version(people["editor"], document, label="For the board")
    db.session.commit()
    return group, people, document, version


def edited(data: bytes, old: str, new: str) -> bytes:
    """The .docx with the paragraph whose text is `old` rewritten as `new` (one run), as Word saves it."""
    d = docx.Document(io.BytesIO(data))
    for paragraph in d.paragraphs:
        if paragraph.text == old:
            for run in paragraph.runs[1:]:
                run._r.getparent().remove(run._r)
            paragraph.runs[0].text = new
            break
    else:
        raise AssertionError(f"no paragraph {old!r}")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def upload(client, did, data, name="board-copy.docx"):
    return client.post(f"/api/v1/documents/{did}/docx", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def state(document):
    db.session.expire_all()
    return ([(s.heading, s.body, s.current_revision) for s in services.live_sections(document)],
            db.session.scalar(select(func.count()).select_from(Amendment)))


def test_a_changed_section_becomes_a_new_revision_by_the_uploader(api, world):
    _group, people, document, version = world
    editor = api(people["editor"])
    exported = editor.get(f"/api/v1/versions/{version.id}/export.docx").data
    data = edited(exported, "The secretariat keeps the figures.", "The secretariat publishes the figures.")
    response = upload(editor, document.id, data)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert [(s["heading"], s["outcome"]) for s in answer["sections"]] == [
        ("Purpose", "unchanged"), ("Scope", "unchanged"), ("Monitoring", "saved")]
    assert answer["saved"] == 1 and "Saved from Word: “Monitoring”" in answer["message"]
    sections, amendments = state(document)
    # The untouched paragraph keeps its exact stored Markdown (*every*); only the edited words are new.
    assert sections[2] == ("Monitoring", "We report *every* year.\n\nThe secretariat publishes the figures.", 2)
    assert [s[2] for s in sections[:2]] == [1, 1] and amendments == 0
    latest = db.session.scalar(select(SectionRevision).order_by(SectionRevision.id.desc()))
    assert latest.author_id == people["editor"].id and latest.message == "From Word (board-copy.docx)"


def test_a_section_changed_in_accord_since_the_export_becomes_a_suggestion(api, world):
    _group, people, document, version = world
    editor = api(people["editor"])
    exported = editor.get(f"/api/v1/versions/{version.id}/export.docx").data
    monitoring = services.live_sections(document)[2]
    services.save_section(people["member"], monitoring, body="We report every *quarter*.\n\nThe secretariat "
                          "keeps the figures.", base_revision=1)
    db.session.commit()
    before, _ = state(document)
    data = edited(exported, "The secretariat keeps the figures.", "The secretariat publishes the figures.")
    response = upload(editor, document.id, data)
    assert response.status_code == 200, response.get_json()
    outcome = response.get_json()["sections"][2]
    assert outcome["outcome"] == "suggested" and "changed in Accord since the export" in outcome["reason"]
    after, amendments = state(document)
    assert after == before and amendments == 1
    amendment = db.session.scalar(select(Amendment))
    assert amendment.author_id == people["editor"].id and amendment.base_revision == 1
    assert amendment.body == "We report *every* year.\n\nThe secretariat publishes the figures."


def test_an_unedited_copy_changes_nothing(api, world):
    _group, people, document, _version = world
    editor = api(people["editor"])
    exported = editor.get(f"/api/v1/documents/{document.id}/export.docx").data
    before = state(document)
    response = upload(editor, document.id, exported)
    assert response.status_code == 200
    assert {s["outcome"] for s in response.get_json()["sections"]} == {"unchanged"}
    assert state(document) == before


def test_a_file_from_another_document_is_refused_and_changes_nothing(api, world, make_group):
    group, people, document, _version = world
    other = services.create_document(people["editor"], group, title="Other", kind="statement", sections=SECTIONS)
    db.session.commit()
    editor = api(people["editor"])
    exported = editor.get(f"/api/v1/documents/{other.id}/export.docx").data
    data = edited(exported, "The secretariat keeps the figures.", "Changed.")
    before = state(document)
    response = upload(editor, document.id, data)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "not_from_this_document"
    assert state(document) == before


def test_a_word_file_not_exported_from_accord_is_refused(api, world):
    from tests.word.builders import save, statement

    _group, people, document, _version = world
    before = state(document)
    response = upload(api(people["editor"]), document.id, save(statement()))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "docx_not_from_accord"
    assert state(document) == before


def test_sections_added_or_deleted_in_word_are_listed_as_not_applied(api, world):
    _group, people, document, version = world
    editor = api(people["editor"])
    d = docx.Document(io.BytesIO(editor.get(f"/api/v1/versions/{version.id}/export.docx").data))
    scope = next(p for p in d.paragraphs if p.text.endswith("Scope"))
    for paragraph in d.paragraphs:  # Scope deleted: its heading and its text up to the next heading
        if paragraph._p is scope._p or (paragraph._p.getprevious() is not None and paragraph.text in (
                "Two lots:", "forty city buses", "twenty-five coaches")):
            paragraph._p.getparent().remove(paragraph._p)
    d.add_heading("4 Budget", 1)
    d.add_paragraph("Four million.")
    out = io.BytesIO()
    d.save(out)
    before = state(document)
    response = upload(editor, document.id, out.getvalue())
    assert response.status_code == 200, response.get_json()
    outcomes = {s["heading"]: (s["outcome"], s["reason"]) for s in response.get_json()["sections"]}
    assert outcomes["Scope"][0] == "not_applied" and "deleted in Word" in outcomes["Scope"][1]
    assert outcomes["Budget"][0] == "not_applied" and "added in Word" in outcomes["Budget"][1]
    assert outcomes["Purpose"][0] == outcomes["Monitoring"][0] == "unchanged"
    assert state(document) == before


@pytest.mark.parametrize("role, expected", [("observer", 403), ("member", 403)])
def test_observers_and_members_cannot_update_from_word(api, world, role, expected):
    _group, people, document, version = world
    exported = api(people["editor"]).get(f"/api/v1/versions/{version.id}/export.docx").data
    data = edited(exported, "The secretariat keeps the figures.", "Changed by a member.")
    before = state(document)
    response = upload(api(people[role]), document.id, data)
    assert response.status_code == expected
    assert state(document) == before


def test_the_page_form_updates_and_says_what_happened(app, login, world):
    _group, people, document, version = world
    client = app.test_client()
    csrf = login(client, people["editor"])
    exported = client.get(f"/versions/{version.id}/export.docx").data
    shown = client.get(f"/documents/{document.id}")
    assert f"/documents/{document.id}/word-update" in shown.get_data(as_text=True)
    page = client.get(f"/documents/{document.id}/word-update")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    data = edited(exported, "The secretariat keeps the figures.", "The secretariat publishes the figures.")
    response = client.post(f"/documents/{document.id}/word-update", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "file": (io.BytesIO(data), "copy.docx")},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Saved from Word: “Monitoring”" in response.get_data(as_text=True)
    assert state(document)[0][2][2] == 2
