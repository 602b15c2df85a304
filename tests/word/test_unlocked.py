"""Nothing slow inside a write transaction: a Word file is converted, and a .docx built, with no transaction
open, so that on SQLite (where a write request's transaction holds the database's write lock) other people
keep saving while a long file is read."""
from __future__ import annotations

import io
import threading
import time

import pytest
from sqlalchemy import func, select, update

from app.auth.models import User
from app.documents.models import Document
from app.extensions import db
from app.word import exporting, services
from tests.word.builders import save, statement
from tests.word.test_import import editor_group  # noqa: F401 - the fixture

WAIT = 3.0  # seconds the slow converter waits for the other writer: the test's bound when the lock is held


def _post_upload(how, api, client, login, group, editor):
    """The request, ready to be sent from another thread (its addresses are read here, in the test's context)."""
    data = {"file": (io.BytesIO(save(statement())), "statement.docx")}
    if how == "api":
        caller, url = api(editor), f"/api/v1/groups/{group.id}/documents"
        return lambda: caller.client.post(url, headers=caller.headers, data=data, content_type="multipart/form-data")
    csrf, url = login(client, editor), f"/groups/{group.id}/documents/new"
    return lambda: client.post(url, content_type="multipart/form-data",
                               data={"csrf_token": csrf, "title": "", "kind": "statement", "summary": "", **data})


@pytest.mark.parametrize("how", ["api", "page"])
def test_another_writer_saves_while_a_word_file_is_converted(how, api, client, login, editor_group,  # noqa: F811
                                                             monkeypatch):
    group, people = editor_group
    member_id = people["member"].id
    send = _post_upload(how, api, client, login, group, people["editor"])
    converting, written = threading.Event(), threading.Event()
    seen: dict = {}
    real = services.read_upload

    def slow_conversion(data):
        seen["transaction open"] = db.session().in_transaction()
        converting.set()
        seen["other write done meanwhile"] = written.wait(WAIT)
        return real(data)

    monkeypatch.setattr(services, "read_upload", slow_conversion)
    db.session.commit()  # the test's own reads end here, as IsolatedClient does before each request
    answer: dict = {}
    request = threading.Thread(target=lambda: answer.update(response=send()))
    request.start()
    assert converting.wait(30), answer
    started = time.monotonic()
    with db.engine.begin() as connection:  # another connection: BEGIN IMMEDIATE on SQLite
        connection.execute(update(User).where(User.id == member_id).values(name="Member Renamed"))
    written.set()
    waited = time.monotonic() - started
    request.join(60)
    response = answer["response"]
    assert response.status_code in (201, 302), response.get_data(as_text=True)[:300]
    assert seen == {"transaction open": False, "other write done meanwhile": True}
    assert waited < WAIT
    db.session.expire_all()
    assert db.session.get(User, member_id).name == "Member Renamed"
    document = db.session.scalar(select(Document))
    assert document.title == "Joint statement on clean buses" and len(document.sections) == 3


def test_a_refused_file_after_the_unlocked_conversion_still_changes_nothing(api, editor_group):  # noqa: F811
    group, people = editor_group
    caller = api(people["editor"])
    response = caller.client.post(f"/api/v1/groups/{group.id}/documents", headers=caller.headers,
                                  data={"file": (io.BytesIO(b"PK\x03\x04 not a zip"), "x.docx")},
                                  content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "docx_corrupt"
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


@pytest.mark.parametrize("path", ["/documents/{did}/export.docx", "/api/v1/documents/{did}/export.docx"])
def test_the_docx_is_built_after_the_reading_transaction_ended(path, api, client, login, editor_group,  # noqa: F811
                                                               monkeypatch):
    group, people = editor_group
    document = services.documents.create_document(people["editor"], group, title="Buses", kind="statement",
                                                  sections=[{"heading": "Goals", "body": "Clean *buses*."}])
    db.session.commit()
    seen = {}
    real = exporting.build_docx

    def watched_build(facts):
        seen["transaction open"] = db.session().in_transaction()
        return real(facts)

    monkeypatch.setattr(exporting, "build_docx", watched_build)
    if path.startswith("/api"):
        caller = api(people["member"])
        response = caller.client.get(path.format(did=document.id), headers=caller.headers)
    else:
        login(client, people["member"])
        response = client.get(path.format(did=document.id))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == services.DOCX_MIMETYPE
    assert seen == {"transaction open": False}
    import docx

    texts = [p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs]
    assert "1 Goals" in texts and "Clean buses." in texts
