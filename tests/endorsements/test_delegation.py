"""A representative delegates signature of one version to a named colleague of the same organisation, with a
mandate; the delegate's endorsement records both names and the mandate, wherever endorsements are shown."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.endorsements.models import Delegation, Endorsement
from app.extensions import db
from app.groups.models import Membership
from tests.conftest import assert_refused
from tests.endorsements.conftest import endorse_body

MANDATE = "Decision of the board of 12 May"


@pytest.fixture
def colleague(final_setup, make_user):
    """Ghent's representative is the member; Piet works at Ghent too and is a member of the group."""
    s = final_setup
    piet = make_user(name="Piet Janssens", organisation=s["ghent"])
    db.session.add(Membership(group_id=s["group"].id, user_id=piet.id, role="member"))
    db.session.commit()
    return piet


def _delegations() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Delegation.id)))


def _endorsements() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Endorsement.id)))


def test_a_delegate_endorses_and_the_record_names_both_and_the_mandate(final_setup, colleague, api, client, login):
    s = final_setup
    vid = s["version"]["id"]
    representative = api(s["people"]["member"])
    made = representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["delegate"] == {"id": colleague.id, "name": "Piet Janssens"}
    listed = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/delegations").get_json()["items"]
    assert [(d["organisation_id"], d["mandate"]) for d in listed] == [(s["ghent"].id, MANDATE)]
    endorsed = api(colleague).post(f"/api/v1/versions/{vid}/endorsements",
                                   json=endorse_body(s["ghent"], signatory_name="Piet Janssens"))
    assert endorsed.status_code == 201, endorsed.get_json()
    data = endorsed.get_json()
    assert data["delegated_by"] == {"id": s["people"]["member"].id, "name": s["people"]["member"].name}
    assert data["mandate"] == MANDATE and data["user_id"] == colleague.id
    # Shown on the version page's list.
    login(client, s["people"]["observer"])
    page = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert f"Signed by delegation of {s['people']['member'].name}; mandate: {MANDATE}" in page



def test_the_delegate_is_told_in_their_language_in_the_app_and_by_mail(final_setup, colleague, api):
    from app.i18n import _, in_language
    from app.mail.models import OutboxMessage
    from app.notifications.models import Notification

    s = final_setup
    vid = s["version"]["id"]
    colleague.language = "fr"
    db.session.commit()
    made = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    assert made.status_code == 201, made.get_json()
    db.session.expire_all()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == colleague.id))
    assert notice.link == f"/versions/{vid}/endorse" and MANDATE in notice.text
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == colleague.email))
    with in_language("fr"):
        subject = _("Delegation of signature: “%(title)s”", title=s["document"].title)
    assert mail.subject == " ".join(subject.split()) and subject.startswith("Délégation")  # one-line subjects
    assert MANDATE in mail.body and f"/versions/{vid}/endorse" in mail.body
    # A refused delegation tells nobody.
    again = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    assert again.status_code == 409
    mails = select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == colleague.email)
    assert db.session.scalar(mails) == 1

def test_the_delegate_signs_for_that_organisation_only(final_setup, colleague, api):
    s = final_setup
    vid = s["version"]["id"]
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    assert_refused(api(colleague).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["oslo"])),
                   403, "not_representative")
    assert _endorsements() == 0


def test_a_delegation_ends_with_its_version(final_setup, colleague, api):
    s = final_setup
    vid, did = s["version"]["id"], s["document"].id
    coordinator = api(s["people"]["coordinator"])
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    for to in ("draft", "review", "final"):
        assert coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": to}).status_code == 200
    new_vid = coordinator.get(f"/api/v1/documents/{did}/versions").get_json()["items"][-1]["id"]
    assert new_vid != vid
    assert_refused(api(colleague).post(f"/api/v1/versions/{new_vid}/endorsements", json=endorse_body(s["ghent"])),
                   403, "not_representative")


def test_only_a_representative_delegates(final_setup, colleague, api):
    s = final_setup
    vid = s["version"]["id"]
    body = {"organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE}
    for role in ("observer", "editor", "coordinator"):  # the editor represents Oslo, not Ghent
        assert_refused(api(s["people"][role]).post(f"/api/v1/versions/{vid}/delegations", json=body),
                       403, "not_representative")
    assert_refused(api(colleague).post(f"/api/v1/versions/{vid}/delegations", json=body), 403, "not_representative")
    assert _delegations() == 0


def test_a_delegate_from_another_organisation_or_outside_the_group_is_refused(final_setup, colleague, api,
                                                                              make_user):
    s = final_setup
    vid = s["version"]["id"]
    representative = api(s["people"]["member"])
    other = representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": s["people"]["editor"].id, "mandate": MANDATE})
    assert_refused(other, 400, "invalid")
    assert "delegate_user_id" in other.get_json()["error"]["details"]["fields"]
    stranger = make_user(name="Stranger", organisation=s["ghent"])
    assert_refused(representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": stranger.id, "mandate": MANDATE}), 400, "invalid")
    assert_refused(representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": "  "}), 400, "invalid")
    assert_refused(representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": "x" * 1001}), 400, "invalid")
    assert _delegations() == 0


def test_a_second_delegation_and_one_after_closing_are_conflicts(final_setup, colleague, api):
    s = final_setup
    vid = s["version"]["id"]
    representative = api(s["people"]["member"])
    body = {"organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE}
    assert representative.post(f"/api/v1/versions/{vid}/delegations", json=body).status_code == 201
    assert_refused(representative.post(f"/api/v1/versions/{vid}/delegations", json=body), 409, "already_delegated")
    assert _delegations() == 1
    assert api(s["people"]["coordinator"]).post(f"/api/v1/documents/{s['document'].id}/transitions",
                                                json={"to": "closed"}).status_code == 200
    [delegation] = db.session.scalars(select(Delegation)).all()
    assert_refused(api(s["people"]["member"]).delete(f"/api/v1/delegations/{delegation.id}"), 409,
                   "endorsement_closed")


def test_a_revoked_delegation_no_longer_lets_the_delegate_sign(final_setup, colleague, api):
    s = final_setup
    vid = s["version"]["id"]
    representative = api(s["people"]["member"])
    made = representative.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE}).get_json()
    assert_refused(api(s["people"]["editor"]).delete(f"/api/v1/delegations/{made['id']}"), 403, "not_representative")
    assert representative.delete(f"/api/v1/delegations/{made['id']}").status_code == 204
    assert_refused(representative.delete(f"/api/v1/delegations/{made['id']}"), 409, "already_revoked")
    assert api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/delegations").get_json()["items"] == []
    assert_refused(api(colleague).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"])),
                   403, "not_representative")
    assert _endorsements() == 0


def test_the_delegation_page_for_a_representative(final_setup, colleague, client, login):
    s = final_setup
    vid = s["version"]["id"]
    token = login(client, s["people"]["member"])
    page = client.get(f"/versions/{vid}/delegations").get_data(as_text=True)
    assert "Piet Janssens (City of Ghent)" in page and '<label for="mandate">Mandate</label>' in page
    made = client.post(f"/versions/{vid}/delegations", data={
        "csrf_token": token, "organisation_id": str(s["ghent"].id), "delegate_user_id": str(colleague.id),
        "mandate": MANDATE})
    assert made.status_code == 302
    page = client.get(f"/versions/{vid}/delegations").get_data(as_text=True)
    assert MANDATE in page and "End" in page
    [delegation] = db.session.scalars(select(Delegation)).all()
    assert client.post(f"/delegations/{delegation.id}/revoke", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegation, delegation.id).revoked_at is not None


def test_the_delegate_sees_the_endorse_page_with_the_mandate(final_setup, colleague, api, client, login):
    s = final_setup
    vid = s["version"]["id"]
    api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": s["ghent"].id, "delegate_user_id": colleague.id, "mandate": MANDATE})
    login(client, colleague)
    assert f'href="/versions/{vid}/endorse"' in client.get(f"/documents/{s['document'].id}").get_data(as_text=True)
    page = client.get(f"/versions/{vid}/endorse")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"delegated signature for City of Ghent to you for this version. Mandate: {MANDATE}" in html
    assert "City of Oslo" not in html
