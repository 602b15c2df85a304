"""The document page reuses each section's frame (heading, discussion box, tools) across requests:
what a reader sees must still follow every edit, every reader's rights and every session's token."""
import re

import pytest

from app.comments.services import add_comment, resolve
from app.documents import services
from app.documents.fragments import BODY, CSRF, THREADS
from app.extensions import db


@pytest.fixture
def doc(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(
        people["editor"], group, title="Clean buses roadmap", kind="roadmap",
        sections=[{"heading": "Context", "body": "Cities buy buses."},
                  {"heading": "Goals", "body": "Zero-emission fleets by 2030."},
                  {"heading": "Money", "body": "Joint tenders cut prices."}])
    db.session.commit()
    return group, people, document


def page(client, document):
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section_markup(html, section):
    start = html.index(f'<section id="{section.anchor}"')
    return html[start:html.index("</section>", start)]


def test_a_renamed_heading_shows_everywhere_in_its_frame(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[1]
    login(client, people["editor"])
    assert "Edit<span class=\"visually-hidden\"> §2 Goals</span>" in page(client, document)
    services.save_section(people["editor"], section, heading="Goals for 2030", body=section.body, base_revision=1)
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "§2</span> Goals for 2030</h" in markup
    assert "Edit<span class=\"visually-hidden\"> §2 Goals for 2030</span>" in markup
    assert "Revision 2" in markup and "Revision 1" not in markup


def test_each_reader_gets_the_tools_of_their_own_role_from_the_same_server(app, login, doc):
    _group, people, document = doc
    editor, observer = app.test_client(), app.test_client()
    login(editor, people["editor"])
    login(observer, people["observer"])
    as_editor = page(editor, document)  # fills the frames for the editor's rights first
    as_observer = page(observer, document)
    section = document.sections[0]
    assert f"/sections/{section.id}/edit" in as_editor and "Remove<span" in as_editor
    assert f"/sections/{section.id}/edit" not in as_observer
    assert "Remove<span" not in as_observer and "Post comment" not in as_observer
    assert "Post comment" in as_editor


def test_every_form_carries_the_token_of_the_session_that_asked(app, login, doc):
    _group, people, document = doc
    first, second = app.test_client(), app.test_client()
    other = login(first, people["editor"])
    token = login(second, people["member"])
    page(first, document)
    html = page(second, document)
    # A token is the session's secret, signed with a timestamp: compare the secret part.
    secrets = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', html)}
    assert secrets == {token.split(".")[0]} and other.split(".")[0] not in secrets
    section = document.sections[2]
    response = second.post(f"/sections/{section.id}/comments",
                           data={"csrf_token": token, "body": "Which prices?", "quote": "", "occurrence": ""})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]


def test_moving_a_section_renumbers_it_and_its_move_buttons(app, client, login, doc):
    _group, people, document = doc
    login(client, people["editor"])
    page(client, document)
    money = document.sections[2]
    services.reorder_sections(people["editor"], document, [money.id] + [s.id for s in document.sections[:2]])
    db.session.commit()
    markup = section_markup(page(client, document), money)
    assert "§1</span> Money" in markup
    assert re.search(r'value="up"[^>]*disabled', markup)
    assert not re.search(r'value="down"[^>]*disabled', markup)


def test_a_new_thread_updates_the_count_and_resolving_it_moves_it_to_the_discussion_page(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    login(client, people["member"])
    assert "open)" not in section_markup(page(client, document), section)
    comment = add_comment(people["member"], section, body="Which cities?", quote="Cities")
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "(1 open)" in markup and "Which cities?" in markup
    resolve(people["editor"], comment)
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "(1 open)" not in markup and "Which cities?" not in markup  # resolved threads are history
    assert f'href="/sections/{section.id}/discussion#resolved">Resolved threads' in markup
    discussion = client.get(f"/sections/{section.id}/discussion").get_data(as_text=True)
    assert "Resolved threads (1)" in discussion and "Which cities?" in discussion
    assert "Open threads (0)" in discussion


def test_text_that_looks_like_a_frame_mark_is_shown_as_typed(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    fake = "\ue000body\ue000 \ue000threads\ue000 \ue000csrf\ue000"
    services.save_section(people["editor"], section, heading=f"Context {fake}", body=f"Cities {fake}",
                          base_revision=1)
    db.session.commit()
    login(client, people["member"])
    html = page(client, document)
    assert html.count(f"Context {fake}") >= 2  # contents and heading, untouched
    for mark in (BODY, THREADS, CSRF):
        assert mark not in html
