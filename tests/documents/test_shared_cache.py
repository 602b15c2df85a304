"""With SHARED_CACHE_URL (Redis), the workers of one server share the document page's section markup: a
section one worker built is taken by another as it is, each reader still gets only their own tools and
their own session's token, a change shows at once on every worker, and a Redis out of reach costs nothing
but the sharing. Two apps on one database stand for two workers: each has its own process caches."""
import os
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from app import create_app
from app.caching import shared_cache
from app.comments import fragments
from app.comments.services import add_comment
from app.extensions import db
from tests.conftest import PASSWORD, IsolatedClient
from tests.documents.conftest import page, section_markup, thread_and_another_member, thread_markup
from tests.live import ROOT

REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL} ({exc}); under CI=true these tests must not be skipped")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc})")


@pytest.fixture
def app_config():
    _redis_or_skip()
    return {"SHARED_CACHE_URL": REDIS_URL, "SHARED_CACHE_GENERATION": f"test-{uuid.uuid4().hex}"}


@pytest.fixture
def worker(app, database_url):
    """worker(**settings): another worker of the same server (its own caches, the same database, Redis and
    server start), or with other settings."""
    made = []

    def make(**settings):
        config = {"RATELIMIT_ENABLED": True, "SHARED_CACHE_URL": app.config["SHARED_CACHE_URL"],
                  "SHARED_CACHE_GENERATION": app.config["SHARED_CACHE_GENERATION"], **settings}
        other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **config)
        other.test_client_class = IsolatedClient
        made.append(other)
        return other
    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def _same_but_tokens(html: str) -> str:
    """The page with its session's CSRF tokens blanked (each session has its own)."""
    return re.sub(r'(name="csrf_token" value="|<meta name="csrf-token" content=")[^"]+', r"\1", html)


def _count_rendering(monkeypatch) -> list:
    """The sections whose Markdown is rendered from now on (the costly part of building a section), by
    the anchors their rendering is made for."""
    rendered, original = [], fragments.highlighted_html

    def counted(text, spans, prefix):
        rendered.append(prefix)
        return original(text, spans, prefix)
    monkeypatch.setattr(fragments, "highlighted_html", counted)
    return rendered


def test_a_section_built_by_one_worker_is_taken_by_another_as_it_is(app, login, make_user, worker, doc,
                                                                     monkeypatch):
    _group, people, document = doc
    thread_and_another_member(people, make_user, doc)
    first = app.test_client()
    first_token = login(first, people["editor"])
    built = page(first, document)
    second = worker().test_client()
    token = login(second, people["editor"])
    rendered = _count_rendering(monkeypatch)
    threads_read = []
    original = fragments.services.section_discussions
    monkeypatch.setattr(fragments.services, "section_discussions",
                        lambda sections: threads_read.extend(sections) or original(sections))
    taken = page(second, document)
    assert rendered == [] and threads_read == []  # neither a text nor a thread: whole sections taken
    assert _same_but_tokens(taken) == _same_but_tokens(built)
    assert "Which cities?" in taken
    assert taken.count(f'name="csrf_token" value="{token}"') == built.count(f'name="csrf_token" value="{first_token}"')
    assert first_token not in taken  # no form keeps the token of the session it was first built for
    # Another start of the server shares nothing with this one: its worker renders every section.
    stranger = worker(SHARED_CACHE_GENERATION=f"another-start-{uuid.uuid4().hex}").test_client()
    login(stranger, people["editor"])
    assert _same_but_tokens(page(stranger, document)) == _same_but_tokens(built)
    assert sorted(rendered) == sorted(f"{s.anchor}-" for s in document.sections)


def test_a_text_rendered_for_one_role_is_not_rendered_again_for_another_on_another_worker(
        app, login, make_user, worker, doc, monkeypatch):
    """The section markup differs by role (tools), its highlighted text does not: a worker building the
    markup for an observer takes the text an editor's page made another worker render."""
    _group, people, document = doc
    thread = thread_and_another_member(people, make_user, doc)
    editor = app.test_client()
    login(editor, people["editor"])
    page(editor, document)
    observer = worker().test_client()
    login(observer, people["observer"])
    rendered = _count_rendering(monkeypatch)
    seen = page(observer, document)
    assert rendered == []
    assert f'data-comments="{thread.id}">Cities</mark>' in seen and "Post reply" not in seen


def test_each_reader_gets_only_their_own_tools_from_markup_another_worker_built(app, login, make_user, worker,
                                                                              doc, monkeypatch):
    _group, people, document = doc
    thread = thread_and_another_member(people, make_user, doc)
    other_member = app.test_client()
    login(other_member, people["other member"])
    assert f"/comments/{thread.id}/edit" not in thread_markup(page(other_member, document), thread)
    author = worker().test_client()
    login(author, people["member"])
    rendered = _count_rendering(monkeypatch)
    seen = thread_markup(page(author, document), thread)
    assert rendered == []
    assert f"/comments/{thread.id}/edit" in seen and "Resolve<span" in seen and "Delete<span" in seen


def test_a_change_shows_at_once_on_every_worker(app, login, make_user, worker, doc):
    _group, people, document = doc
    first, second = app.test_client(), worker().test_client()
    login(first, people["editor"])
    login(second, people["editor"])
    page(first, document)
    page(second, document)
    changed = document.sections[1]
    add_comment(people["member"], changed, body="Which year exactly?", quote="2030")
    db.session.commit()
    for client in (second, first):  # the second builds it, the first takes it
        markup = section_markup(page(client, document), changed)
        assert "Which year exactly?" in markup and '<mark class="comment-mark"' in markup


def test_a_shared_cache_out_of_reach_costs_only_the_sharing(app, login, worker, doc, monkeypatch):
    _group, people, document = doc
    reference = app.test_client()
    login(reference, people["editor"])
    expected = _same_but_tokens(page(reference, document))
    cut_off = worker(SHARED_CACHE_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with cut_off.app_context():
        shared = shared_cache()
    warnings, asked = [], []
    monkeypatch.setattr(shared.logger, "warning", lambda message, *args: warnings.append(message % args))
    original = shared.client.mget
    monkeypatch.setattr(shared.client, "mget", lambda keys: asked.append(keys) or original(keys))
    client = cut_off.test_client()
    login(client, people["editor"])
    assert _same_but_tokens(page(client, document)) == expected
    add_comment(people["member"], document.sections[0], body="Still here?")
    db.session.commit()
    assert "Still here?" in page(client, document)
    assert len(asked) == 1 and len(warnings) == 1  # then it rests instead of trying at every request
    assert "failed" in warnings[0] and "ConnectionError" in warnings[0]


def test_a_piece_comes_back_from_its_encoding_as_it_was_and_anything_else_is_refused():
    hole = f"{fragments._HOLE}7{fragments._OR}mine é{fragments.CSRF}x{fragments._OR}theirs{fragments._END}"
    piece = fragments.Piece.cut(f"<p>before {fragments.CSRF} between ✓ {hole} after</p>")
    assert fragments.Piece.decode(piece.encode()) == piece
    out = []
    fragments.Piece.decode(piece.encode()).join_to(out, b"TOKEN", frozenset({7}))
    assert b"".join(out).decode() == "<p>before TOKEN between ✓ mine éTOKENx after</p>"
    for garbage in (b"", b"not json", b"\xff", b"[1, 2]", b'[[1], [], [], []]', b'{"a": 1}', b"[[], [], [], []]",
                    b'[["a"], [], ["a"], [{}]]', b'[["a"], [], ["a", "b"], [[1, [], ["x"]]]]',
                    b'[["a"], [true], ["a"], []]', b'[["a"], [], ["a", "b"], [[1, ["x"]]]]'):
        assert fragments.Piece.decode(garbage) is None, garbage


@pytest.mark.parametrize("settings, complaint", [
    ({"SHARED_CACHE_URL": "127.0.0.1:6379"}, "SHARED_CACHE_URL is not a Redis address"),
    ({"SHARED_CACHE_URL": "redis://127.0.0.1:6379/1", "SHARED_CACHE_SECONDS": 0}, "SHARED_CACHE_SECONDS"),
])
def test_a_shared_cache_setting_that_cannot_work_stops_the_app_from_starting_with_a_clear_message(
        database_url, settings, complaint):
    with pytest.raises(SystemExit, match=complaint):
        create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings)


def test_gunicorn_names_the_server_start_before_its_workers_read_their_settings():
    """gunicorn.conf.py runs in the master; each worker then imports config.py, whose setting must hold
    the name the master chose (else every worker makes up its own and none shares)."""
    check = ("import os, runpy; runpy.run_path('gunicorn.conf.py'); import config; "
             "assert config.Config.SHARED_CACHE_GENERATION == os.environ['ACCORD_CACHE_GENERATION'] != None; "
             "print(config.Config.SHARED_CACHE_GENERATION)")
    env = {k: v for k, v in os.environ.items() if k != "ACCORD_CACHE_GENERATION"}
    names = {subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True).stdout.strip() for _ in range(2)}
    assert len(names) == 2 and all(len(name) == 16 for name in names)  # a new name at each start


@pytest.fixture
def gunicorn_env():
    _redis_or_skip()
    return {"SHARED_CACHE_URL": REDIS_URL}


def test_the_workers_of_a_real_gunicorn_put_what_they_render_under_their_start(app, doc, gunicorn_server):
    _group, people, document = doc
    email, did, sections = people["editor"].email, document.id, len(document.sections)
    db.session.rollback()  # the test's transaction ends: the server may write (sign-in)
    before = _starts()
    session = requests.Session()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', session.get(f"{gunicorn_server}/login").text)[1]
    signed_in = session.post(f"{gunicorn_server}/login", allow_redirects=False,
                             data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    cookies = session.cookies.get_dict()

    def read(_):  # concurrently, so that several workers answer
        return requests.get(f"{gunicorn_server}/documents/{did}", cookies=cookies, timeout=30)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(read, range(16)))
    assert {p.status_code for p in pages} == {200}
    assert len({_same_but_tokens(p.text) for p in pages}) == 1 and "Zero-emission fleets by 2030." in pages[0].text
    started = _starts() - before
    assert len(started) == 1  # one start of the server, whichever workers answered
    (prefix,) = started
    client = redis.Redis.from_url(REDIS_URL)
    assert len(client.keys(f"{prefix}section_piece:*")) == sections
    assert len(client.keys(f"{prefix}section_text:*")) == sections


def _starts() -> set[str]:
    """The server starts (key prefixes) that have entries in the test Redis, but the tests' own."""
    keys = redis.Redis.from_url(REDIS_URL).keys("accord:*")
    return {":".join(key.decode().split(":")[:2]) + ":" for key in keys
            if not key.startswith((b"accord:test-", b"accord:another-start-"))}
