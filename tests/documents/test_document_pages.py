"""Document pages through the browser's forms (test client): read, edit, conflict view, history, versions, compare."""
import io
import re

import pytest
from sqlalchemy import func, select

from app.documents.models import Document
from app.documents.services import create_document, versions_of
from app.extensions import db


@pytest.fixture
def doc(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = create_document(people["editor"], group, title="Fair ICT statement", kind="statement",
                               sections=[{"heading": "Purpose",
                                          "body": "We agree on **fair wages**.\n\nAudits yearly."},
                                         {"heading": "Scope", "body": "ICT hardware.", "level": 2}])
    db.session.commit()
    return group, people, document


def test_document_page_shows_numbered_sections_and_contents(client, login, doc):
    group, people, document = doc
    login(client, people["observer"])
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Fair ICT statement" in html
    assert "§1</span> Purpose" in html and "§1.1</span> Scope" in html
    assert "<strong>fair wages</strong>" in html
    sid = document.sections[0].id
    assert f'id="section-{sid}"' in html and f'href="#section-{sid}"' in html
    assert f"/sections/{sid}/edit" not in html  # observers do not get edit links


def test_member_edits_a_section_in_the_browser_form(client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    token = login(client, people["member"])
    page = client.get(f"/sections/{section.id}/edit")
    assert page.status_code == 200 and 'name="base_revision"' in page.get_data(as_text=True)
    response = client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Purpose", "body": "We agree on living wages.\r\n\r\nAudits yearly.",
        "message": "living wages", "base_revision": "1"})
    assert response.status_code == 302 and f"saved={section.id}" in response.headers["Location"]
    db.session.refresh(section)
    assert section.body == "We agree on living wages.\n\nAudits yearly."  # line ends normalised
    assert section.current_revision == 2


def test_conflicting_save_shows_both_texts_and_keeps_mine(client, login, doc, api):
    _group, people, document = doc
    section = document.sections[0]
    api(people["editor"]).put(f"/api/v1/sections/{section.id}", json={
        "body": "We agree on decent wages.\n\nAudits yearly.", "base_revision": 1})
    token = login(client, people["member"])
    response = client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Purpose", "body": "We agree on living wages.\n\nAudits yearly.",
        "base_revision": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Editor changed the same words while you were writing" in html  # the one who saved, by name
    assert "decent" in html and "living" in html
    assert 'name="base_revision" type="hidden" value="2"' in html
    assert "We agree on living wages." in html  # my text is in the textarea, unsaved
    db.session.refresh(section)
    assert "decent" in section.body


def test_observer_cannot_open_the_editor_and_outsider_gets_404(client, login, doc, make_user):
    _group, people, document = doc
    section = document.sections[0]
    token = login(client, people["observer"])
    refused = client.get(f"/sections/{section.id}/edit")
    assert refused.status_code == 403 and "You are not allowed to do that" in refused.get_data(as_text=True)
    posted = client.post(f"/sections/{section.id}/edit", data={"csrf_token": token, "heading": "Purpose",
                                                              "body": "Observed.", "base_revision": "1"})
    assert posted.status_code == 403
    db.session.refresh(section)
    assert section.current_revision == 1 and "Observed." not in section.body
    other = make_user()
    client2 = client.application.test_client()
    login(client2, other)
    for path in (f"/documents/{document.id}", f"/sections/{section.id}/history"):
        page = client2.get(path)
        assert page.status_code == 404 and document.title not in page.get_data(as_text=True)


def test_editor_adds_moves_and_removes_sections(client, login, doc):
    _group, people, document = doc
    first, second = document.sections
    token = login(client, people["editor"])
    response = client.post(f"/documents/{document.id}/sections/new", data={
        "csrf_token": token, "heading": "Annex", "level": "1", "after_section_id": "", "body": "Lists."})
    assert response.status_code == 302
    client.post(f"/sections/{second.id}/move", data={"csrf_token": token, "direction": "up"})
    toc = client.get(f"/documents/{document.id}").get_data(as_text=True).split('id="toc-heading"')[1]
    assert toc.index("Scope") < toc.index("Purpose") < toc.index("Annex")
    client.post(f"/sections/{first.id}/delete", data={"csrf_token": token})
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Purpose" not in html.split("Contents")[1]
    history = client.get(f"/documents/{document.id}/history").get_data(as_text=True)
    assert "Removed sections" in history and "Purpose" in history


def test_history_restore_and_diff_pages(client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    token = login(client, people["editor"])
    client.post(f"/sections/{section.id}/edit", data={"csrf_token": token, "heading": "Purpose",
                                                     "body": "We agree on living wages.\n\nAudits yearly.",
                                                     "base_revision": "1", "message": "wages"})
    history = client.get(f"/sections/{section.id}/history").get_data(as_text=True)
    assert "Revision 2" in history and "wages" in history
    diff = client.get(f"/sections/{section.id}/diff?from=1&to=2").get_data(as_text=True)
    # As people read it: the formatted text, whole words marked, no Markdown marks.
    assert re.search(r"<strong><del>.*fair.*</del></strong>", diff) and "(bold removed)" in diff
    assert re.search(r"<ins>.*living.*</ins>", diff) and "**" not in diff
    side = client.get(f"/sections/{section.id}/diff?from=1&to=2&view=side").get_data(as_text=True)
    assert "diff-rows" in side and "**" not in side
    source = client.get(f"/sections/{section.id}/diff?from=1&to=2&view=source").get_data(as_text=True)
    assert re.search(r"<del>.*\*\*fair.*</del>", source), "editors can still see the Markdown source diff"
    client.post(f"/sections/{section.id}/revisions/1/restore", data={"csrf_token": token})
    db.session.refresh(section)
    assert section.current_revision == 3 and "fair wages" in section.body


def test_name_a_version_see_its_hash_and_compare(client, login, doc):
    _group, people, document = doc
    token = login(client, people["editor"])
    response = client.post(f"/documents/{document.id}/history", data={
        "csrf_token": token, "label": "Draft for the Brussels workshop", "note": ""})
    assert response.status_code == 302
    version_page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = re.search(r'<code class="hash">([0-9a-f]{64})</code>', version_page)
    assert match and "Draft for the Brussels workshop" in version_page
    section = document.sections[0]
    client.post(f"/sections/{section.id}/edit", data={"csrf_token": token, "heading": "Purpose",
                                                     "body": "Changed.", "base_revision": "1"})
    compare = client.get(f"/documents/{document.id}/compare").get_data(as_text=True)
    assert "1 modified" in compare and "<ins>" in compare


def test_the_compare_page_shows_the_formatted_text_with_whole_words_marked(client, login, doc):
    _group, people, document = doc
    token = login(client, people["editor"])
    client.post(f"/documents/{document.id}/history", data={"csrf_token": token, "label": "First", "note": ""})
    section = document.sections[0]
    client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Purpose", "base_revision": "1",
        "body": "We agree on **fair wages**, once a year.\n\n| Lot | Value |\n|---|---|\n| Buses | 2,5 |\n"})
    client.post(f"/documents/{document.id}/history", data={"csrf_token": token, "label": "Second", "note": ""})
    client.post(f"/sections/{section.id}/edit", data={
        "csrf_token": token, "heading": "Purpose", "base_revision": "2",
        "body": "We agree on **fair wages**, twice a year.\n\n| Lot | Value |\n|---|---|\n| Buses | 3,5 |\n"})
    versions = versions_of(document)
    url = f"/documents/{document.id}/compare?from={versions[0].id}&to=current"
    for view in ("inline", "side"):
        page = client.get(f"{url}&view={view}").get_data(as_text=True)
        assert "<strong>fair wages</strong>" in page
        assert re.search(r"<del><span class=\"visually-hidden\">\[deleted: </span>once<", page)
        assert re.search(r"<ins><span class=\"visually-hidden\">\[inserted: </span>twice<", page)
        assert re.search(r"<td><del>.*2,5.*</del>", page) and "|---" not in page and "**" not in page
    source = client.get(f"{url}&view=source").get_data(as_text=True)
    assert "**fair wages**" in source and "Markdown source" in source


def test_member_cannot_name_versions(client, login, doc):
    _group, people, document = doc
    token = login(client, people["member"])
    response = client.post(f"/documents/{document.id}/history", data={"csrf_token": token, "label": "Mine"})
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.get_data(as_text=True)
    assert versions_of(document) == []
    assert "Mine" not in client.get(f"/documents/{document.id}/history").get_data(as_text=True)


def test_import_a_markdown_file_into_a_new_document(client, login, make_group):
    group, people = make_group(roles=("editor",))
    token = login(client, people["editor"])
    text = "# Our roadmap\n\nIntro.\n\n## Actions\n\nDo things.\n\n### Action 1\n\nFirst.\n"
    response = client.post(f"/groups/{group.id}/documents/new", data={
        "csrf_token": token, "title": "", "kind": "roadmap", "summary": "",
        "file": (io.BytesIO(text.encode()), "roadmap.md")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Our roadmap" in html and "§1</span> Preamble" in html and "§2.1</span> Action 1" in html


def test_member_cannot_create_documents(client, login, make_group):
    group, people = make_group(roles=("member",))
    token = login(client, people["member"])
    assert client.get(f"/groups/{group.id}/documents/new").status_code == 403
    response = client.post(f"/groups/{group.id}/documents/new", data={
        "csrf_token": token, "title": "Uninvited", "kind": "statement", "summary": ""})
    assert response.status_code == 403 and "You are not allowed to do that" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document).where(Document.group_id == group.id)) == 0


def test_demo_has_a_statement_in_review_with_versions_and_history(app):
    from sqlalchemy import select

    from app.demo import seed_demo
    from app.documents.models import Document
    from app.documents.services import versions_of

    assert seed_demo() is True
    db.session.commit()
    statement = db.session.scalar(select(Document).where(Document.kind == "statement"))
    assert statement.status == "review"
    assert [v.number for v in versions_of(statement)] == [2, 1]
    assert any(s.current_revision > 1 for s in statement.sections)
    roadmap = db.session.scalar(select(Document).where(Document.kind == "roadmap"))
    assert roadmap.status == "final" and roadmap.published_at is not None
    from app.endorsements.services import endorsements_of

    endorsements = endorsements_of(roadmap.final_version)
    assert len([e for e in endorsements if e.withdrawn_at is None]) == 4
    assert any(e.reservation for e in endorsements) and any(e.withdrawn_at for e in endorsements)
    assert seed_demo() is False


def test_a_version_page_asks_a_bounded_number_of_queries(client, login, make_group, count_queries):
    """Headings come in one query and current texts from the sections: no query per section."""
    from app.documents.services import create_version, save_section

    group, people = make_group(roles=("editor",))
    document = create_document(people["editor"], group, title="Long", kind="statement",
                               sections=[{"heading": f"Article {i}", "body": f"Text {i}."} for i in range(40)])
    version = create_version(people["editor"], document, label="v1")
    save_section(people["editor"], document.sections[0], body="Changed after the version.", base_revision=1)
    db.session.commit()
    vid = version.id
    login(client, people["editor"])
    client.get(f"/versions/{vid}")
    with count_queries() as queries:
        html = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert "Text 0." in html and "Changed after" not in html  # the old text, rebuilt for the one changed section
    assert "Article 39" in html
    assert queries.count < 25, queries.count


def test_past_its_time_budget_the_compare_page_links_each_section_to_its_own_comparison(client, login, doc,
                                                                                       monkeypatch):
    from app.documents import services as document_services

    _group, people, document = doc
    token = login(client, people["editor"])
    client.post(f"/documents/{document.id}/history", data={"csrf_token": token, "label": "First", "note": ""})
    section = document.sections[1]
    client.post(f"/sections/{section.id}/edit", data={"csrf_token": token, "heading": "Goals", "base_revision": "1",
                                                     "body": "Zero-emission fleets by 2028."})
    monkeypatch.setattr(document_services, "COMPARE_BUDGET", 0)
    version = versions_of(document)[0]
    page = client.get(f"/documents/{document.id}/compare?from={version.id}&to=current").get_data(as_text=True)
    assert "1 modified" in page and "1 changed section is shown with a link" in page
    assert f'href="/sections/{section.id}/diff?' in page and "[inserted: " not in page
    monkeypatch.setattr(document_services, "COMPARE_BUDGET", 0.5)
    page = client.get(f"/documents/{document.id}/compare?from={version.id}&to=current").get_data(as_text=True)
    assert '2028<span class="visually-hidden">]</span></ins>' in page and "with a link" not in page
