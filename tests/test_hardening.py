"""Issue #25, as an attacker tried it: links from the Host header, tokens that outlive passwords, mail
header injection, invitations taken by the wrong person, rate limits that a proxy or a second worker
gets around, a coordinator race, and input that answered 500. Each test failed before its fix."""
from __future__ import annotations

import email
import email.policy
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app import create_app
from app.auth.models import ApiToken, PasswordReset
from app.documents import services as documents
from app.extensions import db
from app.groups.models import Group, Invitation, Membership
from app.mail.models import OutboxMessage
from tests.conftest import PASSWORD, assert_refused, csrf_token_from
from tests.live import _free_port

EVIL = "evil.example.net"
# The Redis database the rate-limit tests may empty: the SQLite and PostgreSQL passes run side by side on one
# Redis (tests/run_all.sh gives each its own).
REDIS_DB = int(os.environ.get("ACCORD_TEST_REDIS_DB", "14"))
NEW_PASSWORD = "a-brand-new-password-42"


def last_mail_to(address: str) -> OutboxMessage:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no mail to {address}"
    return message


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- links come from BASE_URL, never from the Host header ------------------------------------------------

@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://accord.example.eu"}])
def test_a_reset_link_points_at_base_url_whatever_host_the_request_names(client, make_user):
    user = make_user()
    page = client.get("/password/forgot", base_url=f"http://{EVIL}")
    response = client.post("/password/forgot", base_url=f"http://{EVIL}", headers={"X-Forwarded-Host": EVIL},
                           data={"email": user.email, "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    body = last_mail_to(user.email).body
    assert EVIL not in body
    assert re.search(r"https://accord\.example\.eu/password/reset/[A-Za-z0-9_-]{20,}", body)


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://accord.example.eu/accord"}])
def test_an_invitation_link_points_at_base_url_with_its_path(api, make_group):
    group, people = make_group()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations", headers={"Host": EVIL},
                                               json={"email": "guest@example.eu", "role": "member"})
    assert response.status_code == 201
    body = last_mail_to("guest@example.eu").body
    link = re.compile(r"https://accord\.example\.eu/accord/invitations/[A-Za-z0-9_-]{20,}")
    assert EVIL not in body and link.search(body)
    assert link.fullmatch(response.get_json()["accept_url"])


def test_production_answers_only_to_its_own_host_names(database_url, monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setattr(ProductionConfig, "TRUSTED_HOSTS", ["accord.example.eu"])
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url)
    client = app.test_client()
    own = client.get("/login", base_url="https://accord.example.eu")
    assert own.status_code == 200 and 'name="password"' in own.get_data(as_text=True)
    evil = client.get("/login", base_url=f"https://{EVIL}")
    assert evil.status_code == 400 and evil.get_data(as_text=True) == "This address is not served here.\n"
    assert EVIL not in str(evil.headers)  # no link, redirect or cookie names the forged host


# --- API tokens ------------------------------------------------------------------------------------------

def test_creating_a_token_in_the_browser_needs_the_password(client, login, make_user):
    user = make_user()
    csrf = login(client, user)
    for password in ("", "not-my-password"):
        response = client.post("/profile/tokens", data={"name": "CI", "password": password, "csrf_token": csrf})
        assert response.status_code == 400
        assert 'id="new-token-value"' not in response.get_data(as_text=True)
    assert count(ApiToken) == 0
    response = client.post("/profile/tokens", data={"name": "CI", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 200 and 'id="new-token-value"' in response.get_data(as_text=True)
    assert count(ApiToken) == 1


def test_changing_the_password_revokes_every_token(client, login, make_user, api):
    user = make_user()
    bearer = api(user)
    assert bearer.get("/api/v1/me").status_code == 200
    csrf = login(client, user)
    response = client.post("/profile/password", data={"pw-current_password": PASSWORD,
                                                      "pw-new_password": NEW_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302
    answer = bearer.get("/api/v1/me")
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "invalid_token"
    assert client.get("/profile").status_code == 200  # the session that changed it stays


def test_a_password_reset_revokes_every_token(client, make_user, api):
    user = make_user()
    bearer = api(user)
    page = client.get("/password/forgot")
    client.post("/password/forgot", data={"email": user.email,
                                          "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    link = re.search(r"http\S+/password/reset/\S+", last_mail_to(user.email).body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path)
    response = client.post("/" + path, data={"password": NEW_PASSWORD,
                                             "csrf_token": csrf_token_from(form.get_data(as_text=True))})
    assert response.status_code == 302
    assert_refused(bearer.get("/api/v1/me"), 401, "invalid_token")
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0


# --- password reset: the request does the same for every address -----------------------------------------

def test_asking_for_a_reset_runs_the_same_statements_for_known_and_unknown_addresses(app, client, make_user,
                                                                                    count_queries):
    user = make_user()
    page = client.get("/password/forgot")
    csrf = csrf_token_from(page.get_data(as_text=True))
    seen = {}
    for address in (user.email, "nobody-here@example.eu"):
        with count_queries(this_thread_only=True) as queries:  # the request's own, not the background's
            response = client.post("/password/forgot", data={"email": address, "csrf_token": csrf})
        assert response.status_code == 302
        seen[address] = [statement.split()[0].upper() for statement, _ in queries.statements]
    assert seen[user.email] == seen["nobody-here@example.eu"]
    assert "INSERT" not in seen[user.email]
    assert count(PasswordReset) == 1  # made in the background, for the known address only


# --- mail: headers carry no stored text that could add a header -------------------------------------------

class Inbox:
    def __init__(self, delay: float = 0):
        self.messages: list[bytes] = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (the name aiosmtpd calls)
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; smtp_server(delay) starts one that waits before DATA."""
    controllers = []

    def start(delay: float = 0):
        inbox = Inbox(delay)
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        controllers.append(controller)
        return inbox, controller.port
    yield start
    for controller in controllers:
        controller.stop()


def mail_settings(port: int) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 10}


ENCODED_WORD_ATTACK = "Budget =?utf-8?q?x=0D=0AReply-To:_attacker@evil.example.net=0D=0A=0D=0Aforged?= group"


def test_an_encoded_word_in_a_group_name_adds_no_header_and_no_body(app, smtp_server, make_user, api):
    inbox, port = smtp_server()
    app.config.update(mail_settings(port))
    coordinator = api(make_user())
    response = coordinator.post("/api/v1/groups", json={"name": ENCODED_WORD_ATTACK})
    assert response.status_code == 201
    group = db.session.scalar(select(Group))
    response = coordinator.post(f"/api/v1/groups/{group.id}/invitations",
                                json={"email": "guest@example.eu", "role": "member"})
    assert response.status_code == 201
    assert len(inbox.messages) == 1
    raw = inbox.messages[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Reply-To"] is None and message["Bcc"] is None
    assert set(k.lower() for k in message.keys()) <= {"from", "to", "subject", "content-type", "message-id",
                                                      "content-transfer-encoding", "mime-version", "x-peer",
                                                      "x-mailfrom", "x-rcptto"}
    assert "\n" not in str(message["Subject"]) and "attacker" not in message.get_content().split("\n")[0]
    assert "forged" not in message.get_content().splitlines()[0]
    assert db.session.scalar(select(OutboxMessage.transport)) == "smtp"


@pytest.mark.parametrize("name", ["Line\u2028break", "Para\u2029graph", "Bell\x07", "Next\x85line"])
def test_names_and_titles_with_line_separators_are_refused_and_nothing_is_made(api, make_user, name):
    user = make_user()
    response = api(user).post("/api/v1/groups", json={"name": name})
    assert response.status_code == 400
    assert "name" in response.get_json()["error"]["details"]["fields"]
    assert count(Group) == 0


def test_a_stored_title_with_a_line_separator_still_mails(app, smtp_server, make_group, api):
    """Text stored before the rule (or by another path) must not make every notifying request answer 500."""
    inbox, port = smtp_server()
    app.config.update(mail_settings(port))
    group, people = make_group()
    group.name = "Old\u2028name"
    db.session.commit()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations",
                                               json={"email": "guest@example.eu", "role": "member"})
    assert response.status_code == 201
    message = email.message_from_bytes(inbox.messages[0], policy=email.policy.default)
    assert str(message["Subject"]) == "Invitation to the working group Old name"


def test_a_slow_mail_server_holds_neither_the_request_nor_its_transaction(app, smtp_server, make_group):
    """The request's work (store, commit) ends before the SMTP conversation starts: a server that waits
    2 s before accepting delays neither the answer nor anyone else's write."""
    from app.groups.services import invite
    from app.tasks import wait_idle

    inbox, port = smtp_server(delay=2)
    app.config.update(mail_settings(port))
    group, people = make_group()
    started = time.monotonic()
    invite(people["coordinator"], group, "guest@example.eu", "member", lambda raw: f"https://x/{raw}")
    db.session.commit()
    committed_after = time.monotonic() - started
    assert committed_after < 1.5
    assert inbox.messages == []
    assert wait_idle(30)
    assert len(inbox.messages) == 1


def test_a_failed_delivery_is_recorded_and_loses_nothing(app, make_group):
    from app.groups.services import invite
    from app.tasks import wait_idle

    app.config.update(mail_settings(_free_port()))  # nobody listens there
    group, people = make_group()
    invite(people["coordinator"], group, "guest@example.eu", "member", lambda raw: f"https://x/{raw}")
    db.session.commit()
    assert wait_idle(30)
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None and "ConnectionRefusedError" in message.error
    assert count(Invitation) == 1


# --- secrets are not shown on the outbox page or in the log --------------------------------------------------

def test_the_outbox_page_and_the_log_hide_reset_tokens(client, login, make_user, caplog):
    admin = make_user(admin=True)
    user = make_user()
    page = client.get("/password/forgot")
    with caplog.at_level("INFO"):
        client.post("/password/forgot", data={"email": user.email,
                                              "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    token = re.search(r"/password/reset/([A-Za-z0-9_-]+)", last_mail_to(user.email).body).group(1)
    assert f"Mail to {user.email}: Reset your Accord password" in caplog.text  # the mail is logged ...
    assert token not in caplog.text and "/password/reset/[hidden]" in caplog.text  # ... without its secret
    login(client, admin)
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "/password/reset/[hidden]" in outbox and token not in outbox


# --- invitations: only the invited address joins ---------------------------------------------------------

def test_an_outsider_with_the_link_cannot_accept_someone_elses_invitation(client, login, api, make_group, make_user):
    group, people = make_group()
    response = api(people["coordinator"]).post(f"/api/v1/groups/{group.id}/invitations",
                                               json={"email": "invited@example.eu", "role": "editor"})
    token = response.get_json()["token"]
    outsider = make_user(email="outsider@example.eu")
    answer = api(outsider).post(f"/api/v1/invitations/{token}/accept")
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "invitation_for_another_address"
    csrf = login(client, outsider)
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    assert "invited@example.eu" in page and "Accept the invitation" not in page
    assert client.post(f"/invitations/{token}", data={"csrf_token": csrf}).status_code == 403
    assert db.session.scalar(select(Membership).where(Membership.user_id == outsider.id)) is None
    assert db.session.scalar(select(Invitation.accepted_at)) is None
    assert client.get(f"/groups/{group.id}").status_code in (403, 404)

    invited = make_user(email="invited@example.eu")
    assert api(invited).post(f"/api/v1/invitations/{token}/accept").status_code == 200


# --- rate limits: per account and per address, and only a trusted proxy names the address -------------------

def post_login(client, email_address, password, address="203.0.113.7", forwarded=None):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", environ_base={"REMOTE_ADDR": address}, headers=headers,
                       data={"email": email_address, "password": password,
                             "csrf_token": csrf_token_from(page.get_data(as_text=True))})


def signs_in(app, email_address, password, **where) -> bool:
    """Whether this sign-in ends with the person signed in (their profile opens), as they would notice."""
    client = app.test_client()
    answer = post_login(client, email_address, password, **where)
    opened = client.get("/profile", environ_base={"REMOTE_ADDR": where.get("address", "203.0.113.7")})
    assert (answer.status_code == 302) is (opened.status_code == 200), (answer.status_code, opened.status_code)
    return opened.status_code == 200


def assert_rate_limited(response):
    """A 429 says so in words (or its JSON code) and says when to try again."""
    assert response.status_code == 429, response.status_code
    assert int(response.headers["Retry-After"]) > 0
    if response.mimetype == "application/json":
        assert response.get_json()["error"]["code"] == "rate_limited"
    else:
        assert "Too many attempts. Wait a moment and try again." in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_LOGIN": "5 per minute", "RATELIMIT_LOGIN_ADDRESS": "8 per minute"}])
def test_failed_sign_ins_count_per_account_from_every_address(app, make_user):
    target = make_user()
    for n in range(5):
        assert post_login(app.test_client(), target.email, "wrong-password-1",
                          address=f"198.51.100.{n}").status_code == 400
    client = app.test_client()
    assert_rate_limited(post_login(client, target.email, PASSWORD, address="198.51.100.99"))
    assert client.get("/profile").status_code == 302  # even the right password signs nobody in meanwhile


@pytest.mark.parametrize("app_config", [{"RATELIMIT_LOGIN": "5 per minute", "RATELIMIT_LOGIN_ADDRESS": "8 per minute"}])
def test_one_attackers_failures_do_not_lock_out_a_colleague_at_the_same_address(app, make_user):
    target, colleague = make_user(), make_user()
    for _ in range(5):
        post_login(app.test_client(), target.email, "wrong-password-1")
    assert_rate_limited(post_login(app.test_client(), target.email, "wrong-password-1"))
    assert signs_in(app, colleague.email, PASSWORD)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_LOGIN": "100 per minute",
                                         "RATELIMIT_LOGIN_ADDRESS": "3 per minute"}])
def test_a_client_cannot_name_its_own_address_without_a_trusted_proxy(app, make_user):
    user = make_user()
    for n in range(3):
        post_login(app.test_client(), user.email, "wrong-password-1", forwarded=f"192.0.2.{n}")
    assert_rate_limited(post_login(app.test_client(), user.email, "wrong-password-1", forwarded="192.0.2.200"))
    assert not signs_in(app, user.email, PASSWORD, forwarded="192.0.2.201")  # the address is still blocked


@pytest.mark.parametrize("app_config", [{"RATELIMIT_LOGIN": "100 per minute", "RATELIMIT_LOGIN_ADDRESS": "3 per minute",
                                         "TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_each_client_address_counts_apart(app, make_user):
    user = make_user()
    for _ in range(3):
        post_login(app.test_client(), user.email, "wrong-password-1", address="10.0.0.1", forwarded="192.0.2.1")
    assert_rate_limited(post_login(app.test_client(), user.email, "wrong-password-1", address="10.0.0.1",
                                   forwarded="192.0.2.1"))
    assert signs_in(app, user.email, PASSWORD, address="10.0.0.1", forwarded="192.0.2.2")


def test_production_with_several_workers_refuses_per_worker_rate_limits(database_url, monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setenv("ACCORD_WORKERS", "4")
    with pytest.raises(SystemExit, match="RATELIMIT_STORAGE_URI"):
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_STORAGE_URI=None)
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url,
                     RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    monkeypatch.setenv("ACCORD_WORKERS", "1")
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_STORAGE_URI=None)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("app_config", [{"RATELIMIT_PREVIEW": "3 per minute",
                                         "RATELIMIT_PREVIEW_ADDRESS": "100 per minute"}])
def test_previews_are_limited_per_account_across_addresses(app, make_user, api):
    user = make_user()
    caller = api(user)
    answers = [caller.post("/api/v1/preview", json={"body": "*hello*"},
                           environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}) for n in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert "<em>hello</em>" in answers[0].get_json()["html"]
    assert_rate_limited(answers[3])
    other = api(make_user()).post("/api/v1/preview", json={"body": "*hello*"})
    assert other.status_code == 200 and "<em>hello</em>" in other.get_json()["html"]


# --- one id parser: odd numbers answer 400 or 404, never 500 -------------------------------------------------

@pytest.fixture
def versioned(make_group):
    group, people = make_group()
    document = documents.create_document(people["editor"], group, title="Joint statement", kind="statement",
                                         sections=[{"heading": "Aim", "body": "Buy clean."}])
    db.session.flush()
    documents.create_version(people["editor"], document, label="First")
    db.session.commit()
    return group, people, document


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "-1", "1e3", "０", " 1"])
def test_odd_numbers_in_comparisons_answer_400_or_404(client, login, api, versioned, value):
    group, people, document = versioned
    section = document.sections[0]
    caller = api(people["member"])
    for path in (f"/api/v1/sections/{section.id}/diff?from={value}&to=1",
                 f"/api/v1/documents/{document.id}/diff?from={value}&to=current"):
        response = caller.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert response.get_json()["error"]["code"] in ("invalid", "not_found")
    login(client, people["member"])
    # The compare page, its PDF and .docx read ?from= alike (documents.services.compared_version): not an id is
    # invalid input, said on the page the person came from; an id of no version of this document is not found.
    for path in (f"/documents/{document.id}/compare", f"/documents/{document.id}/compare/export.pdf",
                 f"/documents/{document.id}/compare/export.docx"):
        response = client.get(f"{path}?from={value}&to=current")
        if response.status_code == 302:
            assert "Not a version of this document." in client.get(response.headers["Location"]).get_data(
                as_text=True), path
        else:
            assert response.status_code == 404, (path, response.status_code)
    # The section's diff page reads an odd number as none given: the latest change is shown.
    assert client.get(f"/sections/{section.id}/diff?from={value}&to={value}").status_code == 200
    assert client.get(f"/documents/{document.id}?saved={value}").status_code == 200


def test_a_save_with_an_odd_base_revision_keeps_the_words_and_saves_nothing(client, login, versioned):
    group, people, document = versioned
    section = document.sections[0]
    csrf = login(client, people["editor"])
    before = section.current_revision
    response = client.post(f"/sections/{section.id}/edit",
                           data={"heading": "Aim", "body": "Buy clean and fair.", "base_revision": "²",
                                 "message": "", "csrf_token": csrf})
    assert response.status_code == 400
    assert "Buy clean and fair." in response.get_data(as_text=True)
    db.session.refresh(section)
    assert section.current_revision == before


# --- two coordinators demoting each other at once ------------------------------------------------------------

def test_two_coordinators_demoting_each_other_at_once_leave_one(app, make_group, make_user, gunicorn_server):
    from app.auth.services import create_api_token

    for attempt in range(6):
        group, people = make_group(roles=())
        first = people["coordinator"]
        second = make_user()
        db.session.add(Membership(group_id=group.id, user_id=second.id, role="coordinator"))
        tokens = {first.id: create_api_token(first, "race")[1], second.id: create_api_token(second, "race")[1]}
        gid, first_id, second_id = group.id, first.id, second.id
        db.session.commit()  # and the test holds no transaction (on SQLite, no lock) while the server works
        barrier = threading.Barrier(2)

        def demote(actor, target):
            barrier.wait()
            return requests.patch(f"{gunicorn_server}/api/v1/groups/{gid}/members/{target}",
                                  json={"role": "member"}, headers={"Authorization": f"Bearer {tokens[actor]}"},
                                  timeout=30).status_code

        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(lambda pair: demote(*pair), [(first_id, second_id), (second_id, first_id)]))
        db.session.expire_all()
        coordinators = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.group_id == gid, Membership.role == "coordinator"))
        assert coordinators == 1, (attempt, statuses)
        assert statuses[0] == 200 and statuses[1] in (403, 409), statuses


# --- who represents which organisation is not for every account holder ----------------------------------------

def test_representatives_are_listed_only_to_people_who_share_a_group_with_them(api, make_group, make_user,
                                                                                make_organisation):
    from app.organisations.models import Representative

    group, people = make_group()
    city = make_organisation("City of Ghent")
    stranger = make_user(name="Stella Stranger")
    db.session.add_all([Representative(organisation_id=city.id, user_id=people["member"].id),
                        Representative(organisation_id=city.id, user_id=stranger.id)])
    db.session.commit()

    def names(user):
        listed = api(user).get("/api/v1/organisations").get_json()["items"]
        one = api(user).get(f"/api/v1/organisations/{city.id}").get_json()
        from_list = sorted(r["name"] for o in listed if o["id"] == city.id for r in o["representatives"])
        assert from_list == sorted(r["name"] for r in one["representatives"])
        return from_list

    assert names(make_user(name="Any Account")) == []
    assert names(people["editor"]) == ["Member"]
    assert names(make_user(name="Site Admin", admin=True)) == ["Member", "Stella Stranger"]


# --- one account cannot take every worker with costly requests ----------------------------------------------

def _hold_slots(app, key: str, how_many: int):
    from app.concurrency import _Slot

    with app.test_request_context():
        slots = [_Slot(key, 100) for _ in range(how_many)]
        assert all(slot.take() for slot in slots)
    return slots


def _give_back(app, slots):
    with app.test_request_context():
        for slot in slots:
            slot.give_back()


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_an_account_with_its_costly_requests_running_is_refused_more_at_once(app, api, make_user, storage):
    if storage == "redis":
        import redis

        try:
            redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2).flushdb()
        except redis.RedisError:
            pytest.fail("no Redis on 127.0.0.1:6379 (tests/run_all.sh starts one)")
        app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
    user, other = make_user(), make_user()
    caller = api(user)
    held = _hold_slots(app, f"user:{user.id}", app.config["COSTLY_AT_ONCE"])  # as if running in other workers
    try:
        refused = caller.post("/api/v1/preview", json={"body": "*hello*"})
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "too_many_at_once"
        assert "Wait for them to finish" in refused.get_json()["error"]["message"]
        assert api(other).post("/api/v1/preview", json={"body": "*hello*"}).status_code == 200
    finally:
        _give_back(app, held)
    assert caller.post("/api/v1/preview", json={"body": "*hello*"}).status_code == 200
    # A request gives its slot back however it ends, so the account is not locked out afterwards.
    assert all(caller.post("/api/v1/preview", json={"body": "x"}).status_code == 200 for _ in range(3))


# --- NUL characters never reach the database's text columns ---------------------------------------------------

def test_a_nul_character_in_a_text_is_refused_everywhere_and_nothing_is_stored(api, make_group):
    """PostgreSQL's text columns cannot hold NUL: each of these answered 500 there."""
    from app.comments.models import Amendment
    from app.documents.models import Document, SectionRevision

    group, people = make_group()
    document = documents.create_document(people["editor"], group, title="Joint statement", kind="statement",
                                         sections=[{"heading": "Aim", "body": "Buy clean."}])
    db.session.commit()
    sid = document.sections[0].id
    editor = api(people["editor"])
    before = (count(Document), count(SectionRevision), count(Amendment))
    answers = [
        editor.put(f"/api/v1/sections/{sid}", json={"body": "Buy\u0000 clean.", "base_revision": 1}),
        editor.post(f"/api/v1/groups/{group.id}/documents",
                    json={"title": "Second", "kind": "statement", "markdown": "# Aim\n\nBuy\u0000 clean."}),
        editor.post(f"/api/v1/sections/{sid}/amendments", json={"body": "Buy\u0000 fair.", "base_revision": 1}),
        editor.post(f"/api/v1/documents/{document.id}/sections", json={"heading": "More", "body": "x\u0000y"}),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.get_json()
        assert "NUL" in str(answer.get_json()["error"])
    assert (count(Document), count(SectionRevision), count(Amendment)) == before


@pytest.mark.parametrize("level", ["²", "99999999999999999999", "０"])
def test_an_odd_section_level_answers_400(api, make_group, level):
    group, people = make_group()
    document = documents.create_document(people["editor"], group, title="Joint statement", kind="statement",
                                         sections=[{"heading": "Aim", "body": "Buy clean."}])
    db.session.commit()
    answer = api(people["editor"]).post(f"/api/v1/documents/{document.id}/sections",
                                        json={"heading": "More", "body": "x", "level": level})
    assert_refused(answer, 400, "invalid")
    assert "level" in answer.get_json()["error"]["details"]["fields"]
    db.session.refresh(document)
    assert [section.heading for section in document.sections] == ["Aim"]


def test_calendar_lines_carry_no_unicode_line_separator(app):
    """icalendar escapes CR and LF only: U+2028 in a stored title would end the line in some readers."""
    from app.roadmaps.exporting import actions_ics

    row = {"action_id": 1, "document_id": 2, "due_on": "2027-03-15", "title": "Joint\u2028tender",
           "document": "Bus\u2029roadmap", "due": "15 March 2027", "status_label": "Planned\x85", "owners": [],
           "lead": {"name": "Marta\u2028Puig"}}
    body = actions_ics([row], "City\u2028calendar", "https://accord.example.eu").decode("utf-8")
    assert not any(ch in body for ch in "\u2028\u2029\x85")
    assert "SUMMARY:Due: Joint tender" in body and "X-WR-CALNAME:City calendar" in body
