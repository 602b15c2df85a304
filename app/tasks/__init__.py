"""Work that outlives a request: mail, renders and schedules on Huey's task queue, embedded or on many machines.

Declaring. A package declares its background work where it belongs: `@task("mail.deliver", retries=…)` on a
plain function of plain arguments (ids, never objects), `@periodic("mail.sweep", minute="*")` for a schedule
(crontab fields). Each runs in an application context of its own, with its own database session.

Queueing. `after_commit("mail.deliver", message.id)` queues the task once the current transaction has
committed and drops it if the transaction rolls back: the row that says what is to be done (an outbox message,
an export) is written in the change's own transaction, and the task carries only its id. `enqueue(name, …)`
queues at once. When the queue cannot be reached (Redis down, a full disk) the error is logged and the change
stands: every kind of work has a periodic sweep that takes up rows left waiting, so the work is late, not lost.

Where tasks run. TASK_QUEUE_URL picks the queue's storage: empty, a SQLite file in the instance folder (the
embedded default: no server to install); `redis://…`, Redis (production, workers on any number of machines);
`memory://`, one process's memory (tests). `flask worker` runs a consumer: threads that take tasks, and the
scheduler that queues retries when they are due and the periodic tasks. TASK_WORKERS > 0 runs such a consumer
inside the web process instead, started with its first task (the tests do; periodic tasks are left to workers).

Priorities. One queue carries all the work, so a backlog of mail (hundreds after a busy hour with a slow
mail server) must not hold up what a person waits for: a task may be declared with a priority (higher runs
first): a download's render (PRIORITY_WAITED), then a password-reset link, then the sealed PDFs rendered
ahead; mail and the rest come after. SQLite, Redis (a sorted set) and memory storage all honour it.

Periodic tasks. Every worker's scheduler queues them, so a run first claims its slot (name, minute) in the
task_runs table: however many workers there are, each schedule runs once. A task that fails its last try is
written to task_failures with its error; the admin's Background work page lists those, the queue's backlog
and each schedule's last run.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey, crontab
from huey import signals as huey_signals
from huey.exceptions import RetryTask
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

__all__ = ["RetryTask", "after_commit", "enqueue", "periodic", "queue_of", "task", "wait_idle"]


@dataclass
class Declared:
    function: Callable
    # Huey's options (retries, retry_delay, retry_backoff); a callable value is given the app's config.
    options: dict = field(default_factory=dict)
    schedule: dict | None = None  # crontab fields, for a periodic task


_DECLARED: dict[str, Declared] = {}

PRIORITY_WAITED = 30  # somebody is looking at a progress page
PRIORITY_PERSON = 20  # somebody waits for a mail to go on (a password-reset link)
PRIORITY_AHEAD = 10  # done ahead of a person's asking (sealed PDFs)


def task(name: str, **options):
    """Declares `function` as the task `name` (unique across the app)."""
    def decorator(function):
        _declare(name, Declared(function, options))
        return function
    return decorator


def periodic(name: str, **schedule):
    """Declares `function()` as the periodic task `name`, run at the crontab fields given (minute="*/5"; a
    callable value is given the app's config)."""
    def decorator(function):
        _declare(name, Declared(function, {}, schedule))
        return function
    return decorator


def _declare(name: str, declared: Declared) -> None:
    known = _DECLARED.get(name)
    if known is not None and known.function.__qualname__ != declared.function.__qualname__:
        raise ValueError(f"Two tasks are called {name!r}.")
    _DECLARED[name] = declared


def declared_names() -> list[str]:
    return sorted(_DECLARED)


def declared_schedules() -> dict[str, str]:
    """Each periodic task's name and its crontab fields as text (minute hour day month weekday)."""
    shown = {}
    for name, declared in sorted(_DECLARED.items()):
        if declared.schedule is not None:
            fields = {k: v(current_app.config) if callable(v) else v for k, v in declared.schedule.items()}
            shown[name] = " ".join(str(fields.get(k, "*")) for k in ("minute", "hour", "day", "month", "day_of_week"))
    return shown


# --- one queue per application ---------------------------------------------------------------

def _make_huey(config) -> Huey:
    url = config["TASK_QUEUE_URL"] or f"sqlite:///{Path(config['TASK_QUEUE_DIR']) / 'tasks.sqlite3'}"
    name = config["TASK_QUEUE_NAME"]
    # Results are not kept (no task's caller waits for one); failures are written to task_failures.
    if url.startswith("memory://"):
        return MemoryHuey(name, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # A Redis that does not answer fails a request's queueing in seconds, never holds it.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30)
        return PriorityRedisHuey(name, results=False, connection_pool=pool)  # priorities need Redis 5 or later
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, results=False, filename=str(path), timeout=30)
    raise SystemExit(f"TASK_QUEUE_URL {url!r} is neither sqlite:///PATH, redis://HOST:PORT/DB nor memory://.")


class Queue:
    """An application's task queue: its Huey, its registered tasks and (TASK_WORKERS) its in-process consumer."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _make_huey(app.config)
        self.backend = type(self.huey.storage).__name__.removesuffix("Storage").lower()
        self._wrappers: dict[str, object] = {}
        self._mine: set[str] = set()  # ids of tasks queued by this process for its in-process consumer
        self._idle = threading.Condition()
        self._consumer = None
        self._lock = threading.Lock()
        for name, declared in _DECLARED.items():
            self._register(name, declared)
        self.huey.signal(huey_signals.SIGNAL_ERROR)(self._record_failure)

    # registering
    def _register(self, name: str, declared: Declared) -> None:
        app, function, queue = self.app, declared.function, self
        schedule = None

        def run(*args, enqueued_at=None, task=None):
            try:
                with app.app_context():
                    from app.extensions import db

                    try:
                        if schedule is not None and not _claim_slot(name, schedule):
                            return None
                        return function(*args)
                    except Exception:
                        db.session.rollback()
                        raise
                    finally:
                        db.session.remove()
            finally:
                queue._finished(task.id if task is not None else None)

        def settled(values: dict) -> dict:
            return {key: value(app.config) if callable(value) else value for key, value in values.items()}

        if declared.schedule is not None:
            schedule = crontab(**settled(declared.schedule))
            wrapper = self.huey.periodic_task(schedule, name=name, context=True)(run)
        else:
            wrapper = self.huey.task(name=name, context=True, **settled(declared.options))(run)
        self._wrappers[name] = wrapper

    def _record_failure(self, signal, huey_task, exc=None):
        if huey_task.retries:  # it will be tried again
            return
        name = type(huey_task).__name__
        with self.app.app_context():
            from app.extensions import db
            from app.tasks.models import TaskFailure

            try:
                db.session.add(TaskFailure(name=name[:80], arguments=repr(huey_task.args)[:500],
                                           error=f"{type(exc).__name__}: {exc}"[:2000], task_id=huey_task.id))
                db.session.commit()
            except Exception:  # noqa: BLE001 - the failure stays in the log
                log.exception("Could not record the failure of task %s", name)
                db.session.rollback()
            finally:
                db.session.remove()

    # queueing
    def enqueue(self, name: str, *args, delay: float | None = None) -> str:
        wrapper = self._wrappers.get(name)
        if wrapper is None:
            raise LookupError(f"No task {name!r}.")
        in_process = self.app.config["TASK_WORKERS"] > 0
        if in_process:
            self._start_consumer()
        if delay:
            wrapper.schedule(args=args, kwargs={"enqueued_at": time.time() + delay}, delay=delay)
            return ""
        huey_task = wrapper.s(*args, enqueued_at=time.time())
        if in_process:
            with self._idle:
                self._mine.add(huey_task.id)
        try:
            self.huey.enqueue(huey_task)
        except Exception:
            self._finished(huey_task.id)
            raise
        return huey_task.id

    def _finished(self, task_id: str | None) -> None:
        if task_id is None:
            return
        with self._idle:
            self._mine.discard(task_id)
            if not self._mine:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._mine, timeout=timeout)

    # the in-process consumer (TASK_WORKERS)
    def _start_consumer(self) -> None:
        with self._lock:
            if self._consumer is not None:
                return
            consumer = self.huey.create_consumer(workers=self.app.config["TASK_WORKERS"], periodic=False,
                                                 initial_delay=0.02, backoff=1.5, max_delay=0.5,
                                                 check_worker_health=False)
            consumer.scheduler.start()
            for _worker, thread in consumer.worker_threads:
                thread.start()
            self._consumer = consumer

    def stop(self, timeout: float = 5) -> None:
        with self._lock:
            consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop_flag.set()
            for _worker, thread in consumer.worker_threads:
                thread.join(timeout)

    # looking at it
    def backlog(self) -> dict:
        """What waits: queued and scheduled counts and the oldest queued task's age (seconds). Raises when the
        queue's storage cannot be reached."""
        pending = self.huey.pending_count()
        scheduled = self.huey.scheduled_count()
        oldest = None
        if pending:
            first = self.huey.pending(limit=1)
            enqueued = first[0].kwargs.get("enqueued_at") if first else None
            oldest = round(time.time() - enqueued, 1) if enqueued else None
        return {"backend": self.backend, "pending": pending, "scheduled": scheduled, "oldest_pending_seconds": oldest}

    def pending(self, limit: int = 50) -> list[dict]:
        now = time.time()
        return [{"name": type(t).__name__, "id": t.id, "arguments": repr(t.args)[:200],
                 "age_seconds": round(now - t.kwargs["enqueued_at"], 1) if t.kwargs.get("enqueued_at") else None}
                for t in self.huey.pending(limit=limit)]


def queue_of(app: Flask | None = None) -> Queue:
    """The application's queue, made at first use (after every package has declared its tasks)."""
    app = app or current_app._get_current_object()
    queue = app.extensions.get("accord_tasks")
    if queue is None:
        with _queues_lock:
            queue = app.extensions.get("accord_tasks")
            if queue is None:
                queue = app.extensions["accord_tasks"] = Queue(app)
    return queue


_queues_lock = threading.Lock()


def enqueue(name: str, *args, delay: float | None = None) -> str:
    """Queues the task now (outside a transaction, or when it must not wait for one)."""
    return queue_of().enqueue(name, *args, delay=delay)


def wait_idle(timeout: float = 30, app: Flask | None = None) -> bool:
    """Waits until the tasks this process queued for its in-process consumer have run (tests, the CLI)."""
    app = app or (current_app._get_current_object() if has_app_context() else None)
    queue = app.extensions.get("accord_tasks") if app is not None else None
    return True if queue is None else queue.wait_idle(timeout)


def stop(app: Flask) -> None:
    queue = app.extensions.get("accord_tasks")
    if queue is not None:
        queue.stop()


# --- after commit ------------------------------------------------------------------------------

_PENDING_KEY = "accord_after_commit"


def after_commit(name: str, *args) -> None:
    """Queues the task `name` once the current transaction of db.session commits; nothing if it rolls back."""
    from app.extensions import db

    if name not in _DECLARED:
        raise LookupError(f"No task {name!r}.")
    session = db.session()
    session.info.setdefault(_PENDING_KEY, []).append((current_app._get_current_object(), name, args))


@event.listens_for(Session, "after_commit")
def _queue_pending(session: Session) -> None:
    for app, name, args in session.info.pop(_PENDING_KEY, None) or ():
        try:
            queue_of(app).enqueue(name, *args)
        except Exception as exc:  # noqa: BLE001 - the change is saved; its sweep queues the work later
            app.logger.warning("Task %s%r not queued (%s: %s); its periodic sweep will take it up",
                               name, args, type(exc).__name__, exc)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# --- periodic slots -----------------------------------------------------------------------------

SLOT_LOOKBACK_MINUTES = 7 * 24 * 60  # a weekly schedule's slot is found within a week


def _claim_slot(name: str, schedule: Callable[[datetime], bool]) -> bool:
    """True when this run is the first for its slot: the latest minute, now or before, that its schedule names
    (written in a short transaction of its own). Every worker's scheduler queues its own copy, and a copy may
    run minutes late (queued at 03:17:59.9, run at 03:18:00.1; or behind a backlog): the minute it happens to
    run in would give the copies of one 03:17 run different slots, and the nightly task would run twice."""
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db
    from app.tasks.models import TaskRun
    from app.util import utcnow

    now = utcnow()
    slot = minute = now.replace(second=0, microsecond=0)
    for _ in range(SLOT_LOOKBACK_MINUTES):
        if schedule(slot):
            break
        slot -= timedelta(minutes=1)
    else:
        slot = minute
    db.session.add(TaskRun(name=name, slot=slot, started_at=now))
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def newest_run() -> datetime | None:
    """When any worker last ran a periodic task (readiness: is a worker alive?). One look at the started_at
    index, however many rows a month of runs leaves (about two a minute)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.tasks.models import TaskRun

    return db.session.scalar(select(func.max(TaskRun.started_at)))


def last_runs() -> dict[str, datetime]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.tasks.models import TaskRun

    return dict(db.session.execute(select(TaskRun.name, func.max(TaskRun.started_at)).group_by(TaskRun.name)).all())


@periodic("tasks.prune_runs", minute="17", hour="3")
def prune_runs() -> int:
    """Slots and failures older than TASK_HISTORY_DAYS go (the slot table would grow by a row a minute)."""
    from sqlalchemy import delete

    from app.extensions import db
    from app.tasks.models import TaskFailure, TaskRun
    from app.util import utcnow

    before = utcnow() - timedelta(days=current_app.config["TASK_HISTORY_DAYS"])
    gone = db.session.execute(delete(TaskRun).where(TaskRun.started_at < before)).rowcount
    gone += db.session.execute(delete(TaskFailure).where(TaskFailure.failed_at < before)).rowcount
    db.session.commit()
    return gone
