"""The endorsement deadline: set by coordinators on the sign-off board or through the API, shown to people,
and counted down to by reminders to the organisations that have not decided."""
from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.endorsements.models import EndorsementDeadline, EndorsementReminder
from app.endorsements.services import reminder_days, send_deadline_reminders
from app.extensions import db
from app.i18n import long_date
from app.mail.models import OutboxMessage
from app.util import utcnow
from tests.conftest import assert_refused
from tests.endorsements.conftest import endorse_body


def _in_days(days: int) -> date:
    return utcnow().date() + timedelta(days=days)


def _deadline(vid: int) -> date | None:
    db.session.expire_all()
    row = db.session.get(EndorsementDeadline, vid)
    return row.deadline if row else None


def _events(action: str) -> list[dict]:
    db.session.expire_all()
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))]


def _reminders_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email,
                                                               OutboxMessage.subject.like("Reminder%"))))


# --- setting it --------------------------------------------------------------------------------------

def test_a_coordinator_sets_the_deadline_on_the_sign_off_board_and_everyone_sees_it(final_setup, client, login):
    s = final_setup
    vid = s["version"]["id"]
    day = _in_days(40)
    token = login(client, s["people"]["coordinator"])
    board = client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    assert '<label for="deadline">Endorsement deadline</label>' in board and 'type="date"' in board
    saved = client.post(f"/versions/{vid}/deadline", data={"csrf_token": token, "deadline": day.isoformat()})
    assert saved.status_code == 302
    assert _deadline(vid) == day
    shown = f"Endorsement closes on {long_date(day)}."
    board = client.get(f"/versions/{vid}/signoff").get_data(as_text=True)
    assert shown in board and f'value="{day.isoformat()}"' in board
    reader = client.application.test_client()
    login(reader, s["people"]["observer"])
    assert shown in reader.get(f"/versions/{vid}").get_data(as_text=True)
    assert _events("endorsement.deadline") == [{"deadline": day.isoformat(), "previous": None}]


def test_the_long_date_reads_as_people_write_it(app):
    from app.i18n import in_language

    with app.test_request_context("/"):
        assert long_date(date(2027, 1, 15)) == "15 January 2027"
        with in_language("de"):
            assert long_date(date(2027, 1, 15)) == "15. Januar 2027"


def test_the_page_form_needs_its_csrf_token(final_setup, client, login):
    s = final_setup
    vid = s["version"]["id"]
    login(client, s["people"]["coordinator"])
    response = client.post(f"/versions/{vid}/deadline", data={"deadline": _in_days(5).isoformat()},
                           headers={"Accept": "application/json"})
    assert_refused(response, 400, "csrf_failed")
    assert _deadline(vid) is None


def test_the_api_sets_moves_and_removes_the_deadline(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    coordinator = api(s["people"]["coordinator"])
    first, later = _in_days(20), _in_days(30)
    answer = coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings", json={"deadline": first.isoformat()})
    assert answer.status_code == 200
    assert answer.get_json() == {"version_id": vid, "open": True, "deadline": first.isoformat(),
                                 "reminder_days": [7, 1]}
    coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings", json={"deadline": later.isoformat()})
    assert _deadline(vid) == later
    reader = api(s["people"]["observer"])
    assert reader.get(f"/api/v1/versions/{vid}/endorsement-settings").get_json()["deadline"] == later.isoformat()
    assert reader.get(f"/api/v1/versions/{vid}/endorsements").get_json()["deadline"] == later.isoformat()
    assert coordinator.get(f"/api/v1/versions/{vid}/signoff").get_json()["deadline"] == later.isoformat()
    removed = coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings", json={"deadline": None})
    assert removed.get_json()["deadline"] is None and _deadline(vid) is None
    assert [e["deadline"] for e in _events("endorsement.deadline")] == [first.isoformat(), later.isoformat(), None]


@pytest.mark.parametrize("role", ["observer", "member", "editor"])
def test_only_coordinators_set_the_deadline_and_a_refusal_changes_nothing(final_setup, api, client, login, role):
    s = final_setup
    vid = s["version"]["id"]
    kept = _in_days(20)
    api(s["people"]["coordinator"]).put(f"/api/v1/versions/{vid}/endorsement-settings",
                                        json={"deadline": kept.isoformat()})
    refused = api(s["people"][role]).put(f"/api/v1/versions/{vid}/endorsement-settings",
                                         json={"deadline": _in_days(3).isoformat()})
    assert_refused(refused, 403, "forbidden")
    token = login(client, s["people"][role])
    page = client.post(f"/versions/{vid}/deadline", data={"csrf_token": token, "deadline": ""},
                       headers={"Accept": "application/json"})
    assert_refused(page, 403, "forbidden")
    assert _deadline(vid) == kept
    assert len(_events("endorsement.deadline")) == 1


def test_outsiders_do_not_learn_the_version_exists(final_setup, api, make_user):
    vid = final_setup["version"]["id"]
    outsider = api(make_user())
    assert_refused(outsider.put(f"/api/v1/versions/{vid}/endorsement-settings",
                                json={"deadline": _in_days(3).isoformat()}), 404, "not_found")
    assert_refused(outsider.get(f"/api/v1/versions/{vid}/endorsement-settings"), 404, "not_found")
    assert _deadline(vid) is None


def test_a_day_in_the_past_is_refused_with_a_clear_error(final_setup, api, client, login):
    s = final_setup
    vid = s["version"]["id"]
    yesterday = _in_days(-1)
    refused = api(s["people"]["coordinator"]).put(f"/api/v1/versions/{vid}/endorsement-settings",
                                                  json={"deadline": yesterday.isoformat()})
    assert_refused(refused, 400, "invalid")
    message = refused.get_json()["error"]["details"]["fields"]["deadline"]
    assert message == f"{long_date(yesterday)} has passed: choose today or a later day."
    token = login(client, s["people"]["coordinator"])
    page = client.post(f"/versions/{vid}/deadline", data={"csrf_token": token, "deadline": yesterday.isoformat()})
    assert page.status_code == 400 and "has passed: choose today or a later day." in page.get_data(as_text=True)
    assert _deadline(vid) is None and _events("endorsement.deadline") == []


@pytest.mark.parametrize("value, message", [
    ("2027-02-30", "2027-02-30 is not a day of the calendar."),
    ("next week", "Give a day such as 2027-01-15, or nothing for no deadline."),
])
def test_a_deadline_that_is_no_day_is_refused_on_the_page(final_setup, client, login, value, message):
    s = final_setup
    vid = s["version"]["id"]
    token = login(client, s["people"]["coordinator"])
    page = client.post(f"/versions/{vid}/deadline", data={"csrf_token": token, "deadline": value})
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert _deadline(vid) is None


def test_today_is_a_deadline_and_it_does_not_stop_endorsements(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    coordinator = api(s["people"]["coordinator"])
    today = utcnow().date()
    assert coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings",
                           json={"deadline": today.isoformat()}).status_code == 200
    assert _deadline(vid) == today
    assert api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                           json=endorse_body(s["ghent"])).status_code == 201
    listed = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsements").get_json()
    assert listed["open"] is True and listed["deadline"] == today.isoformat()
    assert [e["organisation_id"] for e in listed["items"]] == [s["ghent"].id]


def test_no_deadline_once_endorsement_has_closed(final_setup, api):
    s = final_setup
    vid = s["version"]["id"]
    coordinator = api(s["people"]["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{s['document'].id}/transitions",
                            json={"to": "closed"}).status_code == 200
    assert_refused(coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings",
                                   json={"deadline": _in_days(5).isoformat()}), 409, "not_open_for_endorsement")
    assert _deadline(vid) is None


# --- reminders before it -----------------------------------------------------------------------------

@pytest.fixture
def deadline_set(final_setup, api):
    """Ghent has endorsed, Oslo has not; the deadline is 10 days away."""
    s = final_setup
    vid = s["version"]["id"]
    assert api(s["people"]["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                           json=endorse_body(s["ghent"])).status_code == 201
    deadline = _in_days(10)
    assert api(s["people"]["coordinator"]).put(f"/api/v1/versions/{vid}/endorsement-settings",
                                               json={"deadline": deadline.isoformat()}).status_code == 200
    return s | {"deadline": deadline, "oslo_rep": s["people"]["editor"].email,
                "ghent_rep": s["people"]["member"].email}


def test_reminders_go_7_and_1_days_before_to_those_who_have_not_decided_once(deadline_set):
    s = deadline_set
    deadline = s["deadline"]
    assert send_deadline_reminders(today=deadline - timedelta(days=8)) == 0
    assert send_deadline_reminders(today=deadline - timedelta(days=7)) == 1
    mails = _reminders_to(s["oslo_rep"])
    assert len(mails) == 1
    assert f"Endorsement closes on {long_date(deadline)} (in 7 days)." in mails[0].body
    assert "City of Oslo has not yet decided" in mails[0].body and s["version"]["content_hash"] in mails[0].body
    assert _reminders_to(s["ghent_rep"]) == []  # Ghent has endorsed
    # Run again that day, and the next: nothing more.
    assert send_deadline_reminders(today=deadline - timedelta(days=7)) == 0
    assert send_deadline_reminders(today=deadline - timedelta(days=6)) == 0
    assert send_deadline_reminders(today=deadline - timedelta(days=1)) == 1
    assert send_deadline_reminders(today=deadline - timedelta(days=1)) == 0
    assert send_deadline_reminders(today=deadline) == 0
    assert send_deadline_reminders(today=deadline + timedelta(days=1)) == 0
    mails = _reminders_to(s["oslo_rep"])
    assert len(mails) == 2 and "(tomorrow)" in mails[1].body
    assert _reminders_to(s["ghent_rep"]) == []
    assert sorted(db.session.scalars(select(EndorsementReminder.days_before))) == [1, 7]
    events = _events("endorsement.remind")
    assert [(e["days_before"], e["mails"], e["deadline"]) for e in events] == [
        (7, 1, deadline.isoformat()), (1, 1, deadline.isoformat())]


def test_a_missed_day_sends_the_reminder_still_due_and_never_two_at_once(deadline_set):
    s = deadline_set
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=3)) == 1  # the week's, late
    assert send_deadline_reminders(today=s["deadline"]) == 1  # the day before's, on the day
    assert len(_reminders_to(s["oslo_rep"])) == 2


def test_one_mail_per_person_whatever_they_represent(deadline_set, make_organisation):
    from app.organisations.models import Representative

    s = deadline_set
    bergen = make_organisation("City of Bergen", "NO")
    editor = s["people"]["editor"]
    db.session.add(Representative(organisation_id=bergen.id, user_id=editor.id))
    s["people"]["observer"].organisation_id = bergen.id  # Bergen takes part through a member of the group
    db.session.commit()
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=7)) == 1
    [mail] = _reminders_to(s["oslo_rep"])
    assert "City of Bergen and City of Oslo have not yet decided" in mail.body


def test_no_reminders_once_endorsement_has_closed(deadline_set, api):
    s = deadline_set
    assert api(s["people"]["coordinator"]).post(f"/api/v1/documents/{s['document'].id}/transitions",
                                                json={"to": "closed"}).status_code == 200
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=7)) == 0
    assert _reminders_to(s["oslo_rep"]) == [] and _events("endorsement.remind") == []


def test_no_reminders_when_everyone_has_decided_but_the_day_is_recorded(deadline_set, api):
    s = deadline_set
    assert api(s["people"]["editor"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                           json=endorse_body(s["oslo"])).status_code == 201
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=7)) == 0
    assert _reminders_to(s["oslo_rep"]) == []
    assert [e["mails"] for e in _events("endorsement.remind")] == [0]


def test_a_moved_deadline_gets_its_own_reminders(deadline_set, api):
    s = deadline_set
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=7)) == 1
    later = s["deadline"] + timedelta(days=14)
    assert api(s["people"]["coordinator"]).put(f"/api/v1/versions/{s['version']['id']}/endorsement-settings",
                                               json={"deadline": later.isoformat()}).status_code == 200
    assert send_deadline_reminders(today=s["deadline"] - timedelta(days=1)) == 0  # the old deadline's day
    assert send_deadline_reminders(today=later - timedelta(days=7)) == 1
    assert len(_reminders_to(s["oslo_rep"])) == 2


def test_runs_at_the_same_moment_send_each_reminder_once(deadline_set, app):
    s = deadline_set
    today = s["deadline"] - timedelta(days=7)
    db.session.commit()
    runs = 4
    barrier, results, errors = threading.Barrier(runs), [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(send_deadline_reminders(today=today))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == [0] * (runs - 1) + [1]
    assert len(_reminders_to(s["oslo_rep"])) == 1
    assert len(_events("endorsement.remind")) == 1


@pytest.mark.parametrize("setting, days", [("7,1", (1, 7)), (" 14, 3 ,1 ", (1, 3, 14)), ("", ()), ([2, 0], (0, 2))])
def test_the_reminder_days_setting(app, setting, days):
    assert reminder_days(setting) == days


@pytest.mark.parametrize("setting", ["7,x", "-1"])
def test_a_wrong_reminder_days_setting_names_itself(app, setting):
    with pytest.raises(ValueError, match="ENDORSEMENT_REMINDER_DAYS"):
        reminder_days(setting)
