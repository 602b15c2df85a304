"""The API does what its OpenAPI description says, checked by Schemathesis against the running app.

Every operation of /api/v1/openapi.json is fuzzed in-process (WSGI), with a bounded number of examples,
as two people of one working group: its coordinator (who may do almost everything) and an observer (who
may only read). The group holds a statement with sections, a named version, a comment and a suggested
change, and a roadmap with an action, and the path's ids name them, so requests reach the services
instead of stopping at 404.

Checks that run, and why:
- not_a_server_error: no input, valid or not, gives a 5xx.
- status_code_conformance: every status answered is one the operation lists.
- content_type_conformance and response_schema_conformance: what is answered has the declared media type
  and shape: for a success, the response model its `endpoint()` declares (every field, no other, each of
  its type); for an error, the error envelope. A PDF, CSV or iCalendar answer is checked for its media type.
- positive_data_acceptance: a request the description calls valid is not refused with 400/422; refusals
  for the state of things (401, 403, 404, 409, 429) stay allowed, as Schemathesis allows them, and so does
  a 400 that names only ids of the body that name nothing usable, or that comes from one of the STATEFUL
  rules below (each with its reason): no schema can say what exists.
- negative_data_rejection: a request the description calls invalid is refused (4xx), so the description
  says nothing stricter than the server.
- unsupported_method: a method the path does not list answers 405 with an `Allow` header.
Left out: max_response_time (machine load decides it, not the contract), use_after_free,
ensure_resource_availability, ignored_auth and the stateful phase (they follow links between operations,
which the description does not declare), missing_required_header (no operation requires a header; the
bearer token is sent by the test, not generated).
"""
from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from app.extensions import db
from app.tasks import wait_idle
from app.validation import MAX_ID

# What a description cannot state: that an id in the body names something that exists and may be used
# there (400 with the field named, as the description's 400 says), and these operations' rules on the state.
# A list's `cursor` is the same kind of thing: a place only the API's own next_cursor names.
REFERENCES = {"organisation_id", "parent_id", "reservation_section_id", "after_section_id", "section_id",
              "lead_user_id", "owner_organisation_id", "owner_organisation_ids", "user_id", "version",
              "base_revision", "cursor"}
STATEFUL = {
    "PUT /api/v1/documents/{did}/sections/order": "the order names every current section once",
    "PUT /api/v1/documents/{did}/actions/order": "the order names every current action once",
    "POST /api/v1/verify": "the file must be a readable PDF (400 not_a_pdf), more than any schema of bytes says",
    "PUT /api/v1/versions/{vid}/endorsement-settings": "a deadline is today or later: no schema knows today",
    "POST /api/v1/documents/{did}/docx": "the file must be a .docx exported from this document (400)",
    "POST /api/v1/groups/{gid}/documents": "an uploaded file is a .docx or UTF-8 Markdown (400 on `file`)",
    "POST /api/v1/groups/{gid}/invitations/batch": "each address once in a batch and none of a member (400 naming "
                                                   "the item)",
}


def positive_data_acceptance_but_state(ctx, response, case):
    """positive_data_acceptance, but for the refusals above."""
    if response.status_code == 400:
        fields = response.json().get("error", {}).get("details", {}).get("fields") or {}
        if case.operation.label in STATEFUL or fields and {f.split(".")[0] for f in fields} <= REFERENCES:
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          positive_data_acceptance_but_state, negative_data_rejection, unsupported_method]
EXAMPLES = 8  # per operation and role


def _valid_id(name, value) -> bool:
    if name == "token":
        return isinstance(value, str)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}


def _isolated(app):
    """Each request in its own context (as tests.conftest.IsolatedClient does for the test client)."""

    def wsgi(environ, start_response):
        db.session.commit()
        result = contextvars.Context().run(lambda: list(app(environ, start_response)))
        assert wait_idle(60), "background work did not finish"
        return result

    return wsgi


@pytest.fixture
def world(app, make_group, make_organisation, api):
    """A group with a coordinator and an observer, a statement, its sections, a version, a comment,
    a suggested change, and a roadmap with an action: the ids each path names."""
    from app.auth.services import create_api_token

    group, people = make_group(roles=("observer", "member", "editor"))
    organisation = make_organisation()
    coordinator = api(people["coordinator"])
    statement = coordinator.post(f"/api/v1/groups/{group.id}/documents", json={
        "title": "Joint statement", "kind": "statement",
        "sections": [{"heading": "Scope", "body": "We buy together."}, {"heading": "Aims", "body": "Less waste."}]})
    assert statement.status_code == 201, statement.get_json()
    document = statement.get_json()
    section = document["sections"][0]
    version = coordinator.post(f"/api/v1/documents/{document['id']}/versions", json={"label": "First"}).get_json()
    comment = coordinator.post(f"/api/v1/sections/{section['id']}/comments",
                               json={"body": "Which buyers?", "quote": "buy"}).get_json()
    amendment = api(people["member"]).post(f"/api/v1/sections/{section['id']}/amendments", json={
        "body": "We buy together, openly.", "base_revision": section["revision"]}).get_json()
    roadmap = coordinator.post(f"/api/v1/groups/{group.id}/documents", json={
        "title": "Roadmap", "kind": "roadmap", "sections": [{"heading": "Plan", "body": "Steps."}]}).get_json()
    action = coordinator.post(f"/api/v1/documents/{roadmap['id']}/actions",
                              json={"title": "Tender", "status": "planned"}).get_json()
    invitation = coordinator.post(f"/api/v1/groups/{group.id}/invitations",
                                  json={"email": "new@example.eu", "role": "member"}).get_json()
    tokens = {}
    for role in ("coordinator", "observer"):
        _token, raw = create_api_token(people[role], "fuzz")
        spare, _raw = create_api_token(people[role], "spare")  # the one DELETE /tokens/{token_id} may revoke
        tokens[role] = (spare.id, raw)
    db.session.commit()
    ids = {"gid": group.id, "did": document["id"], "sid": section["id"], "cid": comment["id"],
           "vid": version["id"], "uid": people["member"].id, "iid": invitation["id"], "oid": organisation.id,
           "rid": 1, "number": 1, "eid": 1, "token": invitation["token"]}
    by_path = {"/amendments/": {"aid": amendment["id"]}, "/actions/": {"aid": action["id"]},
               "/documents/{did}/actions": {"did": roadmap["id"]}}
    return ids, by_path, tokens


@pytest.fixture(params=["coordinator", "observer"])
def role(request):
    return request.param


@pytest.fixture
def api_schema(app, world, role):
    ids, by_path, tokens = world
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _isolated(app))
    token_id, raw = tokens[role]
    loaded.config.update(headers={"Authorization": f"Bearer {raw}"})
    loaded.config.generation.update(max_examples=EXAMPLES)
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    loaded.pins = (ids | {"token_id": token_id}, by_path)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_does_what_its_description_says(case, api_schema):
    ids, by_path = api_schema.pins
    pins = dict(ids)
    for fragment, extra in by_path.items():
        if fragment.rstrip("/") in case.operation.path:
            pins |= extra
    if case.path_parameters:  # valid ids name the world's objects; invalid ones stay, to be refused
        case.path_parameters = {name: pins.get(name, value) if _valid_id(name, value) else value
                                for name, value in case.path_parameters.items()}
    case.call_and_validate(checks=CHECKS)
