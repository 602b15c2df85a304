"""Starting a document from a Word file: sections, comments and tracked changes, and bad files refused."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from sqlalchemy import func, select

from app.comments.models import Amendment, Comment
from app.documents.models import Document
from app.extensions import db
from app.groups.models import Membership
from tests.word.builders import save, statement, tracked, with_reply


@pytest.fixture
def editor_group(make_group, make_user):
    group, people = make_group(roles=("member", "editor"))
    people["marta"] = make_user(name="Marta Puig", email="marta.puig@example.eu")
    db.session.add(Membership(group_id=group.id, user_id=people["marta"].id, role="member"))
    db.session.commit()
    return group, people


def upload(api, user, group, data: bytes, name="statement.docx", **fields):
    return api(user).client.post(f"/api/v1/groups/{group.id}/documents", headers=api(user).headers,
                                 data={"file": (io.BytesIO(data), name), **fields},
                                 content_type="multipart/form-data")


def documents_count():
    return db.session.scalar(select(func.count()).select_from(Document))


def test_a_word_file_becomes_sections_at_its_headings(api, editor_group):
    group, people = editor_group
    response = upload(api, people["editor"], group, save(statement()))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["title"] == "Joint statement on clean buses"
    assert [(s["heading"], s["level"]) for s in data["sections"]] == [
        ("Purpose", 1), ("Scope", 1), ("Monitoring", 2)]
    purpose, scope, monitoring = (s["body"] for s in data["sections"])
    assert purpose == "We, the buyers, **agree** to buy *clean* buses."
    assert "| Lot | Buses |\n| --- | --- |\n| 1 | 40 |" in scope
    assert "> The market must follow." in scope
    assert monitoring == "We report every year."
    assert data["import"] == {"comments": 0, "suggestions": 0, "left_out": []}


def test_lists_links_and_footnote_free_text_survive(api, editor_group):
    group, people = editor_group
    d = docx.Document()
    d.add_heading("Actions", 1)
    d.add_paragraph("Buy together", style="List Bullet")
    d.add_paragraph("Report yearly", style="List Number")
    response = upload(api, people["editor"], group, save(d))
    body = response.get_json()["sections"][0]["body"]
    assert "- Buy together" in body and "1. Report yearly" in body


def test_word_comments_become_threads_on_their_words_with_replies(api, editor_group):
    group, people = editor_group
    d = statement()
    paragraph = d.paragraphs[1]  # "We, the buyers, agree to buy clean buses."
    parent = d.add_comment([paragraph.runs[1]], text="Is 'agree' strong enough?", author="Marta Puig",
                           initials="MP")
    with_reply(d, [paragraph.runs[1]], parent, "Yes, the lawyers said so.", author="Jane Outside")
    response = upload(api, people["editor"], group, save(d))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["import"]["comments"] == 2
    thread = db.session.scalar(select(Comment).where(Comment.parent_id.is_(None)))
    assert thread.anchor_quote == "agree" and thread.body == "Is 'agree' strong enough?"
    assert thread.author_id == people["marta"].id  # matched by name
    (answer,) = thread.replies
    assert answer.author_id is None and answer.author_name == "Jane Outside (from Word)"
    assert thread.section.heading == "Purpose"


def test_tracked_changes_become_suggestions_and_the_text_is_the_one_before(api, editor_group):
    group, people = editor_group
    d = docx.Document()
    d.core_properties.title = "Buses"
    d.add_heading("Goals", 1)
    p = d.add_paragraph("Fleets are clean by ")
    tracked(p, "del", "2035", "marta.puig@example.eu", wid=1)
    tracked(p, "ins", "2030", "marta.puig@example.eu", wid=2)
    p.add_run(".")
    tracked(p, "ins", " Money follows.", "Legal Service", date="2026-03-05T09:00:00Z", wid=3)
    response = upload(api, people["editor"], group, save(d))
    assert response.status_code == 201, response.get_json()
    section = response.get_json()["sections"][0]
    assert section["body"] == "Fleets are clean by 2035."
    amendments = list(db.session.scalars(select(Amendment).order_by(Amendment.id)))
    by_author = {a.author_name: a for a in amendments}
    assert by_author["Marta Puig"].body == "Fleets are clean by 2030."
    assert by_author["Marta Puig"].created_at.isoformat().startswith("2026-03-02T10:00")
    assert by_author["Legal Service (from Word)"].body == "Fleets are clean by 2035. Money follows."


def test_the_new_document_page_takes_a_word_file(client, login, editor_group):
    group, people = editor_group
    csrf = login(client, people["editor"])
    response = client.post(f"/groups/{group.id}/documents/new", data={
        "csrf_token": csrf, "title": "", "kind": "statement", "summary": "",
        "file": (io.BytesIO(save(statement())), "statement.docx")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is created from the Word file" in html and "Monitoring" in html


def _zip(parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bomb() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(save(statement())))
    parts = {n: real.read(n) for n in real.namelist()}
    parts["word/media/huge.bin"] = b"\0" * (120 * 1024 * 1024)
    return _zip(parts)


def _many_parts() -> bytes:
    real = zipfile.ZipFile(io.BytesIO(save(statement())))
    parts = {n: real.read(n) for n in real.namelist()}
    parts.update({f"word/extra/{i}.xml": b"<x/>" for i in range(2100)})
    return _zip(parts)


BAD_FILES = [
    ("renamed text", lambda: b"Just some text, not Word at all", "notes.docx", "docx_not_docx"),
    ("a .doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc", "docx_not_ooxml"),
    ("corrupt zip", lambda: save(statement())[:900], "broken.docx", "docx_corrupt"),
    ("a zip of something else", lambda: _zip({"hello.txt": b"hi"}), "other.docx", "docx_not_docx"),
    ("zip bomb", _bomb, "bomb.docx", "docx_too_large"),
    ("too many parts", _many_parts, "parts.docx", "docx_too_large"),
    ("bad XML", lambda: _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document"}),
     "bad.docx", "docx_corrupt"),
]


@pytest.mark.parametrize("label, make, name, code", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_word_file_is_refused_and_changes_nothing(api, editor_group, label, make, name, code):
    group, people = editor_group
    before = documents_count()
    response = upload(api, people["editor"], group, make(), name=name)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == code
    assert documents_count() == before


def test_a_file_over_the_word_limit_is_refused(api, app, editor_group):
    group, people = editor_group
    app.config["WORD_MAX_BYTES"] = 10_000
    response = upload(api, people["editor"], group, save(statement()) + b"\0" * 40_000)
    assert response.get_json()["error"]["code"] == "docx_too_large"
    assert documents_count() == 0


def test_macros_are_left_out_and_external_images_are_never_fetched(api, editor_group, tmp_path):
    group, people = editor_group
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    real = zipfile.ZipFile(io.BytesIO(save(statement())))
    parts = {n: real.read(n) for n in real.namelist()}
    parts["word/vbaProject.bin"] = b"Sub AutoOpen() Shell \"calc\" End Sub"
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace("</Relationships>", f'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/'
                        f'officeDocument/2006/relationships/image" Target="file://{secret}" TargetMode="External"/>'
                        '<Relationship Id="rIdY" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'relationships/image" Target="http://127.0.0.1:9/x.png" TargetMode="External"/>'
                        "</Relationships>")
    parts["word/_rels/document.xml.rels"] = rels.encode()
    picture = ('<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
               'wordprocessingDrawing"><wp:extent cx="10" cy="10"/><wp:docPr id="1" name="p" descr="Map"/>'
               '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
               'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://'
               'schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="1" name="p"/>'
               '<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/'
               'officeDocument/2006/relationships" r:link="rIdX"/></pic:blipFill><pic:spPr/></pic:pic>'
               '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>')
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", picture.encode() + b"<w:sectPr", 1)
    response = upload(api, people["editor"], group, _zip(parts))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert "macros (never run)" in data["import"]["left_out"]
    assert any("images" in what for what in data["import"]["left_out"])
    assert "secret" not in str(data)


def test_headers_footers_and_fields_are_left_out(api, editor_group):
    group, people = editor_group
    d = statement()
    d.sections[0].header.paragraphs[0].text = "CONFIDENTIAL HEADER"
    d.sections[0].footer.paragraphs[0].text = "Footer text"
    p = d.add_paragraph("Page ")
    p._p.append(docx.oxml.parse_xml(
        '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:instr="PAGE">'
        '<w:r><w:t>7</w:t></w:r></w:fldSimple>'))
    data = upload(api, people["editor"], group, save(d)).get_json()
    text = str(data["sections"])
    assert "CONFIDENTIAL" not in text and "Footer" not in text and "Page 7" not in text
    assert "fields" in data["import"]["left_out"]


def test_an_observer_cannot_import(api, make_group):
    group, people = make_group(roles=("observer",))
    response = upload(api, people["observer"], group, save(statement()))
    assert response.status_code == 403 and documents_count() == 0
