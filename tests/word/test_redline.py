"""A comparison of two versions as a .docx with Word tracked changes: read back with python-docx and its
XML, "Accept all" gives the newer text, "Reject all" the older one, each change with its author and date."""
from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from app.documents import services
from app.extensions import db
from app.word.services import DOCX_MIMETYPE

W_INS, W_DEL = qn("w:ins"), qn("w:del")
MARKS = (qn("w:rPr"), qn("w:trPr"))  # a revision in these is on a paragraph mark or a table row

SCOPE_V1 = "The buyers **agree** to buy clean buses before 2030.\n\nEach city reports once a year."
SCOPE_V2 = "The buyers **agree** to buy zero-emission buses before 2030.\n\nEach city reports **once a year**."
FIGURES_V1 = "| City | Buses |\n|---|---|\n| Ghent | 40 |\n| Lyon | 25 |\n"
FIGURES_V2 = "| City | Buses |\n|---|---|\n| Ghent | 40 |\n| Lyon | 32 |\n"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def compared(make_group, make_user):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(people["editor"], group, title="Clean buses", kind="statement", sections=[
        {"heading": "Scope", "body": SCOPE_V1},
        {"heading": "Figures", "body": FIGURES_V1},
        {"heading": "Old promises", "body": "We shall think about it later."}])
    first = services.create_version(people["editor"], document, label="First draft")
    scope, figures, old = services.live_sections(document)
    services.save_section(people["editor"], scope, body=SCOPE_V2, base_revision=scope.current_revision)
    services.save_section(people["editor"], figures, body=FIGURES_V2, base_revision=figures.current_revision)
    services.delete_section(people["editor"], old)
    services.add_section(people["editor"], document, heading="Monitoring", body="A yearly report, *in public*.",
                         after_section_id=figures.id)
    second = services.create_version(people["editor"], document, label="Second draft")
    db.session.commit()
    people["outsider"] = make_user(name="Outsider")
    return document, first, second, people


def _body(data: bytes):
    return docx.Document(io.BytesIO(data)).element.body


def _resolve(body, accept: bool) -> list[str]:
    """The text Word shows after "Accept all" (accept) or "Reject all": one string per paragraph, a table as
    one string per row ("Ghent | 40"); a paragraph whose mark goes joins the next, as in Word."""
    body = copy.deepcopy(body)
    gone, kept = (W_DEL, W_INS) if accept else (W_INS, W_DEL)
    for row in body.iter(qn("w:tr")):
        if row.find(f"{qn('w:trPr')}/{gone}") is not None:
            row.getparent().remove(row)
    merged = set()
    for paragraph in body.iter(qn("w:p")):
        if paragraph.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{gone}") is not None:
            merged.add(paragraph)
    for element in list(body.iter(gone)):
        if element.getparent().tag not in MARKS:
            element.getparent().remove(element)
    for element in list(body.iter(kept)):
        if element.getparent().tag not in MARKS:
            parent, index = element.getparent(), element.getparent().index(element)
            for child in reversed(list(element)):
                parent.insert(index, child)
            parent.remove(element)
    for text in body.iter(qn("w:delText")):
        text.tag = qn("w:t")

    def words(element):
        return "".join(t.text or "" for t in element.iter(qn("w:t")))

    out, carry = [], ""
    for child in body:
        if child.tag == qn("w:p"):
            if child in merged:
                carry += words(child)
                continue
            out.append(carry + words(child))
            carry = ""
        elif child.tag == qn("w:tbl"):
            for row in child.iter(qn("w:tr")):
                out.append(" | ".join(words(cell) for cell in row.iter(qn("w:tc"))))
    return out + ([carry] if carry else [])


def _download(api, user, document, a, b):
    response = api(user).get(f"/api/v1/documents/{document.id}/compare/export.docx",
                             query_string={"from": a, "to": b})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == DOCX_MIMETYPE
    return response.data


COVER = 4  # title, group, "Comparison: ... → ...", the note on accepting and rejecting


def test_accepting_all_gives_the_newer_text_and_rejecting_all_the_older(api, compared):
    document, first, second, people = compared
    redline = _body(_download(api, people["observer"], document, first.id, second.id))
    newer = _resolve(_body(_download(api, people["observer"], document, second.id, second.id)), accept=True)
    older = _resolve(_body(_download(api, people["observer"], document, first.id, first.id)), accept=True)
    accepted, rejected = _resolve(redline, accept=True), _resolve(redline, accept=False)
    assert accepted[COVER:] == newer[COVER:]
    assert rejected[COVER:] == older[COVER:]
    # What each side says, as a reader of the Word file would find it.
    assert "The buyers agree to buy zero-emission buses before 2030." in accepted
    assert "The buyers agree to buy clean buses before 2030." in rejected
    assert "Lyon | 32" in accepted and "Lyon | 25" in rejected
    assert "3 Monitoring" in accepted and "A yearly report, in public." in accepted
    assert not any("Monitoring" in line for line in rejected)
    assert "3 Old promises" in rejected and "We shall think about it later." in rejected
    assert not any("Old promises" in line or "think about it" in line for line in accepted)
    assert "Each city reports once a year." in accepted and "Each city reports once a year." in rejected


def test_the_changes_are_word_revisions_with_author_date_and_ids_and_no_screen_reader_words(api, compared):
    document, first, second, people = compared
    data = _download(api, people["member"], document, first.id, second.id)
    body = _body(data)
    revisions = list(body.iter(W_INS, W_DEL))
    assert len(revisions) >= 6
    ids = [r.get(qn("w:id")) for r in body.iter(W_INS, W_DEL, qn("w:rPrChange"))]
    assert len(set(ids)) == len(ids)
    assert {r.get(qn("w:author")) for r in revisions} == {people["editor"].name}
    assert {r.get(qn("w:date")) for r in revisions} == {second.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    deleted = "".join(t.text for t in body.iter(qn("w:delText")))
    assert "clean" in deleted and "25" in deleted and "think about it" in deleted
    inserted = "".join(t.text or "" for r in body.iter(W_INS) for t in r.iter(qn("w:t")))
    assert "zero-emission" in inserted and "32" in inserted and "Monitoring" in inserted
    text = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    for said_for_people in ("[inserted", "[deleted", "bold added", "inserted:", "deleted:"):
        assert said_for_people not in text
    # The bold added to "once a year" is the newer formatting, with the same words on both sides.
    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    reports = next(p for p in paragraphs if p.text.startswith("Each city reports"))
    assert "".join(run.text for run in reports.runs if run.bold) == "once a year"
    # ... and the older formatting is kept in Word's formatting change, for "Reject all".
    changes = [run._r.find(f"{qn('w:rPr')}/{qn('w:rPrChange')}") for run in reports.runs if run.bold]
    assert changes and all(c is not None and c.find(f"{qn('w:rPr')}/{qn('w:b')}") is None
                           and c.get(qn("w:author")) == people["editor"].name for c in changes)
    assert reports.runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rPrChange')}") is None  # "Each city reports " as it was
    # Headings keep Word's heading styles, the added section's too.
    # (python-docx's paragraph.text leaves out the runs inside a revision: the XML is read.)
    headings = {"".join(t.text for t in p.iter(qn("w:t"), qn("w:delText"))): p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
                for p in body.iter(qn("w:p"))}
    assert {name: headings[name].get(qn("w:val")) for name in ("1 Scope", "3 Monitoring", "3 Old promises")} == {
        "1 Scope": "Heading1", "3 Monitoring": "Heading1", "3 Old promises": "Heading1"}


def test_the_current_text_is_credited_to_the_group_and_the_page_offers_the_download(app, login, compared):
    document, first, second, people = compared
    client = app.test_client()
    login(client, people["observer"])
    page = client.get(f"/documents/{document.id}/compare?from={first.id}&to=current").get_data(as_text=True)
    assert "Download this comparison as Word (.docx, tracked changes)" in page
    response = client.get(f"/documents/{document.id}/compare/export.docx?from={first.id}&to=current")
    assert response.status_code == 200 and response.mimetype == DOCX_MIMETYPE
    assert re.search(r'filename="clean-buses-compare-v1-current\.docx"', response.headers["Content-Disposition"])
    body = _body(response.data)
    assert {r.get(qn("w:author")) for r in body.iter(W_INS, W_DEL)} == {document.group.name}


@pytest.mark.parametrize("kind", ["page", "api"])
def test_outsiders_and_anonymous_callers_get_nothing(app, login, api, compared, kind):
    document, first, second, people = compared
    path = f"/documents/{document.id}/compare/export.docx?from={first.id}&to={second.id}"
    if kind == "api":
        outsider = api(people["outsider"]).get("/api/v1" + path)
        anonymous = app.test_client().get("/api/v1" + path)
        assert anonymous.status_code == 401
    else:
        client = app.test_client()
        login(client, people["outsider"])
        outsider = client.get(path)
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert outsider.status_code == 404
    assert "Clean buses" not in outsider.get_data(as_text=True)


@pytest.mark.parametrize("field, value, status", [("from", "abc", 400), ("to", "-1", 400), ("to", "999999", 404)])
def test_a_bad_version_is_refused_naming_the_field(api, compared, field, value, status):
    document, first, second, people = compared
    query = {"from": first.id, "to": second.id, field: value}
    response = api(people["observer"]).get(f"/api/v1/documents/{document.id}/compare/export.docx",
                                          query_string=query)
    assert response.status_code == status
    error = response.get_json()["error"]
    if status == 400:
        assert field in error["details"]["fields"], error
    assert response.mimetype == "application/json"


def test_a_version_of_another_document_is_not_found(api, compared):
    document, first, second, people = compared
    other = services.create_document(people["editor"], document.group, title="Other", kind="statement",
                                     sections=[{"heading": "A", "body": "B"}])
    elsewhere = services.create_version(people["editor"], other, label="x")
    db.session.commit()
    response = api(people["observer"]).get(f"/api/v1/documents/{document.id}/compare/export.docx",
                                          query_string={"from": elsewhere.id, "to": "current"})
    assert response.status_code == 404


PAIRS = {
    "a list item added and one nested": ("- one\n- two\n", "- one\n- one and a half\n  - deeper\n- two\n"),
    "a link's words and address": ("See [the rules](https://example.eu/a) now.",
                                   "See [the new rules](https://example.eu/b) now."),
    "a footnote": ("Buses.[^1]\n\n[^1]: Electric ones.", "Buses.[^1]\n\n[^1]: Electric or hydrogen ones."),
    "a code block": ("```\nold = 1\n```", "```\nnew = 2\n```"),
    "paragraphs inserted, removed and moved": ("A first point here.\n\nB second point here.\n\nC third point.",
                                               "C third point.\n\nA first point here, changed.\n\nD new."),
    "a table row added": ("| a | b |\n|---|---|\n| 1 | 2 |\n", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"),
    "a quote and a heading": ("> Quoted words.\n\n### Small title", "> Quoted other words.\n\n### Small heading"),
    "italics removed, strikethrough added": ("*All* of it, and ~~none~~ more.", "All of it, and ~~none more~~."),
    "emptied": ("Something.", ""),
}


@pytest.mark.parametrize("old, new", PAIRS.values(), ids=PAIRS.keys())
def test_accept_and_reject_all_give_either_text_for_all_kinds_of_blocks(app, old, new):
    from datetime import datetime

    from app.documents.rendering import render_for_print
    from app.word.redline import RedlineFacts, RedlineSection, build_redline_docx

    def redline(html):
        facts = RedlineFacts(document_id=1, title="T", group_name="G", old_label="a", new_label="b",
                             author="Ann", date=datetime(2026, 1, 2, 3, 4, 5), language="en",
                             sections=[RedlineSection("1 S", 1, "1 S", 1, html)])
        return _body(build_redline_docx(facts))

    with app.test_request_context():
        changed = redline(services.compare_texts(old, new, for_print=True, moves=False).html)
        newer, older = redline(render_for_print(new)), redline(render_for_print(old))
    def words(lines):  # the engine reads a no-break space as a space; an empty section's empty paragraph
        return [" ".join(line.split()) for line in lines if line.strip()]

    assert words(_resolve(changed, accept=True)) == words(_resolve(newer, accept=True))
    assert words(_resolve(changed, accept=False)) == words(_resolve(older, accept=True))
    assert "[inserted" not in "".join(_resolve(changed, accept=True) + _resolve(changed, accept=False))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_redline_with_both_sides_shown(api, compared, tmp_path):
    document, first, second, people = compared
    (tmp_path / "redline.docx").write_bytes(_download(api, people["editor"], document, first.id, second.id))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "txt:Text", "--outdir", str(tmp_path), str(tmp_path / "redline.docx")],
                   check=True, timeout=120, capture_output=True)
    text = (tmp_path / "redline.txt").read_text(encoding="utf-8-sig")
    # Shown with its changes, as Word and LibreOffice open a file with tracked changes: both words are there.
    assert "cleanzero-emission" in text and "3 Monitoring" in text and "3 Old promises" in text


def test_the_page_says_which_version_is_wrong(app, login, compared):
    document, first, second, people = compared
    client = app.test_client()
    login(client, people["observer"])
    response = client.get(f"/documents/{document.id}/compare/export.docx?from=abc&to=current",
                          headers={"Referer": f"http://localhost/documents/{document.id}/compare"},
                          follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "from: A version id or &#39;current&#39;." in response.get_data(as_text=True)
