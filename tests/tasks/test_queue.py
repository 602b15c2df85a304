"""The task queue itself: failures seen, a poison task that blocks nothing, an unreachable Redis that loses
nothing, periodic runs once per slot, readiness, renders whose worker died, and what admins see."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db, reading_only
from app.mail.models import OutboxMessage
from app.tasks import _claim_slot, enqueue, queue_of, task, wait_idle
from app.tasks.models import TaskFailure, TaskRun
from app.util import utcnow
from tests.tasks.smtp_peers import start_sink

POISONED = []
EVERY_MINUTE = lambda moment: True  # noqa: E731 (a crontab of "* * * * *")


@task("tests.poison", retries=2, retry_delay=0)
def poison(n: int) -> None:
    POISONED.append(n)
    raise RuntimeError(f"poisoned {n}")


def count(model) -> int:
    """Read as a reader and ended at once: a worker's write never waits for the test (SQLite)."""
    with reading_only():
        db.session.expire_all()
        found = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return found


def test_a_poison_task_is_recorded_as_failed_and_blocks_no_other_work(app, make_group):
    from app.groups.services import invite

    peer, controller = start_sink()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False})
        POISONED.clear()
        enqueue("tests.poison", 7)
        group, people = make_group()
        invite(people["coordinator"], group, "guest@example.eu", "member", lambda raw: f"https://x/{raw}")
        db.session.commit()
        assert wait_idle(20)
        deadline = time.monotonic() + 10
        while count(TaskFailure) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert POISONED == [7, 7, 7]  # the first try and its two retries
        failure = db.session.scalar(select(TaskFailure))
        assert failure.name == "tests.poison" and "RuntimeError: poisoned 7" in failure.error
        assert failure.arguments == "(7,)"
        assert len(peer.messages) == 1  # the mail went out all the same
    finally:
        controller.stop()


@pytest.mark.parametrize("app_config", [{"TASK_QUEUE_URL": "redis://127.0.0.1:9/0", "TASK_WORKERS": 0}])
def test_an_unreachable_queue_loses_no_change_and_no_mail(app, make_group, make_user, api, caplog):
    """Redis down: the page answers as usual, the change and its mail are stored, the log and the readiness
    check say why, and once a queue answers the sweep sends the mail."""
    peer, controller = start_sink()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": False,
                           "MAIL_SWEEP_AFTER": 0})
        group, people = make_group()
        with caplog.at_level(logging.WARNING):
            response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations",
                                                       json={"email": "guest@example.eu", "role": "member"})
        assert response.status_code == 201
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == "queued" and message.recipient == "guest@example.eu"
        assert "Task mail.deliver" in caplog.text and "not queued" in caplog.text
        ready = api().get("/readyz")
        assert ready.status_code == 503
        body = ready.get_json()
        assert body["queue"]["reachable"] is False and body["mail"]["waiting"] == 1
        assert any("task queue cannot be reached" in reason for reason in body["reasons"])
        admin_view = api(make_user(admin=True)).get("/api/v1/admin/tasks").get_json()
        assert admin_view["queue"]["reachable"] is False

        # The queue is back (here: another one, in this process) and the sweep takes the mail up.
        queue_of(app).stop()
        app.extensions.pop("accord_tasks")
        app.config.update({"TASK_QUEUE_URL": "memory://", "TASK_WORKERS": 2})
        from app.mail.services import sweep

        db.session.execute(update(OutboxMessage).values(next_try_at=utcnow() - timedelta(seconds=5)))
        db.session.commit()
        assert sweep() == 1
        assert wait_idle(20)
        db.session.expire_all()
        assert db.session.scalar(select(OutboxMessage.status)) == "sent"
        assert len(peer.messages) == 1
    finally:
        controller.stop()


def test_each_periodic_slot_runs_once_however_many_workers_claim_it(app):
    assert _claim_slot("mail.sweep", EVERY_MINUTE) is True
    assert _claim_slot("mail.sweep", EVERY_MINUTE) is False  # a second worker's scheduler, the same minute
    assert _claim_slot("export.sweep", EVERY_MINUTE) is True
    assert count(TaskRun) == 2


@pytest.mark.parametrize("app_config", [{"TASK_WORKERS": 0}])
def test_readiness_says_when_no_worker_runs(app, api):
    response = api().get("/readyz")
    assert response.status_code == 503
    assert any("No worker" in reason for reason in response.get_json()["reasons"])
    db.session.add(TaskRun(name="mail.sweep", slot=utcnow().replace(second=0, microsecond=0)))
    db.session.commit()
    response = api().get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ready" and body["reasons"] == []
    assert body["queue"] == {"backend": "memory", "pending": 0, "scheduled": 0, "oldest_pending_seconds": None,
                             "reachable": True}
    assert api().get("/healthz").status_code == 200


@pytest.mark.parametrize("app_config", [{"TASK_WORKERS": 0}])
def test_admins_see_what_waits_what_ran_and_what_failed(app, make_user, client, login, api):
    enqueue("tests.poison", 1)  # no worker here: it waits
    db.session.add(TaskFailure(name="export.render", arguments="(5, None)", error="RuntimeError: <b>boom</b>"))
    db.session.add(TaskRun(name="mail.sweep", slot=utcnow().replace(second=0, microsecond=0)))
    db.session.commit()
    admin = make_user(admin=True)
    login(client, admin)
    page = client.get("/admin/tasks").get_data(as_text=True)
    assert "1 task waiting" in page and "tests.poison" in page and "(1,)" in page
    assert "RuntimeError: &lt;b&gt;boom&lt;/b&gt;" in page  # escaped
    assert "notifications.digest" in page and "integrity.nightly" in page
    body = api(admin).get("/api/v1/admin/tasks").get_json()
    assert body["queue"]["pending"] == 1 and body["queue"]["oldest_pending_seconds"] is not None
    schedules = {s["name"]: s for s in body["schedules"]}
    assert schedules["mail.sweep"]["crontab"] == "* * * * *" and schedules["mail.sweep"]["last_run"]
    assert schedules["notifications.digest"]["crontab"] == "0 7 * * *"
    assert [f["name"] for f in body["failures"]] == ["export.render"]
    refused = api(make_user()).get("/api/v1/admin/tasks")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_the_app_factory_imports_every_module_that_declares_tasks():
    """A worker knows a task only if its module was imported: create_app imports TASK_MODULES, which must
    name every module whose functions are decorated with app.tasks' task or periodic."""
    import ast
    from pathlib import Path

    from app import TASK_MODULES

    root = Path(__file__).resolve().parents[2]
    declaring = set()
    for path in (root / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) in ("task", "periodic"):
                        module = ".".join(path.relative_to(root).with_suffix("").parts)
                        declaring.add(module.removesuffix(".__init__"))
    assert declaring == set(TASK_MODULES)


@pytest.mark.parametrize("app_config", [{"TASK_WORKERS": 0}])
def test_what_a_person_waits_for_runs_before_a_backlog_of_mail(app):
    for n in range(3):
        enqueue("mail.deliver", 1000 + n)
    enqueue("export.prerender", 7)
    enqueue("export.render", 5, None)
    enqueue("auth.password_reset", "anna@example.eu")
    order = [item["name"] for item in queue_of(app).pending(10)]
    assert order == ["export.render", "auth.password_reset", "export.prerender"] + ["mail.deliver"] * 3
