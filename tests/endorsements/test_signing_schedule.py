"""Making a text final with a deadline and a reminder schedule, and telling every representative that it is
ready for endorsement, in their own language, with what changed since their organisation was last asked."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.documents.models import Document, Version
from app.documents.services import create_document, live_sections
from app.endorsements.models import EndorsementDeadline, EndorsementSchedule
from app.endorsements.services import send_deadline_reminders
from app.extensions import db
from app.i18n import _, in_language, long_date
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.organisations.models import Representative
from app.util import utcnow
from tests.conftest import assert_refused


def _in_days(days: int):
    return utcnow().date() + timedelta(days=days)


@pytest.fixture
def in_review(make_group, make_organisation, api):
    """A statement in review; Ghent (represented by the member, who reads Dutch) and Oslo (the editor) take part."""
    group, people = make_group(roles=("observer", "member", "editor"))
    ghent, oslo = make_organisation("City of Ghent", "BE"), make_organisation("City of Oslo", "NO")
    for person, organisation in ((people["member"], ghent), (people["editor"], oslo)):
        person.organisation_id = organisation.id
        db.session.add(Representative(organisation_id=organisation.id, user_id=person.id))
    people["member"].language = "nl"
    document = create_document(people["editor"], group, title="Fair ICT", kind="statement",
                               sections=[{"heading": "Purpose", "body": "We agree."},
                                         {"heading": "Commitments", "body": "We act."},
                                         {"heading": "Annex", "body": "Later."}])
    db.session.commit()
    coordinator = api(people["coordinator"])
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    return {"group": group, "people": people, "document": document, "ghent": ghent, "oslo": oslo,
            "coordinator": coordinator}


def _mails(email: str, subject_start: str = "") -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == email, OutboxMessage.subject.like(f"{subject_start}%")).order_by(OutboxMessage.id)))


def _state(document_id: int):
    db.session.expire_all()
    return (db.session.get(Document, document_id).status,
            db.session.scalar(select(func.count(Version.id)).where(Version.document_id == document_id)),
            db.session.scalar(select(func.count(EndorsementDeadline.version_id))),
            db.session.scalar(select(func.count(EndorsementSchedule.version_id))),
            db.session.scalar(select(func.count(OutboxMessage.id))),
            db.session.scalar(select(func.count(Notification.id))))


def test_making_final_with_a_deadline_and_days_shows_them_and_tells_every_representative(in_review, api):
    s = in_review
    deadline = _in_days(30)
    answer = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions", json={
        "to": "final", "label": "Text for signature", "endorsement_deadline": deadline.isoformat(),
        "reminder_days": [7, 1, 14]})
    assert answer.status_code == 200, answer.get_json()
    vid = answer.get_json()["final_version"]["id"]
    version = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}").get_json()
    assert version["endorsement_deadline"] == deadline.isoformat() and version["reminder_days"] == [14, 7, 1]
    settings = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}/endorsement-settings").get_json()
    assert settings["deadline"] == deadline.isoformat() and settings["reminder_days"] == [14, 7, 1]
    # Oslo's representative reads English.
    [mail] = _mails(s["people"]["editor"].email)
    assert mail.subject == "Ready for endorsement: “Fair ICT”" and not mail.subject.startswith("Reminder")
    assert "“Fair ICT”, version 1 (“Text for signature”), is ready for endorsement by City of Oslo" in mail.body
    assert f"/versions/{vid}" in mail.body
    assert f"Endorsement is meant to close on {long_date(deadline)}." in mail.body
    assert "first final version of the text put to your organisation" in mail.body
    # Ghent's reads Dutch: the date, at least, is written the Dutch way.
    [dutch] = _mails(s["people"]["member"].email)
    with in_language("nl"):
        assert long_date(deadline) in dutch.body
    assert long_date(deadline) not in dutch.body  # not the English date
    notes = db.session.scalars(select(Notification).where(Notification.kind == "endorsement")).all()
    assert sorted(n.user_id for n in notes) == sorted([s["people"]["member"].id, s["people"]["editor"].id])
    assert all(n.link == f"/versions/{vid}" and n.emailed_at is not None for n in notes)
    # Nobody else heard of it: not the coordinator, not the observer.
    assert _mails(s["people"]["coordinator"].email) == [] and _mails(s["people"]["observer"].email) == []


def test_without_deadline_or_days_the_installation_default_applies(in_review, api):
    s = in_review
    answer = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions", json={"to": "final"})
    vid = answer.get_json()["final_version"]["id"]
    version = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}").get_json()
    assert version["endorsement_deadline"] is None and version["reminder_days"] == [7, 1]
    [mail] = _mails(s["people"]["editor"].email)
    assert "No deadline has been set for endorsement." in mail.body


@pytest.mark.parametrize("body, field", [
    ({"endorsement_deadline": "2001-01-01"}, "endorsement_deadline"),
    ({"reminder_days": [0]}, "reminder_days"),
    ({"reminder_days": [61]}, "reminder_days"),
    ({"reminder_days": [1, 2, 3, 4, 5, 6]}, "reminder_days"),
    ({"reminder_days": [7], "endorsement_deadline": "2001-01-01"}, "endorsement_deadline"),
])
def test_a_past_deadline_or_a_schedule_out_of_bounds_is_refused_and_nothing_changes(in_review, body, field):
    s = in_review
    before = _state(s["document"].id)
    refused = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions", json={"to": "final", **body})
    assert refused.status_code == 400, refused.get_json()
    assert field in refused.get_json()["error"]["details"]["fields"]
    assert _state(s["document"].id) == before and before[0] == "review"


def test_yesterday_is_refused_with_a_clear_message(in_review):
    s = in_review
    yesterday = _in_days(-1)
    refused = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions",
                                    json={"to": "final", "endorsement_deadline": yesterday.isoformat()})
    assert_refused(refused, 400, "invalid")
    assert refused.get_json()["error"]["details"]["fields"]["endorsement_deadline"] == \
        f"{long_date(yesterday)} has passed: choose today or a later day."
    assert _state(s["document"].id)[:2] == ("review", 0)


def test_a_day_named_twice_is_one_reminder(in_review, api):
    s = in_review
    answer = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions",
                                   json={"to": "final", "reminder_days": [3, 3, 3]})
    vid = answer.get_json()["final_version"]["id"]
    assert api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}").get_json()["reminder_days"] == [3]


def test_a_deadline_with_another_transition_is_refused(in_review):
    s = in_review
    refused = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions",
                                    json={"to": "draft", "endorsement_deadline": _in_days(3).isoformat()})
    assert_refused(refused, 400, "invalid")
    assert _state(s["document"].id)[0] == "review"


@pytest.fixture
def made_final(in_review):
    s = in_review
    answer = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions", json={
        "to": "final", "endorsement_deadline": _in_days(20).isoformat(), "reminder_days": [3]})
    return s | {"vid": answer.get_json()["final_version"]["id"]}


def test_the_coordinator_changes_deadline_and_days_and_others_may_not(made_final, api):
    s = made_final
    vid = s["vid"]
    later = _in_days(40)
    for role in ("observer", "member", "editor"):
        assert_refused(api(s["people"][role]).patch(f"/api/v1/versions/{vid}", json={"reminder_days": [9]}),
                       403, "forbidden")
    changed = s["coordinator"].patch(f"/api/v1/versions/{vid}",
                                     json={"endorsement_deadline": later.isoformat(), "reminder_days": [10, 2]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["endorsement_deadline"] == later.isoformat()
    assert changed.get_json()["reminder_days"] == [10, 2]
    # Only what is sent changes; null removes the deadline, and null days mean the installation's.
    kept = s["coordinator"].patch(f"/api/v1/versions/{vid}", json={"endorsement_deadline": None}).get_json()
    assert kept["endorsement_deadline"] is None and kept["reminder_days"] == [10, 2]
    back = s["coordinator"].patch(f"/api/v1/versions/{vid}", json={"reminder_days": None}).get_json()
    assert back["reminder_days"] == [7, 1]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions.count("endorsement.schedule") == 3  # at making final, then twice


def test_a_refused_change_changes_nothing(made_final, api):
    s = made_final
    vid = s["vid"]
    before = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}").get_json()
    refused = s["coordinator"].patch(f"/api/v1/versions/{vid}", json={
        "endorsement_deadline": _in_days(50).isoformat(), "reminder_days": [100]})
    assert_refused(refused, 400, "invalid")
    after = api(s["people"]["observer"]).get(f"/api/v1/versions/{vid}").get_json()
    assert (after["endorsement_deadline"], after["reminder_days"]) == (before["endorsement_deadline"], [3])
    assert s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions",
                                 json={"to": "closed"}).status_code == 200
    assert_refused(s["coordinator"].patch(f"/api/v1/versions/{vid}", json={"reminder_days": [5]}), 409,
                   "not_open_for_endorsement")


def test_reminders_follow_the_versions_own_days(made_final):
    s = made_final
    deadline = _in_days(20)
    assert send_deadline_reminders(today=deadline - timedelta(days=7)) == 0  # not one of its days
    assert send_deadline_reminders(today=deadline - timedelta(days=3)) == 2  # Ghent and Oslo
    assert send_deadline_reminders(today=deadline - timedelta(days=3)) == 0  # once
    assert send_deadline_reminders(today=deadline - timedelta(days=1)) == 0
    assert len(_mails(s["people"]["editor"].email, "Reminder")) == 1


def test_the_sign_off_board_shows_the_schedule_and_the_reminders_sent(made_final, client, login):
    s = made_final
    send_deadline_reminders(today=_in_days(17))
    token = login(client, s["people"]["coordinator"])
    board = client.get(f"/versions/{s['vid']}/signoff").get_data(as_text=True)
    assert f"Endorsement closes on {long_date(_in_days(20))}." in board
    assert "Reminders go to those who have not decided 3 days before the deadline." in board
    assert "Reminders sent" in board and "<td>2</td>" in board
    saved = client.post(f"/versions/{s['vid']}/schedule", data={"csrf_token": token, "reminder_days": "14, 2"})
    assert saved.status_code == 302
    board = client.get(f"/versions/{s['vid']}/signoff").get_data(as_text=True)
    assert "Reminders go to those who have not decided 14, 2 days before the deadline." in board
    wrong = client.post(f"/versions/{s['vid']}/schedule", data={"csrf_token": token, "reminder_days": "1,2,3,4,5,6"})
    assert wrong.status_code == 400 and "At most 5 reminders." in wrong.get_data(as_text=True)
    assert db.session.get(EndorsementSchedule, s["vid"]).reminder_days == "14,2"


def test_the_notice_says_what_changed_since_the_organisation_was_last_asked(made_final, api):
    s = made_final
    document, editor = s["document"], api(s["people"]["editor"])
    coordinator = s["coordinator"]
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "draft"}).status_code == 200
    purpose, commitments, annex = live_sections(db.session.get(Document, document.id))
    assert editor.put(f"/api/v1/sections/{purpose.id}", json={"body": "We agree, firmly.",
                                                              "base_revision": 1}).status_code == 200
    assert editor.delete(f"/api/v1/sections/{annex.id}").status_code == 204
    assert editor.post(f"/api/v1/documents/{document.id}/sections",
                       json={"heading": "Follow-up", "body": "Each year."}).status_code == 201
    assert coordinator.post(f"/api/v1/documents/{document.id}/transitions", json={"to": "review"}).status_code == 200
    second = coordinator.post(f"/api/v1/documents/{document.id}/transitions",
                              json={"to": "final", "label": "Second text"})
    assert second.status_code == 200
    first, latest = _mails(s["people"]["editor"].email, "Ready for endorsement")
    assert "Since version 1 (“Final version”), which your organisation was asked to endorse: 1 section changed, " \
           "1 added and 1 removed." in latest.body, latest.body
    events = [json.loads(e.data) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.transition"))]
    assert [e["to"] for e in events] == ["review", "final", "draft", "review", "final"]


def test_the_notice_reaches_a_real_mail_server_once_the_text_is_final(in_review, app):
    import email
    import email.policy

    from app.tasks import wait_idle
    from tests.tasks.smtp_peers import start_sink

    s = in_review
    sink, controller = start_sink()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
                           "MAIL_TIMEOUT": 10})
        answer = s["coordinator"].post(f"/api/v1/documents/{s['document'].id}/transitions", json={
            "to": "final", "endorsement_deadline": _in_days(10).isoformat()})
        assert answer.status_code == 200
        db.session.rollback()
        assert wait_idle(30)
        received = [email.message_from_bytes(raw, policy=email.policy.default) for raw in sink.messages]
        assert sorted(m["To"] for m in received) == sorted([s["people"]["member"].email, s["people"]["editor"].email])
        english = next(m for m in received if m["To"] == s["people"]["editor"].email)
        dutch = next(m for m in received if m["To"] == s["people"]["member"].email)  # the member reads Dutch
        assert english["Subject"] == "Ready for endorsement: “Fair ICT”"
        with in_language("nl"):
            assert dutch["Subject"] == _("Ready for endorsement: “%(title)s”", title="Fair ICT") != english["Subject"]
        assert f"Endorsement is meant to close on {long_date(_in_days(10))}." in english.get_content()
    finally:
        controller.stop()
