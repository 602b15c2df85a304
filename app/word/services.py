"""Word in and out, shared by the pages and the API.

`import_docx` makes a document from a .docx through the documents' own service (the same validation and
sanitising as typed Markdown), then its Word comments and tracked changes through the comments' services,
credited to the member whose name or e-mail matches the Word author, else kept under the Word author's
name. The import is heard of once (notifications.notify_import), not as one notice per imported comment.
`export_docx` writes a draft or a version as a .docx.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from app.audit.services import record
from app.comments import services as comments
from app.documents import services as documents
from app.documents.models import Document, Version
from app.documents.permissions import can_create_document
from app.documents.rendering import render_for_print
from app.errors import Invalid, PermissionDenied
from app.extensions import db, run_unlocked
from app.i18n import _, in_language, ngettext
from app.notifications.services import notify_import
from app.word import exporting
from app.word.importing import ImportLimits, ImportResult, read_docx
from app.word.package import Limits, WordFileError, looks_like_docx, open_docx

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class ImportReport:
    document: Document
    comments: int
    suggestions: int
    left_out: list[str]


def is_docx_upload(filename: str | None, data: bytes) -> bool:
    """Whether an upload is meant as a Word file: by its name, or by being a zip (a renamed .docx)."""
    name = (filename or "").lower()
    return name.endswith((".docx", ".docm", ".doc", ".dotx")) or looks_like_docx(data)


def read_upload(data: bytes) -> ImportResult:
    """The converted file, or Invalid (400) saying what is wrong with it: nothing is stored."""
    config = current_app.config
    if len(data) > config["WORD_MAX_BYTES"]:
        raise Invalid(_("A Word file may be at most %(size)s MiB.", size=config["WORD_MAX_BYTES"] // (1024 * 1024)),
                      fields={"file": _("The file is too large.")}, code="docx_too_large")
    try:
        package = open_docx(data, Limits(max_parts=config["WORD_MAX_PARTS"],
                                         max_total_bytes=config["WORD_MAX_UNPACKED_BYTES"],
                                         max_part_bytes=config["WORD_MAX_UNPACKED_BYTES"]))
        return read_docx(package, ImportLimits(image_max_bytes=config["WORD_IMAGE_MAX_BYTES"],
                                               seconds=config["WORD_IMPORT_SECONDS"]))
    except WordFileError as exc:
        raise Invalid(str(exc), fields={"file": str(exc)}, code=exc.code) from None
    except RecursionError:
        raise Invalid(_("The Word file is nested too deeply to read."), fields={"file": _("Nested too deeply.")},
                      code="docx_too_complex") from None


def _people(group) -> tuple[dict[str, object], dict[str, object]]:
    by_name: dict[str, object] = {}
    by_email: dict[str, object] = {}
    for membership in group.memberships:
        user = membership.user
        if user is None or user.is_disabled:
            continue
        by_name.setdefault(" ".join(user.name.lower().split()), user)
        by_email[user.email.lower()] = user
    return by_name, by_email


def _credit(name: str, date, people) -> comments.Credit:
    by_name, by_email = people
    key = " ".join((name or "").lower().split())
    member = by_email.get(key) or by_name.get(key)
    return comments.Credit(author=member, name=None if member else (name or _("Unknown author")), at=date)


def import_docx(user, group, *, data: bytes, title=None, kind="statement", summary=None,
                language=None) -> ImportReport:
    """A new document from a .docx, with its Word comments (as threads) and tracked changes (as suggestions).

    The file is read and converted with no transaction open (run_unlocked: on SQLite a write request's
    transaction holds the database's write lock, and a long file takes seconds to convert); then
    everything is written in one short transaction, which the caller commits once: all or nothing. The
    right to create is checked before the conversion and again by create_document in the write
    transaction, in case the membership changed in between."""
    if not can_create_document(user, group):
        raise PermissionDenied(_("Only editors and coordinators start documents."))
    result = run_unlocked(read_upload, data)
    document = documents.create_document(user, group, title=title or result.title or _("Imported document"),
                                         kind=kind, summary=summary, sections=result.sections, language=language)
    sections = documents.live_sections(document)
    people = _people(group)
    threads: dict[str, object] = {}
    bodies: list[str] = []
    count = 0
    for comment in sorted(result.comments, key=lambda c: c.parent is not None):
        section = sections[comment.section]
        credit = _credit(comment.author, comment.date, people)
        body = comment.text[:comments.MAX_COMMENT_CHARS]
        bodies.append(body)
        if comment.parent is not None and comment.parent in threads:
            comments.reply(user, threads[comment.parent], body=body, credit=credit)
        else:
            quote = comment.quote if comment.quote and comment.quote in section.body else None
            try:
                threads[comment.word_id] = comments.add_comment(user, section, body=body, quote=quote,
                                                                start=comment.near if quote else None,
                                                                credit=credit)
            except Invalid:
                threads[comment.word_id] = comments.add_comment(user, section, body=body, credit=credit)
        count += 1
    suggestions = 0
    for suggestion in result.suggestions:
        section = sections[suggestion.section]
        comments.propose_amendment(user, section, body=suggestion.body, base_revision=section.current_revision,
                                   rationale=_("Tracked changes from the Word file (%(changes)s).",
                                               changes=suggestion.changes),
                                   credit=_credit(suggestion.author, suggestion.date, people))
        suggestions += 1
    record(group.id, user, "document.import_docx", f"document:{document.id}", comments=count,
           suggestions=suggestions, left_out=result.left_out[:20])
    # Each comment and suggestion was announced as imported (the usual notices stay quiet): one notice instead.
    notify_import(user, document, comments=count, suggestions=suggestions, texts=bodies)
    return ImportReport(document, count, suggestions, result.left_out)


def import_message(report: ImportReport) -> str:
    """What the person who imported is told: what came in, and what was left out."""
    comments_text = ngettext("%(num)d comment", "%(num)d comments", report.comments)
    suggestions_text = ngettext("%(num)d suggested change", "%(num)d suggested changes", report.suggestions)
    message = _("“%(title)s” is created from the Word file, with %(comments)s and %(suggestions)s.",
                title=report.document.title, comments=comments_text, suggestions=suggestions_text)
    if report.left_out:
        message += " " + _("Left out: %(items)s.", items="; ".join(report.left_out))
    return message


# --- export -------------------------------------------------------------------------------

def _open_comments(document: Document) -> list[exporting.OpenComment]:
    from app.comments.models import Comment

    rows = list(db.session.scalars(comments.comments_query().where(
        Comment.document_id == document.id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None),
        Comment.deleted_at.is_(None)).order_by(Comment.id)))
    out = []
    for root in rows:
        replies = [(r.author_name or _("A former member"), r.created_at, r.body) for r in root.replies
                   if r.deleted_at is None]
        out.append(exporting.OpenComment(root.section_id, root.anchor_quote or "",
                                         root.author_name or _("A former member"), root.created_at, root.body,
                                         replies))
    return out


def _facts(document: Document, version: Version | None, with_comments: bool) -> exporting.WordFacts:
    if version is not None:
        state = documents.version_state(version)
        hash_value = version.content_hash
        if version.is_final:
            status = _("Final version (endorsement closed)") if version.closed_at else _("Final version")
        else:
            status = _("Named version, not the final version")
        name = version.name
    else:
        state = [{"section_id": s.id, "heading": s.heading, "body": s.body, "level": s.level,
                  "revision": s.current_revision}
                 for s in documents.live_sections(document)]
        hash_value = documents.current_content_hash(document, state)
        status = _("Working text (%(status)s), not endorsed", status=_status_word(document.status))
        name = _("Current working text")
    endorsements = []
    if version is not None and version.is_final:
        from app.endorsements.services import endorsements_of

        endorsements = [{"organisation": e.organisation.name, "country": e.organisation.country,
                         "signatory": e.signatory_name, "date": e.created_at.date().isoformat()}
                        for e in endorsements_of(version) if e.withdrawn_at is None]
    shown = {s["section_id"] for s in state}
    return exporting.WordFacts(
        document_id=document.id, version_id=version.id if version else None,
        title=version.title if version else document.title, group_name=document.group.name, version_name=name,
        status_text=status, content_hash=hash_value,
        language=getattr(document, "language", None) or current_app.config["EXPORT_LANGUAGE"],
        sections=state,
        html_of=render_for_print, endorsements=endorsements,
        comments=[c for c in _open_comments(document) if c.section_id in shown] if with_comments else [])


def _status_word(status: str) -> str:
    """A document's status as a word in a sentence."""
    words = {"draft": _("draft"), "review": _("review"), "final": _("final"), "closed": _("closed")}
    return words.get(status, status)


def export_docx(document: Document, version: Version | None = None, *, with_comments: bool = False
                ) -> tuple[bytes, str]:
    """(the .docx, its file name) for the current text (version None) or a version. Everything is read
    first (plain data: WordFacts); the file is built once the transaction has ended (run_unlocked), so
    that no transaction stays open while python-docx writes. Its fixed words are in the document's
    language, whoever downloads it."""
    with in_language(document.language):
        facts = _facts(document, version, with_comments)
        suffix = f"-v{version.number}" if version is not None else "-draft"
        slug = re.sub(r"[^a-z0-9]+", "-", (version.title if version else document.title).lower()).strip("-")[:60]
        filename = f"{slug or 'document'}{suffix}.docx"
        return run_unlocked(exporting.build_docx, facts), filename


# --- update from a copy edited offline ---------------------------------------------------------

@dataclass
class SectionOutcome:
    """What an upload did to one section: saved (a new revision), suggested, unchanged or not_applied."""

    outcome: str
    heading: str
    section_id: int | None = None
    revision: int | None = None  # the new revision when saved
    amendment_id: int | None = None  # the suggestion when suggested
    reason: str | None = None


@dataclass
class UpdateReport:
    document: Document
    sections: list[SectionOutcome]

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.sections if s.outcome == outcome)


def _plan_upload(data: bytes, document_id: int):
    """The checked file's identity and its changes against the export (run with no transaction open)."""
    from app.word.updating import plan_update, read_identity

    config = current_app.config
    if len(data) > config["WORD_MAX_BYTES"]:
        raise Invalid(_("A Word file may be at most %(size)s MiB.", size=config["WORD_MAX_BYTES"] // (1024 * 1024)),
                      fields={"file": _("The file is too large.")}, code="docx_too_large")
    limits = Limits(max_parts=config["WORD_MAX_PARTS"], max_total_bytes=config["WORD_MAX_UNPACKED_BYTES"],
                    max_part_bytes=config["WORD_MAX_UNPACKED_BYTES"])
    import_limits = ImportLimits(image_max_bytes=config["WORD_IMAGE_MAX_BYTES"],
                                 seconds=config["WORD_IMPORT_SECONDS"])
    try:
        package = open_docx(data, limits)
        identity = read_identity(package)
        if identity.document_id != document_id:
            raise WordFileError(_("This Word file was exported from another document: upload it to that "
                                  "document, or start a new document from it."), "not_from_this_document")
        return identity, plan_update(package, identity, render_for_print, limits, import_limits)
    except WordFileError as exc:
        raise Invalid(str(exc), fields={"file": str(exc)}, code=exc.code) from None
    except RecursionError:
        raise Invalid(_("The Word file is nested too deeply to read."), fields={"file": _("Nested too deeply.")},
                      code="docx_too_complex") from None


def _file_label(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split())
    return (name[:120] or _("a Word file"))


def update_from_docx(user, document: Document, *, data: bytes, filename: str | None = None) -> UpdateReport:
    """Brings a copy of `document` exported as .docx and edited offline back in, section by section.

    A section changed in Word and not changed in Accord since the export becomes a new revision by the
    uploader ("From Word (file name)"), saved from the exported revision by save_section; one changed in
    Accord since becomes the uploader's suggested change written on the exported revision, so the usual
    comparison and merge apply when it is accepted. Nothing is overwritten. Sections added or deleted in
    Word, renamed headings and sections removed in Accord since are reported as not applied. Editors and
    coordinators only; the file is converted with no transaction open, then written in one transaction."""
    from app.documents.models import Section
    from app.documents.permissions import require_unfrozen
    from app.groups.permissions import role_at_least, role_in

    def require_editor():
        require_unfrozen(document)
        if not role_at_least(role_in(user, document.group_id), "editor"):
            raise PermissionDenied(_("Only editors and coordinators update a document from a Word file."))

    require_editor()
    identity, plan = run_unlocked(_plan_upload, data, document.id)
    require_editor()
    with in_language(document.language):  # kept in the section's history, read by all: the document's language
        label = _file_label(filename)
        revision_message = _("From Word (%(file)s)", file=label)
    outcomes: list[SectionOutcome] = []
    for change in plan.changes:
        exported = change.exported
        section = db.session.get(Section, exported.section_id)
        heading = section.heading if section is not None else exported.heading
        if section is None or section.document_id != document.id or section.deleted_at is not None:
            if change.body is not None:
                outcomes.append(SectionOutcome("not_applied", heading, exported.section_id,
                                               reason=_("the section was removed in Accord since the export")))
            continue
        if change.body is None:
            outcomes.append(SectionOutcome("unchanged", heading, section.id, reason=change.note))
            continue
        if section.current_revision == exported.revision:
            result = documents.save_section(user, section, body=change.body, base_revision=exported.revision,
                                            message=revision_message)
            outcomes.append(SectionOutcome("saved" if result.created else "unchanged", heading, section.id,
                                           revision=result.revision.number if result.created else None,
                                           reason=change.note))
            continue
        try:
            amendment = comments.propose_amendment(user, section, body=change.body,
                                                   base_revision=exported.revision)
        except Invalid:  # the Word text is the exported text after all
            outcomes.append(SectionOutcome("unchanged", heading, section.id, reason=change.note))
            continue
        reason = _("the section was changed in Accord since the export (revision %(exported)s → %(current)s)",
                   exported=exported.revision, current=section.current_revision)
        outcomes.append(SectionOutcome("suggested", heading, section.id, amendment_id=amendment.id,
                                       reason=reason + (f"; {change.note}" if change.note else "")))
    for exported in plan.removed:
        outcomes.append(SectionOutcome("not_applied", exported.heading, exported.section_id,
                                       reason=_("deleted in Word: sections are removed in Accord")))
    for heading in plan.added:
        outcomes.append(SectionOutcome("not_applied", heading, None,
                                       reason=_("added in Word: add the section in Accord")))
    report = UpdateReport(document, outcomes)
    record(document.group_id, user, "document.update_docx", f"document:{document.id}",
           version_id=identity.version_id, file=label, saved=report.count("saved"),
           suggested=report.count("suggested"), not_applied=report.count("not_applied"))
    return report


def update_message(report: UpdateReport) -> str:
    """One sentence per kind of outcome, naming the sections."""
    def names(outcome):
        return ", ".join(_("“%(heading)s”", heading=s.heading) for s in report.sections if s.outcome == outcome)

    parts = []
    if report.count("saved"):
        parts.append(_("Saved from Word: %(sections)s.", sections=names("saved")))
    if report.count("suggested"):
        parts.append(_("Suggested (changed in Accord since the export): %(sections)s.", sections=names("suggested")))
    not_applied = [_("“%(heading)s” (%(reason)s)", heading=s.heading, reason=s.reason) for s in report.sections
                   if s.outcome == "not_applied" or (s.outcome in ("saved", "unchanged") and s.reason)]
    if not parts:
        parts.append(_("No section's text changed in the Word file."))
    if not_applied:
        parts.append(_("Not applied: %(sections)s.", sections="; ".join(not_applied)))
    return " ".join(parts)


def _redline_facts(document: Document, old: Version | None, new: Version | None):
    import time
    from collections import deque

    from app.documents.importing import section_numbers
    from app.util import utcnow
    from app.word.redline import RedlineFacts, RedlineSection

    def state(version):
        if version is not None:
            return documents.version_state(version)
        return [{"section_id": s.id, "heading": s.heading, "body": s.body, "level": s.level,
                 "revision": s.current_revision} for s in documents.live_sections(document)]

    a, b = state(old), state(new)
    for side in (a, b):
        for item, number in zip(side, section_numbers([i["level"] for i in side])):
            item["numbered"] = f"{number} {item['heading']}"
    moved = {e["section_id"] for e in documents.document_diff(document, old, new, source=False) if e["moved"]}
    a_by_id = {item["section_id"]: item for item in a}
    # On both sides and in the same order: written once, compared; the others are deleted where they were and
    # inserted where they are.
    kept_set = {item["section_id"] for item in b if item["section_id"] in a_by_id and item["section_id"] not in moved}
    deadline = time.monotonic() + documents.PRINT_COMPARE_BUDGET  # as the PDF redline: then whole blocks

    def compared(before, after, sid):
        # In English whatever the document's language: what the comparison says in words for people is left
        # out of the .docx, and its notes on formatting ("bold added", data-was) are read by redline.py.
        with in_language("en"):
            return documents.compare_texts(before["body"] if before else "", after["body"] if after else "",
                                           deadline=deadline, id_prefix=f"s{sid}-", for_print=True,
                                           moves=False).html

    def gone(item):
        return RedlineSection(item["numbered"], item["level"], None, item["level"],
                              compared(item, None, item["section_id"]))

    sections: list = []
    pending = deque(a)  # the older side, in order: written (deleted) until the next section kept on both sides
    for item in b:
        sid = item["section_id"]
        if sid in kept_set:
            while pending and pending[0]["section_id"] != sid:
                gone_item = pending.popleft()
                if gone_item["section_id"] not in kept_set:
                    sections.append(gone(gone_item))
            pending.popleft()
            before = a_by_id[sid]
            html = (compared(before, item, sid) if before["body"] != item["body"]
                    else render_for_print(item["body"]))
            sections.append(RedlineSection(before["numbered"], before["level"], item["numbered"], item["level"],
                                           html))
        else:
            sections.append(RedlineSection(None, item["level"], item["numbered"], item["level"],
                                           compared(None, item, sid)))
    sections += [gone(item) for item in pending if item["section_id"] not in kept_set]
    if new is not None:
        author = new.created_by.name if new.created_by is not None else document.group.name
        date = new.created_at
    else:
        author, date = document.group.name, utcnow()
    return RedlineFacts(
        document_id=document.id, title=new.title if new else document.title, group_name=document.group.name,
        old_label=old.name if old else _("The current text"), new_label=new.name if new else _("The current text"),
        author=author, date=date,
        language=getattr(document, "language", None) or current_app.config["EXPORT_LANGUAGE"], sections=sections)


def export_redline_docx(document: Document, old: Version | None, new: Version | None) -> tuple[bytes, str]:
    """(the .docx, its file name): the comparison of `old` with `new` (None: the current text) as Word
    tracked changes by the newer version's creator, on its date (the current text: the group, now)."""
    from app.word.redline import build_redline_docx

    with in_language(document.language):  # its fixed words in the document's language, as export_docx's
        facts = _redline_facts(document, old, new)
        slug = re.sub(r"[^a-z0-9]+", "-", document.title.lower()).strip("-")[:60]
        a = f"v{old.number}" if old is not None else "current"
        b = f"v{new.number}" if new is not None else "current"
        return run_unlocked(build_redline_docx, facts), f"{slug or 'document'}-compare-{a}-{b}.docx"
