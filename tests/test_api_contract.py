"""The JSON API keeps the contract of API.md: paths, fields, status codes, errors, pagination, OpenAPI."""
from __future__ import annotations

import base64
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from app.extensions import db
from app.groups.models import Membership
from tests.conftest import PASSWORD

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# API.md, foundation endpoints: (method, path, success status, error statuses it names or implies)
FOUNDATION = [
    ("post", "/api/v1/tokens", 201, (400, 401, 429)),
    ("get", "/api/v1/me", 200, (401,)),
    ("post", "/api/v1/organisations", 201, (400, 401, 403)),
    ("get", "/api/v1/organisations", 200, (401,)),
    ("post", "/api/v1/organisations/{oid}/representatives", 201, (400, 401, 403, 404)),
    ("post", "/api/v1/groups", 201, (400, 401)),
    ("get", "/api/v1/groups/{gid}", 200, (401, 404)),
    ("get", "/api/v1/groups/{gid}/members", 200, (401, 404)),
    ("post", "/api/v1/groups/{gid}/invitations", 201, (400, 401, 403, 404)),
    ("post", "/api/v1/invitations/{token}/register", 201, (400, 404, 409)),
    ("post", "/api/v1/invitations/{token}/accept", 200, (401, 404, 409)),
    ("patch", "/api/v1/groups/{gid}/members/{uid}", 200, (400, 401, 403, 404, 409)),
    ("delete", "/api/v1/groups/{gid}/members/{uid}", 204, (401, 403, 404, 409)),
]


def assert_error(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def assert_timestamp(value):
    assert isinstance(value, str) and ISO_UTC.match(value), value


# --- each endpoint: path, fields, status ------------------------------------------------------

def test_healthz(api):
    response = api().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_post_tokens(api, make_user, make_organisation):
    organisation = make_organisation()
    user = make_user(organisation=organisation)
    response = api().post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["token"], str)
    assert {k: body["user"][k] for k in ("id", "email", "name", "organisation_id")} == {
        "id": user.id, "email": user.email, "name": user.name, "organisation_id": organisation.id}
    assert "password_hash" not in body["user"]
    assert_error(api().post("/api/v1/tokens", json={"email": user.email, "password": "wrong-one-1"}), 401,
                 "bad_credentials")


def test_get_me(api, make_group):
    group, people = make_group()
    response = api(people["editor"]).get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("id", "email", "name", "organisation_id")} == {
        "id": people["editor"].id, "email": people["editor"].email, "name": people["editor"].name,
        "organisation_id": None}
    assert [{k: g[k] for k in ("id", "name", "role")} for g in body["groups"]] == [
        {"id": group.id, "name": group.name, "role": "editor"}]
    assert_error(api().get("/api/v1/me"), 401, "unauthorized")


def test_post_and_list_organisations(api, make_user):
    admin = api(make_user(admin=True))
    response = admin.post("/api/v1/organisations", json={"name": "Consip S.p.A.", "country": "IT",
                                                         "kind": "central_purchasing_body"})
    assert response.status_code == 201
    created = response.get_json()
    assert isinstance(created["id"], int)
    assert {k: created[k] for k in ("name", "country", "kind")} == {
        "name": "Consip S.p.A.", "country": "IT", "kind": "central_purchasing_body"}
    assert_timestamp(created["created_at"])
    without_kind = admin.post("/api/v1/organisations", json={"name": "Oslo", "country": "NO"})
    assert without_kind.status_code == 201 and without_kind.get_json()["kind"] == "other"

    listed = admin.get("/api/v1/organisations").get_json()
    assert set(listed) == {"items", "next_cursor"} and listed["next_cursor"] is None
    assert [o["id"] for o in listed["items"]] == [created["id"], without_kind.get_json()["id"]]


def test_post_representatives(api, make_user, make_organisation):
    organisation = make_organisation()
    person = make_user()
    admin = api(make_user(admin=True))
    response = admin.post(f"/api/v1/organisations/{organisation.id}/representatives", json={"user_id": person.id})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["organisation_id"], body["user_id"]) == (organisation.id, person.id)
    shown = admin.get(f"/api/v1/organisations/{organisation.id}").get_json()
    assert [r["user_id"] for r in shown["representatives"]] == [person.id]
    assert_error(admin.post("/api/v1/organisations/999999/representatives", json={"user_id": person.id}), 404)


def test_post_and_get_groups(api, make_user):
    caller = api(make_user())
    response = caller.post("/api/v1/groups", json={"name": "Fair ICT"})
    assert response.status_code == 201
    created = response.get_json()
    assert isinstance(created["id"], int) and created["name"] == "Fair ICT" and created["description"] == ""
    assert_timestamp(created["created_at"])
    shown = caller.get(f"/api/v1/groups/{created['id']}")
    assert shown.status_code == 200 and shown.get_json() == created


def test_get_members(api, make_group, make_organisation):
    group, people = make_group(roles=("observer",))
    organisation = make_organisation()
    people["observer"].organisation_id = organisation.id
    db.session.commit()
    response = api(people["observer"]).get(f"/api/v1/groups/{group.id}/members")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [{k: m[k] for k in ("user_id", "name", "email", "organisation_id", "role")} for m in items] == [
        {"user_id": people["coordinator"].id, "name": people["coordinator"].name,
         "email": people["coordinator"].email, "organisation_id": None, "role": "coordinator"},
        {"user_id": people["observer"].id, "name": people["observer"].name, "email": people["observer"].email,
         "organisation_id": organisation.id, "role": "observer"},
    ]


def test_post_invitations_register_and_accept(api, make_group, make_user):
    group, people = make_group()
    coordinator = api(people["coordinator"])
    response = coordinator.post(f"/api/v1/groups/{group.id}/invitations",
                                json={"email": "new@example.eu", "role": "member"})
    assert response.status_code == 201
    invitation = response.get_json()
    assert isinstance(invitation["id"], int) and isinstance(invitation["token"], str)
    assert invitation["accept_url"].startswith("http") and invitation["token"] in invitation["accept_url"]
    assert_timestamp(invitation["expires_at"])

    registered = api().post(f"/api/v1/invitations/{invitation['token']}/register",
                            json={"name": "New Person", "password": "long-enough-password"})
    assert registered.status_code == 201
    body = registered.get_json()
    assert set(body) >= {"user", "membership"}
    assert body["user"]["email"] == "new@example.eu"
    assert {k: body["membership"][k] for k in ("user_id", "role")} == {"user_id": body["user"]["id"],
                                                                      "role": "member"}

    existing = make_user()
    token = coordinator.post(f"/api/v1/groups/{group.id}/invitations",
                             json={"email": existing.email, "role": "observer"}).get_json()["token"]
    accepted = api(existing).post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 200
    assert {k: accepted.get_json()[k] for k in ("user_id", "name", "email", "organisation_id", "role")} == {
        "user_id": existing.id, "name": existing.name, "email": existing.email, "organisation_id": None,
        "role": "observer"}


def test_patch_and_delete_members(api, make_group):
    group, people = make_group()
    coordinator = api(people["coordinator"])
    patched = coordinator.patch(f"/api/v1/groups/{group.id}/members/{people['member'].id}", json={"role": "editor"})
    assert patched.status_code == 200
    assert {k: patched.get_json()[k] for k in ("user_id", "role")} == {"user_id": people["member"].id,
                                                                      "role": "editor"}
    deleted = coordinator.delete(f"/api/v1/groups/{group.id}/members/{people['member'].id}")
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert_error(coordinator.delete(f"/api/v1/groups/{group.id}/members/{people['coordinator'].id}"), 409,
                 "last_coordinator")


# --- the error envelope ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["400", "401", "403", "404-path", "404-hidden", "405", "409"])
def test_every_error_has_the_envelope(api, make_group, make_user, case):
    group, people = make_group()
    member, outsider = api(people["member"]), api(make_user())
    response = {
        "400": lambda: member.post("/api/v1/groups", json={"name": ""}),
        "401": lambda: api().get(f"/api/v1/groups/{group.id}"),
        "403": lambda: member.post(f"/api/v1/groups/{group.id}/invitations",
                                   json={"email": "a@b.eu", "role": "member"}),
        "404-path": lambda: member.get("/api/v1/no-such-thing"),
        "404-hidden": lambda: outsider.get(f"/api/v1/groups/{group.id}"),
        "405": lambda: member.put("/api/v1/me", json={}),
        "409": lambda: api(people["coordinator"]).delete(
            f"/api/v1/groups/{group.id}/members/{people['coordinator'].id}"),
    }[case]()
    error = assert_error(response, int(case[:3]))
    if case == "400":
        assert error["details"]["fields"] == {"name": "This field is required."}


class TestBodyTooLarge:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 2000}

    def test_a_body_too_large_is_413_with_the_envelope(self, api, make_user):
        response = api(make_user()).post("/api/v1/groups", json={"name": "x", "description": "y" * 5000})
        assert_error(response, 413, "too_large")


def test_a_flood_of_token_requests_is_429_with_the_envelope(api):
    for _ in range(10):
        api().post("/api/v1/tokens", json={"email": "a@example.eu", "password": "wrong-password"})
    response = api().post("/api/v1/tokens", json={"email": "a@example.eu", "password": "wrong-password"})
    assert_error(response, 429, "rate_limited")
    assert response.headers.get("Retry-After")


# --- JSON of the wrong shape --------------------------------------------------------------------

# Every foundation endpoint that reads a body: (method, path, a valid body)
BODIES = [
    ("POST", "/api/v1/groups", {"name": "Fair ICT"}),
    ("PATCH", "/api/v1/groups/{gid}", {"name": "Renamed"}),
    ("POST", "/api/v1/groups/{gid}/invitations", {"email": "new@example.eu", "role": "member"}),
    ("PATCH", "/api/v1/groups/{gid}/members/{uid}", {"role": "editor"}),
    ("POST", "/api/v1/organisations", {"name": "Lisbon", "country": "PT"}),
    ("PATCH", "/api/v1/organisations/{oid}", {"name": "Lisbon", "country": "PT"}),
    ("POST", "/api/v1/organisations/{oid}/representatives", {"user_id": "{uid}"}),
    ("PATCH", "/api/v1/me", {"name": "New Name"}),
    ("POST", "/api/v1/invitations/{token}/register", {"name": "New Person", "password": "long-enough-password"}),
    ("POST", "/api/v1/tokens", {"email": "{email}", "password": PASSWORD}),
]


@pytest.fixture
def setting(app, make_group, make_user, make_organisation):
    """A coordinator who is also site admin, so that every body is judged on its shape."""
    from app.groups.services import invite

    group, people = make_group(roles=("member",))
    caller = people["coordinator"]
    caller.is_admin = True
    organisation = make_organisation()
    _invitation, token = invite(caller, group, "invitee@example.eu", "member", lambda raw: raw)
    db.session.commit()
    values = {"gid": group.id, "uid": people["member"].id, "oid": organisation.id, "token": token,
              "email": caller.email}
    return caller, values


def fill(value, values):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in values:
            return values[value[1:-1]]
        return value.format(**values)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, valid", BODIES, ids=[f"{m} {p}" for m, p, _ in BODIES])
@pytest.mark.parametrize("shape", ["array", "string", "number", "null", "invalid", "empty", "form", "types",
                                   "missing"])
def test_json_of_the_wrong_shape_is_400_with_field_details(api, setting, method, path, valid, shape):
    caller, values = setting
    client = api(caller)
    url = fill(path, values)
    valid = fill(valid, values)
    raw = {"array": "[]", "string": '"name"', "number": "5", "null": "null", "invalid": '{"name": ',
           "empty": ""}.get(shape)
    if shape == "form":
        response = client._call(method, url, data={k: str(v) for k, v in valid.items()})
    elif shape == "types":
        response = client._call(method, url, json={k: ([v] if isinstance(v, str) else "5") for k, v in valid.items()})
    elif shape == "missing":
        response = client._call(method, url, json={"unrelated": True})
    else:
        response = client._call(method, url, data=raw, headers={"Content-Type": "application/json"})

    if shape in ("missing", "empty") and path == "/api/v1/groups/{gid}":
        assert response.status_code == 200  # every field of this PATCH is optional
        return
    error = assert_error(response, 400)
    assert isinstance(error["details"].get("fields"), dict)
    if shape in ("types", "missing", "empty"):  # the valid bodies hold exactly the required fields
        assert set(error["details"]["fields"]) == set(valid), error


def test_a_wrong_type_names_the_field(api, make_user):
    response = api(make_user()).post("/api/v1/groups", json={"name": 5, "description": ["x"]})
    fields = assert_error(response, 400, "invalid")["details"]["fields"]
    assert set(fields) == {"name", "description"}


@pytest.mark.parametrize("raw", [
    "[" * 50_000 + "]" * 50_000,
    '{"name": ' * 20_000 + "1" + "}" * 20_000,
], ids=["nested-arrays", "nested-objects"])
def test_deeply_nested_json_is_400_not_500(api, make_user, raw):
    response = api(make_user())._call("POST", "/api/v1/groups", data=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400)


@pytest.mark.parametrize("body", [
    {"name": "lone \ud800 surrogate"},
    {"name": "fine", "description": "lone \udfff surrogate"},
])
def test_text_that_is_not_unicode_is_400_not_500(api, make_user, body):
    import json

    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as \\ud800
    response = api(make_user())._call("POST", "/api/v1/groups", data=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400)


@pytest.mark.parametrize("path, raw", [
    ("/api/v1/tokens", '{"email": "a\\ud800@example.eu", "password": "long-enough-password"}'),
    ("/api/v1/tokens", '{"email": "a@example.eu", "password": "pass\\ud800word-long"}'),
    ("/api/v1/invitations/{token}/register", '{"name": "New", "password": "pass\\ud800word-long"}'),
])
def test_credentials_that_are_not_unicode_are_refused_not_500(api, setting, path, raw):
    _caller, values = setting
    response = api()._call("POST", path.format(**values), data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 401)
    assert_error(response, response.status_code)


# Ids far beyond any database integer are simply not found (or invalid in a body), never a 500.
HUGE = 10**25


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/groups/{huge}"),
    ("GET", "/api/v1/groups/{huge}/members"),
    ("PATCH", "/api/v1/groups/{gid}/members/{huge}"),
    ("DELETE", "/api/v1/groups/{gid}/members/{huge}"),
    ("DELETE", "/api/v1/groups/{gid}/invitations/{huge}"),
    ("GET", "/api/v1/organisations/{huge}"),
    ("DELETE", "/api/v1/organisations/{oid}/representatives/{huge}"),
    ("DELETE", "/api/v1/tokens/{huge}"),
    ("GET", "/api/v1/groups/2147483647"),
    ("GET", "/api/v1/groups/2147483648"),
    ("DELETE", "/api/v1/groups/{gid}/members/2147483648"),
])
def test_an_id_beyond_any_integer_is_not_found(api, setting, method, path):
    caller, values = setting
    response = api(caller)._call(method, path.format(huge=HUGE, **values), json={"role": "member"})
    assert_error(response, 404)


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", "/api/v1/organisations/{oid}/representatives", {"user_id": HUGE}, "user_id"),
    ("POST", "/api/v1/organisations/{oid}/representatives", {"user_id": -(2**70)}, "user_id"),
    ("PATCH", "/api/v1/me", {"name": "Me", "organisation_id": HUGE}, "organisation_id"),
    ("POST", "/api/v1/invitations/{token}/register", {"name": "Me", "password": "long-enough-password",
                                                      "organisation_id": HUGE}, "organisation_id"),
])
def test_an_id_beyond_any_integer_in_a_body_is_400(api, setting, method, path, body, field):
    caller, values = setting
    response = api(caller)._call(method, path.format(**values), json=body)
    assert field in assert_error(response, 400)["details"]["fields"]


def test_a_page_with_an_id_beyond_any_integer_is_not_found(client, login, make_user):
    login(client, make_user())
    assert client.get(f"/groups/{HUGE}").status_code == 404


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


class TestNeverA500:
    """Whatever JSON arrives, the answer is a deliberate one."""

    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_TOKENS": "100000 per minute"}

    @pytest.mark.parametrize("method, path, valid", BODIES, ids=[f"{m} {p}" for m, p, _ in BODIES])
    def test_any_body(self, api, setting, method, path, valid):
        caller, values = setting
        client = api(caller)
        url = fill(path, values)
        keys = list(valid)

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=json_values | st.fixed_dictionaries({}, optional={k: json_values for k in keys}))
        def check(body):
            response = client._call(method, url, json=body)
            assert response.status_code < 500, (body, response.get_json())
            if response.status_code >= 400:
                assert_error(response, response.status_code)

        check()


# --- pagination -------------------------------------------------------------------------------

def walk(client, path, limit):
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get(path, query_string={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"} and len(body["items"]) <= limit
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_organisations_are_paginated_in_order(api, make_user, make_organisation):
    ids = [make_organisation().id for _ in range(5)]
    client = api(make_user())
    items, pages = walk(client, "/api/v1/organisations", 2)
    assert [o["id"] for o in items] == ids and pages == 3
    items, pages = walk(client, "/api/v1/organisations", 5)
    assert [o["id"] for o in items] == ids and pages == 1


def test_members_are_paginated_in_order(api, make_group):
    group, people = make_group()
    client = api(people["observer"])
    items, pages = walk(client, f"/api/v1/groups/{group.id}/members", 1)
    expected = db.session.scalars(select(Membership.user_id).where(Membership.group_id == group.id)
                                  .order_by(Membership.id)).all()
    assert [m["user_id"] for m in items] == expected and pages == 4


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"),
    ("limit=1.5", "limit"), ("limit=", "limit"), ("limit=%C2%B2", "limit"), ("limit=%D9%A3", "limit"),
    ("limit=99999999999999999999999", "limit"),
    ("cursor=!!!", "cursor"), ("cursor=%E2%9C%93", "cursor"), ("cursor=bm90LWEtbnVtYmVy", "cursor"),
    ("cursor=" + base64.urlsafe_b64encode(str(10**25).encode()).decode(), "cursor"),
    ("cursor=" + base64.urlsafe_b64encode(b"9" * 5000).decode(), "cursor"),
])
def test_bad_pagination_parameters_are_400(api, make_user, make_organisation, query, field):
    make_organisation()
    response = api(make_user()).get(f"/api/v1/organisations?{query}")
    assert field in assert_error(response, 400)["details"]["fields"]


# --- the OpenAPI description -------------------------------------------------------------------

@pytest.fixture
def spec(api):
    response = api().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_is_a_valid_3_1_document(spec):
    assert spec["openapi"].startswith("3.1")
    validate_openapi(spec)


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_openapi_lists_every_api_route_and_no_other(app, spec):
    described = {(method, path) for path, operations in spec["paths"].items() for method in operations}
    assert api_routes(app) - described == set(), "routes missing from openapi.json"
    assert described - api_routes(app) == set(), "openapi.json describes routes that do not exist"


@pytest.mark.parametrize("method, path, status, errors", FOUNDATION, ids=[f"{m} {p}" for m, p, *_ in FOUNDATION])
def test_openapi_describes_each_contract_endpoint_with_its_statuses(spec, method, path, status, errors):
    operation = spec["paths"][path][method]
    assert str(status) in operation["responses"]
    assert {str(e) for e in errors} <= set(operation["responses"]), sorted(operation["responses"])
    for error in errors:
        content = operation["responses"][str(error)]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/Error"}


def test_openapi_says_every_signed_in_operation_may_answer_401(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") != []:
                assert "401" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)


@pytest.mark.parametrize("schema, required", [
    ("TokenRequest", {"email", "password"}),
    ("OrganisationRequest", {"name", "country"}),
    ("RepresentativeRequest", {"user_id"}),
    ("GroupRequest", {"name"}),
    ("InvitationRequest", {"email", "role"}),
    ("RegisterRequest", {"name", "password"}),
    ("RoleRequest", {"role"}),
])
def test_openapi_request_bodies_require_the_contract_fields(spec, schema, required):
    assert set(spec["components"]["schemas"][schema]["required"]) == required


def test_openapi_needs_no_sign_in(api):
    assert api().get("/api/v1/openapi.json").status_code == 200


def test_a_405_names_the_allowed_methods(api, make_user):
    response = api(make_user()).put("/api/v1/me", json={})
    assert_error(response, 405, "method_not_allowed")
    assert {"GET", "PATCH"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_openapi_states_the_rules_the_server_enforces(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["TransitionRequest"]["properties"]["to"]["enum"] == ["draft", "review", "final", "closed"]
    assert schemas["RoleRequest"]["properties"]["role"]["enum"] == ["observer", "member", "editor", "coordinator"]
    assert schemas["GroupRequest"]["properties"]["name"]["maxLength"] == 200
    assert "pattern" in schemas["GroupRequest"]["properties"]["name"]  # not blank, no control characters
    assert schemas["RepresentativeRequest"]["properties"]["user_id"]["maximum"] == 2**31 - 1
    diff = spec["paths"]["/api/v1/documents/{did}/diff"]["get"]["parameters"]
    assert {p["name"]: p["required"] for p in diff if p["in"] == "query"} == {"from": True, "to": True}
    verify = spec["paths"]["/api/v1/verify"]["post"]["requestBody"]
    assert verify["required"] and verify["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    # A body of optional fields only may be left out (it reads as {}); one with a required field may not.
    assert spec["paths"]["/api/v1/documents/{did}"]["patch"]["requestBody"]["required"] is False
    assert spec["paths"]["/api/v1/groups"]["post"]["requestBody"]["required"] is True
    # Nor one that must name at least one field: PATCH /me refuses {} (400), so it says the body is required.
    assert spec["paths"]["/api/v1/me"]["patch"]["requestBody"]["required"] is True
