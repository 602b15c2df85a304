"""Who may do what: every foundation route, for every kind of caller, with the exact answer.

Callers: the four roles of a working group, a signed-in person outside it
(who must not learn that the group exists: 404), and an anonymous visitor
(401 on the API, sent to the sign-in page on pages). Site-admin routes are
checked for an admin, an ordinary user and an anonymous visitor.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.api import OPERATIONS
from app.auth import services as auth_services
from app.auth.services import create_api_token
from app.extensions import db
from app.groups.models import Invitation, Membership
from app.groups.services import create_group
from app.organisations.models import Representative
from app.util import new_token, token_hash, utcnow
from tests.conftest import ApiClient, api_as, assert_refused, page_as

ROLES = ("observer", "member", "editor", "coordinator")
CALLERS = (*ROLES, "outsider", "anonymous")
ANON_API = 401
ANON_PAGE = "login"  # a redirect to the sign-in page


_hash_once = functools.lru_cache(maxsize=None)(auth_services.hash_password)


@pytest.fixture(autouse=True)
def _one_hash_per_password(monkeypatch):
    """Every case here builds eight accounts: hashing their one password once keeps the matrix fast."""
    monkeypatch.setattr(auth_services, "hash_password", _hash_once)


@dataclass
class World:
    group: object
    other_group: object
    people: dict
    target: object  # an observer whom coordinators act on
    invitation: object
    organisation: object
    representative: object


@pytest.fixture
def world(make_group, make_user, make_organisation):
    from datetime import timedelta

    group, people = make_group(roles=ROLES)
    people["outsider"] = make_user(name="Outsider")
    other_group = create_group(people["outsider"], "Someone else's group")
    target = make_user(name="Target")
    db.session.add(Membership(group_id=group.id, user_id=target.id, role="observer"))
    invitation = Invitation(group_id=group.id, email="invitee@example.eu", role="member",
                            token_hash=token_hash(new_token()), invited_by_id=people["coordinator"].id,
                            expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    organisation = make_organisation()
    representative = Representative(organisation_id=organisation.id, user_id=target.id)
    db.session.add(representative)
    people["admin"] = make_user(name="Admin", admin=True)
    people["user"] = people["outsider"]
    db.session.commit()
    return World(group, other_group, people, target, invitation, organisation, representative)


def _main(response) -> str:
    """The page's own content, without the header that names the signed-in person."""
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def fill(path: str, world: World) -> str:
    return path.format(gid=world.group.id, uid=world.target.id, iid=world.invitation.id,
                       oid=world.organisation.id, rid=world.representative.id)


def expect(allowed_from: str, ok, caller: str, *, anonymous=ANON_API):
    """The answer for `caller` when the action needs the role `allowed_from` or more."""
    if caller == "anonymous":
        return anonymous
    if caller == "outsider":
        return 404
    return ok if ROLES.index(caller) >= ROLES.index(allowed_from) else 403


REFUSAL_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}  # what a refused API caller reads
REFUSAL_WORDS = {403: "You are not allowed to do that", 404: "We could not find that page"}  # and a page


def assert_status(response, expected):
    if expected == ANON_PAGE:
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]
    else:
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert set(response.get_json()["error"]) == {"code", "message", "details"}
        if response.status_code in REFUSAL_CODES:
            assert response.get_json()["error"]["code"] == REFUSAL_CODES[response.status_code], response.get_json()
    elif response.status_code in REFUSAL_WORDS:
        assert REFUSAL_WORDS[response.status_code] in response.get_data(as_text=True)


def refused(expected) -> bool:
    return expected == ANON_PAGE or expected >= 400


def state(world: World) -> dict:
    """What the matrix's calls could change, read fresh from the database: a refused call leaves it equal."""
    from app.auth.models import User
    from app.groups.models import Group
    from app.integrity.models import IntegrityRun
    from app.organisations.models import Organisation

    db.session.expire_all()
    rows = lambda query: sorted(map(tuple, db.session.execute(query).all()))  # noqa: E731
    return {
        "groups": rows(select(Group.id, Group.name, Group.description)),
        "members": rows(select(Membership.group_id, Membership.user_id, Membership.role)),
        "invitations": rows(select(Invitation.id, Invitation.email, Invitation.role, Invitation.revoked_at,
                                   Invitation.accepted_at)),
        "organisations": rows(select(Organisation.id, Organisation.name, Organisation.country)),
        "representatives": rows(select(Representative.id, Representative.organisation_id, Representative.user_id)),
        "people": rows(select(User.id, User.name, User.email)),
        "integrity_runs": rows(select(IntegrityRun.id)),
    }


def assert_outcome(before: dict, world: World, method: str, expected, changes: bool = True):
    """A refused call changed nothing; an allowed change changed something (a read never does)."""
    after = state(world)
    if refused(expected) or method == "GET" or not changes:
        assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    else:
        assert after != before, f"{method} was allowed but nothing changed"


# --- the JSON API, group data -------------------------------------------------------------

# (method, path, body, role needed, status when allowed)
GROUP_API = [
    ("GET", "/api/v1/groups/{gid}", None, "observer", 200),
    ("PATCH", "/api/v1/groups/{gid}", {"name": "Renamed"}, "coordinator", 200),
    ("GET", "/api/v1/groups/{gid}/members", None, "observer", 200),
    ("PATCH", "/api/v1/groups/{gid}/members/{uid}", {"role": "editor"}, "coordinator", 200),
    ("DELETE", "/api/v1/groups/{gid}/members/{uid}", None, "coordinator", 204),
    ("POST", "/api/v1/groups/{gid}/invitations", {"email": "new@example.eu", "role": "member"}, "coordinator", 201),
    ("GET", "/api/v1/groups/{gid}/invitations", None, "coordinator", 200),
    ("POST", "/api/v1/groups/{gid}/invitations/batch",
     {"invitations": [{"email": "new@example.eu", "role": "member"}], "note": "Welcome"}, "coordinator", 201),
    ("DELETE", "/api/v1/groups/{gid}/invitations/{iid}", None, "coordinator", 204),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("method, path, body, needed, ok", GROUP_API,
                         ids=[f"{m} {p}" for m, p, *_ in GROUP_API])
def test_group_api_permissions(app, world, caller, method, path, body, needed, ok):
    client = api_as(app, world, caller)
    before = state(world)
    response = client._call(method, fill(path, world), json=body)
    assert_status(response, expect(needed, ok, caller))
    assert_outcome(before, world, method, expect(needed, ok, caller))


def test_what_a_refused_caller_tried_did_not_happen(app, world):
    """A sample of refused changes: the data is as it was."""
    group = world.group
    for caller in ("observer", "member", "editor", "outsider", "anonymous"):
        client = api_as(app, world, caller)
        client.patch(f"/api/v1/groups/{group.id}", json={"name": "Hijacked"})
        client.patch(f"/api/v1/groups/{group.id}/members/{world.target.id}", json={"role": "coordinator"})
        client.delete(f"/api/v1/groups/{group.id}/members/{world.people['coordinator'].id}")
        client.post(f"/api/v1/groups/{group.id}/invitations", json={"email": "spy@example.eu", "role": "coordinator"})
    db.session.refresh(group)
    assert group.name != "Hijacked"
    roles = dict(db.session.execute(select(Membership.user_id, Membership.role)
                                    .where(Membership.group_id == group.id)).all())
    assert roles[world.target.id] == "observer" and roles[world.people["coordinator"].id] == "coordinator"
    assert db.session.scalar(select(Invitation).where(Invitation.email == "spy@example.eu")) is None


@pytest.mark.parametrize("path", [
    "/api/v1/groups/{other}",
    "/api/v1/groups/{other}/members",
    "/api/v1/groups/{other}/invitations",
    "/api/v1/groups/999999",
    "/api/v1/groups/999999/members",
])
def test_another_groups_objects_are_not_found_even_for_a_coordinator(app, world, path):
    response = api_as(app, world, "coordinator").get(path.format(other=world.other_group.id))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_missing_group_and_a_hidden_one_answer_alike(app, world):
    client = api_as(app, world, "outsider")
    hidden = client.get(f"/api/v1/groups/{world.group.id}").get_json()
    missing = client.get("/api/v1/groups/999999").get_json()
    assert hidden == missing


def test_ids_from_another_group_do_not_reach_across(app, world, make_user):
    """A coordinator of one group cannot act on another group's members or invitations
    by putting their ids into the URL of their own group."""
    outsiders_invitation = Invitation(group_id=world.other_group.id, email="x@example.eu", role="member",
                                      token_hash=token_hash(new_token()), expires_at=world.invitation.expires_at)
    db.session.add(outsiders_invitation)
    db.session.commit()
    client = api_as(app, world, "coordinator")
    gid, stranger = world.group.id, world.people["outsider"].id
    assert client.patch(f"/api/v1/groups/{gid}/members/{stranger}", json={"role": "observer"}).status_code == 404
    assert client.delete(f"/api/v1/groups/{gid}/members/{stranger}").status_code == 404
    assert client.delete(f"/api/v1/groups/{gid}/invitations/{outsiders_invitation.id}").status_code == 404
    db.session.refresh(outsiders_invitation)
    assert outsiders_invitation.revoked_at is None


@pytest.mark.parametrize("caller", ROLES)
def test_every_member_may_leave(app, world, caller):
    expected = 409 if caller == "coordinator" else 204  # the last coordinator stays
    me = world.people[caller]
    response = api_as(app, world, caller).delete(f"/api/v1/groups/{world.group.id}/members/{me.id}")
    if expected == 409:
        assert_refused(response, 409, "last_coordinator")
    else:
        assert response.status_code == expected
    role = db.session.scalar(select(Membership.role).where(Membership.group_id == world.group.id,
                                                           Membership.user_id == me.id))
    assert role == ("coordinator" if caller == "coordinator" else None)


# --- the JSON API, accounts and organisations ------------------------------------------------

# (method, path, body, status for admin, for an ordinary user)
SIGNED_IN_API = [
    ("GET", "/api/v1/me", None, 200, 200),
    ("PATCH", "/api/v1/me", {"name": "New Name"}, 200, 200),
    ("GET", "/api/v1/tokens", None, 200, 200),
    ("GET", "/api/v1/groups", None, 200, 200),
    ("POST", "/api/v1/groups", {"name": "A new group"}, 201, 201),
    ("GET", "/api/v1/organisations", None, 200, 200),
    ("GET", "/api/v1/organisations/{oid}", None, 200, 200),
    ("POST", "/api/v1/organisations", {"name": "Lisbon", "country": "PT"}, 201, 403),
    ("PATCH", "/api/v1/organisations/{oid}", {"name": "Renamed", "country": "BE"}, 200, 403),
    # The organisation's representatives and contacts: ORGANISATION_API below, with its contacts as callers.
    ("GET", "/api/v1/admin/integrity", None, 200, 403),
    ("GET", "/api/v1/admin/outbox", None, 200, 403),
    ("GET", "/api/v1/admin/tasks", None, 200, 403),
    ("POST", "/api/v1/admin/outbox/999999/send-again", None, 404, 403),  # an admin is told there is none
]


@pytest.mark.parametrize("caller", ["admin", "user", "anonymous"])
@pytest.mark.parametrize("method, path, body, admin_ok, user_ok", SIGNED_IN_API,
                         ids=[f"{m} {p}" for m, p, *_ in SIGNED_IN_API])
def test_account_and_organisation_api_permissions(app, world, caller, method, path, body, admin_ok, user_ok):
    if body and body.get("user_id") == "admin":
        body = {"user_id": world.people["admin"].id}
    client = api_as(app, world, caller)
    before = state(world)
    response = client._call(method, fill(path, world), json=body)
    expected = {"admin": admin_ok, "user": user_ok, "anonymous": ANON_API}[caller]
    assert_status(response, expected)
    assert_outcome(before, world, method, expected)


def test_revoking_a_token_needs_its_owner(app, world):
    _token, _raw = create_api_token(world.people["member"], "mine")
    db.session.commit()
    path = f"/api/v1/tokens/{_token.id}"
    mine = ApiClient(app.test_client(), _raw)
    assert_refused(api_as(app, world, "anonymous").delete(path), 401, "unauthorized")
    assert_refused(api_as(app, world, "admin").delete(path), 404, "not_found")
    assert mine.get("/api/v1/me").status_code == 200  # the refusals left the token working
    assert api_as(app, world, "member").delete(path).status_code == 204
    assert_refused(mine.get("/api/v1/me"), 401, "invalid_token")


def test_invitation_links_need_no_role_but_accepting_needs_an_account(app, world):
    from app.groups.services import invite

    _invitation, raw = invite(world.people["coordinator"], world.group, "someone@example.eu", "member",
                              lambda raw: raw)
    _invitation, theirs = invite(world.people["coordinator"], world.group, world.people["outsider"].email, "member",
                                 lambda raw: raw)
    db.session.commit()
    outsider = world.people["outsider"].id

    def role_of_outsider():
        return db.session.scalar(select(Membership.role).where(Membership.group_id == world.group.id,
                                                               Membership.user_id == outsider))

    assert_refused(api_as(app, world, "anonymous").post(f"/api/v1/invitations/{raw}/accept"), 401, "unauthorized")
    # Only the invited address accepts (issue #25): the outsider holding someone else's link is refused.
    assert_refused(api_as(app, world, "outsider").post(f"/api/v1/invitations/{raw}/accept"), 403,
                   "invitation_for_another_address")
    assert role_of_outsider() is None
    assert api_as(app, world, "outsider").post(f"/api/v1/invitations/{theirs}/accept").status_code == 200
    assert role_of_outsider() == "member"


def test_the_public_api_routes_need_no_sign_in(app):
    client = ApiClient(app.test_client())
    description = client.get("/api/v1/openapi.json")
    assert description.status_code == 200 and "/api/v1/groups" in description.get_json()["paths"]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "database": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready" and ready.get_json()["reasons"] == []
    wrong = client.post("/api/v1/tokens", json={"email": "a@example.eu", "password": "x"})
    assert wrong.status_code == 401 and "token" not in wrong.get_json()


def test_the_matrix_covers_every_foundation_api_route():
    covered = {(m.lower(), p) for m, p, *_ in GROUP_API + SIGNED_IN_API + ORGANISATION_API}
    covered |= {(m.lower(), p.replace("{cid}", "{uid}")) for m, p, *_ in ORGANISATION_API}
    covered |= {("post", "/api/v1/groups/{gid}/representative-requests")}
    covered |= {("delete", "/api/v1/tokens/{token_id}"), ("post", "/api/v1/invitations/{token}/accept"),
                ("post", "/api/v1/tokens"), ("post", "/api/v1/invitations/{token}/register"),
                ("post", "/api/v1/admin/outbox/{mid}/send-again")}
    foundation = {(op.method, op.path) for op in OPERATIONS
                  if op.tag in {"accounts", "groups", "organisations", "admin"}}
    assert foundation <= covered, sorted(foundation - covered)


# --- pages, group data ---------------------------------------------------------------------

# (method, path, form data, role needed, status when allowed)
GROUP_PAGES = [
    ("GET", "/groups/{gid}", None, "observer", 200),
    ("GET", "/groups/{gid}/settings", None, "coordinator", 200),
    ("POST", "/groups/{gid}/settings", {"name": "Renamed", "description": ""}, "coordinator", 302),
    ("POST", "/groups/{gid}/invitations", {"email": "new@example.eu", "role": "member"}, "coordinator", 302),
    ("GET", "/groups/{gid}/invitations/batch", None, "coordinator", 200),
    ("POST", "/groups/{gid}/invitations/batch", {"addresses": "new@example.eu, editor", "role": "member", "note": ""},
     "coordinator", 302),
    ("GET", "/groups/{gid}/start", None, "observer", 200),
    ("POST", "/groups/{gid}/invitations/{iid}/revoke", {}, "coordinator", 302),
    ("POST", "/groups/{gid}/members/{uid}/role", {"m{uid}-role": "editor"}, "coordinator", 302),
    ("POST", "/groups/{gid}/members/{uid}/remove", {}, "coordinator", 302),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("method, path, data, needed, ok", GROUP_PAGES,
                         ids=[f"{m} {p}" for m, p, *_ in GROUP_PAGES])
def test_group_page_permissions(app, login, world, caller, method, path, data, needed, ok):
    client, csrf = page_as(app, login, world, caller)
    if data is not None:
        data = {fill(k, world): v for k, v in data.items()} | {"csrf_token": csrf}
    before = state(world)
    response = client.open(fill(path, world), method=method, data=data)
    assert_status(response, expect(needed, ok, caller, anonymous=ANON_PAGE))
    assert_outcome(before, world, method, expect(needed, ok, caller, anonymous=ANON_PAGE))


def test_refused_page_actions_change_nothing(app, login, world):
    gid, uid = world.group.id, world.target.id
    for caller in ("observer", "member", "editor", "outsider"):
        client, csrf = page_as(app, login, world, caller)
        client.post(f"/groups/{gid}/members/{uid}/role", data={f"m{uid}-role": "coordinator", "csrf_token": csrf})
        client.post(f"/groups/{gid}/members/{uid}/remove", data={"csrf_token": csrf})
        client.post(f"/groups/{gid}/invitations/{world.invitation.id}/revoke", data={"csrf_token": csrf})
        client.post(f"/groups/{gid}/settings", data={"name": "Hijacked", "csrf_token": csrf})
    db.session.refresh(world.group)
    db.session.refresh(world.invitation)
    assert world.group.name != "Hijacked"
    assert world.invitation.revoked_at is None
    assert db.session.scalar(select(Membership.role).where(Membership.group_id == gid,
                                                           Membership.user_id == uid)) == "observer"


@pytest.mark.parametrize("caller, expected", [("user", 200), ("anonymous", ANON_PAGE)])
@pytest.mark.parametrize("path", ["/groups/new", "/profile", "/profile/tokens", "/"])
def test_account_pages_need_a_signed_in_person(app, login, world, caller, expected, path):
    client, _csrf = page_as(app, login, world, caller)
    response = client.get(path)
    assert_status(response, 200 if path == "/" else expected)


def test_the_page_of_another_group_is_not_found(app, login, world):
    client, _csrf = page_as(app, login, world, "coordinator")
    hidden, missing = client.get(f"/groups/{world.other_group.id}"), client.get("/groups/999999")
    assert hidden.status_code == missing.status_code == 404
    assert "We could not find that page" in hidden.get_data(as_text=True)
    assert world.other_group.name not in hidden.get_data(as_text=True)
    assert _main(hidden) == _main(missing)  # a hidden group and a missing one read alike


# --- pages, site administration ---------------------------------------------------------------

ADMIN_PAGES = [
    ("GET", "/admin/organisations", None, 200),
    ("POST", "/admin/organisations", {"name": "Lisbon Municipality", "country": "PT", "kind": "city"}, 302),
    ("GET", "/admin/organisations/{oid}", None, 200),
    ("POST", "/admin/organisations/{oid}", {"name": "Renamed", "country": "BE", "kind": "city"}, 302),
    ("POST", "/admin/organisations/{oid}/representatives", {"user_id": "admin"}, 302),
    ("POST", "/admin/organisations/{oid}/representatives/{rid}/remove", {}, 302),
    ("GET", "/admin/outbox", None, 200),
    ("POST", "/admin/outbox/999999/send-again", {}, 302),  # an admin is told there is no such message
    ("GET", "/admin/tasks", None, 200),
    ("GET", "/admin/integrity", None, 200),
    ("POST", "/admin/integrity/run", {}, 302),
]


@pytest.mark.parametrize("caller", ["admin", "user", "anonymous"])
@pytest.mark.parametrize("method, path, data, ok", ADMIN_PAGES, ids=[f"{m} {p}" for m, p, *_ in ADMIN_PAGES])
def test_admin_page_permissions(app, login, world, caller, method, path, data, ok):
    client, csrf = page_as(app, login, world, caller)
    if data is not None:
        data = {k: (str(world.people["admin"].id) if v == "admin" else v) for k, v in data.items()}
        data["csrf_token"] = csrf
    before = state(world)
    response = client.open(fill(path, world), method=method, data=data)
    expected = {"admin": ok, "user": 403, "anonymous": ANON_PAGE}[caller]
    assert_status(response, expected)
    assert_outcome(before, world, method, expected, changes="999999" not in path)


def test_refused_admin_actions_change_nothing(app, login, world):
    client, csrf = page_as(app, login, world, "user")
    oid = world.organisation.id
    client.post(f"/admin/organisations/{oid}", data={"name": "Hijacked", "country": "BE", "kind": "city",
                                                     "csrf_token": csrf})
    client.post(f"/admin/organisations/{oid}/representatives/{world.representative.id}/remove",
                data={"csrf_token": csrf})
    db.session.refresh(world.organisation)
    assert world.organisation.name != "Hijacked"
    assert db.session.get(Representative, world.representative.id) is not None


# --- the endorsement deadline (API and page) ----------------------------------------------------

@pytest.fixture
def final_version(world):
    """The group's statement, made final by its coordinator: a version open for endorsement."""
    from app.documents.services import create_document
    from app.documents.workflow import transition

    coordinator = world.people["coordinator"]
    document = create_document(coordinator, world.group, title="Joint statement", kind="statement",
                               sections=[{"heading": "Scope", "body": "We buy together."}])
    transition(coordinator, document, "review")
    transition(coordinator, document, "final", "Final text")
    db.session.commit()
    return document.final_version


def _deadline_of(version):
    from app.endorsements.models import EndorsementDeadline

    db.session.expire_all()
    row = db.session.get(EndorsementDeadline, version.id)
    return row.deadline if row else None


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("method, needed, ok", [("GET", "observer", 200), ("PUT", "coordinator", 200)])
def test_endorsement_settings_api_permissions(app, world, final_version, caller, method, needed, ok):
    from datetime import timedelta

    day = (utcnow() + timedelta(days=9)).date()
    response = api_as(app, world, caller)._call(method, f"/api/v1/versions/{final_version.id}/endorsement-settings",
                                                json={"deadline": day.isoformat()} if method == "PUT" else None)
    expected = expect(needed, ok, caller)
    assert_status(response, expected)
    if method == "PUT":
        assert _deadline_of(final_version) == (day if expected == 200 else None)


@pytest.mark.parametrize("caller", CALLERS)
def test_endorsement_deadline_page_permissions(app, login, world, final_version, caller):
    from datetime import timedelta

    day = (utcnow() + timedelta(days=9)).date()
    client, csrf = page_as(app, login, world, caller)
    response = client.post(f"/versions/{final_version.id}/deadline",
                           data={"csrf_token": csrf, "deadline": day.isoformat()})
    expected = expect("coordinator", 302, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    assert _deadline_of(final_version) == (day if expected == 302 else None)


# --- confirmation pages: what a weighty step will do, before it is done -----------------------------

@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("path", ["/documents/{did}/transition?to=closed", "/documents/{did}/transition?to=draft",
                                  "/documents/{did}/publish?published=1"])
def test_workflow_confirmation_page_permissions(app, login, world, final_version, caller, path):
    client, _csrf = page_as(app, login, world, caller)
    response = client.get(path.format(did=final_version.document_id))
    expected = expect("coordinator", 200, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    if expected == 200:
        assert "What will happen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert final_version.document.status == "final" and final_version.document.published_at is None


@pytest.mark.parametrize("caller", CALLERS)
def test_section_removal_confirmation_page_permissions(app, login, world, caller):
    from app.documents.models import Section
    from app.documents.services import create_document

    document = create_document(world.people["editor"], world.group, title="Draft", kind="statement",
                               sections=[{"heading": "Scope", "body": "We buy together."}])
    db.session.commit()
    sid = document.sections[0].id
    client, _csrf = page_as(app, login, world, caller)
    response = client.get(f"/sections/{sid}/delete")
    expected = expect("editor", 200, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    db.session.expire_all()
    assert db.session.get(Section, sid).deleted_at is None


# --- board packs (API and page): the organisation's people, its representatives and coordinators ---------------

@pytest.mark.parametrize("caller", CALLERS)
def test_board_pack_api_permissions(app, world, final_version, caller):
    response = api_as(app, world, caller).get(f"/api/v1/versions/{final_version.id}/board-pack/{world.organisation.id}")
    assert_status(response, expect("coordinator", 200, caller))


@pytest.mark.parametrize("app_config", [{"EXPORT_WAIT_SECONDS": 60}])  # a worker renders it: on a busy machine
@pytest.mark.parametrize("caller", CALLERS)                                 # too, the file, not the progress page
def test_board_pack_page_permissions(app, login, world, final_version, caller):
    client, _csrf = page_as(app, login, world, caller)
    response = client.get(f"/versions/{final_version.id}/board-pack/{world.organisation.id}.pdf")
    assert_status(response, expect("coordinator", 200, caller, anonymous=ANON_PAGE))


def test_an_organisations_representative_and_its_people_in_the_group_may_have_its_board_pack(app, world,
                                                                                            final_version):
    path = f"/api/v1/versions/{final_version.id}/board-pack/{world.organisation.id}"
    world.people["representative"] = world.target  # an observer of the group who represents the organisation
    assert_status(api_as(app, world, "representative").get(path), 200)
    world.people["member"].organisation_id = world.organisation.id  # works for it, by their profile
    db.session.commit()
    assert_status(api_as(app, world, "member").get(path), 200)
    world.people["user"].organisation_id = world.organisation.id  # works for it, but is not in the group
    db.session.commit()
    assert_status(api_as(app, world, "user").get(path), 404)


# --- translations (API and pages) ---------------------------------------------------------------

@pytest.fixture
def translated(world):
    """The group's statement, its French translation, and the original's first section changed since: the
    translated section is behind (it follows revision 1, the original is at 2)."""
    from app.documents.services import add_section, create_document, live_sections, save_section
    from app.documents.translations import start_translation

    editor = world.people["editor"]
    document = create_document(editor, world.group, title="Joint statement", kind="statement",
                               sections=[{"heading": "Scope", "body": "We buy together."}])
    french = start_translation(editor, document, "fr")
    original = live_sections(document)[0]
    save_section(editor, original, body="We buy together, openly.", base_revision=1)
    add_section(editor, document, heading="Annex", body="Later.")  # not yet in the translation
    db.session.commit()
    return document, live_sections(french)[0]


def _translation_state(document, translated_section):
    from app.documents.models import Document, Section

    db.session.expire_all()
    return (db.session.scalar(select(func.count(Document.id)).where(Document.translation_of_id == document.id)),
            db.session.get(Section, translated_section.id).translates_revision,
            db.session.scalar(select(func.count(Section.id)).where(
                Section.document_id == translated_section.document_id, Section.deleted_at.is_(None))))


TRANSLATION_API = [
    ("POST", "/api/v1/documents/{did}/translations", {"language": "nl"}, "editor", 201),
    ("GET", "/api/v1/documents/{did}/translations", None, "observer", 200),
    ("POST", "/api/v1/sections/{tsid}/up-to-date", {"base_revision": 2}, "member", 200),
    ("POST", "/api/v1/documents/{tdid}/sections/from-original", None, "editor", 200),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("method, path, body, needed, ok", TRANSLATION_API,
                         ids=[f"{m} {p}" for m, p, *_ in TRANSLATION_API])
def test_translation_api_permissions(app, world, translated, caller, method, path, body, needed, ok):
    document, section = translated
    before = _translation_state(document, section)
    url = path.format(did=document.id, tsid=section.id, tdid=section.document_id)
    response = api_as(app, world, caller)._call(method, url, json=body)
    expected = expect(needed, ok, caller)
    assert_status(response, expected)
    after = _translation_state(document, section)
    assert (after == before) == (refused(expected) or method == "GET"), (before, after)


TRANSLATION_PAGES = [
    ("/documents/{did}/translations", {"language": "nl"}, "editor"),
    ("/sections/{tsid}/up-to-date", {"base_revision": "2"}, "member"),
    ("/documents/{tdid}/translations/add-missing", {}, "editor"),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("path, data, needed", TRANSLATION_PAGES, ids=[p for p, *_ in TRANSLATION_PAGES])
def test_translation_page_permissions(app, login, world, translated, caller, path, data, needed):
    document, section = translated
    client, csrf = page_as(app, login, world, caller)
    before = _translation_state(document, section)
    response = client.post(path.format(did=document.id, tsid=section.id, tdid=section.document_id),
                           data={"csrf_token": csrf, **data})
    expected = expect(needed, 302, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    assert (_translation_state(document, section) == before) == refused(expected)


# --- an organisation's contacts and representatives (issue 22) ----------------------------------------------
# Callers: a site admin, a contact of the organisation, one of its representatives (not a contact), any other
# signed-in person, an anonymous visitor. A contact manages representatives and contacts; nobody else but an admin.
ORG_CALLERS = ("admin", "contact", "representative", "user", "anonymous")


@pytest.fixture
def org_world(world, make_user):
    from app.organisations.models import OrganisationContact

    world.people["contact"] = make_user(name="Contact")
    world.people["representative"] = world.target
    world.people["second_contact"] = make_user(name="Second contact")
    for person in (world.people["contact"], world.people["second_contact"]):
        db.session.add(OrganisationContact(organisation_id=world.organisation.id, user_id=person.id))
    world.target.organisation_id = world.organisation.id  # the organisation takes part in the group
    db.session.commit()
    return world


def org_state(world) -> dict:
    from app.organisations.models import OrganisationContact, RepresentativeInvitation, RepresentativeRequest

    db.session.expire_all()
    rows = lambda query: sorted(map(tuple, db.session.execute(query).all()))  # noqa: E731
    return {**state(world),
            "contacts": rows(select(OrganisationContact.organisation_id, OrganisationContact.user_id)),
            "invitations_to_represent": rows(select(RepresentativeInvitation.id, RepresentativeInvitation.email)),
            "requests": rows(select(RepresentativeRequest.id))}


def org_fill(path: str, world) -> str:
    return fill(path.replace("{cid}", str(world.people["second_contact"].id)), world)


# (method, path, body, the answer for admin, contact, representative, other user)
ORGANISATION_API = [
    ("POST", "/api/v1/organisations/{oid}/contacts", {"user_id": "user"}, (201, 201, 403, 403)),
    ("DELETE", "/api/v1/organisations/{oid}/contacts/{cid}", None, (204, 204, 403, 403)),
    ("POST", "/api/v1/organisations/{oid}/representatives", {"user_id": "user"}, (201, 201, 403, 403)),
    ("DELETE", "/api/v1/organisations/{oid}/representatives/{rid}", None, (204, 204, 403, 403)),
    ("POST", "/api/v1/organisations/{oid}/representative-invitations", {"email": "new@example.eu"},
     (201, 201, 403, 403)),
]


def _answer(caller, answers, anonymous):
    return anonymous if caller == "anonymous" else answers[ORG_CALLERS.index(caller)]


@pytest.mark.parametrize("caller", ORG_CALLERS)
@pytest.mark.parametrize("method, path, body, answers", ORGANISATION_API,
                         ids=[f"{m} {p}" for m, p, *_ in ORGANISATION_API])
def test_organisation_contact_api_permissions(app, org_world, caller, method, path, body, answers):
    if body and body.get("user_id") == "user":
        body = {"user_id": org_world.people["user"].id}
    client = api_as(app, org_world, caller)
    before = org_state(org_world)
    response = client._call(method, org_fill(path, org_world), json=body)
    expected = _answer(caller, answers, ANON_API)
    assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:300])
    if expected == 403:
        assert response.get_json()["error"]["code"] == "not_organisation_contact"
    after = org_state(org_world)
    assert (after == before) is (expected >= 400), {k: (before[k], after[k]) for k in before if before[k] != after[k]}


@pytest.mark.parametrize("caller", CALLERS)
def test_representative_request_api_permissions(app, org_world, caller):
    client = api_as(app, org_world, caller)
    before = org_state(org_world)
    response = client.post(f"/api/v1/groups/{org_world.group.id}/representative-requests",
                           json={"organisation_id": org_world.organisation.id})
    expected = expect("coordinator", 201, caller)
    assert_status(response, expected)
    assert (org_state(org_world) == before) is (expected >= 400)


ORGANISATION_PAGES = [
    ("GET", "/organisations/{oid}", None, (200, 200, 403, 403)),
    ("POST", "/organisations/{oid}/contacts", {"contact-email": "user"}, (302, 302, 403, 403)),
    ("POST", "/organisations/{oid}/contacts/{cid}/remove", {}, (302, 302, 403, 403)),
    ("POST", "/organisations/{oid}/representatives", {"rep-email": "new@example.eu"}, (302, 302, 403, 403)),
    ("POST", "/organisations/{oid}/representatives/{rid}/remove", {}, (302, 302, 403, 403)),
]


@pytest.mark.parametrize("caller", ORG_CALLERS)
@pytest.mark.parametrize("method, path, data, answers", ORGANISATION_PAGES,
                         ids=[f"{m} {p}" for m, p, *_ in ORGANISATION_PAGES])
def test_organisation_contact_page_permissions(app, login, org_world, caller, method, path, data, answers):
    client, csrf = page_as(app, login, org_world, caller)
    if data is not None:
        data = {k: (org_world.people["user"].email if v == "user" else v) for k, v in data.items()}
        data["csrf_token"] = csrf
    before = org_state(org_world)
    response = client.open(org_fill(path, org_world), method=method, data=data)
    expected = _answer(caller, answers, ANON_PAGE)
    assert_status(response, expected)
    after = org_state(org_world)
    assert (after == before) is (refused(expected) or method == "GET")


@pytest.mark.parametrize("caller", CALLERS)
def test_representative_request_page_permissions(app, login, org_world, caller):
    client, csrf = page_as(app, login, org_world, caller)
    before = org_state(org_world)
    response = client.post(f"/groups/{org_world.group.id}/representative-requests",
                           data={"organisation_id": org_world.organisation.id, "csrf_token": csrf})
    expected = expect("coordinator", 302, caller, anonymous=ANON_PAGE)
    assert_status(response, expected)
    assert (org_state(org_world) == before) is refused(expected)


@pytest.mark.parametrize("caller", ORG_CALLERS)
def test_an_invitation_to_represent_needs_only_its_link(app, login, org_world, caller):
    """Whoever holds the link sees it (it names the address it is for); a forged one is not found."""
    from app.organisations.services import invite_representative

    _outcome, _invitation, raw = invite_representative(org_world.people["admin"], org_world.organisation,
                                                       "newcomer@example.eu", lambda raw: raw)
    db.session.commit()
    client, _csrf = page_as(app, login, org_world, caller)
    assert client.get(f"/organisation-invitations/{raw}").status_code == 200
    assert client.get(f"/organisation-invitations/{'x' * 43}").status_code == 404


@pytest.mark.parametrize("caller", ["admin", "user", "anonymous"])
@pytest.mark.parametrize("method, path, data, ok", [
    ("POST", "/admin/organisations/{oid}/contacts", {"contact-user_id": "admin"}, 302),
    ("POST", "/admin/organisations/{oid}/contacts/{cid}/remove", {}, 302),
])
def test_admin_contact_page_permissions(app, login, org_world, caller, method, path, data, ok):
    client, csrf = page_as(app, login, org_world, caller)
    data = {k: (str(org_world.people["admin"].id) if v == "admin" else v) for k, v in data.items()}
    data["csrf_token"] = csrf
    before = org_state(org_world)
    response = client.open(org_fill(path, org_world), method=method, data=data)
    expected = {"admin": ok, "user": 403, "anonymous": ANON_PAGE}[caller]
    assert_status(response, expected)
    assert (org_state(org_world) == before) is refused(expected)


# --- the consensus map and the public statement's transparency (API and public pages) ------------

@pytest.fixture
def public_statement(world, final_version):
    """The final statement, endorsed by world.organisation with a reservation on its section, and published."""
    from app.documents.workflow import publish
    from app.endorsements.models import Endorsement

    section_id = final_version.document.sections[0].id
    db.session.add(Endorsement(version_id=final_version.id, organisation_id=world.organisation.id,
                               user_id=world.target.id, signatory_name="Ann", signatory_title="Mayor",
                               reservation_section_id=section_id, reservation="Not yet.",
                               content_hash=final_version.content_hash))
    publish(world.people["coordinator"], final_version.document)
    db.session.commit()
    return final_version


@pytest.mark.parametrize("caller", CALLERS)
def test_consensus_api_permissions(app, world, public_statement, caller):
    response = api_as(app, world, caller).get(f"/api/v1/versions/{public_statement.id}/consensus")
    assert_status(response, expect("observer", 200, caller))
    if response.status_code == 200:
        assert response.get_json()["sections"][0]["count"] == 1


PUBLIC_PAGES = ["/public/{key}", "/public/{key}.json", "/public/{key}/badge/{oid}.svg"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_public_statement_pages_are_open_to_everyone(app, login, world, public_statement, caller, path):
    client, _csrf = page_as(app, login, world, caller)
    url = path.format(key=public_statement.document.public_key, oid=world.organisation.id)
    assert_status(client.get(url), 200)
    from app.documents.workflow import publish

    publish(world.people["coordinator"], public_statement.document, False)
    db.session.commit()
    assert_status(client.get(url), 404)  # unpublished: gone for everyone
