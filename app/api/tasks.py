"""API: the task queue (site admins): its backlog, its schedules' last runs and the tasks that failed."""
from __future__ import annotations

from flask import jsonify
from pydantic import Field
from sqlalchemy import select

from app.api import endpoint, signed_in_user
from app.api.serialise import Answer, Timestamp, only_when
from app.errors import PermissionDenied
from app.extensions import db
from app.i18n import _
from app.tasks import declared_schedules, last_runs, queue_of
from app.tasks.models import TaskFailure
from app.util import iso


class BacklogJson(Answer):
    backend: str
    reachable: bool
    pending: int = only_when("when the queue is reachable")
    scheduled: int = only_when("when the queue is reachable")
    oldest_pending_seconds: float | None = only_when("when the queue is reachable")
    error: str = only_when("when the queue cannot be reached: why")


class ScheduleJson(Answer):
    name: str
    crontab: str
    last_run: Timestamp | None


class FailureJson(Answer):
    id: int
    name: str
    arguments: str
    error: str
    failed_at: Timestamp


class TaskQueueJson(Answer):
    queue: BacklogJson
    schedules: list[ScheduleJson]
    failures: list[FailureJson] = Field(description="The latest 100, newest first")


@endpoint("/admin/tasks", "GET", "The task queue (site admin): waiting and scheduled tasks, the oldest one's age, "
          "each periodic task's schedule and last run, the latest tasks that failed for good", response=TaskQueueJson,
          tag="admin", errors=(401, 403))
def task_queue():
    if not signed_in_user().is_admin:
        raise PermissionDenied(_("Only site administrators look at the task queue."))
    queue = queue_of()
    try:
        backlog = {**queue.backlog(), "reachable": True}
    except Exception as exc:  # noqa: BLE001 - say that the queue cannot be reached, and why
        backlog = {"backend": queue.backend, "reachable": False, "error": f"{type(exc).__name__}: {exc}"}
    runs = last_runs()
    failures = db.session.scalars(select(TaskFailure).order_by(TaskFailure.id.desc()).limit(100))
    return jsonify({
        "queue": backlog,
        "schedules": [{"name": name, "crontab": when,
                       "last_run": iso(runs.get(name))}
                      for name, when in declared_schedules().items()],
        "failures": [{"id": f.id, "name": f.name, "arguments": f.arguments, "error": f.error,
                      "failed_at": iso(f.failed_at)} for f in failures],
    })
