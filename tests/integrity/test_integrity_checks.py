"""The integrity check: stored history read again, as Etherpad's Pad.check() replays a pad's changesets.

A damaged delta, a version whose content hash no longer matches its text and an edited audit event are
each found and shown to site admins (the page, the API, the command's exit code, one e-mail per run); a
sound database shows nothing; a run bounded in time stops partway and the next one carries on, so that
every object is checked exactly once per pass.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from diff_match_patch import diff_match_patch
from sqlalchemy import func, select, update

from app.audit.models import AuditEvent
from app.documents.models import Section, SectionRevision, Version
from app.documents.services import create_document, create_version, save_section
from app.errors import Conflict
from app.extensions import db
from app.integrity.models import IntegrityProblem, IntegrityRun
from app.integrity.services import check_integrity, run_nightly
from app.mail.models import OutboxMessage
from app.roadmaps.services import create_action
from app.util import utcnow
from tests.conftest import assert_refused, csrf_token_from


@dataclass
class World:
    group: object
    people: dict
    statement: object
    roadmap: object
    edited: object  # a section saved three times: revisions 2 and 3 are deltas
    version: object  # the statement's version, holding the edited section at revision 2
    admin: object


@pytest.fixture
def world(make_group, make_user, make_organisation):
    group, people = make_group(roles=("editor", "member"))
    editor = people["editor"]
    statement = create_document(editor, group, title="Fair ICT", kind="statement", sections=[
        {"heading": "Purpose", "body": "We agree on fair wages in the supply chain of our laptops."},
        {"heading": "Scope", "body": "| Lot | Share |\n| --- | --- |\n| 1 | 40% |", "level": 2}])
    db.session.flush()
    edited = statement.sections[0]
    save_section(editor, edited, body=edited.body.replace("fair wages", "living wages"), base_revision=1)
    version = create_version(editor, statement, label="Draft for the members")
    save_section(editor, edited, body=edited.body + "\n\nAudits every year.", base_revision=2)
    roadmap = create_document(editor, group, title="Roadmap", kind="roadmap",
                              sections=[{"heading": "Steps", "body": "Adopt the clauses."}])
    db.session.flush()
    ghent = make_organisation("City of Ghent", "BE")
    people["member"].organisation_id = ghent.id
    create_action(editor, roadmap, title="Adopt the clauses", owner_ids=[ghent.id], due="2027-Q3",
                  section_id=roadmap.sections[0].id)
    create_version(editor, roadmap, label="v1")
    admin = make_user(name="Site Admin", admin=True)
    db.session.commit()
    assert [r.kind for r in db.session.scalars(select(SectionRevision).where(
        SectionRevision.section_id == edited.id).order_by(SectionRevision.number))] == ["snapshot", "delta", "delta"]
    return World(group, people, statement, roadmap, edited, version, admin)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def open_problems() -> list[tuple[str, str]]:
    return [(p.kind, p.object) for p in db.session.scalars(
        select(IntegrityProblem).where(IntegrityProblem.resolved_at.is_(None)).order_by(IntegrityProblem.id))]


def set_revision_payload(section, number, payload: bytes) -> None:
    db.session.execute(update(SectionRevision).where(SectionRevision.section_id == section.id,
                                                     SectionRevision.number == number).values(payload=payload))
    db.session.commit()


def mails_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)))


def test_a_sound_database_reports_nothing(world, runner):
    report = check_integrity(60)
    assert report.ok and report.new_problems == [] and report.outcome == "finished"
    assert (report.sections_checked, report.versions_checked, report.groups_checked) == (
        count(Section), count(Version), 1)
    assert count(IntegrityProblem) == 0
    assert count(OutboxMessage) == 0
    result = runner.invoke(args=["check-integrity", "--budget", "60"])
    assert result.exit_code == 0, result.output
    assert "0 new problems, 0 open" in result.output


def test_a_roadmaps_version_is_rebuilt_with_its_frozen_actions(world):
    """The hash of a roadmap's version covers its actions as frozen: rebuilt without them it would differ."""
    roadmap_version = db.session.scalar(select(Version).where(Version.document_id == world.roadmap.id))
    from app.integrity.services import check_version

    assert check_version(roadmap_version) == []


def test_a_damaged_delta_is_shown_on_the_page_the_api_the_command_and_in_a_mail(world, runner, client, login, api,
                                                                                 make_user):
    disabled_admin = make_user(name="Former Admin", admin=True)
    disabled_admin.is_disabled = True
    db.session.commit()
    set_revision_payload(world.edited, 2, b"R=4\t+broken")

    result = runner.invoke(args=["check-integrity", "--budget", "60"])

    assert result.exit_code == 1, result.output
    assert f"section:{world.edited.id}" in result.output
    assert "revision 2 cannot be rebuilt" in result.output
    problems = open_problems()
    assert ("section_history", f"section:{world.edited.id}") in problems
    # The version holding revision 2 of that section cannot be rebuilt either.
    assert ("version_hash", f"version:{world.version.id}") in problems
    [mail] = mails_to(world.admin)
    assert "new problem" in mail.subject
    assert f"section:{world.edited.id}" in mail.body and "/admin/integrity" in mail.body
    assert mails_to(disabled_admin) == [] and mails_to(world.people["editor"]) == []

    login(client, world.admin)
    page = client.get("/admin/integrity").get_data(as_text=True)
    assert f"section:{world.edited.id}" in page and "revision 2 cannot be rebuilt" in page
    body = api(world.admin).get("/api/v1/admin/integrity").get_json()
    assert body["open_problem_count"] == len(problems)
    assert {(p["kind"], p["object"]) for p in body["open_problems"]} == set(problems)
    assert body["last_run"]["outcome"] == "finished" and body["last_run"]["new_problems"] == len(problems)


def test_a_different_delta_makes_the_current_text_disagree_with_the_history(world):
    """A delta that still applies, but makes other words of the same length: each revision's length holds, the
    text does not."""
    old = "We agree on fair wages in the supply chain of our laptops."
    dmp = diff_match_patch()
    delta = dmp.diff_toDelta(dmp.diff_main(old, old.replace("fair wages", "LIVING wages")))
    set_revision_payload(world.edited, 2, b"R" + delta.encode())

    report = check_integrity(60)

    found = {(p.kind, p.object): p.detail for p in report.new_problems}
    assert "is not the text its history rebuilds" in found[("section_text", f"section:{world.edited.id}")]
    assert "hashes to" in found[("version_hash", f"version:{world.version.id}")]
    assert not report.ok


def test_a_payload_that_would_unpack_beyond_the_bound_is_reported_not_unpacked(world, app):
    app.config["SECTION_MAX_BYTES"] = 1000
    set_revision_payload(world.edited, 1, b"Z" + zlib.compress(b"a" * 10_000_000))

    report = check_integrity(60)

    [finding] = [p for p in report.new_problems if p.kind == "section_history"]
    assert "revision 1 unpacks to more than 5024 bytes" in finding.detail


def test_a_changed_version_hash_is_reported(world):
    db.session.execute(update(Version).where(Version.id == world.version.id).values(content_hash="0" * 64))
    db.session.commit()

    report = check_integrity(60)

    assert [(p.kind, p.object) for p in report.new_problems] == [("version_hash", f"version:{world.version.id}")]
    assert "0" * 64 in report.new_problems[0].detail


def test_an_edited_audit_event_is_reported(world):
    event_id = db.session.scalar(select(AuditEvent.id).where(AuditEvent.group_id == world.group.id)
                                 .order_by(AuditEvent.seq).offset(2).limit(1))
    db.session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(data='{"label":"forged"}'))
    db.session.commit()

    report = check_integrity(60)

    [problem] = report.new_problems
    assert (problem.kind, problem.object) == ("audit_chain", f"group:{world.group.id}")
    assert "event 3: its content does not match its hash" in problem.detail


def test_a_problem_found_again_is_not_new_and_is_resolved_once_sound(world):
    good = db.session.scalar(select(Version.content_hash).where(Version.id == world.version.id))
    db.session.execute(update(Version).where(Version.id == world.version.id).values(content_hash="0" * 64))
    db.session.commit()
    assert len(check_integrity(60).new_problems) == 1
    assert len(mails_to(world.admin)) == 1

    again = check_integrity(60)
    assert again.new_problems == [] and len(again.open_problems) == 1
    assert len(mails_to(world.admin)) == 1  # no second mail for the same problem
    assert count(IntegrityProblem) == 1

    db.session.execute(update(Version).where(Version.id == world.version.id).values(content_hash=good))
    db.session.commit()
    assert check_integrity(60).ok
    assert count(IntegrityProblem, IntegrityProblem.resolved_at.is_not(None)) == 1


def test_a_tiny_budget_stops_partway_and_the_next_runs_carry_on_checking_each_object_once(world):
    set_revision_payload(world.edited, 2, b"R=4\t+broken")
    total = count(Section) + count(Version) + 1

    reports = []
    while not reports or reports[-1].outcome != "finished":
        reports.append(check_integrity(0))
        assert len(reports) <= total + 1, "the pass never ends"

    # A spent budget still checks one object per run, so every run moves the cursor on.
    assert len(reports) == total
    assert all(r.outcome == "stopped" for r in reports[:-1])
    assert {r.pass_number for r in reports} == {1}
    assert sum(r.sections_checked for r in reports) == count(Section)
    assert sum(r.versions_checked for r in reports) == count(Version)
    assert sum(r.groups_checked for r in reports) == 1
    # Found once, in the run that checked it; mailed once.
    assert sum(len(r.new_problems) for r in reports) == 2
    assert len(mails_to(world.admin)) == 2  # the section's run and the version's run each found one
    assert count(IntegrityProblem) == 2
    # The next run starts a new pass from the beginning.
    assert check_integrity(60).pass_number == 2


def test_one_run_at_a_time_and_a_dead_one_is_taken_over(world):
    now = utcnow()
    db.session.add(IntegrityRun(pass_number=1, trigger="nightly", started_at=now, deadline_at=now + timedelta(
        seconds=60), running=True, outcome="running", phase="versions", after_id=0, sections_checked=4))
    db.session.commit()
    with pytest.raises(Conflict):
        check_integrity(60)
    assert run_nightly() is None
    assert count(IntegrityRun) == 1

    db.session.execute(update(IntegrityRun).values(started_at=now - timedelta(hours=2),
                                                   deadline_at=now - timedelta(hours=1)))
    db.session.commit()
    report = check_integrity(60)
    assert (report.pass_number, report.sections_checked, report.versions_checked) == (1, 0, count(Version))
    assert db.session.scalar(select(IntegrityRun.outcome).order_by(IntegrityRun.id).limit(1)) == "abandoned"


def test_run_nightly_runs_one_bounded_check(world):
    report = run_nightly()
    assert report.ok and db.session.scalar(select(IntegrityRun.trigger)) == "nightly"


# --- who may see and run it ----------------------------------------------------------------------

def test_a_site_admin_runs_the_check_from_the_page(world, client, login):
    db.session.execute(update(Version).where(Version.id == world.version.id).values(content_hash="0" * 64))
    db.session.commit()
    csrf = login(client, world.admin)

    refused = client.post("/admin/integrity/run", data={})
    assert refused.status_code == 400 and count(IntegrityRun) == 0  # no CSRF token: nothing ran

    response = client.post("/admin/integrity/run", data={"csrf_token": csrf})
    assert response.status_code == 302
    run = db.session.scalar(select(IntegrityRun))
    assert (run.trigger, run.started_by_id, run.outcome, run.new_problems) == ("page", world.admin.id,
                                                                               "finished", 1)
    page = client.get("/admin/integrity").get_data(as_text=True)
    assert "1 new problem" in page and f"version:{world.version.id}" in page


@pytest.mark.parametrize("who", ["member", "coordinator"])
def test_people_who_are_not_site_admins_neither_see_nor_run_it(world, client, login, api, who):
    check_integrity(60)
    runs = count(IntegrityRun)
    person = world.people[who]
    csrf = login(client, person)
    assert client.get("/admin/integrity").status_code == 403
    assert client.post("/admin/integrity/run", data={"csrf_token": csrf}).status_code == 403
    assert count(IntegrityRun) == runs
    response = api(person).get("/api/v1/admin/integrity")
    assert response.status_code == 403 and "open_problems" not in response.get_json()
    assert "Integrity" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(world, app, api):
    client = app.test_client()
    response = client.get("/admin/integrity")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = assert_refused(api().get("/api/v1/admin/integrity"), 401, "unauthorized")
    assert "open_problems" not in refused.get_json()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/admin/integrity/run", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and count(IntegrityRun) == 0


def test_a_check_that_fails_outright_is_a_problem_of_its_object_and_the_pass_goes_on(world, monkeypatch):
    from app.integrity import services

    def broken(group):
        raise RuntimeError("unforeseen data")

    monkeypatch.setitem(services.CHECKS, "groups", broken)
    report = check_integrity(60)
    assert report.outcome == "finished"
    [problem] = report.new_problems
    assert (problem.kind, problem.object) == ("audit_chain", f"group:{world.group.id}")
    assert "RuntimeError: unforeseen data" in problem.detail
