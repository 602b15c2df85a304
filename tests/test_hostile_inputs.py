"""Hostile Markdown against every place that renders or stores it (issue #25): a stored section shows as
written on its page and in its PDF, never a 500 or a page that waits; a preview, a comment, a suggestion's
rationale and a roadmap action's description that cannot be formatted are refused with 400
markdown_too_complex and nothing is stored; and a slow preview holds no lock while someone else saves.

The renderer's own adversarial suite is tests/documents/test_hostile_markdown.py; hostile PDFs for verify
are in tests/export/test_verify_bounds.py."""
from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.comments.models import Amendment, Comment
from app.documents import rendering
from app.documents import services as documents
from app.documents.models import SectionRevision
from app.extensions import db
from app.roadmaps.models import RoadmapAction

BOUND = 15.0  # seconds: generous for a loaded 2-core machine; the unbounded cases took minutes
SCRIPT = "\n\n<script>alert(1)</script>"
MIB = 1 << 20

# Each fits a comment (20,000 characters) and was seconds to minutes, or a RecursionError, before.
HOSTILE = {
    "runs of [": "[" * 19_000 + SCRIPT,
    "quotes nested deep": ">" * 19_000 + SCRIPT,
    "lists nested deep": "\n".join("  " * i + "- x" for i in range(700))[:19_000] + SCRIPT,
    "strong nested deep": "**" * 2000 + "x" + "**" * 2000 + SCRIPT,
    "one footnote referred to 3,000 times": "x[^1]" * 3000 + "\n\n[^1]: note" + SCRIPT,
}
# Up to the 1 MiB a section may hold.
HOSTILE_SECTIONS = {
    "runs of [, 1 MiB": "[" * (MIB - 64) + SCRIPT,
    "quotes nested 1 MiB deep": ">" * (MIB - 64) + SCRIPT,
    "list nested 700 deep": "\n".join("    " * i + "- x" for i in range(700)) + SCRIPT,
}
# Of no shape the checks know: cut off by the render process's time limit.
SLOW_SECTION = "<a" * (MIB // 2 - 64)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def drafting(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    statement = documents.create_document(people["editor"], group, title="Clean buses", kind="statement",
                                          sections=[{"heading": "Aim", "body": "Cities buy clean buses."}])
    roadmap = documents.create_document(people["editor"], group, title="Bus roadmap", kind="roadmap",
                                        sections=[{"heading": "Steps", "body": "Tender together."}])
    db.session.commit()
    return group, people, statement, roadmap


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def assert_refused(response, elapsed):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "markdown_too_complex"
    assert elapsed < BOUND


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_preview_that_cannot_be_formatted_is_refused_at_once(api, make_user, name):
    response, elapsed = timed(lambda: api(make_user()).post("/api/v1/preview", json={"body": HOSTILE[name]}))
    assert_refused(response, elapsed)
    assert response.get_json()["error"]["message"].endswith(".")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_comment_or_reply_that_cannot_be_formatted_is_refused_and_nothing_is_stored(api, drafting, name):
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    member = api(people["member"])
    response, elapsed = timed(lambda: member.post(f"/api/v1/sections/{section.id}/comments",
                                                  json={"body": HOSTILE[name]}))
    assert_refused(response, elapsed)
    assert count(Comment) == 0
    thread = member.post(f"/api/v1/sections/{section.id}/comments", json={"body": "Which buses?"}).get_json()
    reply, elapsed = timed(lambda: member.post(f"/api/v1/sections/{section.id}/comments",
                                               json={"body": HOSTILE[name], "parent_id": thread["id"]}))
    assert_refused(reply, elapsed)
    edit, elapsed = timed(lambda: member.patch(f"/api/v1/comments/{thread['id']}", json={"body": HOSTILE[name]}))
    assert_refused(edit, elapsed)
    assert count(Comment) == 1
    assert db.session.get(Comment, thread["id"]).body == "Which buses?"


def test_a_comment_on_the_page_that_cannot_be_formatted_keeps_the_words_and_says_why(client, login, drafting):
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    csrf = login(client, people["member"])
    response = client.post(f"/sections/{section.id}/comments", headers={"Referer": f"http://localhost/documents/{statement.id}"},
                           data={"body": HOSTILE["runs of ["], "csrf_token": csrf})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Square brackets or link addresses are left open" in html  # said on the form, in the error summary
    assert "[" * 19_000 in html  # and the words are still in the form, not lost
    assert count(Comment) == 0


def test_a_suggestions_rationale_that_cannot_be_formatted_is_refused(api, drafting):
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    response, elapsed = timed(lambda: api(people["member"]).post(
        f"/api/v1/sections/{section.id}/amendments",
        json={"body": "Cities buy clean buses together.", "base_revision": 1, "rationale": "[" * 4900}))
    assert_refused(response, elapsed)
    assert count(Amendment) == 0


def test_a_roadmap_actions_description_that_cannot_be_formatted_is_refused(api, drafting):
    group, people, _statement, roadmap = drafting
    response, elapsed = timed(lambda: api(people["editor"]).post(
        f"/api/v1/documents/{roadmap.id}/actions",
        json={"title": "Joint tender", "description": HOSTILE["quotes nested deep"]}))
    assert_refused(response, elapsed)
    assert count(RoadmapAction) == 0


@pytest.mark.parametrize("name", sorted(HOSTILE_SECTIONS))
def test_a_section_that_cannot_be_formatted_is_saved_and_shown_as_written(api, client, login, drafting, name):
    """No words are lost: the save is kept, and every reader gets the page at once, the text escaped under
    a note, until someone edits it into something that can be formatted."""
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    editor = api(people["editor"])
    saved, elapsed = timed(lambda: editor.put(f"/api/v1/sections/{section.id}",
                                              json={"body": HOSTILE_SECTIONS[name], "base_revision": 1}))
    assert saved.status_code == 200 and elapsed < BOUND
    assert count(SectionRevision) >= 2
    login(client, people["observer"])
    page, elapsed = timed(lambda: client.get(f"/documents/{statement.id}"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and elapsed < BOUND
    assert 'class="markdown-fallback"' in html and "shown as written" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    fixed = editor.put(f"/api/v1/sections/{section.id}",
                       json={"body": "Cities buy *clean* buses.",
                             "base_revision": saved.get_json()["revision"]["number"]})
    assert fixed.status_code == 200
    html = client.get(f"/documents/{statement.id}").get_data(as_text=True)
    assert "<em>clean</em>" in html and "shown as written" not in html


def test_a_section_slow_for_no_known_reason_is_cut_off_on_its_page(api, client, login, drafting, app):
    app.config["MARKDOWN_RENDER_SECONDS"] = 1.0
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    assert api(people["editor"]).put(f"/api/v1/sections/{section.id}",
                                     json={"body": SLOW_SECTION, "base_revision": 1}).status_code == 200
    login(client, people["member"])
    page, elapsed = timed(lambda: client.get(f"/documents/{statement.id}"))
    assert page.status_code == 200 and elapsed < BOUND
    assert "shown as written" in page.get_data(as_text=True)


def test_the_pdf_of_a_section_that_cannot_be_formatted_is_made_and_shows_it_as_written(api, drafting, tmp_path):
    group, people, statement, _roadmap = drafting
    section = statement.sections[0]
    editor = api(people["editor"])
    hostile = "[" * 6000 + " the words stay " + "]" * 10 + SCRIPT
    assert editor.put(f"/api/v1/sections/{section.id}", json={"body": hostile, "base_revision": 1}).status_code == 200
    response, elapsed = timed(lambda: editor.get(f"/api/v1/documents/{statement.id}/export.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf" and elapsed < 60
    path = tmp_path / "draft.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())  # lines wrap anywhere in the long run: every character must still be there
    assert flat.count("[") == 6000 and "thewordsstay" + "]" * 10 in flat  # (page headers may fall between)
    assert "shown as written" in " ".join(text.split()) and "<script>alert(1)</script>" in text


def test_a_slow_preview_holds_no_lock_while_another_person_saves(app, drafting, gunicorn_server):
    """On SQLite, a preview of 1 MiB that runs into the time limit (2 s) is open while an editor saves:
    the save answers at once, before the preview does."""
    from app.auth.services import create_api_token

    group, people, statement, _roadmap = drafting
    sid = statement.sections[0].id
    attacker, editor = create_api_token(people["observer"], "flood")[1], create_api_token(people["editor"], "save")[1]
    db.session.commit()  # and the test holds no transaction while the server works
    finished = {}

    def preview():
        started = time.monotonic()
        answer = requests.post(f"{gunicorn_server}/api/v1/preview", json={"body": SLOW_SECTION},
                               headers={"Authorization": f"Bearer {attacker}"}, timeout=60)
        finished["preview"] = time.monotonic()
        return answer, finished["preview"] - started

    def save():
        time.sleep(0.4)  # the preview is being rendered
        started = time.monotonic()
        answer = requests.put(f"{gunicorn_server}/api/v1/sections/{sid}",
                              json={"body": "Cities buy clean buses, and share depots.", "base_revision": 1},
                              headers={"Authorization": f"Bearer {editor}"}, timeout=60)
        finished["save"] = time.monotonic()
        return answer, finished["save"] - started

    with ThreadPoolExecutor(2) as pool:
        previewed, saved = pool.submit(preview), pool.submit(save)
        (preview_answer, preview_time), (save_answer, save_time) = previewed.result(), saved.result()
    assert save_answer.status_code == 200
    assert preview_answer.status_code == 400 and preview_answer.json()["error"]["code"] == "markdown_too_complex"
    assert preview_time >= 1.5  # it really ran into the time limit
    # Before, the preview's transaction held SQLite's write lock: the save ended only after the preview.
    assert finished["save"] < finished["preview"] and save_time < preview_time / 2


def test_rendering_is_bounded_without_an_app_too():
    """Scripts and the PDF renderer call the renderer outside a request: the same bound holds."""
    started = time.monotonic()
    html = rendering.render_markdown(HOSTILE["runs of ["])
    assert time.monotonic() - started < BOUND and "shown as written" in html
    assert threading.active_count() >= 1
