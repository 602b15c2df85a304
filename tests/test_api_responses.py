"""Every success answer of the API is what its OpenAPI description says.

The description's success schemas come from the response models declared with `endpoint(response=...)`.
Here the real app is walked as the people of one working group do it (its coordinator above all): documents,
sections, revisions, versions, comments, suggested changes, a roadmap and its actions, endorsement, PDFs,
notifications, activity, the audit trail and the admin pages. Every API answer given on the way is recorded
(Flask's request_finished signal) and each success is checked against its operation's description: the status
is one it lists, the media type is the one it states and, for JSON, the body validates against the schema
(no field missing, none undeclared, each of its type). The walk must reach every operation's success answer,
so a new operation comes with a success schema and a place here.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from flask import request, request_finished
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.api import OPERATIONS
from app.audit.models import AuditCheckpoint
from app.export.models import Export
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.models import Representative
from app.tasks import wait_idle
from tests.conftest import PASSWORD

CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@pytest.fixture
def spec(api):
    response = api().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _json_schema(spec, schema):
    """The schema with the description's components beside it, so that its references resolve."""
    return {**schema, "components": spec["components"]}


# --- every operation states its success answer --------------------------------------------------

def test_every_operation_describes_its_success_answer(spec):
    missing = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            successes = {status: answer for status, answer in operation["responses"].items()
                         if status.startswith("2")}
            if not successes:
                missing.append(f"{method.upper()} {path}: no success status")
            for status, answer in successes.items():
                if status == "204":
                    if answer.get("content"):
                        missing.append(f"{method.upper()} {path}: 204 with a body")
                    continue
                content = answer.get("content") or {}
                if not content or any("schema" not in media for media in content.values()):
                    missing.append(f"{method.upper()} {path} {status}: no schema")
    assert missing == []
    assert len(OPERATIONS) == sum(len(methods) for methods in spec["paths"].values())


def test_json_success_schemas_name_every_field_and_no_other(spec):
    """Each JSON object the API answers with lists its fields and refuses others, so a serialiser that adds,
    drops or renames a field no longer matches its description."""
    loose = [name for name, schema in spec["components"]["schemas"].items()
             if name.endswith(("Json", "Page", "Ref")) and schema.get("additionalProperties") is not False]
    assert loose == []


def test_lists_read_a_page_at_a_time_say_so(spec):
    """An operation whose answer holds next_cursor takes limit and cursor, unless it always answers one page."""
    whole = {"/api/v1/groups", "/api/v1/tokens", "/api/v1/groups/{gid}/invitations",
             "/api/v1/versions/{vid}/endorsements", "/api/v1/versions/{vid}/actions",
             "/api/v1/versions/{vid}/delegations",
             "/api/v1/documents/{did}/actions/order"}
    schemas = spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            json = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            ref = json.get("schema", {}).get("$ref", "")
            if "next_cursor" not in schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
                continue
            query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert ({"limit", "cursor"} <= query) != (path in whole), (method, path)


def test_a_page_query_is_described_with_its_bounds(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/groups/{gid}/members"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["minimum"] == 1 and parameters["limit"]["schema"]["maximum"] == 200
    assert parameters["limit"]["required"] is False and parameters["cursor"]["required"] is False


def test_files_are_described_with_their_media_types(spec):
    paths = spec["paths"]
    assert set(paths["/api/v1/versions/{vid}/export.pdf"]["get"]["responses"]["200"]["content"]) == {"application/pdf"}
    assert set(paths["/api/v1/versions/{vid}/export.pdf"]["get"]["responses"]["202"]["content"]) == {
        "application/json"}
    assert set(paths["/api/v1/documents/{did}/actions.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    assert set(paths["/api/v1/versions/{vid}/export.docx"]["get"]["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    assert set(paths["/api/v1/documents/{did}/actions.ics"]["get"]["responses"]["200"]["content"]) == {
        "text/calendar"}
    assert "content" not in paths["/api/v1/sections/{sid}"]["delete"]["responses"]["204"]


# --- the walk -----------------------------------------------------------------------------------

@pytest.fixture
def answers(app):
    """Every API answer given while the test runs: (METHOD, described path, status, mimetype, bytes)."""
    seen = []

    def record(sender, response, **extra):
        rule = request.url_rule
        if rule is not None and rule.rule.startswith("/api/v1/"):
            seen.append((request.method, CONVERTER.sub(r"{\1}", rule.rule), response.status_code,
                         response.mimetype, response.get_data()))

    request_finished.connect(record, app)
    yield seen
    request_finished.disconnect(record, app)


def check(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json() if response.mimetype == "application/json" else response.get_data()


def walk(app, api, make_user, make_organisation, make_group):
    """What a group does in the API, each operation answered with success at least once."""
    from app.integrity.services import check_integrity

    admin_user = make_user(name="Site Admin", admin=True)
    group, people = make_group(roles=("observer", "member", "editor"))
    ghent = make_organisation("City of Ghent", "BE")
    for person in (people["coordinator"], people["member"]):
        person.organisation_id = ghent.id
        db.session.add(Representative(organisation_id=ghent.id, user_id=person.id))
    db.session.commit()
    coordinator, member = api(people["coordinator"]), api(people["member"])
    admin, anonymous = api(admin_user), api()
    gid = group.id

    # accounts and tokens
    made = check(anonymous.post("/api/v1/tokens", json={"email": people["coordinator"].email,
                                                        "password": PASSWORD, "name": "Laptop"}), 201)
    check(coordinator.get("/api/v1/tokens"))
    check(coordinator.get("/api/v1/me"))
    check(coordinator.patch("/api/v1/me", json={"name": "Coordinator", "organisation_id": ghent.id}))
    check(coordinator.delete(f"/api/v1/tokens/{made['token_info']['id']}"), 204)

    # organisations (site admin)
    oslo = check(admin.post("/api/v1/organisations", json={"name": "City of Oslo", "country": "NO"}), 201)
    check(admin.patch(f"/api/v1/organisations/{oslo['id']}", json={"name": "Oslo kommune", "country": "NO",
                                                                      "kind": "city"}))
    representative = check(admin.post(f"/api/v1/organisations/{oslo['id']}/representatives",
                                      json={"user_id": people["editor"].id}), 201)
    check(coordinator.get("/api/v1/organisations"))
    check(coordinator.get(f"/api/v1/organisations/{ghent.id}"))
    check(admin.delete(f"/api/v1/organisations/{oslo['id']}/representatives/{representative['id']}"), 204)
    check(admin.post(f"/api/v1/organisations/{oslo['id']}/contacts", json={"user_id": people["member"].id}), 201)
    check(admin.post(f"/api/v1/organisations/{oslo['id']}/representative-invitations",
                     json={"email": "new.buyer@oslo.example"}), 201)
    check(admin.delete(f"/api/v1/organisations/{oslo['id']}/contacts/{people['member'].id}"), 204)
    check(coordinator.post(f"/api/v1/groups/{gid}/representative-requests", json={"organisation_id": ghent.id}),
          201)  # Ghent takes part: the coordinator works for it (the profile above)

    # groups, members, invitations
    check(coordinator.post("/api/v1/groups", json={"name": "Another group"}), 201)
    check(coordinator.get("/api/v1/groups"))
    check(coordinator.get(f"/api/v1/groups/{gid}"))
    check(coordinator.patch(f"/api/v1/groups/{gid}", json={"description": "Buying fairly together."}))
    check(coordinator.get(f"/api/v1/groups/{gid}/members", query_string={"limit": 2}))
    check(coordinator.patch(f"/api/v1/groups/{gid}/members/{people['observer'].id}", json={"role": "member"}))
    newcomer = check(coordinator.post(f"/api/v1/groups/{gid}/invitations",
                                      json={"email": "newcomer@example.eu", "role": "member"}), 201)
    check(anonymous.post(f"/api/v1/invitations/{newcomer['token']}/register",
                         json={"name": "Newcomer", "password": "a long enough password"}), 201)
    known = make_user(name="Known")
    invited = check(coordinator.post(f"/api/v1/groups/{gid}/invitations",
                                     json={"email": known.email, "role": "observer"}), 201)
    check(api(known).post(f"/api/v1/invitations/{invited['token']}/accept"))
    withdrawn = check(coordinator.post(f"/api/v1/groups/{gid}/invitations",
                                       json={"email": "nobody@example.eu", "role": "observer"}), 201)
    check(coordinator.post(f"/api/v1/groups/{gid}/invitations/batch", json={
        "invitations": [{"email": "batch.one@example.eu", "role": "member"}], "note": "Welcome."}), 201)
    check(coordinator.get(f"/api/v1/groups/{gid}/invitations"))
    check(coordinator.delete(f"/api/v1/groups/{gid}/invitations/{withdrawn['id']}"), 204)
    check(coordinator.delete(f"/api/v1/groups/{gid}/members/{known.id}"), 204)

    # a statement: sections, revisions, versions, diffs
    statement = check(coordinator.post(f"/api/v1/groups/{gid}/documents", json={
        "title": "Joint statement", "kind": "statement", "summary": "What we agree.",
        "sections": [{"heading": "Scope", "body": "We buy together."},
                     {"heading": "Aims", "body": "Less waste.", "level": 2}]}), 201)
    did = statement["id"]
    scope, aims = statement["sections"]
    check(coordinator.get(f"/api/v1/groups/{gid}/documents"))
    check(coordinator.get(f"/api/v1/documents/{did}"))
    check(coordinator.patch(f"/api/v1/documents/{did}", json={"title": "Our joint statement"}))
    extra = check(coordinator.post(f"/api/v1/documents/{did}/sections",
                                   json={"heading": "Annex", "body": "Later.", "after_section_id": aims["id"]}), 201)
    check(coordinator.put(f"/api/v1/documents/{did}/sections/order",
                          json={"order": [aims["id"], scope["id"], extra["id"]]}))
    check(coordinator.get(f"/api/v1/sections/{scope['id']}"))
    french = check(coordinator.post(f"/api/v1/documents/{did}/translations", json={"language": "fr"}), 201)
    first = check(coordinator.get(f"/api/v1/documents/{did}/versions", query_string={"limit": 1}))
    version = check(coordinator.post(f"/api/v1/documents/{did}/versions", json={"label": "First draft"}), 201)
    assert first["items"] == []
    check(coordinator.put(f"/api/v1/sections/{scope['id']}", json={
        "body": "We buy together, openly.", "base_revision": scope["revision"], "message": "Openly"}))
    check(coordinator.delete(f"/api/v1/sections/{extra['id']}"), 204)
    check(coordinator.get(f"/api/v1/sections/{scope['id']}/revisions"))
    check(coordinator.get(f"/api/v1/sections/{scope['id']}/revisions/1"))
    check(coordinator.get(f"/api/v1/sections/{scope['id']}/diff", query_string={"from": 1, "to": 2}))
    check(coordinator.post(f"/api/v1/sections/{scope['id']}/revisions/1/restore"))
    # the translation: its Scope behind the original's, the Annex removed from the original
    translated = check(coordinator.get(f"/api/v1/documents/{french['id']}"))
    french_scope = next(s for s in translated["sections"] if s["original_section_id"] == scope["id"])
    assert french_scope["behind"] and any(s.get("original_removed") for s in translated["sections"])
    check(coordinator.get(f"/api/v1/documents/{did}/translations"))
    check(coordinator.post(f"/api/v1/documents/{french['id']}/sections/from-original"))
    check(member.post(f"/api/v1/sections/{french_scope['id']}/up-to-date",
                      json={"base_revision": french_scope["original_revision"]}))
    check(coordinator.get(f"/api/v1/documents/{did}/versions"))
    check(coordinator.get(f"/api/v1/versions/{version['id']}"))
    check(coordinator.get(f"/api/v1/documents/{did}/diff", query_string={"from": version["id"], "to": "current"}))
    check(coordinator.post("/api/v1/preview", json={"body": "Some *Markdown*."}))

    # comments and suggested changes
    thread = check(coordinator.post(f"/api/v1/sections/{scope['id']}/comments",
                                    json={"body": "Which buyers?", "quote": "buy"}), 201)
    reply = check(member.post(f"/api/v1/sections/{scope['id']}/comments",
                              json={"body": "All of us.", "parent_id": thread["id"]}), 201)
    check(coordinator.post(f"/api/v1/sections/{aims['id']}/comments", json={"body": "Fine."}), 201)
    check(coordinator.patch(f"/api/v1/comments/{thread['id']}", json={"body": "Which buyers, exactly?"}))
    check(coordinator.get(f"/api/v1/sections/{scope['id']}/comments"))
    check(coordinator.get(f"/api/v1/comments/{reply['id']}"))
    check(coordinator.post(f"/api/v1/comments/{thread['id']}/resolve"))
    check(coordinator.post(f"/api/v1/comments/{thread['id']}/reopen"))
    check(member.delete(f"/api/v1/comments/{reply['id']}"), 204)
    section = check(coordinator.get(f"/api/v1/sections/{aims['id']}"))
    kept = check(member.post(f"/api/v1/sections/{aims['id']}/amendments", json={
        "body": "Less waste, more reuse.", "base_revision": section["revision"], "rationale": "Reuse"}), 201)
    dropped = check(member.post(f"/api/v1/sections/{aims['id']}/amendments", json={
        "body": "No waste.", "base_revision": section["revision"]}), 201)
    check(coordinator.post(f"/api/v1/amendments/{kept['id']}/support"))
    check(coordinator.delete(f"/api/v1/amendments/{kept['id']}/support"))
    check(coordinator.post(f"/api/v1/amendments/{kept['id']}/support"))
    check(coordinator.get(f"/api/v1/sections/{aims['id']}/amendments", query_string={"status": "proposed"}))
    check(coordinator.get(f"/api/v1/amendments/{kept['id']}"))
    check(coordinator.post(f"/api/v1/amendments/{dropped['id']}/reject", json={"reason": "Too far."}))
    check(coordinator.post(f"/api/v1/amendments/{kept['id']}/accept", json={}))

    # notifications
    check(coordinator.put(f"/api/v1/documents/{did}/watch"))
    check(member.post(f"/api/v1/sections/{aims['id']}/comments", json={"body": "Agreed."}), 201)
    assert wait_idle(60)
    check(coordinator.get("/api/v1/notifications", query_string={"unread": "1"}))
    check(coordinator.post("/api/v1/notifications/read", json={}))
    check(coordinator.delete(f"/api/v1/documents/{did}/watch"))
    check(coordinator.get("/api/v1/me/notification-settings"))
    check(coordinator.put("/api/v1/me/notification-settings", json={"email": "daily"}))

    # a roadmap and its actions
    roadmap = check(coordinator.post(f"/api/v1/groups/{gid}/documents", json={
        "title": "Roadmap", "kind": "roadmap", "sections": [{"heading": "Plan", "body": "Steps."}]}), 201)
    rid = roadmap["id"]
    tender = check(coordinator.post(f"/api/v1/documents/{rid}/actions", json={
        "title": "Tender", "status": "planned", "owner_organisation_ids": [ghent.id],
        "lead_user_id": people["member"].id, "start_date": "2027-Q1", "due_date": "2027-06-30",
        "section_id": roadmap["sections"][0]["id"], "description": "Publish the *tender*."}), 201)
    spare = check(coordinator.post(f"/api/v1/documents/{rid}/actions", json={"title": "Spare"}), 201)
    check(coordinator.put(f"/api/v1/documents/{rid}/actions/order", json={"order": [spare["id"], tender["id"]]}))
    check(coordinator.patch(f"/api/v1/actions/{tender['id']}", json={"due_date": "2027-Q3",
                                                                     "revision": tender["revision"]}))
    check(coordinator.delete(f"/api/v1/actions/{spare['id']}"), 204)
    check(coordinator.get(f"/api/v1/documents/{rid}/actions"))
    check(coordinator.get(f"/api/v1/documents/{rid}/actions.csv"))
    check(coordinator.get(f"/api/v1/documents/{rid}/actions.ics"))
    for to in ("review", "final"):
        check(coordinator.post(f"/api/v1/documents/{rid}/transitions", json={"to": to}))
    check(member.post(f"/api/v1/actions/{tender['id']}/updates", json={"status": "in_progress",
                                                                      "note": "Started."}), 201)
    check(coordinator.get(f"/api/v1/actions/{tender['id']}"))
    check(coordinator.get(f"/api/v1/actions/{tender['id']}/updates"))
    final_roadmap = check(coordinator.get(f"/api/v1/documents/{rid}/versions"))["items"][-1]
    check(coordinator.get(f"/api/v1/versions/{final_roadmap['id']}"))
    check(coordinator.get(f"/api/v1/versions/{final_roadmap['id']}/actions"))
    check(coordinator.get(f"/api/v1/documents/{rid}/diff", query_string={"from": final_roadmap["id"],
                                                                         "to": "current"}))
    check(coordinator.get(f"/api/v1/organisations/{ghent.id}/actions.csv"))
    check(coordinator.get(f"/api/v1/organisations/{ghent.id}/actions.ics"))

    # the statement made final, endorsed, published, exported and verified
    exported = coordinator.get(f"/api/v1/documents/{did}/export.docx").data
    check(coordinator.post(f"/api/v1/documents/{did}/docx", data={"file": (io.BytesIO(exported), "copy.docx")}))
    check(coordinator.post(f"/api/v1/documents/{did}/transitions", json={"to": "review"}))
    final = check(coordinator.post(f"/api/v1/documents/{did}/transitions", json={
        "to": "final", "label": "Final", "endorsement_deadline": "2099-12-30", "reminder_days": [7, 1]}))
    vid = final["final_version"]["id"]
    check(coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings", json={"deadline": "2099-12-31"}))
    check(coordinator.patch(f"/api/v1/versions/{vid}", json={"reminder_days": [3]}))
    delegation = check(coordinator.post(f"/api/v1/versions/{vid}/delegations", json={
        "organisation_id": ghent.id, "delegate_user_id": people["member"].id, "mandate": "Board, 12 May"}), 201)
    check(coordinator.get(f"/api/v1/versions/{vid}/delegations"))
    check(coordinator.delete(f"/api/v1/delegations/{delegation['id']}"), 204)
    check(coordinator.get(f"/api/v1/versions/{vid}/endorsement-settings"))
    check(coordinator.post(f"/api/v1/versions/{vid}/reminders"))
    endorsement = check(coordinator.post(f"/api/v1/versions/{vid}/endorsements", json={
        "organisation_id": ghent.id, "signatory_name": "Anna De Smet", "signatory_title": "Deputy Mayor",
        "note": "Gladly.", "reservation_section_id": aims["id"], "reservation": "On reuse.",
        "password": PASSWORD}), 201)
    check(coordinator.get(f"/api/v1/versions/{vid}/endorsements"))
    check(coordinator.get(f"/api/v1/versions/{vid}/signoff"))
    check(coordinator.get(f"/api/v1/versions/{vid}/consensus"))
    check(coordinator.post(f"/api/v1/documents/{did}/publish", json={"published": True}))
    sealed = coordinator.get(f"/api/v1/versions/{vid}/export.pdf")
    assert sealed.status_code in (200, 202), sealed.status_code
    assert wait_idle(120)
    eid = db.session.scalar(select(Export.id).where(Export.version_id == vid))
    check(coordinator.get(f"/api/v1/exports/{eid}"))
    pdf = check(coordinator.get(f"/api/v1/exports/{eid}/file"))
    check(coordinator.get(f"/api/v1/versions/{vid}/export.pdf"))
    pack = coordinator.get(f"/api/v1/versions/{vid}/board-pack/{ghent.id}")
    assert pack.status_code in (200, 202), pack.status_code
    assert wait_idle(120)
    check(coordinator.get(f"/api/v1/versions/{vid}/board-pack/{ghent.id}"))
    check(coordinator.get(f"/api/v1/documents/{rid}/export.pdf"))
    check(coordinator.get(f"/api/v1/documents/{did}/export.docx"))
    check(coordinator.get(f"/api/v1/versions/{vid}/export.docx", query_string={"comments": 1}))
    check(coordinator.get(f"/api/v1/documents/{did}/compare/export.pdf",
                          query_string={"from": version["id"], "to": vid}))
    check(coordinator.get(f"/api/v1/documents/{did}/compare/export.docx",
                          query_string={"from": version["id"], "to": "current"}))
    verdict = check(anonymous.post("/api/v1/verify", data={"file": (io.BytesIO(pdf), "a.pdf")},
                                   content_type="multipart/form-data"))
    assert verdict["verdict"] == "genuine", verdict
    check(coordinator.post(f"/api/v1/endorsements/{endorsement['id']}/withdraw", json={"reason": "Changed."}))

    # activity, audit, admin
    check(coordinator.get(f"/api/v1/groups/{gid}/activity", query_string={"limit": 5}))
    check(coordinator.get(f"/api/v1/groups/{gid}/audit"))
    check(coordinator.get(f"/api/v1/groups/{gid}/audit/verify"))
    assert db.session.scalar(select(AuditCheckpoint.id).where(AuditCheckpoint.group_id == gid)) is not None
    check(coordinator.get(f"/api/v1/groups/{gid}/audit/checkpoints"))
    check_integrity()
    check(admin.get("/api/v1/admin/integrity"))
    failed = OutboxMessage(recipient="someone@example.eu", subject="Hello", body="Hello.", status="failed",
                           attempts=3, error="SMTP said no")
    db.session.add(failed)
    db.session.commit()
    check(admin.get("/api/v1/admin/outbox"))
    # Sending again needs a mail server: one that refuses at once (the message fails again, later).
    mail = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)
    try:
        check(admin.post(f"/api/v1/admin/outbox/{failed.id}/send-again"))
        assert wait_idle(60)
    finally:
        app.config.update(mail)
    check(admin.get("/api/v1/admin/tasks"))
    check(anonymous.get("/api/v1/openapi.json"))


def test_every_success_answer_of_a_walk_through_the_app_matches_its_description(
        app, api, make_user, make_organisation, make_group, answers, spec):
    walk(app, api, make_user, make_organisation, make_group)
    problems, answered = [], set()
    for method, path, status, mimetype, body in answers:
        if not 200 <= status < 300:
            continue
        operation = spec["paths"][path][method.lower()]
        described = operation["responses"].get(str(status))
        label = f"{method} {path} {status}"
        if described is None:
            problems.append(f"{label}: status not described")
            continue
        answered.add((method.lower(), path))
        content = described.get("content", {})
        if status == 204:
            if body:
                problems.append(f"{label}: a body where none is described")
            continue
        if mimetype not in content:
            problems.append(f"{label}: {mimetype} where {sorted(content)} is described")
            continue
        if mimetype == "application/json":
            validator = Draft202012Validator(_json_schema(spec, content[mimetype]["schema"]),
                                             format_checker=Draft202012Validator.FORMAT_CHECKER)
            for error in validator.iter_errors(json.loads(body)):
                problems.append(f"{label}: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")
    assert problems == [], "\n".join(problems)
    everything = {(method, path) for path, methods in spec["paths"].items() for method in methods}
    assert sorted(everything - answered) == []
