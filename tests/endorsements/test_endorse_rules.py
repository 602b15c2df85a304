"""Who may endorse and withdraw, and when: the password behind a token, observers, closed endorsement."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.endorsements.models import Endorsement
from app.extensions import db
from tests.conftest import PASSWORD
from tests.endorsements.conftest import endorse_body


def _recorded(version_id):
    """What an endorsement attempt would leave behind: rows and events."""
    rows = db.session.scalar(select(func.count()).select_from(Endorsement).where(Endorsement.version_id == version_id))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "endorsement.create"))
    return rows, events


# --- the password, also behind a bearer token -----------------------------------------------------

@pytest.mark.parametrize("password, code", [(None, "password_required"), ("", "password_required"),
                                            ("not-my-password-9", "password_wrong")])
def test_a_bearer_token_alone_does_not_endorse(final_setup, api, password, code):
    s = final_setup
    vid = s["version"]["id"]
    body = endorse_body(s["ghent"])
    if password is None:
        del body["password"]
    else:
        body["password"] = password
    response = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=body)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == code and "password" in error["details"]["fields"]
    assert _recorded(vid) == (0, 0)
    right = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements", json=endorse_body(s["ghent"]))
    assert right.status_code == 201 and _recorded(vid) == (1, 1)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_LOGIN": "3 per minute"}])
def test_guessing_the_password_through_endorsing_is_rate_limited(final_setup, api):
    s = final_setup
    member = api(s["people"]["member"])
    url = f"/api/v1/versions/{s['version']['id']}/endorsements"
    # From three addresses: the guesses count against the account, not against where they come from.
    wrong = [member.post(url, json=endorse_body(s["ghent"], password=f"guess-{i}-of-3"),
                         environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code for i in range(3)]
    assert wrong == [403, 403, 403]
    stopped = member.post(url, json=endorse_body(s["ghent"]), environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert stopped.status_code == 429 and _recorded(s["version"]["id"]) == (0, 0)


def test_the_openapi_document_states_the_password(api):
    schema = api().get("/api/v1/openapi.json").get_json()["components"]["schemas"]["EndorsementRequest"]
    assert "password" in schema["required"]
    assert "password_required" in schema["properties"]["password"]["description"]


# --- observers read only --------------------------------------------------------------------------

@pytest.fixture
def observer_representative(final_setup):
    """The group's observer, made a representative of a third organisation."""
    from app.organisations.models import Organisation, Representative

    s = final_setup
    lyon = Organisation(name="Lyon Métropole", country="FR", kind="city")
    db.session.add(lyon)
    db.session.flush()
    db.session.add(Representative(organisation_id=lyon.id, user_id=s["people"]["observer"].id))
    db.session.commit()
    return lyon


def test_an_observer_who_represents_an_organisation_does_not_endorse(final_setup, observer_representative, api,
                                                                     client, login):
    s = final_setup
    vid = s["version"]["id"]
    observer = s["people"]["observer"]
    response = api(observer).post(f"/api/v1/versions/{vid}/endorsements",
                                  json=endorse_body(observer_representative))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "observer_cannot_endorse"
    assert _recorded(vid) == (0, 0)
    login(client, observer)
    assert client.get(f"/versions/{vid}/endorse").status_code == 403
    for page in (f"/documents/{s['document'].id}", f"/versions/{vid}"):
        assert f"/versions/{vid}/endorse" not in client.get(page).get_data(as_text=True)


def test_a_member_who_represents_an_organisation_is_offered_to_endorse(final_setup, client, login):
    s = final_setup
    login(client, s["people"]["member"])
    for page in (f"/documents/{s['document'].id}", f"/versions/{s['version']['id']}"):
        assert f"/versions/{s['version']['id']}/endorse" in client.get(page).get_data(as_text=True)


def test_a_representative_demoted_to_observer_no_longer_withdraws(final_setup, api):
    from app.groups.models import Membership

    s = final_setup
    eid = api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                          json=endorse_body(s["ghent"])).get_json()["id"]
    membership = db.session.scalar(select(Membership).where(Membership.user_id == s["people"]["member"].id))
    membership.role = "observer"
    db.session.commit()
    response = api(s["people"]["member"]).post(f"/api/v1/endorsements/{eid}/withdraw", json={})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "observer_cannot_endorse"
    assert db.session.get(Endorsement, eid).withdrawn_at is None


# --- once endorsement has ended, endorsements stay as they were -------------------------------------

@pytest.mark.parametrize("to", ["closed", "draft"])
def test_no_withdrawal_once_endorsement_has_ended(final_setup, api, client, login, to):
    s = final_setup
    vid = s["version"]["id"]
    eid = api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                          json=endorse_body(s["ghent"])).get_json()["id"]
    coordinator = api(s["people"]["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{s['document'].id}/transitions", json={"to": to}).status_code == 200
    response = api(s["people"]["member"]).post(f"/api/v1/endorsements/{eid}/withdraw", json={"reason": "Too late"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "endorsement_closed"
    db.session.expire_all()
    row = db.session.get(Endorsement, eid)
    assert row.withdrawn_at is None and row.withdrawal_reason == ""
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "endorsement.withdraw")) == 0
    # The page offers no Withdraw link, and posting its form anyway changes nothing.
    token = login(client, s["people"]["member"])
    page = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert f"/endorsements/{eid}/withdraw" not in page
    client.post(f"/endorsements/{eid}/withdraw", data={"csrf_token": token, "reason": "Too late"})
    db.session.expire_all()
    assert db.session.get(Endorsement, eid).withdrawn_at is None


def test_the_endorse_form_still_shows_a_wrong_password_on_its_field(final_setup, client, login):
    s = final_setup
    vid = s["version"]["id"]
    token = login(client, s["people"]["member"])
    form = {"csrf_token": token, "organisation_id": str(s["ghent"].id), "signatory_name": "Anna",
            "signatory_title": "Mayor", "confirm_hash": "y", "content_hash": s["version"]["content_hash"]}
    wrong = client.post(f"/versions/{vid}/endorse", data={**form, "password": "wrong-password-123"})
    assert wrong.status_code == 400 and "This is not your password." in wrong.get_data(as_text=True)
    assert _recorded(vid) == (0, 0)
    assert client.post(f"/versions/{vid}/endorse", data={**form, "password": PASSWORD}).status_code == 302
    assert _recorded(vid) == (1, 1)
