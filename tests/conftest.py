"""Test fixtures: a real database (SQLite file or PostgreSQL), built by the migrations.

TEST_DATABASE_URL picks the database (default: a SQLite file in a temporary
folder). The schema is made once per run by `flask db upgrade`'s code path;
every test starts from empty tables.
"""
from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import re
import threading

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from app import create_app
from app.extensions import db
from app.tasks import stop as stop_tasks
from app.tasks import wait_idle

pytest_plugins = ("tests.live",)  # its fixtures (gunicorn_server) for every test module

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'accord-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _empty_tables():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    The `app` fixture keeps an application context pushed for the test's own
    database work; without this, every request would reuse it and share its
    `g` (so a bearer token's user would stay signed in for the next, anonymous
    request) and its database session. The test's pending work is committed
    first, so the request sees it and the test holds no lock meanwhile.
    """

    def open(self, *args, **kwargs):
        if has_app_context():  # not when following a redirect, already isolated
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # What the request left to the task queue (mail, reset links, renders) is done before the test reads
        # on, as a person reading their mail a moment later would find it.
        assert wait_idle(60), "background work did not finish"
        return response


@pytest.fixture
def app_config():
    """Override in a test module (or parametrise) to change settings."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    # Flask-Limiter is one object shared by every app: it keeps RATELIMIT_ENABLED from the
    # previous app unless told, so a test that turned limits off would turn them off for all after.
    settings = {"RATELIMIT_ENABLED": True, **app_config}
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings)
    app.test_client_class = IsolatedClient
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        wait_idle(60)
        stop_tasks(app)
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


class QueryLog:
    """The statements the app ran on db.engine while a `count_queries` block was open."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []  # (SQL, its parameters)

    @property
    def count(self) -> int:
        return len(self.statements)

    def clear(self):
        self.statements.clear()


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `queries.count` (or `queries.statements`).

    Every statement sent to the database from inside the block is counted (the listener itself sends
    none). `this_thread_only=True` leaves out what the background pool runs meanwhile, to count what
    the request itself asks.
    """

    @contextlib.contextmanager
    def counting(*, this_thread_only=False):
        log, thread = QueryLog(), threading.get_ident()

        def record(_conn, _cursor, statement, parameters, _context, _many):
            if not this_thread_only or threading.get_ident() == thread:
                log.statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield log
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return counting


@pytest.fixture
def gunicorn_env():
    """More environment for tests.live's gunicorn_server (override in a test module)."""
    return {}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ------------------------------------------------------------------

@pytest.fixture
def make_user(app):
    from app.auth.services import create_user

    def make(name=None, email=None, *, admin=False, organisation=None, password=PASSWORD):
        n = next(_counter)
        user = create_user(email or f"person{n}@example.eu", name or f"Person {n}", password, is_admin=admin,
                           organisation_id=organisation.id if organisation else None)
        db.session.commit()
        return user
    return make


@pytest.fixture
def make_organisation(app):
    from app.organisations.models import Organisation

    def make(name=None, country="BE", kind="city"):
        organisation = Organisation(name=name or f"Organisation {next(_counter)}", country=country, kind=kind)
        db.session.add(organisation)
        db.session.commit()
        return organisation
    return make


@pytest.fixture
def make_group(app, make_user):
    """make_group(roles=("member", "editor")) -> (group, {role: user}) with a coordinator always."""
    from app.groups.models import Membership
    from app.groups.services import create_group

    def make(roles=("observer", "member", "editor"), name=None):
        people = {"coordinator": make_user(name="Coordinator")}
        group = create_group(people["coordinator"], name or f"Group {next(_counter)}")
        for role in roles:
            if role == "coordinator":
                continue
            people[role] = make_user(name=role.capitalize())
            db.session.add(Membership(group_id=group.id, user_id=people[role].id, role=role))
        db.session.commit()
        return group, people
    return make


class ApiClient:
    """A test client that speaks JSON with a bearer token (or none)."""

    def __init__(self, client, token=None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, path, json=None, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self._call("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self._call("PATCH", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self._call("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def api(app, client):
    """api(user) -> an ApiClient signed in with a fresh token of that user; api() -> anonymous."""
    from app.auth.services import create_api_token

    def make(user=None):
        if user is None:
            return ApiClient(app.test_client())
        _token, raw = create_api_token(user, "test")
        db.session.commit()
        return ApiClient(app.test_client(), raw)
    return make


def assert_refused(response, status: int, code: str):
    """The answer is the JSON error envelope with this status and code: what a client is told, not only that
    something went wrong."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json(silent=True)
    assert body and body["error"]["code"] == code, body
    return response


def csrf_token_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def api_as(app, world, caller) -> ApiClient:
    """An API client for one of the permission tables' callers (world.people[caller]); "anonymous" has none."""
    from app.auth.services import create_api_token

    if caller == "anonymous":
        return ApiClient(app.test_client())
    _token, raw = create_api_token(world.people[caller], "permissions")
    db.session.commit()
    return ApiClient(app.test_client(), raw)


def page_as(app, login, world, caller):
    """A browser client and its CSRF token (an anonymous visitor has one too)."""
    client = app.test_client()
    if caller == "anonymous":
        return client, csrf_token_from(client.get("/login").get_data(as_text=True))
    return client, login(client, world.people[caller])


@pytest.fixture
def login(app):
    """login(client, user) signs in through the real form; returns the CSRF token of the session."""

    def do(client, user, password=PASSWORD, remember=False):
        page = client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        data = {"email": user.email, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "y"
        response = client.post("/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return csrf_token_from(client.get("/").get_data(as_text=True))
    return do


# What does not depend on the database's dialect runs in the SQLite pass only (tests/run_all.sh runs the
# PostgreSQL pass with -m "not dialect_independent"): the browser walks, the PDF and signature checks on
# files, the API fuzzing against the published description, and the pure cores. A test elsewhere that
# needs both dialects stays unmarked; one that needs neither can say so with the marker itself.
DIALECT_INDEPENDENT = (
    "browser/",
    "test_api_fuzz.py",
    "test_layers.py",
    "test_i18n.py",  # the catalogues, the language choice (strings in one column, on any database)
    "export/test_languages.py",
    "export/test_pdfua.py",
    "export/test_pdf_document.py",
    "export/test_verdicts.py",
    "export/test_verify_bounds.py",
    "export/test_seal.py",
    "export/test_timestamps.py",
    "export/test_fetch_safety.py",
    "export/test_context.py",
    "documents/test_rendering.py",
    "documents/test_hostile_markdown.py",
    "documents/test_merging.py",
    "documents/test_moved_items.py",
    "documents/test_comparing.py",
    "comments/test_anchoring.py",
    "comments/test_highlighting.py",
)


def pytest_collection_modifyitems(config, items):
    root = os.path.dirname(__file__) + os.sep
    for item in items:
        relative = str(item.path)[len(root):].replace(os.sep, "/") if str(item.path).startswith(root) else ""
        if relative.startswith(DIALECT_INDEPENDENT):
            item.add_marker(pytest.mark.dialect_independent)
