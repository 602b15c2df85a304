"""Working groups: creating them, inviting people, joining, roles and removals."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.groups.models import Group, Invitation, Membership
from app.mail.models import OutboxMessage
from app.util import utcnow
from tests.conftest import assert_refused, csrf_token_from

NEW_PASSWORD = "a-brand-new-passphrase"


def role_of(group_id, user_id):
    return db.session.scalar(select(Membership.role).where(Membership.group_id == group_id,
                                                           Membership.user_id == user_id))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def invite(api, coordinator, group, email="new.person@example.eu", role="member"):
    response = api(coordinator).post(f"/api/v1/groups/{group.id}/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def register(api, token, name="New Person", password=NEW_PASSWORD, **extra):
    return api().post(f"/api/v1/invitations/{token}/register", json={"name": name, "password": password, **extra})


# --- creating groups --------------------------------------------------------------------

def test_the_creator_of_a_group_becomes_its_coordinator(api, make_user):
    user = make_user()
    caller = api(user)
    response = caller.post("/api/v1/groups", json={"name": "  Fair ICT  ", "description": "Supply chains."})
    assert response.status_code == 201
    group = response.get_json()
    assert group["name"] == "Fair ICT" and group["role"] == "coordinator"
    members = caller.get(f"/api/v1/groups/{group['id']}/members").get_json()["items"]
    assert [(m["user_id"], m["role"]) for m in members] == [(user.id, "coordinator")]
    mine = caller.get("/api/v1/me").get_json()["groups"]
    assert [(g["id"], g["name"], g["role"]) for g in mine] == [(group["id"], "Fair ICT", "coordinator")]


def test_a_group_is_created_through_the_page(client, login, make_user):
    user = make_user()
    csrf = login(client, user)
    response = client.post("/groups/new", data={"name": "Fair ICT", "description": "", "csrf_token": csrf})
    assert response.status_code == 302
    group = db.session.scalar(select(Group))
    assert response.headers["Location"] == f"/groups/{group.id}"
    assert role_of(group.id, user.id) == "coordinator"
    assert "Fair ICT" in client.get(f"/groups/{group.id}").get_data(as_text=True)


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Fine", "description": "x" * 5001}, "description"),
    ({"name": "Bad\u0000name"}, "name"),
    ({"name": 5}, "name"),
    ({}, "name"),
])
def test_a_group_with_a_bad_name_is_refused(api, make_user, body, field):
    response = api(make_user()).post("/api/v1/groups", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]
    assert count(Group) == 0


@pytest.mark.parametrize("name", ["", "x" * 201])
def test_the_page_refuses_a_bad_group_name_and_creates_nothing(client, login, make_user, name):
    csrf = login(client, make_user())
    response = client.post("/groups/new", data={"name": name, "csrf_token": csrf})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count(Group) == 0


def test_a_coordinator_renames_the_group(api, make_group):
    group, people = make_group()
    response = api(people["coordinator"]).patch(f"/api/v1/groups/{group.id}", json={"name": "Renamed"})
    assert response.status_code == 200 and response.get_json()["name"] == "Renamed"
    response = api(people["coordinator"]).patch(f"/api/v1/groups/{group.id}", json={"name": "x" * 201})
    assert response.status_code == 400
    db.session.refresh(group)
    assert group.name == "Renamed"


# --- invitations ------------------------------------------------------------------------

def test_an_invitation_is_created_and_mailed(api, make_group):
    group, people = make_group()
    body = invite(api, people["coordinator"], group, email="New.Person@Example.EU", role="editor")
    assert set(body) >= {"id", "token", "accept_url", "expires_at"}
    assert body["accept_url"].endswith(f"/invitations/{body['token']}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["expires_at"])
    invitation = db.session.get(Invitation, body["id"])
    assert invitation.email == "new.person@example.eu" and invitation.role == "editor"
    assert timedelta(days=13, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=14)
    assert invitation.token_hash != body["token"]
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "new.person@example.eu"))
    assert body["accept_url"] in mail.body and group.name in mail.subject


def test_an_invitation_is_sent_through_the_page(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["coordinator"])
    response = client.post(f"/groups/{group.id}/invitations",
                           data={"email": "guest@example.eu", "role": "observer", "csrf_token": csrf})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role) == ("guest@example.eu", "observer")
    assert "guest@example.eu" in client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage.recipient)) == "guest@example.eu"


@pytest.mark.parametrize("body, field", [
    ({"email": "guest@example.eu", "role": "chair"}, "role"),
    ({"email": "guest@example.eu", "role": "Coordinator"}, "role"),
    ({"email": "guest@example.eu", "role": ""}, "role"),
    ({"email": "guest@example.eu", "role": 3}, "role"),
    ({"email": "not an address", "role": "member"}, "email"),
    ({"email": "", "role": "member"}, "email"),
    ({"role": "member"}, "email"),
])
def test_an_invitation_with_bad_fields_is_refused(api, make_group, body, field):
    group, people = make_group()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]
    assert count(Invitation) == 0 and count(OutboxMessage) == 0


def test_the_page_refuses_a_role_that_does_not_exist(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["coordinator"])
    response = client.post(f"/groups/{group.id}/invitations",
                           data={"email": "guest@example.eu", "role": "chair", "csrf_token": csrf})
    assert response.status_code == 400
    assert "Must be one of" in response.get_data(as_text=True)
    assert count(Invitation) == 0


def test_inviting_a_member_again_in_another_letter_case_is_a_conflict(api, make_group):
    group, people = make_group()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations",
                                               json={"email": people["member"].email.upper(), "role": "editor"})
    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["details"]["fields"]
    assert count(Invitation) == 0


def test_a_new_person_registers_through_an_invitation(api, make_group):
    group, people = make_group()
    body = invite(api, people["coordinator"], group, role="editor")
    response = register(api, body["token"], email="someone.else@example.eu")
    assert response.status_code == 201
    data = response.get_json()
    assert data["user"]["email"] == "new.person@example.eu"  # from the invitation, not the body
    assert data["membership"]["role"] == "editor" and data["membership"]["group_id"] == group.id
    assert role_of(group.id, data["user"]["id"]) == "editor"
    token = api().post("/api/v1/tokens", json={"email": "new.person@example.eu", "password": NEW_PASSWORD})
    assert token.status_code == 201


def test_a_new_person_registers_through_the_invitation_page(app, make_group, api, make_organisation):
    group, people = make_group()
    organisation = make_organisation()
    body = invite(api, people["coordinator"], group, role="observer")
    client = app.test_client()
    page = client.get(f"/invitations/{body['token']}")
    assert page.status_code == 200
    assert "new.person@example.eu" in page.get_data(as_text=True)
    response = client.post(f"/invitations/{body['token']}", data={
        "name": "New Person", "password": NEW_PASSWORD, "organisation_id": str(organisation.id),
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}/start"
    user = db.session.scalar(select(User).where(User.email == "new.person@example.eu"))
    assert user.organisation_id == organisation.id
    assert role_of(group.id, user.id) == "observer"
    assert client.get(f"/groups/{group.id}").status_code == 200  # signed in as the new person


@pytest.mark.parametrize("body, field", [
    ({"name": "", "password": NEW_PASSWORD}, "name"),
    ({"name": "x" * 121, "password": NEW_PASSWORD}, "name"),
    ({"name": "New", "password": "short"}, "password"),
    ({"name": "New", "password": NEW_PASSWORD, "organisation_id": 999999}, "organisation_id"),
    ({"name": 5, "password": NEW_PASSWORD}, "name"),
    ({"password": NEW_PASSWORD}, "name"),
])
def test_registration_through_an_invitation_refuses_bad_input_and_keeps_the_invitation(api, make_group, body,
                                                                                      field):
    group, people = make_group()
    token = invite(api, people["coordinator"], group)["token"]
    users_before = count(User)
    response = api().post(f"/api/v1/invitations/{token}/register", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]
    assert count(User) == users_before
    assert register(api, token).status_code == 201


def test_registering_with_an_address_that_has_an_account_in_another_case_is_a_conflict(api, make_group,
                                                                                       make_user):
    group, people = make_group()
    make_user(email="taken@example.eu")
    token = invite(api, people["coordinator"], group, email="Taken@Example.EU")["token"]
    users_before = count(User)
    response = register(api, token)
    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["details"]["fields"]
    assert count(User) == users_before


def test_an_existing_account_accepts_an_invitation(api, make_group, make_user):
    group, people = make_group()
    guest = make_user()
    token = invite(api, people["coordinator"], group, email=guest.email, role="editor")["token"]
    response = api(guest).post(f"/api/v1/invitations/{token}/accept")
    assert response.status_code == 200
    assert response.get_json()["role"] == "editor" and response.get_json()["user_id"] == guest.id
    assert role_of(group.id, guest.id) == "editor"


def test_an_existing_account_accepts_through_the_page(client, login, make_group, make_user, api):
    group, people = make_group()
    guest = make_user()
    token = invite(api, people["coordinator"], group, email=guest.email)["token"]
    csrf = login(client, guest)
    assert client.get(f"/invitations/{token}").status_code == 200
    response = client.post(f"/invitations/{token}", data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group.id}/start"
    assert role_of(group.id, guest.id) == "member"


def test_accepting_needs_a_signed_in_person(api, make_group):
    group, people = make_group()
    token = invite(api, people["coordinator"], group)["token"]
    members = count(Membership)
    assert_refused(api().post(f"/api/v1/invitations/{token}/accept"), 401, "unauthorized")
    assert count(Membership) == members
    assert db.session.scalar(select(Invitation.accepted_at)) is None  # the link still works for its person


def test_a_member_cannot_accept_an_invitation_to_their_own_group_twice(api, make_group, make_user):
    group, people = make_group()
    guest = make_user()
    token = invite(api, people["coordinator"], group, email=guest.email)["token"]
    db.session.add(Membership(group_id=group.id, user_id=guest.id, role="observer"))
    db.session.commit()
    response = api(guest).post(f"/api/v1/invitations/{token}/accept")
    assert response.status_code == 409
    assert role_of(group.id, guest.id) == "observer"


@pytest.mark.parametrize("first", ["register", "accept"])
def test_an_invitation_works_only_once(api, make_group, make_user, first):
    group, people = make_group()
    outsider = make_user()
    token = invite(api, people["coordinator"], group)["token"]
    if first == "register":
        assert register(api, token).status_code == 201
    else:
        invited = make_user(email="new.person@example.eu")
        assert api(invited).post(f"/api/v1/invitations/{token}/accept").status_code == 200
    members = count(Membership)

    again = register(api, token, name="Second Person")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invitation_used"
    accepted = api(outsider).post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 409 and accepted.get_json()["error"]["code"] == "invitation_used"
    assert count(Membership) == members
    assert role_of(group.id, outsider.id) is None


def test_a_used_invitation_link_says_so_on_the_page(app, api, make_group):
    group, people = make_group()
    token = invite(api, people["coordinator"], group)["token"]
    register(api, token)
    response = app.test_client().get(f"/invitations/{token}")
    assert response.status_code == 409  # an error page where the link was opened, not a redirect home
    assert "This invitation cannot be used" in response.get_data(as_text=True)
    assert "already been used" in response.get_data(as_text=True)
    assert "Create your account" not in response.get_data(as_text=True)


def test_an_expired_invitation_is_refused(app, api, make_group, make_user):
    group, people = make_group()
    guest = make_user()
    token = invite(api, people["coordinator"], group, email=guest.email)["token"]
    other = invite(api, people["coordinator"], group, email="other@example.eu")["token"]
    for invitation in db.session.scalars(select(Invitation)):
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    accepted = api(guest).post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 409 and accepted.get_json()["error"]["code"] == "invitation_expired"
    registered = register(api, other)
    assert registered.status_code == 409 and registered.get_json()["error"]["code"] == "invitation_expired"
    assert role_of(group.id, guest.id) is None
    assert db.session.scalar(select(User).where(User.email == "other@example.eu")) is None
    page = app.test_client().get(f"/invitations/{other}")
    assert page.status_code == 409 and "expired" in page.get_data(as_text=True)


@pytest.mark.parametrize("token", ["forged-token-that-looks-plausible-0123456789", "x", "a" * 300])
def test_a_forged_invitation_token_is_not_found(app, api, make_user, make_group, token):
    make_group()
    people, members = count(User), count(Membership)
    assert_refused(register(api, token), 404, "not_found")
    assert count(User) == people  # no account made from a forged link
    assert_refused(api(make_user()).post(f"/api/v1/invitations/{token}/accept"), 404, "not_found")
    assert count(Membership) == members
    page = app.test_client().get(f"/invitations/{token}")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "We could not find that page" in html and "Create your account" not in html


def test_a_withdrawn_invitation_is_not_found(api, make_group):
    group, people = make_group()
    body = invite(api, people["coordinator"], group)
    coordinator = api(people["coordinator"])
    assert coordinator.get(f"/api/v1/groups/{group.id}/invitations").get_json()["items"][0]["id"] == body["id"]
    assert coordinator.delete(f"/api/v1/groups/{group.id}/invitations/{body['id']}").status_code == 204
    assert register(api, body["token"]).status_code == 404
    assert coordinator.get(f"/api/v1/groups/{group.id}/invitations").get_json()["items"] == []


def test_the_invitation_token_is_stored_only_as_a_hash(api, make_group):
    group, people = make_group()
    token = invite(api, people["coordinator"], group)["token"]
    assert token not in db.session.scalars(select(Invitation.token_hash)).all()


# --- roles and removals ---------------------------------------------------------------------

@pytest.mark.parametrize("new_role", ["observer", "member", "editor", "coordinator"])
def test_a_coordinator_changes_a_role(api, make_group, new_role):
    group, people = make_group()
    response = api(people["coordinator"]).patch(f"/api/v1/groups/{group.id}/members/{people['member'].id}",
                                                json={"role": new_role})
    assert response.status_code == 200 and response.get_json()["role"] == new_role
    assert role_of(group.id, people["member"].id) == new_role


def test_a_coordinator_changes_a_role_through_the_page(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["coordinator"])
    uid = people["observer"].id
    response = client.post(f"/groups/{group.id}/members/{uid}/role", data={f"m{uid}-role": "editor",
                                                                            "csrf_token": csrf})
    assert response.status_code == 302
    assert role_of(group.id, uid) == "editor"


@pytest.mark.parametrize("role", ["chair", "", "COORDINATOR", None, 1])
def test_changing_to_a_role_that_does_not_exist_is_refused(api, make_group, role):
    group, people = make_group()
    response = api(people["coordinator"]).patch(f"/api/v1/groups/{group.id}/members/{people['member'].id}",
                                                json={"role": role})
    assert response.status_code == 400
    assert "role" in response.get_json()["error"]["details"]["fields"]
    assert role_of(group.id, people["member"].id) == "member"


def test_changing_the_role_of_someone_outside_the_group_is_not_found(api, make_group, make_user):
    group, people = make_group()
    outsider = make_user()
    response = api(people["coordinator"]).patch(f"/api/v1/groups/{group.id}/members/{outsider.id}",
                                                json={"role": "editor"})
    assert response.status_code == 404
    assert role_of(group.id, outsider.id) is None


def test_a_coordinator_removes_a_member(api, make_group):
    group, people = make_group()
    coordinator = api(people["coordinator"])
    assert coordinator.delete(f"/api/v1/groups/{group.id}/members/{people['editor'].id}").status_code == 204
    assert role_of(group.id, people["editor"].id) is None
    assert api(people["editor"]).get(f"/api/v1/groups/{group.id}").status_code == 404


def test_a_coordinator_removes_a_member_through_the_page(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["coordinator"])
    response = client.post(f"/groups/{group.id}/members/{people['member'].id}/remove", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert role_of(group.id, people["member"].id) is None


def test_a_member_may_leave_a_group(api, make_group):
    group, people = make_group()
    left = api(people["observer"]).delete(f"/api/v1/groups/{group.id}/members/{people['observer'].id}")
    assert left.status_code == 204
    assert role_of(group.id, people["observer"].id) is None


def test_the_last_coordinator_cannot_be_removed(api, make_group):
    group, people = make_group()
    coordinator = people["coordinator"]
    response = api(coordinator).delete(f"/api/v1/groups/{group.id}/members/{coordinator.id}")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "last_coordinator"
    assert role_of(group.id, coordinator.id) == "coordinator"


def test_the_last_coordinator_cannot_be_demoted(api, make_group):
    group, people = make_group()
    coordinator = people["coordinator"]
    response = api(coordinator).patch(f"/api/v1/groups/{group.id}/members/{coordinator.id}",
                                      json={"role": "editor"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "last_coordinator"
    assert role_of(group.id, coordinator.id) == "coordinator"


def test_the_last_coordinator_cannot_leave_through_the_page(client, login, make_group):
    group, people = make_group()
    coordinator = people["coordinator"]
    csrf = login(client, coordinator)
    response = client.post(f"/groups/{group.id}/members/{coordinator.id}/remove", data={"csrf_token": csrf},
                           follow_redirects=True)
    assert "at least one coordinator" in response.get_data(as_text=True)
    assert role_of(group.id, coordinator.id) == "coordinator"


def test_with_a_second_coordinator_the_first_may_step_down(api, make_group):
    group, people = make_group(roles=("member",))
    first = people["coordinator"]
    caller = api(first)
    assert caller.patch(f"/api/v1/groups/{group.id}/members/{people['member'].id}",
                        json={"role": "coordinator"}).status_code == 200
    assert caller.patch(f"/api/v1/groups/{group.id}/members/{first.id}", json={"role": "member"}).status_code == 200
    assert role_of(group.id, first.id) == "member"
    # The new coordinator is now the last one.
    response = api(people["member"]).delete(f"/api/v1/groups/{group.id}/members/{people['member'].id}")
    assert response.status_code == 409


# --- organisations (site admin) ----------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"name": "City of Ghent", "country": "XX"}, "country"),
    ({"name": "City of Ghent", "country": "ZZ"}, "country"),
    ({"name": "City of Ghent", "country": "BEL"}, "country"),
    ({"name": "City of Ghent", "country": "UK"}, "country"),
    ({"name": "City of Ghent", "country": ""}, "country"),
    ({"name": "City of Ghent", "country": 32}, "country"),
    ({"name": "", "country": "BE"}, "name"),
    ({"name": "x" * 201, "country": "BE"}, "name"),
    ({"name": "City of Ghent", "country": "BE", "kind": "castle"}, "kind"),
])
def test_an_organisation_with_bad_fields_is_refused(api, make_user, body, field):
    from app.organisations.models import Organisation

    response = api(make_user(admin=True)).post("/api/v1/organisations", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]
    assert count(Organisation) == 0


def test_an_organisation_is_created_with_a_normalised_country(api, make_user):
    response = api(make_user(admin=True)).post("/api/v1/organisations",
                                               json={"name": "City of Ghent", "country": "be", "kind": "city"})
    assert response.status_code == 201
    assert response.get_json()["country"] == "BE"


def test_an_organisation_name_in_another_letter_case_is_a_conflict(api, make_user, make_organisation):
    make_organisation(name="City of Ghent")
    response = api(make_user(admin=True)).post("/api/v1/organisations",
                                               json={"name": "CITY OF GHENT", "country": "BE"})
    assert response.status_code == 409
    assert "name" in response.get_json()["error"]["details"]["fields"]


def test_an_admin_page_refuses_an_unknown_country(client, login, make_user):
    from app.organisations.models import Organisation

    csrf = login(client, make_user(admin=True))
    response = client.post("/admin/organisations", data={"name": "City of Ghent", "country": "XX",
                                                         "kind": "city", "csrf_token": csrf})
    assert response.status_code == 400
    assert "not an ISO 3166-1 country code" in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_a_representative_is_named_once(api, make_user, make_organisation):
    admin = api(make_user(admin=True))
    organisation = make_organisation()
    person = make_user()
    path = f"/api/v1/organisations/{organisation.id}/representatives"
    response = admin.post(path, json={"user_id": person.id})
    assert response.status_code == 201
    assert response.get_json()["user_id"] == person.id
    assert admin.post(path, json={"user_id": person.id}).status_code == 409
    missing = admin.post(path, json={"user_id": 999999})
    assert missing.status_code == 400 and "user_id" in missing.get_json()["error"]["details"]["fields"]


# --- a request reads each membership once, and again after it changes ---------------------------

def test_a_request_sees_every_change_to_a_membership_it_has_already_read(app, make_group, make_user,
                                                                         count_queries):
    from app.groups.permissions import role_in

    group, people = make_group(roles=("member",))
    member, newcomer = people["member"], make_user("Nina Newcomer")
    with app.test_request_context("/"):
        with count_queries() as queries:
            assert role_in(member, group.id) == "member"
            asked = queries.count
            for _ in range(5):
                assert role_in(member, group.id) == "member"
        assert queries.count == asked  # read once per request
        assert role_in(newcomer, group.id) is None
        db.session.add(Membership(group_id=group.id, user_id=newcomer.id, role="observer"))
        assert role_in(newcomer, group.id) == "observer"  # added, not yet written
        db.session.commit()
        assert role_in(newcomer, group.id) == "observer"
        membership = db.session.scalar(select(Membership).where(Membership.user_id == member.id))
        membership.role = "editor"
        db.session.commit()
        assert role_in(member, group.id) == "editor"
        db.session.delete(membership)
        assert role_in(member, group.id) is None  # removed, not yet written
        db.session.commit()
        assert role_in(member, group.id) is None
    with app.test_request_context("/"):
        assert role_in(member, group.id) is None and role_in(newcomer, group.id) == "observer"
