"""Work that must not run inside a request's write transaction: done after it commits, in a small pool.

A request that writes holds the database's write lock (on SQLite, every other writer waits for it) until
it commits, so nothing slow may happen before then: no SMTP conversation, no render. `after_commit(fn)`
queues `fn` to run once the current transaction has committed (and drops it if it rolls back); `submit(fn)`
runs it in the pool now. Each job runs in its own application context with its own database session.

Jobs run in lanes, each its own pool, so that a slow kind of work does not hold up another: "default"
(mail and other short jobs, two threads) and "render" (sealed PDFs rendered ahead of their download, one
thread: the render itself is a child process, and EXPORT_MAX_RENDERS bounds renders across workers).

This is the embedded, in-process form; a later task queue (issue #18) takes its place for work that must
outlive the process.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING_KEY = "accord_after_commit"
LANES = {"default": 2, "render": 1}  # threads per lane
_pools: dict[str, ThreadPoolExecutor] = {}
_pool_lock = threading.Lock()
_futures: set[Future] = set()


def _executor(lane: str) -> ThreadPoolExecutor:
    with _pool_lock:
        if lane not in _pools:
            _pools[lane] = ThreadPoolExecutor(max_workers=LANES[lane], thread_name_prefix=f"accord-{lane}")
        return _pools[lane]


def _run(app: Flask, function, args) -> None:
    from app.extensions import db

    with app.app_context():
        try:
            function(*args)
        except Exception:  # a job's failure is logged and must not kill the pool's thread
            app.logger.exception("Background job %s failed", getattr(function, "__name__", function))
            db.session.rollback()
        finally:
            db.session.remove()


def _launch(app: Flask, function, args, lane: str = "default") -> Future:
    future = _executor(lane).submit(_run, app, function, args)
    with _pool_lock:
        _futures.add(future)
    future.add_done_callback(_discard)
    return future


def submit(function, *args) -> Future:
    """Runs function(*args) in the pool, in an application context of the current app."""
    return _launch(current_app._get_current_object(), function, args)


def _discard(future: Future) -> None:
    with _pool_lock:
        _futures.discard(future)


def after_commit(function, *args, lane: str = "default") -> None:
    """Runs function(*args) in the lane's pool once the current transaction of db.session commits."""
    from app.extensions import db

    if lane not in LANES:
        raise ValueError(f"No background lane {lane!r}.")
    session = db.session()
    session.info.setdefault(_PENDING_KEY, []).append((current_app._get_current_object(), function, args, lane))


def wait_idle(timeout: float = 30) -> bool:
    """Waits for the jobs queued so far (tests, and the CLI before it exits). True when all ended."""
    with _pool_lock:
        futures = set(_futures)
    return not wait(futures, timeout=timeout).not_done


@event.listens_for(Session, "after_commit")
def _start_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for app, function, args, lane in pending or ():
        _launch(app, function, args, lane)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
