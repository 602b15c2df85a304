"""Co-drafting: documents, sections, revisions, versions and diffs.

Every function that changes something takes the acting user, checks the
rules, changes the data and flushes; the caller commits once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.caching import process_cache
from app.documents import storage
from app.documents.comparing import Comparison, compare_html
from app.documents.diffing import diff_texts, has_changes, moved_items
from app.documents.hashing import content_hash
from app.documents.importing import section_numbers, split_markdown
from app.documents.merging import three_way_merge
from app.documents.models import (
    DOCUMENT_KINDS,
    Document,
    Section,
    SectionRevision,
    Version,
    VersionSection,
    section_anchor,
)
from app.documents.permissions import can_create_document, can_name_version, require_arrange, require_text_edit
from app.documents.signals import TextPart, section_merged, section_saved, text_parts, version_created
from app.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db, lock_row
from app.i18n import _, current_language, format_number
from app.ordering import OrderWords, apply_order, order_after_move, renumber
from app.util import iso, utcnow
from app.validation import FieldErrors, clean_choice, clean_id, clean_long_text, clean_text, id_or_none

MAX_SECTIONS = 2000
DIFF_REFINE_BUDGET = 0.8  # seconds of word-level refinement per document comparison
# Seconds of formatted comparisons (rendering both texts, comparing words) per document comparison page;
# bench/README.md ("The compare page") has what it costs. The redline PDF, built by a worker, gets more.
COMPARE_BUDGET = 0.5
COMPARE_SECONDS_PER_CHARACTER = 3e-6  # about what rendering and comparing cost (bench/README.md): one that
# would not fit in what is left of the budget is left for its own page rather than started
PRINT_COMPARE_BUDGET = 60.0


# --- reading ------------------------------------------------------------------

def _live(document: Document, *columns):
    """The document's live sections (or these columns of them), in order."""
    return (select(*(columns or (Section,))).where(Section.document_id == document.id, Section.deleted_at.is_(None))
            .order_by(Section.position, Section.id))


def live_sections(document: Document) -> list[Section]:
    return list(db.session.scalars(_live(document)))


class OutlineEntry(NamedTuple):
    """What the document page needs of a section to know whether its kept markup is current: read for
    every section on every request, so as plain rows (building hundreds of ORM objects cost more than the
    rest of the query)."""
    id: int
    heading: str
    level: int
    current_revision: int
    discussion_version: int

    @property
    def anchor(self) -> str:
        return section_anchor(self.id)


def outline(document: Document) -> list[OutlineEntry]:
    """The document's live sections in order, as OutlineEntry rows (no text)."""
    return [OutlineEntry(*row) for row in db.session.execute(_live(
        document, Section.id, Section.heading, Section.level, Section.current_revision, Section.discussion_version))]


def sections_by_id(ids: list[int]) -> dict[int, Section]:
    """These sections, with their texts, in one query per 500."""
    return {section.id: section for start in range(0, len(ids), 500) for section in db.session.scalars(
        select(Section).where(Section.id.in_(ids[start:start + 500])))}


def numbered(sections: list[Section]) -> list[tuple[str, Section]]:
    return list(zip(section_numbers([s.level for s in sections]), sections))


def section_number(section: Section) -> str | None:
    for number, candidate in numbered(live_sections(section.document)):
        if candidate.id == section.id:
            return number
    return None


def revisions_of(section: Section) -> list[SectionRevision]:
    return list(db.session.scalars(
        select(SectionRevision).where(SectionRevision.section_id == section.id)
        .order_by(SectionRevision.number.desc())))


def revision(section: Section, number) -> SectionRevision:
    found = None
    if isinstance(number, int):
        found = db.session.scalar(select(SectionRevision).where(
            SectionRevision.section_id == section.id, SectionRevision.number == number))
    if found is None:
        raise NotFound(_("Section %(section)s has no revision %(number)s.", section=section.id, number=number))
    return found


def revision_text(section_id: int, number: int) -> str:
    """The text of a section as it was at revision `number`, rebuilt from storage."""
    snapshot_number = db.session.scalar(select(func.max(SectionRevision.number)).where(
        SectionRevision.section_id == section_id, SectionRevision.kind == storage.SNAPSHOT,
        SectionRevision.number <= number))
    if snapshot_number is None:
        raise NotFound(_("Section %(section)s has no revision %(number)s.", section=section_id, number=number))
    rows = db.session.execute(select(SectionRevision.number, SectionRevision.payload).where(
        SectionRevision.section_id == section_id, SectionRevision.number >= snapshot_number,
        SectionRevision.number <= number).order_by(SectionRevision.number)).all()
    if not rows or rows[-1][0] != number:
        raise NotFound(_("Section %(section)s has no revision %(number)s.", section=section_id, number=number))
    return storage.replay(rows[0][1], [payload for _n, payload in rows[1:]])


# --- validation -----------------------------------------------------------------

def check_body(body, field: str = "body") -> str:
    """A section's Markdown, kept as written (not trimmed), at most SECTION_MAX_BYTES (413 beyond)."""
    limit = current_app.config["SECTION_MAX_BYTES"]
    return clean_long_text(body, field=field, limit=limit, bytes_limit=True, strip=False, refuse_nul=True,
                           too_large=_("A section may hold at most %(size)s KiB of text.",
                                       size=format_number(limit // 1024)),
                           code="section_too_large")


def _clean_heading(errors: FieldErrors, heading) -> str:
    return clean_text(errors, "heading", heading, max_length=300)


def _clean_level(errors: FieldErrors, level) -> int:
    if level is None or level == "":
        return 1
    if isinstance(level, str) and level.isascii() and level.isdigit() and len(level) < 3:  # "²".isdigit()
        level = int(level)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 3:
        errors.add("level", _("Must be 1, 2 or 3."))
        return 1
    return level


# --- documents ------------------------------------------------------------------

def create_document(user, group, *, title, kind, summary=None, sections=None, language=None) -> Document:
    """A new document; its text is in `language` (a code of app.i18n.LANGUAGES), by default the language its
    creator uses Accord in."""
    if not can_create_document(user, group):
        raise PermissionDenied(_("Only editors and coordinators start documents."))
    errors = FieldErrors()
    title = clean_text(errors, "title", title, max_length=300)
    kind = clean_choice(errors, "kind", kind, DOCUMENT_KINDS)
    summary = clean_text(errors, "summary", summary, max_length=5000, required=False, multiline=True)
    language = _clean_language(errors, language)
    cleaned = []
    if sections is not None and not isinstance(sections, list):
        errors.add("sections", _("Must be a list of {heading, body}."))
        sections = []
    for index, item in enumerate(sections or []):
        if not isinstance(item, dict):
            errors.add(f"sections.{index}", _("Must be an object with heading and body."))
            continue
        heading = clean_text(errors, f"sections.{index}.heading", item.get("heading"), max_length=300)
        level = _clean_level(errors, item.get("level"))
        cleaned.append((heading, item.get("body", ""), level, index))
    if len(cleaned) > MAX_SECTIONS:
        errors.add("sections", _("At most %(num)s sections.", num=format_number(MAX_SECTIONS)))
    errors.raise_if_any()
    bodies = [check_body(body, f"sections.{index}.body") for _h, body, _l, index in cleaned]
    document = Document(group_id=group.id, kind=kind, title=title, summary=summary, created_by_id=user.id,
                        language=language or current_language())
    db.session.add(document)
    db.session.flush()
    for position, ((heading, _b, level, _i), body) in enumerate(zip(cleaned, bodies), start=1):
        new_section(user, document, heading, body, level, position * 10)
    db.session.flush()
    record(group.id, user, "document.create", f"document:{document.id}", title=title, kind=kind,
           sections=len(cleaned))
    return document


def import_document(user, group, *, markdown_text, title=None, kind="statement", summary=None,
                    language=None) -> Document:
    if not isinstance(markdown_text, str) or not markdown_text.strip():
        raise Invalid(_("Give a Markdown file with at least one heading."), fields={"file": _("The file is empty.")})
    found_title, sections = split_markdown(markdown_text)
    if not sections:
        raise Invalid(_("No sections found."), fields={"file": _("The file has no text.")})
    return create_document(user, group, title=title or found_title or _("Imported document"), kind=kind,
                           summary=summary, sections=sections, language=language)


def _clean_language(errors: FieldErrors, language) -> str | None:
    from app.i18n import choose_language

    if language in (None, ""):
        return None
    if choose_language(language) != language:
        errors.add("language", _("Choose one of the languages offered."))
        return None
    return language


def _check_language_change(document: Document, language: str) -> None:
    """A document's language changes only while nothing rests on it: not for a translation (its language is
    what it is for), not into the language of one of its translations, not once a final version exists."""
    if document.translation_of_id is not None:
        raise Conflict(_("A translation keeps the language it translates into."), code="translation_language_fixed")
    if document.final_version_id is not None:
        raise Conflict(_("The document has a final version: its language can no longer change."),
                       code="language_fixed")
    taken = db.session.scalar(select(Document.id).where(Document.translation_of_id == document.id,
                                                         Document.language == language))
    if taken is not None:
        raise Conflict(_("The document already has a translation into that language."), code="translation_exists")


def update_document(user, document: Document, *, title=None, summary=None, language=None) -> Document:
    require_arrange(user, document)
    errors = FieldErrors()
    language = _clean_language(errors, language)
    if title is not None:
        title = clean_text(errors, "title", title, max_length=300)
    if summary is not None:
        summary = clean_text(errors, "summary", summary, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    if language is not None and language != document.language:
        _check_language_change(document, language)
        document.language = language
    if title is not None:
        document.title = title
    if summary is not None:
        document.summary = summary
    document.updated_at = utcnow()
    record(document.group_id, user, "document.update", f"document:{document.id}", title=document.title)
    return document


def documents_of(group) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.group_id == group.id)
                                   .order_by(Document.updated_at.desc())))


# --- sections -------------------------------------------------------------------

def new_section(user, document, heading, body, level, position, *, message="Created", **columns) -> Section:
    """A section and its first revision (`columns`: more of the section's own, e.g. a translation's links)."""
    section = Section(document_id=document.id, heading=heading, body=body, level=level, position=position,
                      current_revision=1, **columns)
    db.session.add(section)
    db.session.flush()
    kind, payload = storage.encode(None, body, 1)
    db.session.add(SectionRevision(section_id=section.id, number=1, heading=heading, kind=kind, payload=payload,
                                   body_length=len(body), author_id=user.id, message=message))
    return section


def add_section(user, document: Document, *, heading, body="", after_section_id=None, level=1) -> Section:
    require_arrange(user, document)
    errors = FieldErrors()
    heading = _clean_heading(errors, heading)
    level = _clean_level(errors, level)
    after = clean_id(errors, "after_section_id", after_section_id, required=False)
    errors.raise_if_any()
    body = check_body(body if body is not None else "")
    sections = live_sections(document)
    if len(sections) >= MAX_SECTIONS:
        raise Conflict(_("A document holds at most %(num)s sections.", num=format_number(MAX_SECTIONS)),
                       code="too_many_sections")
    ids = [s.id for s in sections]
    if after is not None and after not in ids:
        raise Invalid(_("No such section in this document."), fields={"after_section_id": _("No such section.")})
    index = ids.index(after) + 1 if after is not None else len(ids)
    section = new_section(user, document, heading, body, level, 0)
    sections.insert(index, section)
    renumber(sections)
    document.updated_at = utcnow()
    db.session.flush()
    record(document.group_id, user, "section.add", f"section:{section.id}", document_id=document.id,
           heading=heading)
    return section


def _section_order_words() -> OrderWords:
    return OrderWords(
        _("The order must be a list of section ids."), _("A list of section ids."),
        _("The order must name every section of the document exactly once."),
        _("Name every current section exactly once."))


def reorder_sections(user, document: Document, order) -> list[Section]:
    require_arrange(user, document)
    ordered = apply_order(live_sections(document), order, _section_order_words())
    document.updated_at = utcnow()
    record(document.group_id, user, "section.reorder", f"document:{document.id}", order=list(order))
    return ordered


def move_section(user, section: Section, direction: str) -> None:
    reorder_sections(user, section.document, order_after_move(live_sections(section.document), section, direction))


def delete_section(user, section: Section) -> None:
    require_arrange(user, section.document)
    if section.deleted_at is None:
        section.deleted_at = utcnow()
        section.document.updated_at = utcnow()
        record(section.document.group_id, user, "section.delete", f"section:{section.id}",
               document_id=section.document_id)


@dataclass
class SaveResult:
    section: Section
    revision: SectionRevision
    merged: bool
    created: bool
    # The revisions saved since the writer's base that this save was merged with, oldest first.
    merged_with: list[SectionRevision] = field(default_factory=list)


MAX_SAVES_NAMED = 20  # a conflict or a merge names at most this many of the saves made meanwhile


def saved_since(section: Section, base_revision: int) -> list[SectionRevision]:
    """The revisions saved after `base_revision`, oldest first (the last MAX_SAVES_NAMED), with their authors."""
    rows = list(db.session.scalars(
        select(SectionRevision).where(SectionRevision.section_id == section.id,
                                      SectionRevision.number > base_revision)
        .order_by(SectionRevision.number.desc()).limit(MAX_SAVES_NAMED)
        .options(selectinload(SectionRevision.author))))
    return rows[::-1]


def save_json(rev: SectionRevision) -> dict:
    """Who saved a revision and when, as a conflict's details and a merge notice tell it."""
    author = rev.author
    return {"revision": rev.number, "saved_at": iso(rev.created_at),
            "author": {"id": author.id, "name": author.name} if author is not None else None}


def _lock_section(section: Section) -> Section:
    """Serialises saves of one section: a row lock on PostgreSQL; on SQLite the
    request's BEGIN IMMEDIATE already holds the database's write lock."""
    if lock_row(Section, section.id):
        db.session.refresh(section)
    return section


def save_section(user, section: Section, *, body, base_revision, heading=None, message=None,
                 restored_from=None, author=None) -> SaveResult:
    """Saves a new text written from `base_revision`; merges with saves made since, or refuses (409).
    `author` is whom the revision is credited to when not the saving user (an accepted suggestion's writer)."""
    document = section.document
    require_text_edit(user, document)
    if section.deleted_at is not None:
        raise Conflict(_("This section was removed."), code="section_removed")
    errors = FieldErrors()
    if heading is not None:
        heading = _clean_heading(errors, heading)
    message = clean_text(errors, "message", message, max_length=500, required=False)
    if isinstance(base_revision, bool) or not isinstance(base_revision, int):
        errors.add("base_revision", _("The revision number the text was written from is required."))
    errors.raise_if_any()
    body = check_body(body)
    _lock_section(section)
    current = section.current_revision
    if not 1 <= base_revision <= current:
        raise Invalid(_("No such base revision."), fields={"base_revision": _("Between 1 and %(num)s.", num=current)})
    merged = False
    merged_with: list[SectionRevision] = []
    new_heading = heading if heading is not None else section.heading
    if base_revision != current:
        base_text = revision_text(section.id, base_revision)
        base_heading = revision(section, base_revision).heading
        result = three_way_merge(base_text, body, section.body)
        # Both renamed the section since the base, differently.
        heading_clash = (heading is not None and heading != base_heading
                         and section.heading not in (base_heading, heading))
        merged_with = saved_since(section, base_revision)
        if not result.clean or heading_clash:
            latest = save_json(merged_with[-1])
            raise Conflict(
                _("Someone else changed the same words since you started. Your text is kept: merge it by hand."),
                code="conflict",
                details={"current_revision": current, "current_body": section.body,
                         "current_heading": section.heading, "your_body": body, "base_revision": base_revision,
                         "saved_by": latest["author"], "saved_at": latest["saved_at"],
                         "saved_since": [save_json(rev) for rev in merged_with]})
        body = result.text
        if heading is None or heading == base_heading:
            new_heading = section.heading
        merged = True
    if body == section.body and new_heading == section.heading:
        return SaveResult(section, revision(section, current), merged=False, created=False)
    number = current + 1
    kind, payload = storage.encode(section.body, body, number)
    new_revision = SectionRevision(section_id=section.id, number=number, heading=new_heading, kind=kind,
                                   payload=payload, body_length=len(body), author_id=(author or user).id,
                                   message=message or "", merged=merged,
                                   restored_from=restored_from)
    db.session.add(new_revision)
    previous_body = section.body
    section.body, section.heading, section.current_revision = body, new_heading, number
    section.updated_at = document.updated_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone saved this section at the same moment. Reload and try again."),
                       code="conflict", details={"current_revision": current}) from None
    section_saved.send(section, old_text=previous_body, new_text=body, old_number=current, new_number=number)
    if merged:
        section_merged.send(section, actor=user, revision=new_revision, merged_with=merged_with)
    record(document.group_id, user, "section.restore" if restored_from else "section.edit", f"section:{section.id}",
           document_id=document.id, revision=number, base_revision=base_revision, merged=merged,
           restored_from=restored_from, **({"credited_to": author.id} if author is not None else {}))
    return SaveResult(section, new_revision, merged=merged, created=True, merged_with=merged_with)


def restore_revision(user, section: Section, number) -> SaveResult:
    old = revision(section, number)
    return save_section(user, section, body=revision_text(section.id, old.number), heading=old.heading,
                        base_revision=section.current_revision, message=f"Restored revision {old.number}",
                        restored_from=old.number)


def section_diff(section: Section, from_number, to_number) -> list[tuple[int, str]]:
    """The Markdown source diff of two revisions (for editors; readers see section_comparison)."""
    a = revision_text(section.id, revision(section, from_number).number)
    b = revision_text(section.id, revision(section, to_number).number)
    return diff_texts(a, b)


def compare_texts(old_text: str, new_text: str, *, deadline: float | None = None, id_prefix: str = "",
                  for_print: bool = False, moves: bool = True) -> Comparison:
    """Two Markdown texts compared as people read them (comparing.py): each rendered with the app's bounded,
    cached rendering (for print: without relative links), then compared word by word on the formatted text.
    Every page, PDF and e-mail that shows a change goes through here."""
    from app.documents.rendering import render_cached, render_for_print

    render = render_for_print if for_print else render_cached
    if deadline is None:
        deadline = time.monotonic() + DIFF_REFINE_BUDGET
    return compare_html(render(old_text or ""), render(new_text or ""), deadline=deadline, id_prefix=id_prefix,
                        moves=moves)


def section_comparison(section: Section, from_number, to_number) -> Comparison:
    a = revision_text(section.id, revision(section, from_number).number)
    b = revision_text(section.id, revision(section, to_number).number)
    return compare_texts(a, b, id_prefix=f"s{section.id}-")


# --- versions -------------------------------------------------------------------

def _state_of_current(document: Document) -> list[dict]:
    return [{"section_id": s.id, "heading": s.heading, "body": s.body, "level": s.level,
             "revision": s.current_revision} for s in live_sections(document)]


def text_parts_of(document: Document) -> dict[str, TextPart]:
    """What the packages built on the core hold as part of the document's text (signals.text_parts)."""
    parts = {}
    for _receiver, part in text_parts.send(document):
        if part is not None:
            parts[part.name] = part
    return parts


def canonical_parts(parts: dict[str, TextPart]) -> dict[str, list | None]:
    return {name: part.canonical for name, part in parts.items()}


def current_content_hash(document: Document, state: list[dict]) -> str:
    """The content hash of the current text (state: its live sections), its further parts included."""
    return content_hash(document.title, state, canonical_parts(text_parts_of(document)))


def create_version(user, document: Document, *, label, note=None) -> Version:
    if not can_name_version(user, document):
        raise PermissionDenied(_("Only editors and coordinators name versions."))
    errors = FieldErrors()
    label = clean_text(errors, "label", label, max_length=200)
    note = clean_text(errors, "note", note, max_length=5000, required=False, multiline=True)
    errors.raise_if_any()
    lock_row(Document, document.id)
    number = (db.session.scalar(select(func.max(Version.number)).where(Version.document_id == document.id)) or 0) + 1
    state = _state_of_current(document)
    parts = text_parts_of(document)
    version = Version(document_id=document.id, number=number, label=label, note=note, title=document.title,
                      summary=document.summary, created_by_id=user.id,
                      content_hash=content_hash(document.title, state, canonical_parts(parts)))
    db.session.add(version)
    db.session.flush()
    for position, item in enumerate(state, start=1):
        db.session.add(VersionSection(version_id=version.id, section_id=item["section_id"],
                                      revision_number=item["revision"], position=position, level=item["level"]))
    version_created.send(version, parts=parts)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Another version was named at the same moment. Try again.")) from None
    record(document.group_id, user, "version.create", f"version:{version.id}", document_id=document.id,
           number=number, label=label, content_hash=version.content_hash)
    return version


def versions_of(document: Document) -> list[Version]:
    return list(db.session.scalars(select(Version).where(Version.document_id == document.id)
                                   .order_by(Version.number.desc())))


def version_for(user, version_id) -> Version:
    from app.documents.permissions import can_read

    version = db.session.get(Version, version_id) if isinstance(version_id, int) else None
    if version is None or not can_read(user, version.document):
        raise NotFound(_("No such version."))
    return version


def version_state(version: Version) -> list[dict]:
    """The sections of a version, exactly as they were.

    Headings and revision numbers come in one query; a section whose revision is
    still its current one takes its text from the section row, and only older
    revisions are rebuilt from storage (a final version just frozen needs none).
    """
    state = _light_state(version, version.document)
    wanted = {item["section_id"]: item["revision"] for item in state}
    current = {sid: body for sid, number, body in db.session.execute(
        select(Section.id, Section.current_revision, Section.body).where(Section.id.in_(wanted)))
        if wanted[sid] == number}
    for item in state:
        sid = item["section_id"]
        item["body"] = current[sid] if sid in current else revision_text(sid, item["revision"])
    return state


def compared_version(document: Document, name: str, value: str | None) -> Version | None:
    """?from= / ?to= of a comparison (the compare page, its PDF and .docx downloads): a version of this
    document, or None for the current text ("current" or absent). Not an id: Invalid naming the field (400);
    not a version of this document: NotFound."""
    if value in (None, "", "current"):
        return None
    number = id_or_none(value)
    if number is None:
        raise Invalid(_("Not a version of this document."), fields={name: _("A version id or 'current'.")})
    version = db.session.get(Version, number)
    if version is None or version.document_id != document.id:
        raise NotFound(_("No such version."))
    return version


# --- document diffs -------------------------------------------------------------

def _light_state(version: Version | None, document: Document) -> list[dict]:
    """Section ids, levels, headings and revision numbers, without the bodies."""
    if version is None:
        return [{"section_id": s.id, "heading": s.heading, "level": s.level, "revision": s.current_revision,
                 "body": s.body} for s in live_sections(document)]
    rows = db.session.execute(
        select(VersionSection.section_id, VersionSection.level, VersionSection.revision_number,
               SectionRevision.heading)
        .join(SectionRevision, (SectionRevision.section_id == VersionSection.section_id)
              & (SectionRevision.number == VersionSection.revision_number))
        .where(VersionSection.version_id == version.id).order_by(VersionSection.position)).all()
    return [{"section_id": sid, "level": level, "revision": number, "heading": heading}
            for sid, level, number, heading in rows]


def _body(item: dict) -> str:
    if "body" not in item:
        item["body"] = revision_text(item["section_id"], item["revision"])
    return item["body"]


def document_diff(document: Document, old: Version | None, new: Version | None, *, formatted: bool = False,
                  source: bool = True, for_print: bool = False, formatted_budget: float | None = None) -> list[dict]:
    """Per section: added, removed, modified, moved or unchanged, with a word-level diff where text changed.
    `None` stands for the current text. Unchanged sections cost no text rebuild and no diff.

    `source`: each entry's "diff" is the Markdown source diff [[op, text], ...] (the API's field, and the
    "Markdown source" view for editors). `formatted`: each entry also has "comparison", the comparison as
    people read it (comparing.Comparison: formatted HTML inline and side by side, plain text), made within
    `formatted_budget` seconds (COMPARE_BUDGET by default); a section past it has "deferred" instead, and
    "from_revision" / "to_revision" to link to its own comparison."""
    # Word-level work for as many sections as fit in the budget; the rest are shown by whole lines (source)
    # or whole paragraphs (formatted, which then says so), so a comparison where most sections were
    # rewritten still answers within about a second.
    refine_until = time.monotonic() + DIFF_REFINE_BUDGET
    formatted_until = time.monotonic() + (COMPARE_BUDGET if formatted_budget is None else formatted_budget)
    # Each section's diff of two revisions is kept per process: comparing a version with the current text
    # again (as a group does while it works) compares only the sections saved since.
    known = process_cache("section_diff")
    document_key = (document.id, document.created_at)  # a revision never changes: its numbers name its text
    a, b = _light_state(old, document), _light_state(new, document)
    a_by_id = {item["section_id"]: item for item in a}
    b_by_id = {item["section_id"]: item for item in b}
    a_position = {item["section_id"]: index + 1 for index, item in enumerate(a)}
    moved = moved_items([i["section_id"] for i in a], [i["section_id"] for i in b])

    def compared(before, after, sid, entry):
        """The section's comparison, or None with entry["deferred"] once the budget is spent: rendering and
        comparing most of 280 rewritten sections costs seconds, so the page then gives those sections a
        link to their own comparison instead (and says so), and answers within about a second."""
        key = ("formatted", for_print, current_language(), document_key, sid, before["revision"] if before else 0,
               after["revision"] if after else 0)  # its words for screen readers and print are in a language
        comparison = known.get(key)
        if comparison is None:
            if time.monotonic() >= formatted_until or time.monotonic() + COMPARE_SECONDS_PER_CHARACTER * (
                    (len(_body(before)) if before else 0) + (len(_body(after)) if after else 0)) >= formatted_until:
                entry["deferred"] = True
                return None
            comparison = compare_texts(_body(before) if before else "", _body(after) if after else "",
                                       deadline=formatted_until, id_prefix=f"s{sid}-", for_print=for_print)
            if not comparison.coarse:  # one cut short by the budget is done again next time
                known.put(key, comparison, 2 * len(comparison.html) + len(comparison.text))
        return comparison

    out = []
    for position, item in enumerate(b, start=1):
        sid = item["section_id"]
        before = a_by_id.get(sid)
        if before is None:
            entry = {"section_id": sid, "heading": item["heading"], "change": "added", "moved": False,
                     "position": position}
            if source:
                entry["diff"] = [[1, _body(item)]] if _body(item) else []
            if formatted:
                entry["comparison"] = compared(None, item, sid, entry)
                entry["to_revision"] = item["revision"]
            out.append(entry)
            continue
        diff = []
        comparison = None
        entry = {"section_id": sid, "heading": item["heading"], "moved": sid in moved,
                 "position": position, "old_position": a_position[sid]}
        if before["revision"] != item["revision"]:
            if source:
                key = (document_key, sid, before["revision"], item["revision"])
                diff = known.get(key)
                if diff is None:
                    refine = time.monotonic() < refine_until
                    diff = diff_texts(_body(before), _body(item), refine=refine)
                    if refine:  # a diff cut short by the budget is not kept: the next comparison refines it
                        known.put(key, diff, sum(len(text) for _op, text in diff))
            if formatted:
                comparison = compared(before, item, sid, entry)
                entry.update(from_revision=before["revision"], to_revision=item["revision"])
        if source:
            body_changed = has_changes(diff)
        else:  # a comparison left out for the budget: its revision changed, so its text most likely did
            body_changed = entry.get("deferred", False) or (comparison is not None and comparison.changed)
        text_changed = body_changed or before["heading"] != item["heading"] or before["level"] != item["level"]
        entry["change"] = "modified" if text_changed else ("moved" if sid in moved else "unchanged")
        if source:
            entry["diff"] = [list(d) for d in diff]
        if formatted:
            entry["comparison"] = comparison if comparison is not None and comparison.changed else None
        if before["heading"] != item["heading"]:
            entry["old_heading"] = before["heading"]
        out.append(entry)
    for index, item in enumerate(a):
        if item["section_id"] not in b_by_id:
            entry = {"section_id": item["section_id"], "heading": item["heading"], "change": "removed",
                     "moved": False, "old_index": index, "old_position": index + 1}
            if source:
                entry["diff"] = [[-1, _body(item)]] if _body(item) else []
            if formatted:
                entry["comparison"] = compared(item, None, item["section_id"], entry)
                entry["from_revision"] = item["revision"]
            out.append(entry)
    return out
