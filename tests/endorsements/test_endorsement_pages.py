"""Endorsing, withdrawing and moving through the workflow in the browser's forms."""
from app.documents.models import Document
from app.extensions import db
from tests.conftest import PASSWORD


def test_representative_endorses_through_the_form_with_password(final_setup, client, login):
    s = final_setup
    vid = s["version"]["id"]
    token = login(client, s["people"]["member"])
    page = client.get(f"/versions/{vid}/endorse").get_data(as_text=True)
    assert s["version"]["content_hash"] in page and "City of Ghent" in page
    form = {"csrf_token": token, "organisation_id": str(s["ghent"].id), "signatory_name": "Anna De Smet",
            "signatory_title": "Deputy Mayor", "note": "", "reservation_section_id": "", "reservation": "",
            "confirm_hash": "y", "content_hash": s["version"]["content_hash"], "password": "wrong-password-123"}
    wrong = client.post(f"/versions/{vid}/endorse", data=form)
    assert wrong.status_code == 400 and "This is not your password." in wrong.get_data(as_text=True)
    unconfirmed = client.post(f"/versions/{vid}/endorse", data={**form, "confirm_hash": "", "password": PASSWORD})
    assert unconfirmed.status_code == 400
    done = client.post(f"/versions/{vid}/endorse", data={**form, "password": PASSWORD})
    assert done.status_code == 302
    version_page = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert "Anna De Smet, Deputy Mayor" in version_page and "Endorsements as of" in version_page


def test_non_representative_cannot_open_the_endorse_page(final_setup, client, login):
    s = final_setup
    login(client, s["people"]["observer"])
    page = client.get(f"/versions/{s['version']['id']}/endorse")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "You are not allowed to do that" in html
    assert 'name="password"' not in html and s["version"]["content_hash"] not in html  # no endorsement form


def test_coordinator_moves_the_document_and_editors_cannot(client, login, make_group):
    from app.documents.services import create_document
    from app.extensions import db

    group, people = make_group(roles=("editor",))
    document = create_document(people["editor"], group, title="Roadmap", kind="roadmap",
                               sections=[{"heading": "A", "body": "B"}])
    db.session.commit()
    token = login(client, people["coordinator"])
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Send for review" in html
    client.post(f"/documents/{document.id}/transition", data={"csrf_token": token, "to": "review"})
    client.post(f"/documents/{document.id}/transition", data={"csrf_token": token, "to": "final"})
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Status: final" in html and "The text is frozen" in html and "Close endorsement" in html
    assert f"/sections/{document.sections[0].id}/edit" not in html
    editor_client = client.application.test_client()
    editor_token = login(editor_client, people["editor"])
    refused = editor_client.post(f"/documents/{document.id}/transition",
                                 data={"csrf_token": editor_token, "to": "closed"})
    assert refused.status_code == 403


def test_signoff_board_page_and_withdraw_page(final_setup, client, login, api):
    from tests.endorsements.conftest import endorse_body

    s = final_setup
    vid = s["version"]["id"]
    eid = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                          json=endorse_body(s["ghent"])).get_json()["id"]
    login(client, s["people"]["coordinator"])
    board = client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    assert "1 endorsed, 1 not yet decided, 0 withdrawn" in board
    member_client = client.application.test_client()
    token = login(member_client, s["people"]["member"])
    response = member_client.post(f"/endorsements/{eid}/withdraw", data={"csrf_token": token, "reason": "Vote pending"})
    assert response.status_code == 302
    board = client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    assert "0 endorsed, 1 not yet decided, 1 withdrawn" in board


def test_coordinator_publishes_from_the_document_page_and_an_editor_cannot(final_setup, client, login, api):
    """The workflow panel's Publish button makes /public/<slug> readable by anyone; Unpublish takes it away."""
    s = final_setup
    did = s["document"].id
    editor_client = client.application.test_client()
    editor_token = login(editor_client, s["people"]["editor"])
    refused = editor_client.post(f"/documents/{did}/publish", data={"csrf_token": editor_token, "published": "1"})
    assert refused.status_code == 403
    assert _published_at(did) is None  # nothing was published

    token = login(client, s["people"]["coordinator"])
    assert "Publish the final statement" in client.get(f"/documents/{did}").get_data(as_text=True)
    done = client.post(f"/documents/{did}/publish", data={"csrf_token": token, "published": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/documents/{did}")
    html = client.get(f"/documents/{did}").get_data(as_text=True)
    assert _published_at(did) is not None
    key = db.session.get(Document, did).public_key
    assert f'href="/public/{key}"' in html and "Unpublish" in html
    public = api().get(f"/public/{key}")  # no sign-in
    assert public.status_code == 200 and "Fair ICT" in public.get_data(as_text=True)
    assert api().get(f"/public/{key}.json").get_json()["version"]["content_hash"] == s["version"]["content_hash"]

    client.post(f"/documents/{did}/publish", data={"csrf_token": token, "published": "0"})
    assert _published_at(did) is None and api().get(f"/public/{key}").status_code == 404


def _published_at(did):
    db.session.expire_all()
    return db.session.get(Document, did).published_at
