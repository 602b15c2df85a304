"""A periodic task runs once per time its schedule names, however many workers' schedulers queued it and
however late each copy runs."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.tasks import queue_of
from app.tasks.models import TaskRun


@pytest.fixture
def clock(monkeypatch):
    """clock(at) sets the time the task claims its slot at (app.util.utcnow)."""
    import app.util

    def set_to(at: datetime):
        monkeypatch.setattr(app.util, "utcnow", lambda: at)
    return set_to


def runs_of(name: str) -> list[datetime]:
    slots = list(db.session.scalars(select(TaskRun.slot).where(TaskRun.name == name).order_by(TaskRun.slot)))
    db.session.rollback()  # no transaction stays open (on SQLite it would hold the write lock the task needs)
    return slots


def run_copy(app, name: str) -> None:
    """One queued copy of the periodic task, run by a worker (as huey's consumer calls it)."""
    queue_of(app)._wrappers[name].call_local()


def test_two_copies_of_a_nightly_task_either_side_of_a_minute_run_once(app, clock):
    """Worker A's scheduler queued tasks.prune_runs (03:17) at 03:17:59.9 and its copy ran at 03:18:00.1; worker
    B's ran at 03:17:30. Both belong to the 03:17 run: the second does nothing."""
    today = datetime.now().replace(hour=3, minute=17, second=0, microsecond=0) - timedelta(days=1)
    clock(today.replace(second=30))
    run_copy(app, "tasks.prune_runs")
    clock(today + timedelta(minutes=1, milliseconds=100))
    run_copy(app, "tasks.prune_runs")
    assert runs_of("tasks.prune_runs") == [today]


def test_a_copy_that_waited_behind_a_backlog_runs_in_the_slot_it_was_queued_for(app, clock):
    """A backlog (a slow mail server, a burst of renders) delays both workers' copies of the nightly task by
    minutes, by different amounts: still one run."""
    today = datetime.now().replace(hour=3, minute=17, second=0, microsecond=0) - timedelta(days=1)
    clock(today + timedelta(minutes=4, seconds=10))
    run_copy(app, "tasks.prune_runs")
    clock(today + timedelta(minutes=6, seconds=50))
    run_copy(app, "tasks.prune_runs")
    assert runs_of("tasks.prune_runs") == [today]
    clock(today + timedelta(days=1, seconds=5))
    run_copy(app, "tasks.prune_runs")
    assert runs_of("tasks.prune_runs") == [today, today + timedelta(days=1)]


def test_a_task_of_every_minute_runs_once_a_minute(app, clock):
    minute = datetime.now().replace(second=0, microsecond=0)
    for at in (minute + timedelta(seconds=1), minute + timedelta(seconds=59), minute + timedelta(seconds=61)):
        clock(at)
        run_copy(app, "export.sweep")
    assert runs_of("export.sweep") == [minute, minute + timedelta(minutes=1)]
    assert db.session.scalar(select(func.count(TaskRun.id))) == 2
