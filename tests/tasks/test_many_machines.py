"""Many machines: two web processes and two workers on one PostgreSQL and one Redis; every task runs once.

Two gunicorn servers (TASK_WORKERS 0: they only queue) and two `flask worker` processes (each with its
scheduler, so both queue the periodic tasks) share the test's PostgreSQL database and a queue in Redis named
for this run. A real SMTP server (aiosmtpd) in the test records every message it is handed. Work goes in
through both servers: invitations by the API (a mail each, queued in the request's transaction), password
resets through the form (a task that makes a mail, queued as a second task) and PDF exports by the API (each
document asked through both servers at once: one render). Then: every mail arrived exactly once and the
outbox says sent for each and only those, every export was rendered once (one `export.render` audit event),
each task id ran once across both workers' logs, both workers did some of the work, and every periodic
task ran once in each minute it was queued for, although both schedulers queued it.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ACCORD_TEST_QUEUE_REDIS_URL", "redis://127.0.0.1:6379/13")
INVITATIONS = 36  # 18 through each server
RESETS = 6  # 3 through each server
DOCUMENTS = 3  # each asked through both servers
APP = 'app:create_app("testing", TASK_WORKERS=0)'  # the servers and workers queue into Redis, never in-process

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs one database shared by several processes and machines: set TEST_DATABASE_URL to PostgreSQL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except RedisError as exc:
        pytest.skip(f"needs Redis for the shared queue ({REDIS_URL}: {exc})")
    return client


class Sink:
    """What the SMTP server was handed: each message's Message-ID, in order."""

    def __init__(self):
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (the name aiosmtpd calls)
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.message_ids.append(str(headers["Message-ID"]))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


class Machines:
    """The processes of the run, stopped (and their queue emptied) whatever happens."""

    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path, self.env = tmp_path, env
        self.processes: list[subprocess.Popen] = []
        self.logs: dict[str, Path] = {}

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def web(self, name: str) -> str:
        port = _free_port()
        self._start(name, [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                           "--log-level", "warning", APP])
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str) -> None:
        self._start(name, [sys.executable, "-m", "flask", "--app", APP, "worker", "--threads", "2"])

    def wait_until_serving(self, bases: list[str]) -> None:
        deadline = time.monotonic() + 40
        for base in bases:
            while True:
                try:
                    if requests.get(f"{base}/healthz", timeout=3).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                    pytest.fail(f"the servers did not start:\n{self.tail()}")
                time.sleep(0.2)

    def tail(self) -> str:
        return "\n".join(f"--- {name}\n{path.read_text(errors='replace')[-2000:]}" for name, path in self.logs.items()
                         if path.exists())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _executions(log: Path) -> list[tuple[str, str, str]]:
    """(task name, task id, minute) of every run this worker's log shows (huey: "<time> huey INFO Executing
    <module>.<name>: <id>")."""
    return [(name, task_id, minute) for minute, name, task_id in re.findall(
        r"^(\d{4}-\d\d-\d\d \d\d:\d\d):\S+ huey INFO Executing \S*?([a-z_]+\.[a-z_]+): ([0-9a-f-]{36})",
        log.read_text(errors="replace"), flags=re.MULTILINE)]


@pytest.fixture
def people(make_group, make_user):
    from app.auth.services import create_api_token
    from app.documents.services import create_document

    group, members = make_group(roles=("editor",))
    documents = [create_document(members["editor"], group, title=f"Statement {n}", kind="statement",
                                 sections=[{"heading": "Purpose", "body": f"We agree on point {n}."},
                                           {"heading": "Commitments", "body": "We act together.\n\n" * 10}])
                 for n in range(DOCUMENTS)]
    forgetful = [make_user() for _ in range(RESETS)]
    tokens = {}
    for role in ("coordinator", "editor"):
        _token, tokens[role] = create_api_token(members[role], "many machines")
    db.session.commit()
    return {"group_id": group.id, "document_ids": [d.id for d in documents], "tokens": tokens,
            "forgetful": [u.email for u in forgetful]}


def test_two_servers_and_two_workers_run_every_task_once_and_send_every_mail_once(
        app, database_url, smtp_sink, people, tmp_path):
    from app.audit.models import AuditEvent
    from app.export.models import Export
    from app.mail.models import OutboxMessage
    from app.tasks.models import TaskFailure, TaskRun

    redis = _redis_or_skip()
    sink, smtp_port = smtp_sink
    queue_name = f"accord-many-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "ACCORD_ENV": "testing", "TEST_DATABASE_URL": database_url,
           "TEST_TASK_QUEUE_URL": REDIS_URL, "TASK_QUEUE_NAME": queue_name,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "MAIL_USE_TLS": "0", "MAIL_TIMEOUT": "10",
           "EXPORT_API_WAIT_SECONDS": "0", "EXPORT_MAX_RENDERS": str(DOCUMENTS),
           "RATELIMIT_PASSWORD_RESET": "1000 per minute", "RATELIMIT_EXPORT": "1000 per minute",
           "COSTLY_AT_ONCE": "100", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    machines = Machines(tmp_path, env)
    try:
        webs = [machines.web("web-a"), machines.web("web-b")]
        machines.worker("worker-a")
        machines.worker("worker-b")
        machines.wait_until_serving(webs)

        # PDF exports first (the slowest work): each document through both servers, one after the other.
        coordinator = {"Authorization": f"Bearer {people['tokens']['coordinator']}"}
        editor = {"Authorization": f"Bearer {people['tokens']['editor']}"}
        asked = Counter()
        for did in people["document_ids"]:
            for base in webs:
                answer = requests.get(f"{base}/api/v1/documents/{did}/export.pdf", headers=editor, timeout=30)
                assert answer.status_code in (200, 202), answer.text[:300]
                asked[answer.status_code] += 1
        # Invitations: a mail each, queued in the request's own transaction.
        for n in range(INVITATIONS):
            answer = requests.post(f"{webs[n % 2]}/api/v1/groups/{people['group_id']}/invitations", headers=coordinator,
                                   json={"email": f"guest{n}@example.eu", "role": "member"}, timeout=30)
            assert answer.status_code == 201, answer.text[:300]
        # Password resets through the form: a task that makes the mail, which is a second task.
        for n, email in enumerate(people["forgetful"]):
            browser = requests.Session()
            base = webs[n % 2]
            form = browser.get(f"{base}/password/forgot", timeout=30)
            answer = browser.post(f"{base}/password/forgot", allow_redirects=False, timeout=30,
                                  data={"email": email, "csrf_token": csrf_token_from(form.text)})
            assert answer.status_code == 302, answer.text[:300]

        expected_mails = INVITATIONS + RESETS
        deadline = time.monotonic() + 90  # about 10 s on a quiet machine; renders stretch on a busy one
        while True:
            db.session.rollback()
            made = db.session.scalar(select(func.count(OutboxMessage.id)))
            waiting = db.session.scalar(select(func.count(OutboxMessage.id))
                                        .where(OutboxMessage.status.in_(("queued", "sending"))))
            rendering = db.session.scalar(select(func.count(Export.id)).where(Export.status == "rendering"))
            if made >= expected_mails and not waiting and not rendering:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"not done after 90 s: {made} mails made, {waiting} waiting, {rendering} rendering\n"
                            f"{machines.tail()}")
            time.sleep(0.25)
    finally:
        machines.stop()
        for key in redis.scan_iter(f"*{re.sub('[^a-z0-9]', '', queue_name)}*"):  # huey keeps letters and digits
            redis.delete(key)

    db.session.rollback()
    # Every mail went out exactly once, and the outbox says so of each of them and only them.
    messages = list(db.session.scalars(select(OutboxMessage)))
    assert len(messages) == expected_mails
    received = Counter(sink.message_ids)
    assert [mid for mid, n in received.items() if n > 1] == []
    assert len(sink.message_ids) == expected_mails
    sent = [m for m in messages if m.status == "sent"]
    assert len(sent) == len(sink.message_ids)
    assert {int(re.match(r"<outbox-(\d+)\.", mid).group(1)) for mid in received} == {m.id for m in sent}
    assert all(m.attempts == 1 and m.transport == "smtp" for m in messages)
    assert sorted(m.recipient for m in messages) == sorted(
        [f"guest{n}@example.eu" for n in range(INVITATIONS)] + people["forgetful"])

    # Every export was rendered once, although each was asked through both servers.
    exports = list(db.session.scalars(select(Export)))
    assert len(exports) == DOCUMENTS
    assert {e.document_id for e in exports} == set(people["document_ids"])
    assert all(e.status == "ready" and e.attempts == 1 and e.pdf.startswith(b"%PDF-") for e in exports), \
        [(e.id, e.status, e.attempts, e.error) for e in exports]
    renders = Counter(db.session.scalars(select(AuditEvent.object).where(AuditEvent.action == "export.render")))
    assert renders == Counter({f"export:{e.id}": 1 for e in exports})
    assert db.session.scalar(select(func.count(TaskFailure.id))) == 0

    # Each task ran once across both workers, and both workers took part.
    runs = {name: _executions(machines.logs[name]) for name in ("worker-a", "worker-b")}
    every = runs["worker-a"] + runs["worker-b"]
    assert [task_id for task_id, n in Counter(i for _name, i, _at in every).items() if n > 1] == []
    by_name = Counter(name for name, _id, _at in every)
    assert by_name["mail.deliver"] == expected_mails
    assert by_name["auth.password_reset"] == RESETS
    assert by_name["export.render"] == DOCUMENTS
    assert all(runs[name] for name in runs), {name: len(r) for name, r in runs.items()}
    assert all(any(n == "mail.deliver" for n, _id, _at in runs[name]) for name in runs), \
        {name: Counter(n for n, _id, _at in r) for name, r in runs.items()}

    # Both schedulers queued the periodic tasks (each at its start, then each minute), so each ran in both
    # workers; only the first run of each minute did its work (its slot in task_runs).
    slots = Counter(db.session.execute(select(TaskRun.name, TaskRun.slot)).all())
    for name in ("mail.sweep", "export.sweep"):
        executed = [at for n, _id, at in every if n == name]
        assert len(executed) >= 2, (name, executed)  # one from each worker's scheduler
        done = sum(1 for (n, _slot) in slots if n == name)
        assert 1 <= done <= len(set(executed)), (name, executed, slots)  # one per minute, not one per run
    assert max(slots.values()) == 1
