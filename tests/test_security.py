"""CSRF, security headers, cookies and the production configuration."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.groups.models import Group
from tests.conftest import PASSWORD, csrf_token_from


def groups() -> int:
    return db.session.scalar(select(func.count()).select_from(Group))


# --- CSRF ----------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "", "forged-token", "wrong-session"])
def test_a_page_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, client, login, make_user,
                                                                              token):
    user = make_user(name="Original Name")
    login(client, user)
    data = {"name": "Changed"}
    if token == "wrong-session":  # a valid token, but of another visitor's session
        data["csrf_token"] = csrf_token_from(app.test_client().get("/login").get_data(as_text=True))
    elif token is not None:
        data["csrf_token"] = token
    response = client.post("/profile", data=data)
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.name == "Original Name"


@pytest.mark.parametrize("path, data", [
    ("/groups/new", {"name": "Forged group"}),
    ("/logout", {}),
    ("/login", {"email": "x@example.eu", "password": PASSWORD}),
])
def test_every_form_needs_its_csrf_token(client, login, make_user, path, data):
    user = make_user()
    login(client, user)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert groups() == 0
    assert client.get("/profile").status_code == 200  # still signed in: the forged sign-out did nothing


def test_the_sign_in_form_itself_needs_a_csrf_token(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_an_api_call_with_the_session_cookie_needs_the_csrf_header(client, login, make_user):
    csrf = login(client, make_user())
    refused = client.post("/api/v1/groups", json={"name": "Forged"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/v1/groups", json={"name": "Forged"}, headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 400
    assert groups() == 0

    allowed = client.post("/api/v1/groups", json={"name": "Fair ICT"}, headers={"X-CSRFToken": csrf})
    assert allowed.status_code == 201
    assert groups() == 1


@pytest.mark.parametrize("method, path", [("PATCH", "/api/v1/me"), ("DELETE", "/api/v1/tokens/1")])
def test_every_unsafe_api_method_with_the_cookie_needs_the_header(client, login, make_user, method, path):
    user = make_user(name="Original Name")
    login(client, user)
    response = client.open(path, method=method, json={"name": "Changed"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.name == "Original Name"


def test_reading_with_the_session_cookie_needs_no_csrf_header(client, login, make_user):
    user = make_user()
    login(client, user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.get_json()["email"] == user.email


def test_a_bearer_token_call_needs_no_csrf_token(api, make_user):
    user = make_user()
    response = api(user).post("/api/v1/groups", json={"name": "Fair ICT"})
    assert response.status_code == 201
    assert db.session.execute(select(Group.name, Group.created_by_id)).all() == [("Fair ICT", user.id)]


def test_a_bearer_token_is_not_ambient_so_a_cookie_beside_it_does_not_matter(app, client, login, make_user, api):
    """A cross-site form cannot set an Authorization header; a call that has one is the token's user."""
    owner, other = make_user(), make_user()
    login(client, other)
    bearer = api(owner)
    client_headers = {**bearer.headers}
    response = client.post("/api/v1/groups", json={"name": "Mine"}, headers=client_headers)
    assert response.status_code == 201
    assert db.session.scalar(select(Group.created_by_id)) == owner.id


# --- headers and cookies -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/", "/api/v1/openapi.json", "/healthz", "/no-such-page"])
def test_every_answer_carries_a_strict_content_security_policy(client, path):
    policy = client.get(path).headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_other_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in headers["Cache-Control"]


def test_pages_have_no_inline_script(client, login, make_group):
    import re

    group, people = make_group()
    login(client, people["coordinator"])
    for path in ("/login", "/", f"/groups/{group.id}", "/profile", "/profile/tokens"):
        html = client.get(path).get_data(as_text=True)
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
            assert "src=" in attributes and not body.strip(), (path, attributes)
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no onclick= and the like


def session_cookie_header(response, name="session"):
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token,
                                           "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = session_cookie_header(response, name).lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie


def test_production_settings_make_cookies_secure(monkeypatch):
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_production_sends_the_session_cookie_only_over_https(database_url, monkeypatch, make_user):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-production-secret-for-this-test-only")
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_HOSTS=["accord.example"])
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    response = client.get("/login", base_url="https://accord.example")
    assert "secure" in session_cookie_header(response).lower()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, database_url):
    from config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(SystemExit) as stopped:
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url)
    assert "SECRET_KEY" in str(stopped.value.code)
    assert "environment variable" in str(stopped.value.code)


def test_the_development_secret_is_made_when_the_app_starts_never_on_import(tmp_path):
    """Importing the configuration (tests, scripts) writes nothing; a development app makes the secret
    once into its instance folder and keeps it across restarts."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ACCORD_INSTANCE_DIR": str(tmp_path), "ACCORD_ENV": "development"}
    env.pop("SECRET_KEY", None)
    def run(code):
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              check=True, cwd=os.path.dirname(os.path.dirname(__file__))).stdout
    run("import config")
    assert not (tmp_path / "secret_key").exists()
    make = "from app import create_app; print(create_app('development', SQLALCHEMY_DATABASE_URI='sqlite://').secret_key)"
    first, second = run(make).strip(), run(make).strip()
    assert (tmp_path / "secret_key").exists() and first == second and len(first) > 40


def test_production_refuses_an_empty_secret_key(monkeypatch, database_url):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(SystemExit, match="SECRET_KEY is not set"):
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url)
