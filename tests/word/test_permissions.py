"""Who may do what with Word files: every Word route and API operation, for every kind of caller.

The rights are those of the PDF downloads and of the new-document page: whoever reads a document (the four
roles) downloads it as .docx, with or without its open comments; editors and coordinators start a document
from a .docx and update one from a copy edited offline; a signed-in person outside the group gets 404 and
learns nothing (the same answer as for a document that does not exist); an anonymous caller gets 401 on the
API and the sign-in page on pages.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.comments.models import Amendment, Comment
from app.comments.services import add_comment
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.groups.services import create_group
from app.notifications.models import Notification
from app.word.services import DOCX_MIMETYPE
from tests.conftest import api_as, page_as
from tests.word.builders import save, statement, tracked

ROLES = ("observer", "member", "editor", "coordinator")
CALLERS = (*ROLES, "outsider", "anonymous")
TITLE = "Secret plans for clean buses"
COMMENT = "Only between us: the budget is 4 million."


@pytest.fixture
def app_config():
    # Each case signs in six callers and downloads several times: the export rate limit is not under test here.
    return {"RATELIMIT_ENABLED": False}


@dataclass
class World:
    gid: int
    did: int
    vid: int
    people: dict


@pytest.fixture
def world(make_group, make_user):
    group, people = make_group(roles=ROLES)
    people["outsider"] = make_user(name="Outsider")
    create_group(people["outsider"], "Someone else's group")
    document = documents.create_document(people["editor"], group, title=TITLE, kind="statement",
                                         sections=[{"heading": "Budget", "body": "We spend what we must."}])
    add_comment(people["member"], documents.live_sections(document)[0], body=COMMENT, quote="spend")
    version = documents.create_version(people["editor"], document, label="For the board")
    db.session.commit()
    return World(group.id, document.id, version.id, people)


def fill(path: str, world: World, *, did=None, vid=None) -> str:
    return path.format(gid=world.gid, did=did or world.did, vid=vid or world.vid)


def _main(html: str) -> str:
    """What a page says in its main part (the rest holds the session's CSRF token)."""
    return re.search(r"<main.*?</main>", html, re.S).group(0)


# --- downloads: whoever reads the document -------------------------------------------------------

DOWNLOADS = [
    ("page", "/documents/{did}/export.docx"),
    ("page", "/documents/{did}/export.docx?comments=1"),
    ("page", "/versions/{vid}/export.docx"),
    ("page", "/versions/{vid}/export.docx?comments=1"),
    ("api", "/api/v1/documents/{did}/export.docx"),
    ("api", "/api/v1/documents/{did}/export.docx?comments=1"),
    ("api", "/api/v1/versions/{vid}/export.docx"),
    ("api", "/api/v1/versions/{vid}/export.docx?comments=1"),
    ("page", "/documents/{did}/compare/export.docx?from={vid}&to=current"),
    ("api", "/api/v1/documents/{did}/compare/export.docx?from={vid}&to=current"),
]


def _get(app, login, world, caller, kind, path):
    if kind == "api":
        return api_as(app, world, caller).get(path)
    client, _csrf = page_as(app, login, world, caller)
    return client.get(path)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("kind, path", DOWNLOADS, ids=[p for _k, p in DOWNLOADS])
def test_word_downloads_follow_the_pdf_rights(app, login, world, caller, kind, path):
    response = _get(app, login, world, caller, kind, fill(path, world))
    if caller in ROLES:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.mimetype == DOCX_MIMETYPE
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Cache-Control"] == "private, no-store"
        import docx

        exported = docx.Document(io.BytesIO(response.data))
        assert exported.core_properties.title == TITLE
        assert (COMMENT in {c.text for c in exported.comments}) == ("comments=1" in path)
        return
    if caller == "anonymous":
        if kind == "api":
            assert response.status_code == 401
            assert response.get_json()["error"]["code"] in ("unauthorized", "authentication_required")
        else:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        return
    # The outsider: 404, nothing of the document in the answer, and the same answer as for no document at all.
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert TITLE not in body and COMMENT not in body and "spend" not in body
    missing = _get(app, login, world, caller, kind, fill(path, world, did=999_999, vid=999_999))
    assert missing.status_code == 404
    if kind == "api":
        assert response.get_json() == missing.get_json()
    else:
        assert _main(body) == _main(missing.get_data(as_text=True))


# --- starting a document from a .docx: editors and coordinators ------------------------------------

def _discussed_docx() -> bytes:
    """A file with a comment and a tracked change, so that a refused upload that left anything would show."""
    d = statement()
    paragraph = d.paragraphs[1]
    d.add_comment([paragraph.runs[1]], text="Strong enough?", author="Member")
    tracked(paragraph, "ins", " Soon.", "Member")
    return save(d)


def _footprint():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Document, Comment, Amendment, Notification, AuditEvent))


UPLOAD_EXPECTED = {"observer": 403, "member": 403, "editor": "created", "coordinator": "created",
                   "outsider": 404}


@pytest.mark.parametrize("caller", CALLERS)
def test_the_api_upload_needs_an_editor(app, world, caller):
    before = _footprint()
    response = api_as(app, world, caller).client.post(
        f"/api/v1/groups/{world.gid}/documents", headers=api_as(app, world, caller).headers,
        data={"file": (io.BytesIO(_discussed_docx()), "statement.docx")}, content_type="multipart/form-data")
    expected = 401 if caller == "anonymous" else UPLOAD_EXPECTED[caller]
    if expected == "created":
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["import"]["comments"] == 1
        assert _footprint()[0] == before[0] + 1
        return
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
    db.session.expire_all()
    after = _footprint()
    # A refused upload creates nothing (the audit trail may only gain the sign-in's own events).
    assert after[:4] == before[:4], (before, after)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("document.%"))) == 1  # the world's own document


@pytest.mark.parametrize("caller", CALLERS)
def test_the_new_document_page_takes_a_word_file_from_an_editor_only(app, login, world, caller):
    client, csrf = page_as(app, login, world, caller)
    path = f"/groups/{world.gid}/documents/new"
    shown = client.get(path)
    before = _footprint()
    response = client.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf, "title": "", "kind": "statement", "summary": "",
        "file": (io.BytesIO(_discussed_docx()), "statement.docx")})
    if caller == "anonymous":
        for answer in (shown, response):
            assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    elif UPLOAD_EXPECTED[caller] == "created":
        assert shown.status_code == 200 and 'type="file"' in shown.get_data(as_text=True)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        document = db.session.scalar(select(Document).order_by(Document.id.desc()))
        assert response.headers["Location"] == f"/documents/{document.id}"
        assert document.title == "Joint statement on clean buses"
        return
    else:
        assert shown.status_code == response.status_code == UPLOAD_EXPECTED[caller]
        assert TITLE not in shown.get_data(as_text=True)
    db.session.expire_all()
    assert _footprint()[:4] == before[:4]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1


# --- updating a document from a copy edited offline: editors and coordinators ------------------------

UPDATE_EXPECTED = {"observer": 403, "member": 403, "editor": "updated", "coordinator": "updated",
                   "outsider": 404}
UPDATES = [("api", "POST", "/api/v1/documents/{did}/docx"), ("page", "GET", "/documents/{did}/word-update"),
           ("page", "POST", "/documents/{did}/word-update")]


def _edited_copy(app, world) -> bytes:
    """The version exported by the editor, its one paragraph rewritten in Word."""
    import docx

    data = api_as(app, world, "editor").get(f"/api/v1/versions/{world.vid}/export.docx").data
    d = docx.Document(io.BytesIO(data))
    paragraph = next(p for p in d.paragraphs if p.text == "We spend what we must.")
    paragraph.runs[0].text = "We spend less than we feared."
    for run in paragraph.runs[1:]:
        run._r.getparent().remove(run._r)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _text(world):
    db.session.expire_all()
    section = documents.live_sections(db.session.get(Document, world.did))[0]
    return section.body, section.current_revision, db.session.scalar(select(func.count()).select_from(Amendment))


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("kind, method, path", UPDATES, ids=[f"{m} {p}" for _k, m, p in UPDATES])
def test_updating_from_word_needs_an_editor(app, login, world, caller, kind, method, path):
    data = _edited_copy(app, world)
    before = _text(world)
    url = fill(path, world)
    if kind == "api":
        client = api_as(app, world, caller)
        response = client.client.post(url, headers=client.headers, content_type="multipart/form-data",
                                      data={"file": (io.BytesIO(data), "copy.docx")})
    else:
        client, csrf = page_as(app, login, world, caller)
        response = client.get(url) if method == "GET" else client.post(
            url, content_type="multipart/form-data", data={"csrf_token": csrf, "file": (io.BytesIO(data), "c.docx")})
    expected = UPDATE_EXPECTED.get(caller)
    if caller == "anonymous":
        if kind == "api":
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif expected == "updated":
        if method == "GET":
            assert response.status_code == 200 and 'type="file"' in response.get_data(as_text=True)
            return
        assert response.status_code == (200 if kind == "api" else 302), response.get_data(as_text=True)[:300]
        assert _text(world)[:2] == ("We spend less than we feared.", 2)
        return
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
        assert TITLE not in response.get_data(as_text=True)
    assert _text(world) == before
