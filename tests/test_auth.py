"""Accounts: signing in and out, sessions, password reset, API tokens, profile and registration."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.auth.models import ApiToken, PasswordReset, User, UserSession
from app.extensions import db
from app.mail.models import OutboxMessage
from app.util import utcnow
from tests.conftest import PASSWORD, csrf_token_from

NEW_PASSWORD = "a-brand-new-passphrase"


def csrf_of(client, path="/login") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def post_login(client, email, password, remember=False, next_=None):
    data = {"email": email, "password": password, "csrf_token": csrf_of(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login" + (f"?next={next_}" if next_ else ""), data=data)


def signed_in(client) -> bool:
    """Whether the client is signed in, as a person would notice: the profile page opens."""
    response = client.get("/profile")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    return False


def sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_of(client, "/")})


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


# --- signing in and out -------------------------------------------------------------

def test_sign_in_with_the_form_and_sign_out(client, make_user):
    user = make_user()
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    response = sign_out(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(client)


def test_sign_in_matches_the_email_in_any_letter_case(client, make_user):
    make_user(email="anna.desmet@example.eu")
    assert post_login(client, "  Anna.DeSmet@Example.EU ", PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("email, password", [
    ("known", "wrong-password-123"),
    ("nobody@example.eu", PASSWORD),
    ("known", ""),
    ("", PASSWORD),
])
def test_wrong_credentials_show_the_form_again_and_sign_nobody_in(client, make_user, email, password):
    user = make_user()
    response = post_login(client, user.email if email == "known" else email, password)
    assert response.status_code == 400
    assert "<form" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_wrong_password_and_unknown_address_give_the_same_message(client, make_user):
    user = make_user()
    wrong_password = post_login(client, user.email, "wrong-password-123").get_data(as_text=True)
    unknown = post_login(client, "nobody@example.eu", PASSWORD).get_data(as_text=True)
    message = "The e-mail address or the password is wrong."
    assert message in wrong_password and message in unknown


def test_a_disabled_account_cannot_sign_in(client, make_user):
    user = make_user()
    user.is_disabled = True
    db.session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 400
    assert not signed_in(client)


@pytest.mark.parametrize("next_, expected", [
    ("/profile", "/profile"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
])
def test_sign_in_returns_only_to_a_page_of_this_site(client, make_user, next_, expected):
    user = make_user()
    response = post_login(client, user.email, PASSWORD, next_=next_)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_remember_me_keeps_the_person_signed_in_after_the_browser_session_ends(client, make_user):
    user = make_user()
    post_login(client, user.email, PASSWORD, remember=True)
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # the browser was closed
    assert signed_in(client)


def test_without_remember_me_closing_the_browser_signs_out(client, make_user):
    user = make_user()
    post_login(client, user.email, PASSWORD)
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert not signed_in(client)


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, client, make_user):
    user = make_user()
    post_login(client, user.email, PASSWORD)
    copied = client.get_cookie("session").value
    sign_out(client)

    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not signed_in(thief)
    assert thief.get("/api/v1/me").status_code == 401


def test_a_remember_cookie_replayed_after_sign_out_is_refused(app, client, make_user):
    user = make_user()
    post_login(client, user.email, PASSWORD, remember=True)
    copied = client.get_cookie("remember_token").value
    sign_out(client)

    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    assert not signed_in(thief)


def test_sign_in_starts_a_fresh_session(app, client, make_user):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("session").value
    post_login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        first_key = session["_user_id"]
    sign_out(client)
    post_login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        second_key = session["_user_id"]
    assert first_key != second_key
    assert str(user.id) not in (first_key, second_key)  # the cookie carries a random key, not the user id

    # The cookie from before sign-in (which an attacker could have planted) signs nobody in.
    planted = app.test_client()
    planted.set_cookie("session", before)
    assert not signed_in(planted)


def test_server_keeps_only_a_hash_of_the_session_key(client, make_user):
    user = make_user()
    post_login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        key = session["_user_id"]
    stored = db.session.scalars(select(UserSession.key_hash).where(UserSession.user_id == user.id)).all()
    assert len(stored) == 1 and key not in stored


def test_signing_out_one_browser_keeps_the_other_signed_in(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, user.email, PASSWORD)
    post_login(phone, user.email, PASSWORD)
    sign_out(laptop)
    assert not signed_in(laptop)
    assert signed_in(phone)


# --- password reset -----------------------------------------------------------------

def request_reset(client, email):
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_of(client, "/password/forgot")})


def reset_link(address: str) -> str:
    body = mails_to(address)[-1].body
    match = re.search(r"http://[^/\s]+(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def choose_password(client, path, password):
    return client.post(path, data={"password": password, "csrf_token": csrf_of(client, path)})


def test_password_reset_through_the_emailed_single_use_link(client, make_user):
    user = make_user()
    response = request_reset(client, user.email.upper())
    assert response.status_code == 302
    assert "we have sent it a link" in client.get(response.headers["Location"]).get_data(as_text=True)
    path = reset_link(user.email)
    form = client.get(path)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)

    response = choose_password(client, path, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Your password is changed." in client.get(response.headers["Location"]).get_data(as_text=True)
    old = post_login(client, user.email, PASSWORD)
    assert old.status_code == 400 and "The e-mail address or the password is wrong." in old.get_data(as_text=True)
    assert not signed_in(client)
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_used_reset_link_is_refused(client, make_user):
    user = make_user()
    request_reset(client, user.email)
    path = reset_link(user.email)
    choose_password(client, path, NEW_PASSWORD)

    response = choose_password(client, path, "yet-another-passphrase")
    assert response.status_code == 400
    assert "not valid any more" in response.get_data(as_text=True)
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 302


def test_an_expired_reset_link_is_refused(client, make_user):
    user = make_user()
    request_reset(client, user.email)
    path = reset_link(user.email)
    for reset in db.session.scalars(select(PasswordReset)):
        reset.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = choose_password(client, path, NEW_PASSWORD)
    assert response.status_code == 400
    assert "not valid any more" in response.get_data(as_text=True)
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_a_forged_reset_link_is_refused(client, make_user):
    user = make_user()
    response = choose_password(client, "/password/reset/forged-token-of-some-length", NEW_PASSWORD)
    assert response.status_code == 400
    assert "not valid any more" in response.get_data(as_text=True)
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 400  # nobody's password was changed
    assert post_login(client, user.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_reset_refuses_a_short_password_and_keeps_the_link_usable(client, make_user):
    user = make_user()
    request_reset(client, user.email)
    path = reset_link(user.email)
    response = choose_password(client, path, "short")
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, make_user):
    user = make_user()
    known = request_reset(client, user.email)
    unknown = request_reset(client, "nobody@example.eu")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert mails_to("nobody@example.eu") == []


def test_reset_link_is_stored_only_as_a_hash(client, make_user):
    user = make_user()
    request_reset(client, user.email)
    raw = reset_link(user.email).rsplit("/", 1)[1]
    assert raw not in db.session.scalars(select(PasswordReset.token_hash)).all()


def test_a_password_reset_signs_out_every_browser(app, client, make_user):
    user = make_user()
    other_browser = app.test_client()
    post_login(other_browser, user.email, PASSWORD)
    request_reset(client, user.email)
    choose_password(client, reset_link(user.email), NEW_PASSWORD)
    assert not signed_in(other_browser)


# --- rate limits and password storage ---------------------------------------------------

def test_a_flood_of_wrong_passwords_is_answered_with_429(client, make_user):
    user = make_user()
    for _ in range(10):  # RATELIMIT_LOGIN: 10 per minute
        assert post_login(client, user.email, "wrong-password-123").status_code == 400
    response = post_login(client, user.email, "wrong-password-123")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Even the right password waits: guessing on is pointless.
    assert post_login(client, user.email, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_flood_of_password_reset_requests_is_answered_with_429(client, make_user):
    user = make_user()
    statuses = [request_reset(client, user.email).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(mails_to(user.email)) == 5


def test_a_flood_of_token_requests_is_answered_with_429(api, make_user):
    user = make_user()
    anonymous = api()
    statuses = [anonymous.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-password"})
                .status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    response = anonymous.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_passwords_are_stored_as_scrypt_hashes(client, make_user):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    request_reset(client, user.email)
    choose_password(client, reset_link(user.email), NEW_PASSWORD)
    db.session.refresh(user)
    assert user.password_hash.startswith("scrypt:") and NEW_PASSWORD not in user.password_hash


def test_two_people_with_one_password_have_different_hashes(make_user):
    assert make_user().password_hash != make_user().password_hash


# --- API tokens ---------------------------------------------------------------------

def test_a_token_is_issued_for_good_credentials_and_works(api, make_user):
    user = make_user()
    response = api().post("/api/v1/tokens", json={"email": user.email.upper(), "password": PASSWORD,
                                                  "name": "reporting script"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["id"] == user.id and body["user"]["email"] == user.email
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    me = api().get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id


@pytest.mark.parametrize("credentials", [
    {"email": "known", "password": "wrong-password-123"},
    {"email": "nobody@example.eu", "password": PASSWORD},
    {"email": "disabled", "password": PASSWORD},
])
def test_bad_credentials_get_no_token(api, make_user, credentials):
    user = make_user()
    disabled = make_user()
    disabled.is_disabled = True
    db.session.commit()
    email = {"known": user.email, "disabled": disabled.email}.get(credentials["email"], credentials["email"])
    response = api().post("/api/v1/tokens", json={**credentials, "email": email})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"
    assert db.session.scalar(select(ApiToken.id)) is None


def test_the_database_never_holds_the_raw_token(api, make_user):
    user = make_user()
    raw = api().post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert not any(isinstance(value, str) and raw in value for value in rows[0])
    assert all(value != raw for value in rows[0])


def test_a_revoked_token_is_refused(api, make_user):
    user = make_user()
    raw = api().post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    client = api()
    client.headers = {"Authorization": f"Bearer {raw}"}
    token_id = client.get("/api/v1/tokens").get_json()["items"][0]["id"]

    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("header", ["Bearer made-up-token", "Bearer ", "Bearer acc_" + "x" * 43])
def test_an_unknown_token_is_refused(api, make_user, header):
    response = api().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_nobody_can_revoke_someone_elses_token(api, make_user):
    owner, other = make_user(), make_user()
    api(owner)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id))
    assert api(other).delete(f"/api/v1/tokens/{token_id}").status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_the_tokens_page_shows_a_new_token_once_and_revokes_it(client, login, make_user, api):
    user = make_user()
    csrf = login(client, user)
    page = client.post("/profile/tokens", data={"name": "CI", "password": PASSWORD, "csrf_token": csrf})
    assert page.status_code == 200
    raw = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert raw not in client.get("/profile/tokens").get_data(as_text=True)

    bearer = api()
    bearer.headers = {"Authorization": f"Bearer {raw}"}
    assert bearer.get("/api/v1/me").status_code == 200
    token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert bearer.get("/api/v1/me").status_code == 401


# --- profile --------------------------------------------------------------------------

def test_profile_update_through_the_page(client, login, make_user, make_organisation):
    user = make_user()
    organisation = make_organisation()
    csrf = login(client, user)
    response = client.post("/profile", data={"name": "Anna De Smet", "organisation_id": str(organisation.id),
                                             "csrf_token": csrf})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.organisation_id) == ("Anna De Smet", organisation.id)


@pytest.mark.parametrize("name, organisation_id, field", [
    ("", "", "name"),
    ("x" * 121, "", "name"),
    ("Anna", "999999", "organisation_id"),
    ("Anna", "abc", "organisation_id"),
    ("Anna", "\u00b2", "organisation_id"),  # a superscript two: a digit to str.isdigit, not to int()
    ("Anna", "9" * 30, "organisation_id"),
])
def test_profile_page_refuses_bad_input_and_changes_nothing(client, login, make_user, name, organisation_id, field):
    user = make_user(name="Original Name")
    csrf = login(client, user)
    response = client.post("/profile", data={"name": name, "organisation_id": organisation_id, "csrf_token": csrf})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.name == "Original Name" and user.organisation_id is None


def test_profile_update_through_the_api(api, make_user, make_organisation):
    user = make_user()
    organisation = make_organisation()
    response = api(user).patch("/api/v1/me", json={"name": "Jussi Virtanen", "organisation_id": organisation.id})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Jussi Virtanen"
    assert response.get_json()["organisation_id"] == organisation.id


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"name": "A", "organisation_id": 999999}, "organisation_id"),
    ({"name": "A", "organisation_id": "1"}, "organisation_id"),
    ({}, "name"),
])
def test_profile_api_refuses_bad_input(api, make_user, body, field):
    user = make_user(name="Original Name")
    response = api(user).patch("/api/v1/me", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]
    db.session.refresh(user)
    assert user.name == "Original Name"


def test_changing_the_password_needs_the_current_one(client, login, make_user):
    user = make_user()
    csrf = login(client, user)
    wrong = client.post("/profile/password", data={"pw-current_password": "not-my-password",
                                                   "pw-new_password": NEW_PASSWORD, "csrf_token": csrf})
    assert wrong.status_code == 400
    right = client.post("/profile/password", data={"pw-current_password": PASSWORD,
                                                   "pw-new_password": NEW_PASSWORD, "csrf_token": csrf})
    assert right.status_code == 302
    db.session.refresh(user)
    from app.auth.services import authenticate
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert authenticate(user.email, PASSWORD) is None


def test_changing_the_password_signs_out_other_browsers_but_not_this_one(app, client, login, make_user):
    user = make_user()
    other_browser = app.test_client()
    post_login(other_browser, user.email, PASSWORD)
    csrf = login(client, user)
    assert signed_in(other_browser)
    answer = client.post("/profile/password", data={"pw-current_password": PASSWORD,
                                                    "pw-new_password": NEW_PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 302
    assert not signed_in(other_browser)
    assert signed_in(client)


# --- self-registration ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_self_registration_is_closed_by_default(client, method):
    response = client.open("/register", method=method, data={"email": "new@example.eu", "name": "New",
                                                              "password": NEW_PASSWORD,
                                                              "csrf_token": csrf_of(client)})
    assert response.status_code == 404
    assert db.session.scalar(select(User.id)) is None


class TestOpenRegistration:
    @pytest.fixture
    def app_config(self):
        return {"ALLOW_SELF_REGISTRATION": True}

    def register(self, client, email, name="New Person", password=NEW_PASSWORD):
        return client.post("/register", data={"email": email, "name": name, "password": password,
                                              "organisation_id": "", "csrf_token": csrf_of(client, "/register")})

    def test_registration_creates_an_account_and_signs_in(self, client):
        assert "/register" in client.get("/login").get_data(as_text=True)
        response = self.register(client, "New.Person@Example.EU")
        assert response.status_code == 302
        assert signed_in(client)
        user = db.session.scalar(select(User))
        assert user.email == "new.person@example.eu" and not user.is_admin

    def test_registration_refuses_an_address_taken_in_another_letter_case(self, client, make_user):
        make_user(email="taken@example.eu")
        response = self.register(client, "TAKEN@example.eu")
        assert response.status_code == 400
        assert "already exists" in response.get_data(as_text=True)
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1

    @pytest.mark.parametrize("email, name, password", [
        ("not-an-address", "New", NEW_PASSWORD),
        ("new@example.eu", "", NEW_PASSWORD),
        ("new@example.eu", "New", "short"),
    ])
    def test_registration_refuses_bad_input(self, client, email, name, password):
        assert self.register(client, email, name, password).status_code == 400
        assert db.session.scalar(select(User.id)) is None
