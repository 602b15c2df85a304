"""Bringing people in: many invitations at once with a note, a "start here" view for newcomers, and a members
table that says who may endorse for which organisation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.documents.models import Version
from app.endorsements.services import set_deadline
from app.extensions import db
from app.groups.models import Invitation, Membership
from app.groups.services import BatchEntry, read_address_list
from app.i18n import long_date
from app.mail.models import OutboxMessage
from app.organisations.models import Representative
from app.util import utcnow
from tests.conftest import assert_refused
from tests.endorsements.conftest import final_setup  # noqa: F401  (a fixture: a group with a final text)


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Invitation)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)))


def _mails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)))


@pytest.fixture
def setup_with_deadline(final_setup):  # noqa: F811
    s = final_setup
    day = utcnow().date() + timedelta(days=30)
    set_deadline(s["people"]["coordinator"], db.session.get(Version, s["version"]["id"]), day.isoformat())
    s["group"].description = "Fair ICT procurement across European cities."
    db.session.commit()
    return {**s, "deadline": day}


# --- reading the pasted list ------------------------------------------------------------------------

def test_a_pasted_list_reads_names_roles_and_several_addresses_a_line():
    entries = read_address_list("anna@city.example\n\n  Jan de Vries <jan@ministry.example>, editor\n"
                                "marta@region.example; li@agency.example, Observer\nnot an address, chair", "member")
    assert entries == [
        BatchEntry("anna@city.example", "member", "", 1),
        BatchEntry("jan@ministry.example", "editor", "Jan de Vries", 3),
        BatchEntry("marta@region.example", "member", "", 4),
        BatchEntry("li@agency.example", "observer", "", 4),
        BatchEntry("not an address", "chair", "", 5),
    ]


# --- the batch through the page ---------------------------------------------------------------------

def test_a_batch_with_one_bad_line_creates_nothing_and_names_the_line(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["coordinator"])
    before = _counts()
    response = client.post(f"/groups/{group.id}/invitations/batch", data={
        "csrf_token": csrf, "role": "member", "note": "Welcome!",
        "addresses": f"anna@city.example\nberta@city.example, chair\nnot-an-address\nanna@city.example\n"
                     f"{people['editor'].email}"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Line 2: “chair” is not a role" in page
    assert "Line 3: “not-an-address” is not an e-mail address." in page
    assert "Line 4: anna@city.example is already on line 1." in page
    assert f"Line 5: {people['editor'].email} is already a member of this group." in page
    assert "Line 1:" not in page
    assert _counts() == before  # nothing created, nothing mailed


def test_a_good_batch_sends_each_a_mail_with_the_note_and_the_current_work(client, login, setup_with_deadline):
    s = setup_with_deadline
    csrf = login(client, s["people"]["coordinator"])
    note = "We sign the Fair ICT statement in June: please read it before our call on Thursday."
    response = client.post(f"/groups/{s['group'].id}/invitations/batch", data={
        "csrf_token": csrf, "role": "observer", "note": note,
        "addresses": "Anna Puig <anna@city.example>, editor\nberta@city.example; carl@region.example"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    invitations = {i.email: i.role for i in db.session.scalars(select(Invitation))}
    assert invitations == {"anna@city.example": "editor", "berta@city.example": "observer",
                           "carl@region.example": "observer"}
    for address in invitations:
        (mail,) = _mails_to(address)
        assert "> We sign the Fair ICT statement in June" in mail.body
        assert "Fair ICT procurement across European cities." in mail.body
        assert f"Fair ICT (final, to be endorsed by {long_date(s['deadline'])})" in mail.body
        assert "/invitations/" in mail.body and s["group"].name in mail.subject
    assert _mails_to("anna@city.example")[0].body.startswith("Hello Anna Puig,")
    shown = client.get(f"/groups/{s['group'].id}").get_data(as_text=True)
    assert "3 invitations sent." in shown


def test_the_batch_form_shows_the_format(client, login, make_group):
    group, people = make_group()
    login(client, people["coordinator"])
    page = client.get(f"/groups/{group.id}/invitations/batch").get_data(as_text=True)
    assert "Jan de Vries &lt;jan@ministry.example&gt;, editor" in page
    assert "At most 100 addresses at once." in page


# --- the batch through the API ----------------------------------------------------------------------

def test_the_api_refuses_a_batch_with_a_bad_item_and_creates_nothing(api, make_group):
    group, people = make_group()
    before = _counts()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations/batch", json={
        "invitations": [{"email": "anna@city.example", "role": "member"},
                        {"email": "nobody", "role": "member"},
                        {"email": "carl@region.example", "role": "chair"},
                        {"email": "ANNA@city.example", "role": "editor"}],
        "note": "Hello"})
    assert_refused(response, 400, "invalid_invitations")
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"invitations.1.email", "invitations.2.role", "invitations.3.email"}
    assert _counts() == before


def test_the_api_invites_a_batch(api, setup_with_deadline):
    s = setup_with_deadline
    response = api(s["people"]["coordinator"]).post(f"/api/v1/groups/{s['group'].id}/invitations/batch", json={
        "invitations": [{"email": "anna@city.example", "role": "editor"},
                        {"email": "berta@city.example", "role": "member"}], "note": "See you Thursday."})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()["invitations"]
    assert [(i["email"], i["role"]) for i in made] == [("anna@city.example", "editor"),
                                                       ("berta@city.example", "member")]
    assert all(i["accept_url"].endswith(i["token"]) for i in made)
    assert "> See you Thursday." in _mails_to("berta@city.example")[0].body


@pytest.mark.parametrize("body", [
    {"invitations": []},
    {"invitations": [{"email": f"p{n}@city.example", "role": "member"} for n in range(101)]},
    {"invitations": [{"email": "anna@city.example", "role": "member"}], "note": "x" * 2001},
])
def test_the_api_bounds_a_batch(api, make_group, body):
    group, people = make_group()
    before = _counts()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations/batch", json=body)
    assert response.status_code == 400
    assert _counts() == before


# --- start here -------------------------------------------------------------------------------------

def test_the_start_page_lists_a_final_text_open_for_endorsement_with_its_deadline(client, login,
                                                                                     setup_with_deadline):
    s = setup_with_deadline
    login(client, s["people"]["observer"])
    page = client.get(f"/groups/{s['group'].id}/start")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"open for endorsement until {long_date(s['deadline'])}" in text
    assert f'href="/documents/{s["document"].id}"' in text
    assert "Coordinator" in text and s["people"]["coordinator"].name in text
    assert "Fair ICT procurement across European cities." in text


def test_a_newcomer_is_pointed_to_the_start_page_and_accepting_lands_there(client, login, api, make_group, make_user):
    group, people = make_group()
    guest = make_user()
    token = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations",
                                            json={"email": guest.email, "role": "member"}).get_json()["token"]
    csrf = login(client, guest)
    response = client.post(f"/invitations/{token}", data={"csrf_token": csrf})
    assert response.headers["Location"] == f"/groups/{group.id}/start"
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "New here?" in page and f'href="/groups/{group.id}/start"' in page
    # A member of long standing who has been active sees a plain link instead.
    membership = db.session.scalar(select(Membership).where(Membership.user_id == people["coordinator"].id))
    membership.created_at = utcnow() - timedelta(days=365)
    db.session.commit()
    other = client.application.test_client()
    login(other, people["coordinator"])
    assert "New here?" not in other.get(f"/groups/{group.id}").get_data(as_text=True)


# --- who may endorse for which organisation ----------------------------------------------------------

def test_the_members_table_shows_who_may_endorse_for_which_organisation(client, login, final_setup,  # noqa: F811
                                                                        count_queries):
    s = final_setup
    login(client, s["people"]["observer"])
    page = client.get(f"/groups/{s['group'].id}").get_data(as_text=True)
    assert "May endorse for City of Ghent" in page and "May endorse for City of Oslo" in page
    assert "is a representative of that organisation" in page  # the legend
    with count_queries(this_thread_only=True) as few:
        client.get(f"/groups/{s['group'].id}")
    # Ten more members, each with an organisation they represent: the page asks no more of the database.
    for n in range(10):
        from app.auth.services import create_user
        from app.organisations.models import Organisation
        organisation = Organisation(name=f"Town {n}", country="BE", kind="city")
        db.session.add(organisation)
        db.session.flush()
        person = create_user(f"rep{n}@town.example", f"Rep {n}", "correct-horse-battery",
                             organisation_id=organisation.id)
        db.session.add_all([Representative(organisation_id=organisation.id, user_id=person.id),
                            Membership(group_id=s["group"].id, user_id=person.id, role="member")])
    db.session.commit()
    with count_queries(this_thread_only=True) as many:
        text = client.get(f"/groups/{s['group'].id}").get_data(as_text=True)
    assert "May endorse for Town 9" in text
    assert many.count == few.count, [q for q, _p in many.statements]


def test_a_batch_page_needs_a_coordinator(client, login, make_group):
    group, people = make_group()
    csrf = login(client, people["editor"])
    response = client.post(f"/groups/{group.id}/invitations/batch",
                           data={"csrf_token": csrf, "role": "member", "addresses": "anna@city.example"})
    assert response.status_code == 403
    assert _counts() == (0, 0)
