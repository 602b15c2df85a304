"""API: the task queue (site admins): its backlog, its schedules' last runs and the tasks that failed."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from app.api import endpoint, signed_in_user
from app.errors import PermissionDenied
from app.extensions import db
from app.tasks import declared_schedules, last_runs, queue_of
from app.tasks.models import TaskFailure
from app.util import iso


@endpoint("/admin/tasks", "GET", "The task queue (site admin): waiting and scheduled tasks, the oldest one's age, "
          "each periodic task's schedule and last run, the latest tasks that failed for good", tag="admin",
          errors=(401, 403))
def task_queue():
    if not signed_in_user().is_admin:
        raise PermissionDenied("Only site administrators look at the task queue.")
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
