"""`flask worker` processes of their own, on a queue in a SQLite file, killed in the middle of sending: a
message is never sent twice, and one that had not reached the server yet is sent by the next worker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db, reading_only
from app.mail.models import OutboxMessage
from app.mail.services import MAYBE_DELIVERED, sweep
from tests.tasks.smtp_peers import start_sink

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue_file(tmp_path):
    return tmp_path / "tasks.sqlite3"


@pytest.fixture
def app_config(queue_file):
    # This process only queues (as a web process does); the workers run in processes of their own.
    return {"TASK_QUEUE_URL": f"sqlite:///{queue_file}", "TASK_WORKERS": 0}


@pytest.fixture
def worker(database_url, queue_file, tmp_path):
    processes = []

    def start(mail_port: int) -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(processes) + 1}.log", "wb")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "ACCORD_ENV": "testing", "TEST_DATABASE_URL": database_url, "FLASK_APP": "wsgi",
               "TEST_TASK_QUEUE_URL": f"sqlite:///{queue_file}", "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(mail_port), "MAIL_USE_TLS": "0", "MAIL_TIMEOUT": "120"}
        process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--threads", "2", "--no-periodic"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = Path(log.name)
        processes.append(process)
        return process
    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def the_message() -> OutboxMessage:
    """The message as it stands, read as a reader and detached: reading its attributes afterwards must not
    begin a transaction (on SQLite it would begin as a writer and hold the lock the worker needs)."""
    with reading_only():
        db.session.expire_all()
        message = db.session.scalar(select(OutboxMessage))
        db.session.expunge(message)
    db.session.rollback()
    return message


def invite_and_commit(make_group, port, app):
    from app.groups.services import invite

    app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 1,
                       "MAIL_SWEEP_AFTER": 0})
    group, people = make_group()
    invite(people["coordinator"], group, "guest@example.eu", "member", lambda raw: f"https://x/{raw}")
    db.session.commit()


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_a_worker_killed_while_handing_a_message_over_never_sends_it_twice(app, make_group, worker):
    peer, controller = start_sink(data_delay=60)  # takes the message, then waits before saying 250
    try:
        invite_and_commit(make_group, controller.port, app)
        first = worker(controller.port)
        assert peer.data_seen.wait(60), "the worker did not hand the message over"
        kill(first)
        message = the_message()
        assert message.status == "sending" and message.handed_over_at is not None
        time.sleep(2.2)  # the claim is now older than the SMTP timeout and the grace (1 s and 0 s here)
        sweep()
        message = the_message()
        assert message.status == "failed" and message.error.startswith(MAYBE_DELIVERED)
        peer.data_delay = 0
        second = worker(controller.port)
        time.sleep(4)  # the second worker has started and found nothing to send
        assert second.poll() is None
        assert len(peer.messages) == 1 and the_message().status == "failed"
    finally:
        controller.stop()


def test_a_worker_killed_before_handing_a_message_over_leaves_it_to_the_next_one(app, make_group, worker):
    peer, controller = start_sink(rcpt_delay=60)  # stalls before the hand-over
    try:
        invite_and_commit(make_group, controller.port, app)
        first = worker(controller.port)
        assert peer.rcpt_seen.wait(60), "the worker did not reach the mail server"
        kill(first)
        message = the_message()
        assert message.status == "sending" and message.handed_over_at is None
        time.sleep(2.2)
        assert sweep() == 1  # queued again, for the next worker
        peer.rcpt_delay = 0
        second = worker(controller.port)
        deadline = time.monotonic() + 120  # a worker starts in seconds; a machine under load takes longer
        while the_message().status != "sent" and time.monotonic() < deadline:
            time.sleep(0.2)
        message = the_message()
        if message.status != "sent":
            second.send_signal(signal.SIGUSR1)  # its threads' stacks go to its log
            time.sleep(1)
        assert message.status == "sent" and message.attempts == 2, second.log_path.read_text()[-9000:]
        assert len(peer.messages) == 1
    finally:
        controller.stop()
