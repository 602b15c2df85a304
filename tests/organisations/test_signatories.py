"""Organisations manage their own signatories: what a contact, a representative and others notice."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.models import OrganisationContact, Representative, RepresentativeInvitation
from tests.conftest import assert_refused
from tests.organisations.conftest import endorse_body


def representatives_of(organisation) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Representative.user_id)
                                  .where(Representative.organisation_id == organisation.id)))


def contacts_of(organisation) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(OrganisationContact.user_id)
                                  .where(OrganisationContact.organisation_id == organisation.id)))


def mails_to(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)
                                   .order_by(OutboxMessage.id)))


def test_a_contact_names_a_representative_who_can_then_endorse(lyon, api):
    lucie, oid = lyon["lucie"], lyon["lyon"].id
    vid = lyon["version"]["id"]
    assert_refused(api(lucie).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(lyon["lyon"])),
                   403, "not_representative")
    named = api(lyon["claire"]).post(f"/api/v1/organisations/{oid}/representatives", json={"user_id": lucie.id})
    assert named.status_code == 201, named.get_json()
    endorsed = api(lucie).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(lyon["lyon"]))
    assert endorsed.status_code == 201, endorsed.get_json()
    # The group's audit trail says who named whom.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.group_id == lyon["group"].id,
                                                       AuditEvent.action == "organisation.representative_add"))
    assert event.actor_id == lyon["claire"].id and event.object == f"user:{lucie.id}"


@pytest.mark.parametrize("who", ["representative", "other"])
def test_a_representative_or_anyone_else_is_refused_and_nothing_changes(lyon, api, make_user, who):
    caller = lyon["people"]["member"] if who == "representative" else make_user(name="Someone")  # Ghent's rep
    client, oid = api(caller), lyon["lyon"].id
    before = (representatives_of(lyon["lyon"]), contacts_of(lyon["lyon"]))
    assert_refused(client.post(f"/api/v1/organisations/{oid}/representatives", json={"user_id": caller.id}),
                   403, "not_organisation_contact")
    assert_refused(client.post(f"/api/v1/organisations/{oid}/contacts", json={"user_id": caller.id}),
                   403, "not_organisation_contact")
    assert_refused(client.delete(f"/api/v1/organisations/{oid}/contacts/{lyon['claire'].id}"), 403,
                   "not_organisation_contact")
    assert_refused(client.post(f"/api/v1/organisations/{oid}/representative-invitations",
                               json={"email": "spy@example.eu"}), 403, "not_organisation_contact")
    assert (representatives_of(lyon["lyon"]), contacts_of(lyon["lyon"])) == before
    assert mails_to("spy@example.eu") == []


def test_a_contact_of_one_organisation_cannot_touch_another(lyon, api):
    ghent = lyon["ghent"]
    before = representatives_of(ghent)
    assert_refused(api(lyon["claire"]).post(f"/api/v1/organisations/{ghent.id}/representatives",
                                            json={"user_id": lyon["claire"].id}), 403, "not_organisation_contact")
    assert representatives_of(ghent) == before


def test_the_invitation_mail_arrives_and_registering_makes_a_representative(lyon, app, login):
    client = app.test_client()
    csrf = login(client, lyon["claire"])
    oid = lyon["lyon"].id
    response = client.post(f"/organisations/{oid}/representatives",
                           data={"rep-email": "Mayor@Lyon.example.eu", "csrf_token": csrf})
    assert response.status_code == 302
    page = client.get(f"/organisations/{oid}").get_data(as_text=True)
    assert "mayor@lyon.example.eu" in page  # listed as invited, not yet registered
    [mail] = mails_to("mayor@lyon.example.eu")
    assert "Métropole de Lyon" in mail.subject and "Claire Dubois" in mail.body
    link = re.search(r"https?://\S+/organisation-invitations/(\S+)", mail.body)
    assert link, mail.body
    newcomer = app.test_client()
    form = newcomer.get(f"/organisation-invitations/{link.group(1)}")
    assert form.status_code == 200 and "mayor@lyon.example.eu" in form.get_data(as_text=True)
    from tests.conftest import csrf_token_from
    token = csrf_token_from(form.get_data(as_text=True))
    registered = newcomer.post(f"/organisation-invitations/{link.group(1)}",
                               data={"name": "Marie Leroy", "password": "a long enough password", "csrf_token": token})
    assert registered.status_code == 302, registered.get_data(as_text=True)[:500]
    from app.auth.models import User
    mayor = db.session.scalar(select(User).where(User.email == "mayor@lyon.example.eu"))
    assert mayor.name == "Marie Leroy" and mayor.organisation_id == oid
    assert mayor.id in representatives_of(lyon["lyon"])
    # The link works once.
    again = app.test_client().get(f"/organisation-invitations/{link.group(1)}")
    assert again.status_code == 409


def test_naming_by_address_adds_an_existing_account_at_once_and_refuses_duplicates(lyon, api):
    client, oid = api(lyon["claire"]), lyon["lyon"].id
    added = client.post(f"/api/v1/organisations/{oid}/representative-invitations",
                        json={"email": lyon["lucie"].email})
    assert added.status_code == 201 and added.get_json()["outcome"] == "added"
    assert lyon["lucie"].id in representatives_of(lyon["lyon"])
    assert mails_to(lyon["lucie"].email) == []
    assert_refused(client.post(f"/api/v1/organisations/{oid}/representatives", json={"user_id": lyon["lucie"].id}),
                   409, "already_representative")
    invited = client.post(f"/api/v1/organisations/{oid}/representative-invitations", json={"email": "new@x.eu"})
    assert invited.status_code == 201 and invited.get_json()["outcome"] == "invited"
    assert_refused(client.post(f"/api/v1/organisations/{oid}/representative-invitations",
                               json={"email": "NEW@x.eu"}), 409, "already_invited")
    assert len(mails_to("new@x.eu")) == 1
    assert db.session.scalar(select(RepresentativeInvitation.email)) == "new@x.eu"
    assert_refused(client.post(f"/api/v1/organisations/{oid}/representative-invitations", json={"email": "nope"}),
                   400, "invalid")


def test_contacts_name_contacts_but_only_an_admin_removes_the_last(lyon, api, make_user):
    client, oid, claire = api(lyon["claire"]), lyon["lyon"].id, lyon["claire"]
    assert_refused(client.delete(f"/api/v1/organisations/{oid}/contacts/{claire.id}"), 409, "last_contact")
    assert contacts_of(lyon["lyon"]) == {claire.id}
    colleague = make_user(name="Paul")
    assert client.post(f"/api/v1/organisations/{oid}/contacts", json={"user_id": colleague.id}).status_code == 201
    assert_refused(client.post(f"/api/v1/organisations/{oid}/contacts", json={"user_id": colleague.id}),
                   409, "already_contact")
    assert_refused(client.delete(f"/api/v1/organisations/{oid}/contacts/999999"), 404, "not_found")
    # The new contact names representatives too, and may let the first one step down.
    paul = api(colleague)
    assert paul.post(f"/api/v1/organisations/{oid}/representatives", json={"user_id": lyon["lucie"].id}) \
        .status_code == 201
    assert paul.delete(f"/api/v1/organisations/{oid}/contacts/{claire.id}").status_code == 204
    assert contacts_of(lyon["lyon"]) == {colleague.id}
    admin = api(make_user(name="Admin", admin=True))
    assert admin.delete(f"/api/v1/organisations/{oid}/contacts/{colleague.id}").status_code == 204
    assert contacts_of(lyon["lyon"]) == set()


def test_a_coordinator_asks_an_organisation_and_its_contacts_are_told_once_a_day(lyon, api):
    coordinator, gid, oid = api(lyon["people"]["coordinator"]), lyon["group"].id, lyon["lyon"].id
    asked = coordinator.post(f"/api/v1/groups/{gid}/representative-requests", json={"organisation_id": oid})
    assert asked.status_code == 201, asked.get_json()
    assert asked.get_json()["notified"] == 1
    [mail] = mails_to(lyon["claire"].email)
    assert f"/organisations/{oid}" in mail.body and "Coordinator" in mail.body
    assert_refused(coordinator.post(f"/api/v1/groups/{gid}/representative-requests", json={"organisation_id": oid}),
                   409, "requested_recently")
    assert len(mails_to(lyon["claire"].email)) == 1
    assert db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "organisation.representative_request")) == lyon["people"]["coordinator"].id


def test_without_contacts_the_site_admins_are_asked(lyon, api, make_user, make_organisation):
    admin = make_user(name="Admin", email="admin@example.eu", admin=True)
    oslo = lyon["oslo"]  # takes part (the editor belongs to it) and has no contact
    asked = api(lyon["people"]["coordinator"]).post(f"/api/v1/groups/{lyon['group'].id}/representative-requests",
                                                    json={"organisation_id": oslo.id})
    assert asked.status_code == 201 and len(mails_to(admin.email)) == 1


def test_only_an_organisation_taking_part_is_asked_and_only_by_a_coordinator(lyon, api, make_organisation):
    gid = lyon["group"].id
    stranger = make_organisation("Nowhere Council", "IE")
    assert_refused(api(lyon["people"]["coordinator"]).post(f"/api/v1/groups/{gid}/representative-requests",
                                                           json={"organisation_id": stranger.id}),
                   409, "organisation_not_in_group")
    assert_refused(api(lyon["people"]["editor"]).post(f"/api/v1/groups/{gid}/representative-requests",
                                                      json={"organisation_id": lyon["lyon"].id}), 403, "forbidden")
    assert mails_to(lyon["claire"].email) == []


def test_the_sign_off_board_shows_who_cannot_sign_and_asks_them(lyon, app, login, api):
    vid, oid = lyon["version"]["id"], lyon["lyon"].id
    client = app.test_client()
    csrf = login(client, lyon["people"]["coordinator"])
    board = client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    assert board.count("Nobody able to sign") == 1 and "Ask the organisation to name a representative" in board
    response = client.post(f"/groups/{lyon['group'].id}/representative-requests",
                           data={"organisation_id": oid, "version_id": vid, "csrf_token": csrf})
    assert response.status_code == 302 and f"/versions/{vid}/signoff" in response.headers["Location"]
    assert len(mails_to(lyon["claire"].email)) == 1
    assert "asked " in client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    rows = {row["organisation_id"]: row for row in
            api(lyon["people"]["coordinator"]).get(f"/api/v1/versions/{vid}/signoff").get_json()["items"]}
    assert rows[oid]["can_sign"] is False and rows[oid]["asked_at"]
    assert rows[lyon["ghent"].id]["can_sign"] is True and rows[lyon["ghent"].id]["asked_at"] is None
    # Once a contact names Lucie (a member), Lyon can sign.
    api(lyon["claire"]).post(f"/api/v1/organisations/{oid}/representatives", json={"user_id": lyon["lucie"].id})
    assert "Nobody able to sign" not in client.get(f"/versions/{vid}/signoff").get_data(as_text=True)


def test_the_contact_reaches_the_organisation_page_from_the_profile(lyon, app, login):
    client = app.test_client()
    login(client, lyon["claire"])
    profile = client.get("/profile").get_data(as_text=True)
    assert f'/organisations/{lyon["lyon"].id}"' in profile
    page = client.get(f"/organisations/{lyon['lyon'].id}")
    assert page.status_code == 200 and "Claire Dubois" in page.get_data(as_text=True)


def test_the_request_reaches_the_contact_through_a_real_mail_server(lyon, app, api):
    import email
    import email.policy

    from app.tasks import wait_idle
    from tests.tasks.smtp_peers import start_sink

    peer, controller = start_sink()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
                           "MAIL_TIMEOUT": 10})
        asked = api(lyon["people"]["coordinator"]).post(f"/api/v1/groups/{lyon['group'].id}/representative-requests",
                                                        json={"organisation_id": lyon["lyon"].id})
        assert asked.status_code == 201
        assert wait_idle(20)
        [raw] = peer.messages
    finally:
        controller.stop()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "claire@lyon.example.eu"
    assert "Métropole de Lyon" in message["Subject"]
    body = message.get_body().get_content()
    assert f"/organisations/{lyon['lyon'].id}" in body
    assert body.startswith("Bonjour Claire Dubois,")  # in the contact's language (French), not the coordinator's
