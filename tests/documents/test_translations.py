"""Translations of a document: one text is authoritative; each translated section says when it falls behind.

Through the API and the pages of the real app: starting a translation, the refusals that leave nothing
behind, a section falling behind when the original changes (with the words that changed), confirming it up
to date only against the original's current revision, and publishing refused while a section is behind.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.documents import services, translations
from app.documents.models import Document, Section
from app.documents.workflow import transition
from app.extensions import db
from tests.conftest import assert_refused, csrf_token_from


@pytest.fixture
def statement(make_group):
    group, people = make_group(roles=("observer", "member", "editor"))
    document = services.create_document(
        people["editor"], group, title="Clean buses statement", kind="statement",
        sections=[{"heading": "Scope", "body": "Cities buy buses together."},
                  {"heading": "Goals", "body": "Zero-emission fleets by 2030.", "level": 2},
                  {"heading": "Money", "body": "Joint tenders cut prices."}])
    db.session.commit()
    return group, people, document


def documents_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Document.id)))


def start(api, people, document, language="fr", who="editor"):
    return api(people[who]).post(f"/api/v1/documents/{document.id}/translations", json={"language": language})


def edit_original(people, document, index, body):
    section = services.live_sections(document)[index]
    services.save_section(people["editor"], section, body=body, base_revision=section.current_revision)
    db.session.commit()
    return section


# --- starting a translation -------------------------------------------------------------------------

def test_an_editor_starts_a_translation_with_one_section_per_section_of_the_original(api, statement):
    _group, people, document = statement
    response = start(api, people, document)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["translation_of"] == document.id and data["language"] == "fr" and data["status"] == "draft"
    assert data["title"] == document.title
    originals = services.live_sections(document)
    assert [(s["heading"], s["body"], s["level"], s["number"]) for s in data["sections"]] == [
        (s.heading, s.body, s.level, n) for n, s in services.numbered(originals)]
    assert [s["original_section_id"] for s in data["sections"]] == [s.id for s in originals]
    assert all(s["behind"] is False and "follows_revision" not in s for s in data["sections"])
    assert all(s["anchor"] == f"section-{s['id']}" for s in data["sections"])
    original = api(people["observer"]).get(f"/api/v1/documents/{document.id}").get_json()
    assert original["translation_of"] is None and original["language"] == "en"
    assert all("behind" not in s for s in original["sections"])


@pytest.mark.parametrize("language, status, code", [
    ("en", 409, "same_language"),
    ("fr", 409, "translation_exists"),
    ("xx", 400, "invalid"),
    ("FR", 400, "invalid"),
])
def test_a_translation_into_the_same_language_or_twice_into_one_is_refused_and_nothing_is_made(
        api, statement, language, status, code):
    _group, people, document = statement
    assert start(api, people, document, "fr").status_code == 201
    before = documents_count()
    assert_refused(start(api, people, document, language), status, code)
    assert documents_count() == before


def test_a_translation_of_a_translation_is_refused(api, statement):
    _group, people, document = statement
    french = start(api, people, document, "fr").get_json()
    before = documents_count()
    response = api(people["editor"]).post(f"/api/v1/documents/{french['id']}/translations", json={"language": "nl"})
    assert_refused(response, 409, "translation_of_translation")
    assert documents_count() == before


@pytest.mark.parametrize("who", ["observer", "member"])
def test_only_editors_start_translations(api, statement, who):
    _group, people, document = statement
    before = documents_count()
    assert_refused(start(api, people, document, who=who), 403, "forbidden")
    assert documents_count() == before


def test_outsiders_do_not_learn_of_the_document(api, statement, make_user):
    _group, _people, document = statement
    outsider = api(make_user(name="Outsider"))
    assert_refused(outsider.post(f"/api/v1/documents/{document.id}/translations", json={"language": "fr"}),
                   404, "not_found")
    assert_refused(outsider.get(f"/api/v1/documents/{document.id}/translations"), 404, "not_found")


# --- behind the original ----------------------------------------------------------------------------

def test_a_translated_section_falls_behind_when_the_original_changes_and_shows_the_changed_words(
        api, client, login, statement):
    _group, people, document = statement
    french = start(api, people, document).get_json()
    goals = edit_original(people, document, 1, "Zero-emission fleets by 2028, and charging points.")

    data = api(people["observer"]).get(f"/api/v1/documents/{french['id']}").get_json()
    by_original = {s["original_section_id"]: s for s in data["sections"]}
    assert by_original[goals.id]["behind"] is True
    assert by_original[goals.id]["follows_revision"] == 1 and by_original[goals.id]["original_revision"] == 2
    assert [s["behind"] for s in data["sections"]] == [False, True, False]

    listed = api(people["observer"]).get(f"/api/v1/documents/{document.id}/translations").get_json()
    assert listed["original"]["id"] == document.id
    assert [(t["language"], t["sections_behind"], t["up_to_date"]) for t in listed["items"]] == [("fr", 1, False)]

    login(client, people["observer"])
    page = client.get(f"/documents/{french['id']}").get_data(as_text=True)
    assert "Behind the original" in page
    assert "<ins" in page and "2028" in page and "charging" in page  # the original's changed words
    assert f'href="/documents/{document.id}#section-{goals.id}"' in page  # the same section in the original
    original_page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "1 section behind" in original_page
    assert f'href="/documents/{french["id"]}#section-{by_original[goals.id]["id"]}"' in original_page


def test_up_to_date_with_a_stale_revision_is_refused_and_the_flag_stays_then_the_current_one_clears_it(
        api, statement):
    _group, people, document = statement
    french = start(api, people, document).get_json()
    goals = edit_original(people, document, 1, "Zero-emission fleets by 2028.")
    edit_original(people, document, 1, "Zero-emission fleets by 2027.")
    translated = next(s for s in french["sections"] if s["original_section_id"] == goals.id)
    member = api(people["member"])

    stale = member.post(f"/api/v1/sections/{translated['id']}/up-to-date", json={"base_revision": 2})
    assert_refused(stale, 409, "original_changed")
    assert stale.get_json()["error"]["details"] == {"follows_revision": 1, "original_revision": 3}
    assert member.get(f"/api/v1/sections/{translated['id']}").get_json()["behind"] is True

    fine = member.post(f"/api/v1/sections/{translated['id']}/up-to-date", json={"base_revision": 3})
    assert fine.status_code == 200, fine.get_json()
    assert fine.get_json()["behind"] is False and "follows_revision" not in fine.get_json()
    assert db.session.get(Section, translated["id"]).translates_revision == 3


def test_an_observer_cannot_mark_a_section_up_to_date(api, statement):
    _group, people, document = statement
    french = start(api, people, document).get_json()
    edit_original(people, document, 0, "Cities and regions buy buses together.")
    sid = french["sections"][0]["id"]
    assert_refused(api(people["observer"]).post(f"/api/v1/sections/{sid}/up-to-date", json={"base_revision": 2}),
                   403, "forbidden")
    assert db.session.get(Section, sid).translates_revision == 1


def test_up_to_date_on_a_section_of_an_original_is_refused(api, statement):
    _group, people, document = statement
    sid = services.live_sections(document)[0].id
    assert_refused(api(people["editor"]).post(f"/api/v1/sections/{sid}/up-to-date", json={"base_revision": 1}),
                   409, "not_a_translation")


def test_saving_with_the_confirm_box_clears_the_flag_and_the_page_button_does_too(api, client, login, statement):
    _group, people, document = statement
    french = start(api, people, document).get_json()
    scope = edit_original(people, document, 0, "Cities and regions buy buses together.")
    money = edit_original(people, document, 2, "Joint tenders cut prices by a fifth.")
    by_original = {s["original_section_id"]: s for s in french["sections"]}
    csrf = login(client, people["member"])

    edit = client.get(f"/sections/{by_original[scope.id]['id']}/edit").get_data(as_text=True)
    assert "This section is up to date with the original" in edit and "regions" in edit
    response = client.post(f"/sections/{by_original[scope.id]['id']}/edit", data={
        "csrf_token": csrf_token_from(edit), "base_revision": "1", "heading": "Champ",
        "body": "Les villes et les régions achètent des bus ensemble.", "message": "",
        "up_to_date": "1", "original_revision": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.get(Section, by_original[scope.id]["id"]).translates_revision == 2

    page = client.get(f"/documents/{french['id']}").get_data(as_text=True)
    assert "Mark as up to date" in page
    response = client.post(f"/sections/{by_original[money.id]['id']}/up-to-date",
                           data={"csrf_token": csrf, "base_revision": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, by_original[money.id]["id"]).translates_revision == 2
    assert "Behind the original" not in client.get(f"/documents/{french['id']}").get_data(as_text=True)


def test_sections_added_to_and_removed_from_the_original_are_listed_and_can_be_brought_over(api, statement):
    _group, people, document = statement
    french_id = start(api, people, document).get_json()["id"]
    scope, _goals, money = services.live_sections(document)
    annex = services.add_section(people["editor"], document, heading="Annex", body="Bus lists.",
                                 after_section_id=scope.id)
    services.delete_section(people["editor"], money)
    db.session.commit()
    french = db.session.get(Document, french_id)
    state = translations.standing(french)
    assert [s.id for s in state.missing] == [annex.id]
    assert [s.original_section_id for s in state.removed] == [money.id]
    listed = api(people["observer"]).get(f"/api/v1/documents/{document.id}/translations").get_json()["items"][0]
    assert (listed["sections_missing"], listed["sections_removed"], listed["up_to_date"]) == (1, 1, False)

    assert_refused(api(people["member"]).post(f"/api/v1/documents/{french_id}/sections/from-original"),
                   403, "forbidden")
    answer = api(people["editor"]).post(f"/api/v1/documents/{french_id}/sections/from-original")
    assert answer.status_code == 200, answer.get_json()
    sections = answer.get_json()["sections"]
    assert [s["original_section_id"] for s in sections][:2] == [scope.id, annex.id]
    assert sections[1]["body"] == "Bus lists." and sections[1]["behind"] is False
    db.session.expire_all()
    assert not translations.standing(db.session.get(Document, french_id)).missing


# --- publishing and endorsing -----------------------------------------------------------------------

def _make_final(people, document):
    transition(people["coordinator"], document, "review")
    transition(people["coordinator"], document, "final", "Final")
    db.session.commit()


def test_a_translation_behind_the_final_version_cannot_be_published(api, client, login, statement):
    _group, people, document = statement
    french = db.session.get(Document, start(api, people, document).get_json()["id"])
    edit_original(people, document, 0, "Cities and regions buy buses together.")
    _make_final(people, document)
    _make_final(people, french)
    coordinator = api(people["coordinator"])

    refused = coordinator.post(f"/api/v1/documents/{french.id}/publish", json={"published": True})
    assert_refused(refused, 409, "translation_behind")
    assert refused.get_json()["error"]["details"]["sections"] == ["Scope"]
    db.session.expire_all()
    assert db.session.get(Document, french.id).published_at is None

    csrf = login(client, people["coordinator"])
    response = client.post(f"/documents/{french.id}/publish", data={"csrf_token": csrf, "published": "1"},
                           headers={"Referer": f"http://localhost/documents/{french.id}"}, follow_redirects=True)
    assert "does not follow the original" in response.get_data(as_text=True)

    # brought up to date in a new round, final again, then published and offered on the original's page
    transition(people["coordinator"], french, "draft")
    translations.mark_up_to_date(people["member"], services.live_sections(french)[0], 2)
    db.session.commit()
    _make_final(people, french)
    assert coordinator.post(f"/api/v1/documents/{document.id}/publish", json={"published": True}).status_code == 200
    assert coordinator.post(f"/api/v1/documents/{french.id}/publish", json={"published": True}).status_code == 200
    db.session.expire_all()
    public = client.get(f"/public/{db.session.get(Document, document.id).public_key}").get_data(as_text=True)
    assert f"/public/{db.session.get(Document, french.id).public_key}" in public


def test_organisations_endorse_the_original_not_a_translation(api, statement, make_organisation):
    from app.organisations.models import Representative
    from tests.conftest import PASSWORD

    _group, people, document = statement
    french = db.session.get(Document, start(api, people, document).get_json()["id"])
    _make_final(people, french)
    organisation = make_organisation()
    db.session.add(Representative(organisation_id=organisation.id, user_id=people["member"].id))
    db.session.commit()
    response = api(people["member"]).post(f"/api/v1/versions/{french.final_version_id}/endorsements", json={
        "organisation_id": organisation.id, "signatory_name": "Anna", "signatory_title": "Mayor",
        "password": PASSWORD})
    assert_refused(response, 409, "translation_not_endorsable")


def test_the_confirm_box_against_a_revision_the_original_has_moved_past_keeps_the_text_and_saves_nothing(
        api, client, login, statement):
    _group, people, document = statement
    french = start(api, people, document).get_json()
    scope = edit_original(people, document, 0, "Cities and regions buy buses together.")
    translated = next(s for s in french["sections"] if s["original_section_id"] == scope.id)
    login(client, people["member"])
    edit = client.get(f"/sections/{translated['id']}/edit").get_data(as_text=True)
    edit_original(people, document, 0, "Cities, regions and ports buy buses together.")  # meanwhile
    response = client.post(f"/sections/{translated['id']}/edit", data={
        "csrf_token": csrf_token_from(edit), "base_revision": "1", "heading": "Champ",
        "body": "Les villes et les régions achètent des bus ensemble.", "message": "",
        "up_to_date": "1", "original_revision": "2"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "has changed since revision 2" in html and "Les villes et les régions" in html and "ports" in html
    db.session.expire_all()
    section = db.session.get(Section, translated["id"])
    assert (section.translates_revision, section.current_revision) == (1, 1)
