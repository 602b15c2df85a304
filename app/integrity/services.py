"""Integrity checks: what is stored is read again and held to what it must say, as Etherpad's Pad.check()
replays a pad's changesets.

A pass goes through three phases, each by id:
- sections: every section's history (snapshots and deltas, storage.py) is replayed revision by revision;
  each revision must rebuild, to the length it was saved with, and the last one must be the section's
  current text and heading;
- versions: every version's text is rebuilt from the revisions it names (and, for a roadmap, the actions
  frozen with it) and its content hash computed again;
- groups: every group's audit chain is verified (audit.services.verify_chain).

A run is bounded in time (INTEGRITY_BUDGET_SECONDS): it stops when its budget is spent, and the next run
carries on from its cursor, so that every object is checked once per pass however large the installation.
Checks read in read-only transactions; each batch's results and the cursor are written together in a
short transaction of their own, so a run that dies loses at most one batch, which the next run redoes.
A problem stays open until a later check finds its object sound (or gone); a run that found new problems
writes one e-mail to every active site admin.
"""
from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import verify_chain
from app.auth.models import User
from app.documents import storage
from app.documents.hashing import content_hash
from app.documents.importing import section_numbers
from app.documents.models import Section, SectionRevision, Version, VersionSection
from app.errors import Conflict
from app.extensions import db, in_own_transaction, reading_only
from app.groups.models import Group
from app.i18n import _, in_language, lazy_gettext, ngettext, short_datetime
from app.integrity.models import PHASES, IntegrityProblem, IntegrityRun
from app.mail.services import send_mail
from app.roadmaps.models import VersionAction
from app.roadmaps.receivers import PART as ACTIONS_PART
from app.roadmaps.services import canonical_actions
from app.tasks import periodic
from app.util import public_url, utcnow

log = logging.getLogger(__name__)

KINDS = {
    "section_history": lazy_gettext("Section history"),
    "section_text": lazy_gettext("Section text"),
    "version_hash": lazy_gettext("Version content hash"),
    "audit_chain": lazy_gettext("Audit chain"),
}
# The kinds of problem each phase's check of one object can find (and so resolve, when it finds none).
PHASE_KINDS = {"sections": ("section_history", "section_text"), "versions": ("version_hash",),
               "groups": ("audit_chain",)}
OBJECT_PREFIX = {"sections": "section", "versions": "version", "groups": "group"}
PHASE_MODEL = {"sections": Section, "versions": Version, "groups": Group}
BATCH = 50  # objects checked between two writes of the results and the cursor
REVISION_BATCH = 200  # revisions of one section read at a time
STALE_AFTER = timedelta(minutes=10)  # a run still "running" this long past its deadline died
DETAIL_MAX = 1000
MAIL_LISTS_AT_MOST = 50


@dataclass
class Finding:
    kind: str
    object: str
    detail: str


@dataclass
class Report:
    """What one run did."""
    run_id: int
    pass_number: int
    outcome: str  # "stopped" (budget spent, the next run carries on) or "finished" (the pass is complete)
    phase: str
    sections_checked: int
    versions_checked: int
    groups_checked: int
    new_problems: list[Finding] = field(default_factory=list)
    open_problems: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.open_problems

    def summary(self) -> str:
        where = "the pass is complete" if self.outcome == "finished" else \
            f"stopped in {self.phase} (the next run carries on from there)"
        lines = [f"Integrity check run {self.run_id} (pass {self.pass_number}): {self.sections_checked} sections, "
                 f"{self.versions_checked} versions, {self.groups_checked} groups checked in "
                 f"{self.seconds:.1f} s; {where}.",
                 f"{len(self.new_problems)} new problem{'s' if len(self.new_problems) != 1 else ''}, "
                 f"{len(self.open_problems)} open."]
        lines += [f"  {KINDS.get(p.kind, p.kind)}, {p.object}: {p.detail}" for p in self.open_problems]
        return "\n".join(lines)


class _Unreadable(Exception):
    """A stored revision that cannot be rebuilt; the message says which and why."""


def _short(text: str) -> str:
    """One sentence, at most DETAIL_MAX characters (an exception's message may bring its own full stop)."""
    text = text.rstrip(".") + "."
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 1] + "…"


def _payload_limit() -> int:
    """The most bytes a stored payload may unpack to: a section's largest text (SECTION_MAX_BYTES), with
    room for a delta's escaped inserts; beyond it the payload is damaged, and is not unpacked further."""
    return 4 * current_app.config["SECTION_MAX_BYTES"] + 1024


def _rebuild(text: str | None, number: int, kind: str, payload: bytes, limit: int) -> str:
    try:
        if not storage.unpacks_within(payload, limit):
            raise _Unreadable(f"revision {number} unpacks to more than {limit} bytes")
        if kind == storage.SNAPSHOT:
            return storage.decode_snapshot(payload)
        if kind == storage.DELTA and text is not None:
            return storage.apply_delta(text, payload)
    except (ValueError, IndexError, zlib.error) as exc:  # UnicodeDecodeError is a ValueError
        raise _Unreadable(f"revision {number} cannot be rebuilt: {exc}") from None
    if kind == storage.DELTA:
        raise _Unreadable(f"revision {number} is a delta with no revision before it")
    raise _Unreadable(f"revision {number} is of an unknown kind {kind!r}")


# --- checking one object (reads only) ---------------------------------------------------------------

def _section_place(section: Section) -> str:
    return f"Section “{section.heading}” of “{section.document.title}” (document {section.document_id})"


def check_section(section: Section) -> list[Finding]:
    """Replays the section's whole history, a batch of revisions at a time."""
    key = f"section:{section.id}"
    limit = _payload_limit()
    text, heading, expected = None, None, 1
    while True:
        rows = db.session.execute(
            select(SectionRevision.number, SectionRevision.kind, SectionRevision.payload, SectionRevision.heading,
                   SectionRevision.body_length)
            .where(SectionRevision.section_id == section.id, SectionRevision.number >= expected)
            .order_by(SectionRevision.number).limit(REVISION_BATCH)).all()
        for number, kind, payload, revision_heading, body_length in rows:
            try:
                if number != expected:
                    raise _Unreadable(f"revision {expected} is missing")
                text = _rebuild(text, number, kind, payload, limit)
                if len(text) != body_length:
                    raise _Unreadable(f"revision {number} rebuilds to {len(text)} characters, but "
                                      f"{body_length} were saved")
            except _Unreadable as exc:
                return [Finding("section_history", key, _short(f"{_section_place(section)}: {exc}"))]
            heading = revision_heading
            expected += 1
        if len(rows) < REVISION_BATCH:
            break
    last = expected - 1
    if last == 0:
        return [Finding("section_history", key, f"{_section_place(section)}: it has no revision at all.")]
    if section.current_revision != last:
        why = f"it names revision {section.current_revision} as current, but its history ends at revision {last}"
    elif section.body != text:
        why = f"its current text is not the text its history rebuilds (revision {last})"
    elif section.heading != heading:
        why = f"its heading is not the heading of its current revision ({last})"
    else:
        return []
    return [Finding("section_text", key, _short(f"{_section_place(section)}: {why}"))]


def _text_at(section_id: int, number: int, limit: int) -> str:
    """A revision's text rebuilt from the nearest snapshot at or before it, each payload measured first."""
    start = db.session.scalar(select(func.max(SectionRevision.number)).where(
        SectionRevision.section_id == section_id, SectionRevision.kind == storage.SNAPSHOT,
        SectionRevision.number <= number))
    if start is None:
        raise _Unreadable(f"section {section_id} has no snapshot at or before revision {number}")
    text, expected = None, start
    for row_number, kind, payload in db.session.execute(
            select(SectionRevision.number, SectionRevision.kind, SectionRevision.payload)
            .where(SectionRevision.section_id == section_id, SectionRevision.number >= start,
                   SectionRevision.number <= number).order_by(SectionRevision.number)):
        if row_number != expected:
            raise _Unreadable(f"section {section_id} lacks revision {expected}")
        try:
            text = _rebuild(text, row_number, kind, payload, limit)
        except _Unreadable as exc:
            raise _Unreadable(f"section {section_id}'s {exc}") from None
        expected += 1
    if expected != number + 1:
        raise _Unreadable(f"section {section_id} lacks revision {expected}")
    return text


def _version_parts(version: Version, levels: list[int]) -> dict[str, list | None]:
    """The further parts of the text frozen with the version, in the canonical form the hash covered:
    a roadmap's actions, numbered by the sections the version holds."""
    rows = list(db.session.execute(select(VersionAction.action_id, VersionAction.data, VersionAction.position)
                                   .where(VersionAction.version_id == version.id)
                                   .order_by(VersionAction.position)))
    if not rows:
        return {}
    entries = db.session.execute(select(VersionSection.section_id).where(VersionSection.version_id == version.id)
                                 .order_by(VersionSection.position)).scalars().all()
    numbers = dict(zip(entries, section_numbers(levels)))
    return {ACTIONS_PART: canonical_actions([(action_id, data) for action_id, data, _p in rows], numbers)}


def check_version(version: Version) -> list[Finding]:
    """Rebuilds the version's text from the revisions it names and computes its content hash again."""
    key = f"version:{version.id}"
    place = f"{version.name} of “{version.document.title}” (document {version.document_id})"
    limit = _payload_limit()
    sections = []
    try:
        for section_id, number, level in db.session.execute(
                select(VersionSection.section_id, VersionSection.revision_number, VersionSection.level)
                .where(VersionSection.version_id == version.id).order_by(VersionSection.position)):
            heading = db.session.scalar(select(SectionRevision.heading).where(
                SectionRevision.section_id == section_id, SectionRevision.number == number))
            if heading is None:
                raise _Unreadable(f"section {section_id} lacks revision {number}, which the version holds")
            sections.append({"level": level, "heading": heading, "body": _text_at(section_id, number, limit)})
    except _Unreadable as exc:
        return [Finding("version_hash", key, _short(f"{place}: its text cannot be rebuilt: {exc}"))]
    parts = _version_parts(version, [s["level"] for s in sections])
    rebuilt = content_hash(version.title, sections, parts)
    if rebuilt == version.content_hash:
        return []
    return [Finding("version_hash", key, _short(
        f"{place}: its content hash is {version.content_hash}, but its text as stored hashes to {rebuilt}."))]


def check_group(group: Group) -> list[Finding]:
    # A problem's detail is stored and read by every admin: the installation's language, whoever runs the check.
    with in_language(None):
        verification = verify_chain(group.id)
    if verification.ok:
        return []
    where = f"event {verification.broken_seq}: " if verification.broken_seq is not None else ""
    return [Finding("audit_chain", f"group:{group.id}",
                    _short(f"Group “{group.name}”: {where}{verification.reason}"))]


CHECKS = {"sections": check_section, "versions": check_version, "groups": check_group}


# --- a run --------------------------------------------------------------------------------------------


def _begin(trigger: str, user_id: int | None, budget: float) -> int:
    """Claims the one running place and sets the cursor where the last run left it (or at the start of a
    new pass after a finished one). A run that died long past its deadline is marked abandoned and its
    cursor taken over."""
    now = utcnow()
    current = db.session.scalar(select(IntegrityRun).where(IntegrityRun.running.is_(True)))
    if current is not None:
        if current.deadline_at + STALE_AFTER > now:
            raise Conflict(_("An integrity check is already running (run %(run)s, started %(when)s).",
                             run=current.id, when=short_datetime(current.started_at)), code="check_running")
        current.running, current.outcome, current.finished_at = None, "abandoned", now
        db.session.flush()
    last = db.session.scalar(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(1))
    if last is None or last.outcome == "finished":
        pass_number, phase, after_id = (last.pass_number + 1 if last else 1), PHASES[0], 0
    else:
        pass_number, phase, after_id = last.pass_number, last.phase, last.after_id
    run = IntegrityRun(pass_number=pass_number, trigger=trigger, started_by_id=user_id, started_at=now,
                       deadline_at=now + timedelta(seconds=budget), running=True, outcome="running",
                       phase=phase, after_id=after_id)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # another run claimed the place at the same moment
        db.session.rollback()
        raise Conflict(_("An integrity check is already running."), code="check_running") from None
    return run.id


@dataclass
class _Batch:
    phase: str
    checked: list[str]  # the object keys checked, in order
    findings: list[Finding]
    last_id: int
    phase_done: bool


def _check_batch(phase: str, after_id: int, deadline: float, must_check_one: bool) -> _Batch:
    """The next objects of the phase after `after_id`, checked until the deadline (at least one when
    `must_check_one`, so that every run moves on)."""
    model = PHASE_MODEL[phase]
    ids = list(db.session.scalars(select(model.id).where(model.id > after_id).order_by(model.id).limit(BATCH)))
    batch = _Batch(phase, [], [], after_id, phase_done=False)
    for object_id in ids:
        if time.monotonic() >= deadline and (batch.checked or not must_check_one):
            return batch
        obj = db.session.get(model, object_id)
        if obj is not None:  # removed since the ids were read
            batch.findings += _check_one(phase, obj, object_id)
        batch.checked.append(f"{OBJECT_PREFIX[phase]}:{object_id}")
        batch.last_id = object_id
    batch.phase_done = len(ids) < BATCH
    return batch


def _check_one(phase: str, obj, object_id: int) -> list[Finding]:
    """One object's check. A check that fails outright (data no check foresaw) is itself a problem of that
    object, so that one object cannot stop every pass at the same place."""
    try:
        return CHECKS[phase](obj)
    except Exception as exc:  # noqa: BLE001  (reported as the object's problem, and logged whole)
        log.exception("The integrity check of %s %s failed", phase, object_id)
        db.session.rollback()
        return [Finding(PHASE_KINDS[phase][0], f"{OBJECT_PREFIX[phase]}:{object_id}",
                        _short(f"The check itself failed: {type(exc).__name__}: {exc}"))]


def _record(run_id: int, batch: _Batch) -> tuple[str, int]:
    """Writes a batch's results and moves the cursor, in one short transaction; the run's new cursor."""
    run = db.session.get(IntegrityRun, run_id)
    now = utcnow()
    kinds = PHASE_KINDS[batch.phase]
    found = {(f.object, f.kind): f for f in batch.findings}
    for start in range(0, len(batch.checked), 500):
        keys = batch.checked[start:start + 500]
        for problem in db.session.scalars(select(IntegrityProblem).where(
                IntegrityProblem.object.in_(keys), IntegrityProblem.kind.in_(kinds),
                IntegrityProblem.resolved_at.is_(None))):
            finding = found.pop((problem.object, problem.kind), None)
            if finding is None:
                problem.resolved_at = now
            else:
                problem.last_seen_at, problem.detail = now, finding.detail
    for finding in found.values():
        db.session.add(IntegrityProblem(kind=finding.kind, object=finding.object, detail=finding.detail,
                                        found_at=now, last_seen_at=now, run_id=run_id))
        run.new_problems += 1
    counter = f"{batch.phase}_checked"
    setattr(run, counter, getattr(run, counter) + len(batch.checked))
    if batch.phase_done:
        run.phase, run.after_id = PHASES[PHASES.index(batch.phase) + 1], 0
    else:
        run.phase, run.after_id = batch.phase, batch.last_id
    db.session.commit()
    return run.phase, run.after_id


def _resolve_vanished() -> None:
    """Open problems whose object no longer exists (a document or group deleted) are resolved at the end
    of a pass."""
    now = utcnow()
    open_problems = list(db.session.scalars(select(IntegrityProblem).where(IntegrityProblem.resolved_at.is_(None))))
    for phase, prefix in OBJECT_PREFIX.items():
        mine = {p: int(p.object.split(":", 1)[1]) for p in open_problems if p.object.startswith(prefix + ":")}
        if not mine:
            continue
        model = PHASE_MODEL[phase]
        existing = set(db.session.scalars(select(model.id).where(model.id.in_(set(mine.values())))))
        for problem, object_id in mine.items():
            if object_id not in existing:
                problem.resolved_at = now


def _finish(run_id: int, seconds: float) -> Report:
    run = db.session.get(IntegrityRun, run_id)
    run.running, run.finished_at = None, utcnow()
    run.outcome = "finished" if run.phase == "done" else "stopped"
    if run.outcome == "finished":
        _resolve_vanished()
    new = [Finding(p.kind, p.object, p.detail) for p in db.session.scalars(
        select(IntegrityProblem).where(IntegrityProblem.run_id == run_id).order_by(IntegrityProblem.id))]
    open_problems = [Finding(p.kind, p.object, p.detail) for p in open_problem_rows()]
    report = Report(run.id, run.pass_number, run.outcome, run.phase, run.sections_checked, run.versions_checked,
                    run.groups_checked, new, open_problems, round(seconds, 3))
    if new:
        _tell_admins(report)
    db.session.commit()
    return report


def _tell_admins(report: Report) -> None:
    """One message to each active site admin, in the run's last transaction (sent after it commits)."""
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True), User.is_disabled.is_(False))
                                    .order_by(User.id)):
        with in_language(admin.language, admin.time_zone):
            send_mail(admin.email, *_admin_mail(report))


def _admin_mail(report: Report) -> tuple[str, str]:
    """The subject and body of the mail about a run's new problems, in the language in use (the admin's)."""
    count = len(report.new_problems)
    subject = ngettext("Accord integrity check: %(num)d new problem", "Accord integrity check: %(num)d new problems",
                       count)
    listed = [f"- {KINDS.get(p.kind, p.kind)}, {p.object}: {p.detail}"
              for p in report.new_problems[:MAIL_LISTS_AT_MOST]]
    if count > MAIL_LISTS_AT_MOST:
        listed.append(ngettext("- and %(num)d more", "- and %(num)d more", count - MAIL_LISTS_AT_MOST))
    body = "\n".join([
        _("The integrity check (run %(run)s, pass %(number)s) found stored data that does not say what it should:",
          run=report.run_id, number=report.pass_number), "", *listed, "",
        ngettext("%(num)d problem is open in all.", "%(num)d problems are open in all.", len(report.open_problems))
        + " " + _("Each one stays open until a later check finds its object sound again."),
        _("See %(link)s", link=public_url("integrity.overview")),
    ])
    return subject, body


def check_integrity(budget_seconds: float | None = None, *, trigger: str = "command", user=None) -> Report:
    """Runs the check until its budget is spent or the pass is complete; Conflict when another run is
    going on. The caller's transaction is ended first (it must hold nothing unwritten)."""
    budget = float(current_app.config["INTEGRITY_BUDGET_SECONDS"] if budget_seconds is None else budget_seconds)
    started = time.monotonic()
    deadline = started + max(budget, 0.0)
    user_id = getattr(user, "id", None)
    db.session.commit()  # nothing read before the claim below: on SQLite a reader's snapshot is taken then
    run_id = in_own_transaction(_begin, trigger, user_id, budget)
    try:
        phase, after_id = db.session.execute(select(IntegrityRun.phase, IntegrityRun.after_id)
                                             .where(IntegrityRun.id == run_id)).one()
        db.session.commit()
        checked_any = False
        while phase != "done":
            with reading_only():
                batch = _check_batch(phase, after_id, deadline, must_check_one=not checked_any)
                db.session.rollback()  # the read transaction ends before anything is written
            phase, after_id = in_own_transaction(_record, run_id, batch)
            checked_any = checked_any or bool(batch.checked)
            if time.monotonic() >= deadline and checked_any:
                break
    except Exception:
        # The run ends stopped at its last written cursor: the next one carries on from there.
        log.exception("Integrity check run %s failed", run_id)
        db.session.rollback()
        in_own_transaction(_finish, run_id, time.monotonic() - started)
        raise
    return in_own_transaction(_finish, run_id, time.monotonic() - started)


@periodic("integrity.nightly", minute="30", hour="2")
def run_nightly() -> Report | None:
    """The nightly periodic task: one bounded run (INTEGRITY_BUDGET_SECONDS), carrying on the pass where the
    last run stopped. None when another run is going on."""
    try:
        return check_integrity(trigger="nightly")
    except Conflict as exc:
        log.info("Nightly integrity check skipped: %s", exc.message)
        return None


# --- reading the results ------------------------------------------------------------------------------

def open_problem_rows(limit: int | None = None) -> list[IntegrityProblem]:
    query = select(IntegrityProblem).where(IntegrityProblem.resolved_at.is_(None)).order_by(IntegrityProblem.id)
    return list(db.session.scalars(query.limit(limit) if limit else query))


def open_problem_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IntegrityProblem)
                             .where(IntegrityProblem.resolved_at.is_(None)))


def recent_runs(limit: int = 20) -> list[IntegrityRun]:
    return list(db.session.scalars(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(limit)))

