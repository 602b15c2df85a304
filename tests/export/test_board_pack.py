"""The board pack: one PDF per organisation and final version, for the people who decide on its behalf."""
from __future__ import annotations

import re
from io import BytesIO

import pikepdf
import pytest
from sqlalchemy import func, select

from app.export.models import Export
from app.extensions import db
from tests.conftest import assert_refused
from tests.export import test_pdfua as pdfua
from tests.export.conftest import endorse_body, page_texts


def words(pdf: bytes) -> str:
    return " ".join(" ".join(page_texts(pdf, "-raw")).split())


@pytest.fixture
def second_final(final_setup, api, make_user):
    """Ghent endorses version 1; in a new round the text changes, Ghent's suggestion is rejected with a reason, its
    comment stays open and Oslo comments too; version 2 becomes final."""
    people, document = final_setup["people"], final_setup["document"]
    coordinator, member, editor = (api(people[role]) for role in ("coordinator", "member", "editor"))
    v1 = final_setup["version"]["id"]
    endorsed = member.post(f"/api/v1/versions/{v1}/endorsements", json=endorse_body(final_setup["ghent"]))
    assert endorsed.status_code == 201, endorsed.get_json()
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "draft"}).status_code == 200
    sections = coordinator.get(f"/api/v1/documents/{document.id}").get_json()["sections"]
    purpose, commitments = sections
    saved = editor.put(f"/api/v1/sections/{purpose['id']}", json={"body": "We agree firmly and together.",
                                                                  "base_revision": purpose["revision"]})
    assert saved.status_code == 200, saved.get_json()
    suggestion = member.post(f"/api/v1/sections/{commitments['id']}/amendments",
                             json={"body": "We act at once.", "base_revision": commitments["revision"],
                                   "rationale": "Sooner is better."})
    assert suggestion.status_code == 201, suggestion.get_json()
    rejected = editor.post(f"/api/v1/amendments/{suggestion.get_json()['id']}/reject",
                           json={"reason": "Budget rules forbid it this year."})
    assert rejected.status_code == 200, rejected.get_json()
    assert member.post(f"/api/v1/sections/{commitments['id']}/comments",
                       json={"body": "Is acting vague?", "quote": "We act"}).status_code == 201
    assert editor.post(f"/api/v1/sections/{commitments['id']}/comments",
                       json={"body": "Oslo thinks otherwise."}).status_code == 201
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    final = coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "final", "label": "Second"})
    assert final.status_code == 200, final.get_json()
    final_setup["v2"] = final.get_json()["final_version"]["id"]
    final_setup["outsider"] = make_user(name="Outsider")
    db.session.commit()
    return final_setup


def pack_path(setup, organisation) -> str:
    return f"/api/v1/versions/{setup['v2']}/board-pack/{organisation.id}"


def test_the_pack_shows_the_final_text_a_redline_since_the_endorsed_version_and_the_rejection_reason(
        second_final, api):
    response = api(second_final["people"]["member"]).get(pack_path(second_final, second_final["ghent"]))
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == "application/pdf"
    text = words(response.get_data())
    # The cover.
    assert "Prepared for the board of City of Ghent" in text and "Version 2, Second" in text
    # The final text.
    assert "We agree firmly and together." in text and "We act." in text
    # The redline starts from the version Ghent endorsed, and shows the words added since.
    assert "Since Version 1, Final text, the last version City of Ghent endorsed." in text
    redline = next(page for page in page_texts(response.get_data(), "-raw") if "What changed\nSince" in page)
    assert "Purpose" in redline and re.search(r"firmly\s+and\s+together", redline)
    assert "Commitments" not in redline  # unchanged since
    # What became of Ghent's people's suggestion and comment; Oslo's comment is not Ghent's business.
    assert "Suggestions rejected (1)" in text and "Budget rules forbid it this year." in text
    assert "We act at once." in text and "Sooner is better." in text
    assert "Still open (1)" in text and "Is acting vague?" in text
    assert "Oslo thinks otherwise." not in text


def test_the_cover_names_the_deadline_and_a_new_deadline_makes_a_new_pack(second_final, api):
    people = second_final["people"]
    member, path = api(people["member"]), pack_path(second_final, second_final["ghent"])
    assert "Endorsement deadline" not in words(member.get(path).get_data())
    assert api(people["coordinator"]).put(f"/api/v1/versions/{second_final['v2']}/endorsement-settings",
                                          json={"deadline": "2099-03-15"}).status_code == 200
    text = words(member.get(path).get_data())
    assert "Endorsement deadline" in text and "2099" in text
    assert db.session.scalar(select(func.count()).select_from(Export).where(Export.key.like("board-pack:%"))) == 2


def test_the_pack_is_a_tagged_pdf_ua_file_in_the_documents_language(second_final, api):
    pdf = api(second_final["people"]["coordinator"]).get(pack_path(second_final, second_final["ghent"])).get_data()
    document = pikepdf.open(BytesIO(pdf))
    meta = document.open_metadata()
    assert meta["pdfuaid:part"] == "1" and meta["pdfaid:part"] == "3"
    assert "Board pack: Fair ICT" in meta["dc:title"]
    assert document.Root.MarkInfo.Marked is True and str(document.Root.Lang) == "en"
    assert document.Root.ViewerPreferences.DisplayDocTitle is True
    pdfua.test_all_content_is_tagged_or_an_artifact_and_every_tag_is_in_the_tree(pdf)
    _document, elements = pdfua.structure(pdf)
    assert pdfua.of_type(elements, "H1") and pdfua.of_type(elements, "BlockQuote")


def test_without_an_earlier_version_the_pack_says_there_is_nothing_to_compare(final_setup, api):
    response = api(final_setup["people"]["editor"]).get(
        f"/api/v1/versions/{final_setup['version']['id']}/board-pack/{final_setup['oslo'].id}")
    assert response.status_code == 200, response.get_data()[:300]
    text = words(response.get_data())
    assert "There is nothing to compare" in text and "Prepared for the board of City of Oslo" in text


def test_only_the_organisations_people_and_coordinators_may_have_its_pack(second_final, api):
    people, ghent = second_final["people"], second_final["ghent"]
    path = pack_path(second_final, ghent)
    assert_refused(api(second_final["outsider"]).get(path), 404, "not_found")
    assert_refused(api(people["observer"]).get(path), 403, "forbidden")
    assert_refused(api(people["editor"]).get(path), 403, "forbidden")  # Oslo's representative
    assert_refused(api().get(path), 401, "unauthorized")
    assert api(people["coordinator"]).get(path).status_code == 200
    assert api(people["member"]).get(path).status_code == 200
    # Rendered once: the second download is the stored file. Its row is not the observer's to read either.
    assert db.session.scalar(select(func.count()).select_from(Export).where(Export.key.like("board-pack:%"))) == 1
    export_id = db.session.scalar(select(Export.id).where(Export.key.like("board-pack:%")))
    assert_refused(api(people["observer"]).get(f"/api/v1/exports/{export_id}/file"), 404, "not_found")
    assert api(people["member"]).get(f"/api/v1/exports/{export_id}/file").status_code == 200


def test_a_version_that_is_not_final_has_no_pack(final_setup, api):
    people, document = final_setup["people"], final_setup["document"]
    coordinator = api(people["coordinator"])
    named = coordinator.post(f"/api/v1/documents/{document.id}/versions", json={"label": "Named"})
    if named.status_code != 201:
        pytest.skip("naming a version needs another state here")
    response = coordinator.get(f"/api/v1/versions/{named.get_json()['id']}/board-pack/{final_setup['ghent'].id}")
    assert_refused(response, 409, "not_final")


@pytest.mark.parametrize("app_config", [{"EXPORT_WAIT_SECONDS": 60}])  # a worker renders it: on a busy machine
def test_the_version_page_links_the_packs_its_reader_may_have(second_final, app, login):
    people = second_final["people"]
    member = app.test_client()
    login(member, people["member"])
    page = member.get(f"/versions/{second_final['v2']}").get_data(as_text=True)
    assert "Board pack for City of Ghent" in page and "Board pack for City of Oslo" not in page
    coordinator = app.test_client()
    login(coordinator, people["coordinator"])
    page = coordinator.get(f"/versions/{second_final['v2']}").get_data(as_text=True)
    assert "Board pack for City of Ghent" in page and "Board pack for City of Oslo" in page
    link = re.search(r'href="(/versions/\d+/board-pack/\d+\.pdf)"', page).group(1)
    download = coordinator.get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    observer = app.test_client()
    login(observer, people["observer"])
    assert "Board pack" not in observer.get(f"/versions/{second_final['v2']}").get_data(as_text=True)
    assert observer.get(link).status_code == 403



def test_an_organisation_that_did_not_endorse_gets_a_redline_since_the_version_its_people_commented_on(
        second_final, api):
    response = api(second_final["people"]["editor"]).get(pack_path(second_final, second_final["oslo"]))
    assert response.status_code == 200, response.get_data()[:300]
    text = words(response.get_data())
    assert ("Since Version 1, Final text, the last version on which people of City of Oslo commented or suggested "
            "changes.") in text
    assert "Still open (1)" in text and "Oslo thinks otherwise." in text and "Budget rules" not in text


def test_the_pack_speaks_the_documents_language_whoever_asks(second_final, app):
    from app.documents.models import Version
    from app.export.board_pack import board_pack_spec
    from app.i18n import current_language, in_language

    second_final["document"].language = "fr"
    db.session.commit()
    version = db.session.get(Version, second_final["v2"])
    with app.test_request_context("/?lang=de"), in_language("de", "Asia/Tokyo"):
        spec = board_pack_spec(version, second_final["ghent"])
        html = spec.build_html()
        assert current_language() == "de"
    assert '<html lang="fr">' in html and "Sommaire" in html  # "Contents", in French
    assert spec.key.startswith("board-pack:") and spec.key.endswith(":fr")
