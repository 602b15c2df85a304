"""Mail through the task queue: queued with the change, sent by a worker after commit, at most once, retried
with back-off, failed with its reason, sent again by a site admin. Real SMTP servers throughout."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.extensions import db, reading_only
from app.mail.models import OutboxMessage
from app.mail.services import MAYBE_DELIVERED
from app.tasks import wait_idle
from tests.tasks.smtp_peers import DroppingServer, free_port, message_ids, start_sink


def mail_settings(port: int, **more) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 10, **more}


def invite_someone(make_group, address="guest@example.eu"):
    from app.groups.services import invite

    group, people = make_group()
    invite(people["coordinator"], group, address, "member", lambda raw: f"https://x/{raw}")
    return group, people


def the_message() -> OutboxMessage:
    """The message as it stands, read as a reader and detached, so that the test holds no lock afterwards (on
    SQLite a transaction begun outside a request begins as a writer, and the worker would wait for it)."""
    with reading_only():
        db.session.expire_all()
        message = db.session.scalar(select(OutboxMessage))
        if message is not None:
            db.session.expunge(message)
    db.session.rollback()
    return message


def wait_until(condition, seconds: float = 20):
    """Polls as a reader and ends each read, so the worker's writes never wait for the test (SQLite)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with reading_only():
            met = condition()
        db.session.rollback()
        if met:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def sink():
    started = []

    def start(port=None, **kwargs):
        peer, controller = start_sink(port, **kwargs)
        started.append(controller)
        return peer, controller.port
    yield start
    for controller in started:
        controller.stop()


def test_a_change_that_rolls_back_sends_no_mail(app, make_group, sink):
    peer, port = sink()
    app.config.update(mail_settings(port))
    invite_someone(make_group)
    db.session.rollback()
    assert wait_idle(10)
    time.sleep(0.3)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert peer.messages == []


def test_mail_goes_out_after_the_commit_once_with_the_outbox_rows_message_id(app, make_group, sink):
    peer, port = sink()
    app.config.update(mail_settings(port))
    invite_someone(make_group)
    db.session.flush()
    assert db.session.scalar(select(OutboxMessage.status)) == "queued" and peer.messages == []  # not before the commit
    db.session.commit()
    assert wait_idle(20)
    message = the_message()
    assert message.status == "sent" and message.transport == "smtp" and message.attempts == 1
    assert message.error is None and message.sent_at is not None
    assert message_ids(peer.messages) == [f"<outbox-{message.id}.{int(message.created_at.timestamp())}@localhost>"]


def test_a_server_that_is_down_is_tried_again_with_growing_pauses_then_failed_then_sent_again(
        app, make_group, make_user, sink, client, login, api):
    port = free_port()  # nobody listens there yet
    app.config.update(mail_settings(port, MAIL_MAX_TRIES=3, MAIL_RETRY_DELAY=1))
    started = time.monotonic()
    invite_someone(make_group)
    db.session.commit()
    assert wait_until(lambda: the_message().status == "failed", 30)
    took = time.monotonic() - started
    message = the_message()
    assert message.attempts == 3 and "ConnectionRefusedError" in message.error and message.sent_at is None
    assert took >= 3  # pauses of 1 s then 2 s between the three tries

    admin = make_user(admin=True)
    csrf = login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "failed</strong> after 3 tries" in page and "ConnectionRefusedError" in page and "Send again" in page
    assert "1 failed" in page

    # Someone who is not a site admin cannot send it again, through the API either.
    outsider = make_user()
    refused = api(outsider).post(f"/api/v1/admin/outbox/{message.id}/send-again")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert the_message().status == "failed"

    peer, _ = sink(port)  # the mail server is back
    response = client.post(f"/admin/outbox/{message.id}/send-again", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert wait_idle(20)
    assert wait_until(lambda: the_message().status == "sent", 10)
    assert len(peer.messages) == 1
    # A message that did not fail is not sent again.
    again = api(admin).post(f"/api/v1/admin/outbox/{message.id}/send-again")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_failed"
    listed = api(admin).get("/api/v1/admin/outbox?status=sent").get_json()
    assert [m["id"] for m in listed["items"]] == [message.id] and listed["counts"]["failed"] == 0
    assert len(peer.messages) == 1


def test_a_refusal_for_good_is_not_tried_again(app, make_group, sink):
    peer, port = sink(refuse_rcpt=550)
    app.config.update(mail_settings(port, MAIL_MAX_TRIES=4, MAIL_RETRY_DELAY=1))
    invite_someone(make_group)
    db.session.commit()
    assert wait_idle(20)
    message = the_message()
    assert message.status == "failed" and message.attempts == 1 and "550" in message.error
    assert peer.messages == []


def test_a_server_that_takes_the_message_then_drops_the_line_gets_it_once(app, make_group):
    server = DroppingServer(answer=True)
    try:
        app.config.update(mail_settings(server.port, MAIL_RETRY_DELAY=1))
        invite_someone(make_group)
        db.session.commit()
        assert wait_idle(20)
        message = the_message()
        assert message.status == "sent" and message.attempts == 1 and message.error is None
        time.sleep(2)  # past the retry delay: nothing more arrives
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_line_dropped_while_the_message_is_handed_over_is_shown_failed_and_not_sent_twice(app, make_group):
    server = DroppingServer(answer=False)
    try:
        app.config.update(mail_settings(server.port, MAIL_RETRY_DELAY=1))
        invite_someone(make_group)
        db.session.commit()
        assert wait_idle(20)
        message = the_message()
        assert message.status == "failed" and message.error.startswith(MAYBE_DELIVERED)
        assert message.handed_over_at is not None
        time.sleep(2.5)
        assert len(server.messages) == 1
        assert the_message().attempts == 1
    finally:
        server.stop()


def test_a_task_for_a_message_that_is_gone_ends_quietly(app, caplog):
    from app.mail.services import deliver
    from app.tasks.models import TaskFailure

    app.config.update(mail_settings(free_port()))
    deliver(987654)
    assert db.session.scalar(select(func.count(TaskFailure.id))) == 0
    assert "not sent by this task" in caplog.text
