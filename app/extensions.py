"""Flask extensions, created unbound and bound to the app in create_app()."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def client_address() -> str:
    """The client's address: the connection's, or the one a configured, trusted proxy reports
    (TRUSTED_PROXIES, applied by werkzeug's ProxyFix in create_app); a client's own X-Forwarded-For is
    never believed."""
    return "addr:" + (get_remote_address() or "unknown")


def account_or_address() -> str:
    """The signed-in account (wherever it connects from), else the address."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()

_READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def reads_only(view):
    """Marks a view that changes nothing although its method is POST (a preview, a verification): its
    transaction begins as a reader, so on SQLite it never takes the write lock, however long it runs."""
    view.accord_reads_only = True
    return view


_READING_ONLY = contextvars.ContextVar("accord_reading_only", default=False)


def in_own_transaction(function, *args):
    """function(*args) in a fresh application context with its own session, which it commits or not, and
    which is closed afterwards: what it writes goes in a short transaction of its own, whatever the caller's
    transaction is. A GET request's transaction on SQLite is a reader's (configure_sqlite), so writing in it
    after a read fails with "database is locked"; outside the request's context the session begins a write
    transaction (BEGIN IMMEDIATE on SQLite), waits its turn for the lock and commits alone. Used by exports
    (claims, stored files) and the integrity check (its cursor and results)."""
    from flask import current_app

    app = current_app._get_current_object()

    def run():
        with app.app_context():
            try:
                return function(*args)
            finally:
                db.session.remove()
    return contextvars.Context().run(run)


@contextmanager
def reading_only():
    """Outside a request (a background job): transactions begun in this block begin as a reader, as a GET's
    do, so that the job's own reads hold no write lock while it writes in transactions of their own
    (begun in a fresh context, as in_own_transaction does)."""
    token = _READING_ONLY.set(True)
    try:
        yield
    finally:
        _READING_ONLY.reset(token)


def request_reads_only() -> bool:
    """Whether the current request may only read: a safe method, or a view marked with reads_only (or a
    block under reading_only)."""
    from flask import current_app

    if _READING_ONLY.get():
        return True
    if not has_request_context():
        return False
    if request.method in _READ_ONLY_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "accord_reads_only", False))


_WROTE = "accord_wrote"


@event.listens_for(Session, "after_flush")
def _remember_writes(session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session) -> None:
    session.info.pop(_WROTE, None)


def lock_row(model, row_id: int) -> bool:
    """Holds `model`'s row `row_id` until the transaction ends, so that changes to it (and to what hangs
    from it: a group's memberships and audit chain, a section's revisions) happen one at a time. On
    PostgreSQL a SELECT ... FOR UPDATE; SQLite needs none, a write request's BEGIN IMMEDIATE holding the
    database's write lock already. True when a lock was taken: what was read before it may be stale."""
    if db.engine.dialect.name != "postgresql":
        return False
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    return True


def run_unlocked(function, *args):
    """Runs a bounded but costly step (rendering a comment's Markdown to check it) with no transaction open,
    so that on SQLite no other writer waits for it: the request's transaction so far (permission checks,
    reads) is ended first. Call it before the service writes anything; if something was already flushed,
    the step runs in place rather than commit half a change."""
    session = db.session()
    if not session.info.get(_WROTE):
        session.commit()
    return function(*args)


def configure_sqlite(engine: Engine, busy_timeout: int) -> None:
    """Make SQLite safe under several workers.

    pysqlite's own transaction handling is turned off so that we emit BEGIN
    ourselves: a request that may write starts with BEGIN IMMEDIATE and takes
    the write lock at once (a transaction that reads first and upgrades to a
    write later fails with "database is locked" whatever the busy timeout).
    Read-only requests begin a plain deferred transaction, which WAL lets run
    beside a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if request_reads_only():
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
