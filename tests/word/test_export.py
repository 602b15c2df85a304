"""A draft or a version as a .docx, read back with python-docx; and the round trip back into Accord."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from app.comments.services import add_comment
from app.demo_texts import STATEMENT_SECTIONS, STATEMENT_SUMMARY, STATEMENT_TITLE
from app.documents import services
from app.documents.models import Document
from app.extensions import db

DATA = Path("/work/shared/data")


@pytest.fixture
def statement(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(
        people["editor"], group, title=STATEMENT_TITLE, kind="statement", summary=STATEMENT_SUMMARY,
        sections=[{"heading": h, "level": level, "body": body} for h, level, body in STATEMENT_SECTIONS])
    version = services.create_version(people["editor"], document, label="For the workshop")
    db.session.commit()
    return group, people, document, version


def read(data: bytes) -> docx.Document:
    return docx.Document(io.BytesIO(data))


def test_a_version_exports_with_numbered_heading_styles_and_a_cover(api, statement):
    group, people, document, version = statement
    response = api(people["observer"]).get(f"/api/v1/versions/{version.id}/export.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    exported = read(response.data)
    headings = [(p.style.name, p.text) for p in exported.paragraphs if p.style.name.startswith("Heading")]
    levels = [level for _h, level, _b in STATEMENT_SECTIONS]
    numbers = services.section_numbers(levels)
    assert headings == [(f"Heading {level}", f"{n} {h}") for n, (h, level, _b) in zip(numbers, STATEMENT_SECTIONS)]
    cover = [p.text for p in exported.paragraphs if p.style.name == "Accord Cover"]
    assert cover[0] == STATEMENT_TITLE and f"Content hash (SHA-256): {version.content_hash}" in cover
    assert exported.core_properties.title == STATEMENT_TITLE
    custom = zipfile.ZipFile(io.BytesIO(response.data)).read("docProps/custom.xml").decode()
    assert f">{document.id}<" in custom and f">{version.id}<" in custom
    lang = exported.styles["Normal"].element.rPr.find(docx.oxml.ns.qn("w:lang"))
    assert lang.get(docx.oxml.ns.qn("w:val")) == "en"


def test_lists_tables_links_and_emphasis_are_word_formatting(api, make_group):
    group, people = make_group(roles=("editor",))
    document = services.create_document(people["editor"], group, title="Formats", kind="statement", sections=[
        {"heading": "All", "body": "Some **bold** and *italic* and a [link](https://example.eu).\n\n"
                                   "- one\n    - nested\n\n1. first\n\n| Lot | Buses |\n| --- | --- |\n| 1 | 40 |\n\n"
                                   "Note.[^1]\n\n[^1]: The footnote."}])
    db.session.commit()
    data = api(people["editor"]).get(f"/api/v1/documents/{document.id}/export.docx").data
    exported = read(data)
    styles = [p.style.name for p in exported.paragraphs]
    assert "List Bullet" in styles and "List Bullet 2" in styles and "List Number" in styles
    body = next(p for p in exported.paragraphs if p.text.startswith("Some bold"))
    assert [r.text for r in body.runs if r.bold] == ["bold"] and [r.text for r in body.runs if r.italic] == ["italic"]
    assert "https://example.eu" in exported.part.rels[
        next(k for k, r in exported.part.rels.items() if r.reltype.endswith("/hyperlink"))].target_ref
    (table,) = exported.tables
    assert [c.text for c in table.rows[0].cells] == ["Lot", "Buses"]
    assert table.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert any("The footnote." in p.text for p in exported.paragraphs)


def test_open_comments_become_word_comments_on_their_words(api, statement):
    group, people, document, version = statement
    section = document.sections[0]
    words = section.body.split()[1]
    add_comment(people["member"], section, body="Say it plainer.", quote=words)
    db.session.commit()
    data = api(people["member"]).get(f"/api/v1/documents/{document.id}/export.docx?comments=1").data
    (comment,) = list(read(data).comments)
    assert comment.text == "Say it plainer." and comment.author == "Member"
    plain = read(api(people["member"]).get(f"/api/v1/documents/{document.id}/export.docx").data)
    assert list(plain.comments) == []


def _reimport(api, people, group, data: bytes):
    response = api(people["editor"]).client.post(
        f"/api/v1/groups/{group.id}/documents", headers=api(people["editor"]).headers,
        data={"file": (io.BytesIO(data), "again.docx")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return db.session.get(Document, response.get_json()["id"])


def _same_text(api, people, group, document, version):
    data = api(people["editor"]).get(f"/api/v1/versions/{version.id}/export.docx").data
    again = _reimport(api, people, group, data)
    assert again.title == version.title
    old = [(s["heading"], s["level"], s["body"]) for s in services.version_state(version)]
    new = [(s.heading, s.level, s.body) for s in services.live_sections(again)]
    assert new == old
    copy = services.create_version(people["editor"], again, label="Imported")
    assert copy.content_hash == version.content_hash


def test_round_trip_of_the_demo_statement_keeps_the_content_hash(api, statement):
    group, people, document, version = statement
    _same_text(api, people, group, document, version)


@pytest.mark.parametrize("name", ["standard-for-public-code.md", "fpc-roadmap.md"])
def test_round_trip_of_public_texts_keeps_the_content_hash(api, make_group, name):
    group, people = make_group(roles=("editor",))
    document = services.import_document(people["editor"], group, markdown_text=(DATA / name).read_text())
    version = services.create_version(people["editor"], document, label="v1")
    db.session.commit()
    _same_text(api, people, group, document, version)


def test_without_accord_part_the_converted_export_keeps_sections_and_headings(api, statement):
    """An export whose Accord part is gone (or whose text was edited) goes through the converter: same
    sections, same headings and levels, the words of each section."""
    group, people, document, version = statement
    data = api(people["editor"]).get(f"/api/v1/versions/{version.id}/export.docx").data
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as stripped:
        for item in archive.namelist():
            if "accordSources" not in item:
                stripped.writestr(item, archive.read(item))
    again = _reimport(api, people, group, out.getvalue())
    old = services.version_state(version)
    new = services.live_sections(again)
    assert [(s["heading"], s["level"]) for s in old] == [(s.heading, s.level) for s in new]
    def words(text):
        # Footnotes are exported as numbered notes under their section (not Word footnotes): "[1]" comes back.
        return {w.split("[")[0] for w in text.replace("*", "").split() if w.strip("|-:") and not w.startswith("[")}
    for before, after in zip(old, new):
        assert words(before["body"]) <= words(after.body)


def test_an_outsider_gets_nothing(api, make_user, statement):
    group, people, document, version = statement
    outsider = make_user(name="Outsider")
    assert api(outsider).get(f"/api/v1/versions/{version.id}/export.docx").status_code == 404
    assert api(outsider).get(f"/api/v1/documents/{document.id}/export.docx").status_code == 404
    assert api().get(f"/api/v1/documents/{document.id}/export.docx").status_code == 401


def test_the_pages_offer_the_word_download(client, login, statement):
    group, people, document, version = statement
    login(client, people["observer"])
    for page in (f"/documents/{document.id}", f"/versions/{version.id}"):
        assert "Download as Word (.docx)" in client.get(page).get_data(as_text=True)
    response = client.get(f"/versions/{version.id}/export.docx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]


@pytest.mark.skipif(shutil.which("soffice") is None and os.environ.get("CI") != "true",
                    reason="LibreOffice is not installed (tests/setup_system.sh installs libreoffice-writer-nogui)")
def test_libreoffice_opens_the_export_and_reads_its_words(api, statement, tmp_path):
    group, people, document, version = statement
    path = tmp_path / "statement.docx"
    path.write_bytes(api(people["editor"]).get(f"/api/v1/versions/{version.id}/export.docx").data)
    profile = (tmp_path / "profile").as_uri()  # its own profile: no clash with another soffice running
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, timeout=180, capture_output=True)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "statement.pdf"), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert STATEMENT_TITLE in text
    first_heading = STATEMENT_SECTIONS[0][0]
    assert f"1 {first_heading}" in text and version.content_hash in text
