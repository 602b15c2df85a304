"""Renders as tasks of the queue: a render whose worker died is taken again, at most EXPORT_MAX_ATTEMPTS
times, then failed with the reason; a task whose export is gone ends quietly."""
from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from app.audit.models import AuditEvent
from app.documents.models import Version
from app.export import services
from app.export.models import Export
from app.export.specs import version_spec
from app.extensions import db, in_own_transaction, reading_only
from app.tasks import wait_idle
from app.tasks.models import TaskFailure
from app.util import utcnow


def claimed_and_abandoned(version_id: int, attempts: int) -> int:
    """A sealed render claimed with its HTML stored, taken `attempts` times by workers that all died."""
    db.session.commit()
    with reading_only():  # as a request's reads: the claim and the HTML are written in transactions of their own
        spec = version_spec(db.session.get(Version, version_id))
        export, mine = services.claim(None, spec)
        assert mine
        html = spec.build_html()
        db.session.commit()
        in_own_transaction(services._store_html, export.id, html, None, False)
    long_ago = utcnow() - timedelta(seconds=current_app.config["EXPORT_RENDER_TIMEOUT"] + 60)
    abandon(export.id, attempts=attempts, started_at=long_ago)
    return export.id


def abandon(export_id: int, **values) -> None:
    def write():
        db.session.execute(update(Export).where(Export.id == export_id).values(**values))
        db.session.commit()
    in_own_transaction(write)


def the_export(export_id: int) -> Export:
    with reading_only():
        export = db.session.get(Export, export_id, populate_existing=True)
        db.session.expunge(export)
    db.session.rollback()
    return export


def wait_for_status(export_id: int, seconds: float = 60) -> Export:
    deadline = time.monotonic() + seconds
    while (export := the_export(export_id)).status == "rendering" and time.monotonic() < deadline:
        time.sleep(0.2)
    return export


def test_a_render_whose_worker_died_is_taken_again_and_finished(final_setup):
    export_id = claimed_and_abandoned(final_setup["version"]["id"], attempts=1)
    db.session.commit()  # the sweep runs in a session of its own in a worker: no snapshot of the test's
    assert services.sweep() == 1
    assert wait_idle(60)
    export = wait_for_status(export_id)
    assert export.status == "ready" and export.attempts == 2 and export.sha256
    assert db.session.scalar(select(Export.html).where(Export.id == export_id)) is None  # dropped once stored
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.render")) == 1


def test_a_render_whose_workers_keep_dying_is_failed_with_the_reason(app, final_setup):
    export_id = claimed_and_abandoned(final_setup["version"]["id"], attempts=app.config["EXPORT_MAX_ATTEMPTS"])
    db.session.commit()  # the sweep runs in a session of its own in a worker: no snapshot of the test's
    assert services.sweep() == 1
    assert wait_idle(60)
    export = wait_for_status(export_id)
    assert export.status == "failed"
    assert export.error == ("The render was started 3 times and did not finish: each time the worker doing it "
                            "stopped.")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.render")) == 0


def test_a_render_taken_by_one_task_is_not_rendered_again_by_a_second(final_setup):
    """The sweep may queue a render twice (a long queue); the second task finds it taken and does nothing."""
    export_id = claimed_and_abandoned(final_setup["version"]["id"], attempts=0)
    abandon(export_id, attempts=1, started_at=utcnow())
    db.session.commit()  # a task runs in a session of its own
    services.render_queued(export_id, None)  # a second task while the first is (freshly) at work
    export = the_export(export_id)
    assert export.status == "rendering" and export.attempts == 1


def test_a_render_task_for_an_export_that_is_gone_ends_quietly(app, caplog):
    services.render_queued(424242, None)
    assert "not rendered by this task" in caplog.text
    assert db.session.scalar(select(func.count(TaskFailure.id))) == 0
