"""Translations of a document: one text is authoritative, the others follow it section by section.

A translation is a document of its own (same group, kind and title, drafted and discussed like any
document) whose `translation_of_id` names its original. Each of its sections names the section of the
original it translates and the revision of that section whose text it follows (`translates_revision`).
When the original section gets a newer revision, the translated section is *behind*: its readers see
the words that changed in the original since the revision it follows (the one comparison engine,
services.compare_texts), until an editor confirms it is up to date with the revision they saw.

Sections the original gains after the translation began are *missing* from it (an editor adds them, a
copy of the original's text to translate); sections the original loses are *removed* from it (an editor
removes them from the translation). Either keeps a translation from being published, like a section
behind, since its text no longer matches the authoritative one. Organisations endorse the original only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.documents.comparing import Comparison
from app.documents.models import Document, Section, VersionSection
from app.documents.permissions import can_create_document, require_arrange, require_text_edit
from app.documents.services import compare_texts, live_sections, new_section, revision_text, sections_by_id
from app.errors import Conflict, Invalid, PermissionDenied
from app.extensions import db
from app.i18n import LANGUAGES, _, ngettext
from app.ordering import renumber
from app.util import utcnow

# --- reading ------------------------------------------------------------------------

def original_of(document: Document) -> Document:
    """The authoritative document: the document itself unless it is a translation."""
    if document.translation_of_id is None:
        return document
    return db.session.get(Document, document.translation_of_id)


def translations_of(document: Document) -> list[Document]:
    """The translations of the document's original (of the document itself when it is the original), by
    language."""
    original = original_of(document)
    return list(db.session.scalars(select(Document).where(Document.translation_of_id == original.id)
                                   .order_by(Document.language, Document.id)))


def has_translations(document: Document) -> bool:
    """Whether the document is a translation or has any: one indexed query for a document that has none."""
    return document.translation_of_id is not None or db.session.scalar(
        select(Document.id).where(Document.translation_of_id == document.id).limit(1)) is not None


def originals_by_id(sections) -> dict[int, Section]:
    """The original sections these translated sections follow."""
    return sections_by_id(sorted({s.original_section_id for s in sections if s.original_section_id is not None}))


def behind(section: Section, original: Section | None = None) -> bool:
    """A translated section is behind when its original section, still in the original, has a newer
    revision than the one it follows."""
    if section.original_section_id is None:
        return False
    original = original or db.session.get(Section, section.original_section_id)
    return (original is not None and original.deleted_at is None
            and original.current_revision > (section.translates_revision or 0))


def changes_since(section: Section, original: Section | None = None) -> Comparison | None:
    """The words changed in the original section since the revision the translation follows, as people read
    them (None when it is not behind)."""
    original = original or db.session.get(Section, section.original_section_id or 0)
    if original is None or not behind(section, original):
        return None
    old = revision_text(original.id, section.translates_revision) if section.translates_revision else ""
    return compare_texts(old, original.body, id_prefix=f"t{section.id}-")


@dataclass
class Standing:
    """How a translation stands against its original now: its sections behind (each with its original), the
    original's sections it lacks, and its sections whose original is gone."""
    translation: Document
    sections: list[Section] = field(default_factory=list)  # its live sections, in order
    behind: list[tuple[Section, Section]] = field(default_factory=list)
    missing: list[Section] = field(default_factory=list)
    removed: list[Section] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.behind or self.missing or self.removed)

    @property
    def count(self) -> int:
        """The sections that keep it from matching the original."""
        return len(self.behind) + len(self.missing) + len(self.removed)


def standing(translation: Document, original_sections: list[Section] | None = None) -> Standing:
    """The translation against the original's current text."""
    sections = live_sections(translation)
    result = Standing(translation, sections)
    originals = originals_by_id(sections)
    if original_sections is None:
        original_sections = live_sections(original_of(translation))
    covered = set()
    for section in sections:
        original = originals.get(section.original_section_id)
        if original is None:
            continue  # a section the translators added themselves
        covered.add(original.id)
        if original.deleted_at is not None:
            result.removed.append(section)
        elif behind(section, original):
            result.behind.append((section, original))
    result.missing = [s for s in original_sections if s.id not in covered]
    return result


def behind_final(translation: Document) -> list[str]:
    """What keeps the translation from matching its original's final version: the headings of its sections
    behind that version or translating a section not in it, and of the version's sections it lacks. Empty when
    the translation follows the final version (and when the original has none: see require_publishable)."""
    original = original_of(translation)
    if original.final_version_id is None:
        return []
    final = dict(db.session.execute(select(VersionSection.section_id, VersionSection.revision_number)
                                    .where(VersionSection.version_id == original.final_version_id)).all())
    problems = []
    covered = set()
    for section in live_sections(translation):
        if section.original_section_id is None:
            continue  # a section the translators added themselves
        covered.add(section.original_section_id)
        wanted = final.get(section.original_section_id)
        if wanted is None or (section.translates_revision or 0) < wanted:
            problems.append(section.heading)
    lacking = [sid for sid in final if sid not in covered]
    if lacking:
        headings = dict(db.session.execute(select(Section.id, Section.heading).where(Section.id.in_(lacking))).all())
        problems += [headings[sid] for sid in lacking]
    return problems


def require_publishable(translation: Document) -> None:
    """A translation is published only as the translation of its original's final version, all of it: refused
    (409 translation_behind) while any section is behind that version, missing or removed."""
    original = original_of(translation)
    if original.final_version_id is None:
        raise Conflict(_("The original has no final version yet: a translation is published after it."),
                       code="translation_behind", details={"sections": []})
    problems = behind_final(translation)
    if problems:
        raise Conflict(ngettext("This translation does not follow the original's final version: %(num)d section "
                                "is behind it (%(sections)s). Bring it up to date first.",
                                "This translation does not follow the original's final version: %(num)d sections "
                                "are behind it (%(sections)s). Bring them up to date first.",
                                len(problems), sections=", ".join(problems)),
                       code="translation_behind", details={"sections": problems})


def published_translations(original: Document) -> list[Document]:
    """The original's translations that are published and follow its final version: what its public page
    offers."""
    if original.final_version_id is None:
        return []
    return [t for t in translations_of(original)
            if t.published_at is not None and t.final_version_id is not None and not behind_final(t)]


# --- changing -----------------------------------------------------------------------

def _copy_section(user, translation: Document, original: Section, position: int) -> Section:
    """A section of the translation with the original's current text as its first draft."""
    return new_section(user, translation, original.heading, original.body, original.level, position,
                       message=f"Copied from revision {original.current_revision} of the original",
                       original_section_id=original.id, translates_revision=original.current_revision)


def start_translation(user, document: Document, language) -> Document:
    """A new draft translating `document` into `language`: same group, kind and title, one section for each of
    its sections (same levels and order, so the same numbers), each starting from the original's current text
    and following its current revision. Editors only; one translation per language; never of a translation."""
    if not can_create_document(user, document.group):
        raise PermissionDenied(_("Only editors and coordinators start translations."))
    if not isinstance(language, str) or language not in LANGUAGES:
        raise Invalid(_("Unknown language."),
                      fields={"language": _("One of: %(codes)s.", codes=", ".join(LANGUAGES))})
    if document.translation_of_id is not None:
        raise Conflict(_("This document is a translation: translate its original instead."),
                       code="translation_of_translation", details={"original_id": document.translation_of_id})
    if language == document.language:
        raise Conflict(_("The document is already written in that language."), code="same_language")
    existing = db.session.scalar(select(Document.id).where(Document.translation_of_id == document.id,
                                                           Document.language == language))
    if existing is not None:
        raise Conflict(_("This document already has a translation into that language."), code="translation_exists",
                       details={"translation_id": existing})
    translation = Document(group_id=document.group_id, kind=document.kind, title=document.title,
                           summary=document.summary, status="draft", language=language,
                           translation_of_id=document.id, created_by_id=user.id)
    db.session.add(translation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This document already has a translation into that language."),
                       code="translation_exists") from None
    for original in live_sections(document):
        _copy_section(user, translation, original, original.position)
    db.session.flush()
    record(document.group_id, user, "document.translate", f"document:{translation.id}",
           original_id=document.id, language=language)
    return translation


def mark_up_to_date(user, section: Section, base_revision) -> Section:
    """Confirms that the translated section follows the original section's revision `base_revision`, the one
    the editor saw. Refused (409 original_changed) when the original has changed since: the editor must see
    what changed first."""
    if section.original_section_id is None:
        raise Conflict(_("This section is not part of a translation."), code="not_a_translation")
    require_text_edit(user, section.document)
    if section.deleted_at is not None:
        raise Conflict(_("This section was removed."), code="section_removed")
    if isinstance(base_revision, bool) or not isinstance(base_revision, int):
        raise Invalid(_("Say which revision of the original you read."),
                      fields={"base_revision": _("The original section's revision number.")})
    original = db.session.get(Section, section.original_section_id)
    if original.deleted_at is not None:
        raise Conflict(_("The original no longer has this section: remove it from the translation."),
                       code="original_removed")
    if base_revision != original.current_revision:
        raise Conflict(_("The original section has changed since revision %(seen)d: read what changed, then "
                         "confirm again.", seen=base_revision), code="original_changed",
                       details={"follows_revision": section.translates_revision,
                                "original_revision": original.current_revision})
    previous = section.translates_revision
    section.translates_revision = base_revision
    section.updated_at = utcnow()
    db.session.flush()
    record(section.document.group_id, user, "section.up_to_date", f"section:{section.id}",
           document_id=section.document_id, original_section_id=original.id, revision=base_revision,
           previous=previous)
    return section


def add_missing_sections(user, translation: Document) -> list[Section]:
    """The original's sections the translation lacks, added to it (each a copy of the original's text to
    translate, after the section translating the original's section before it)."""
    require_arrange(user, translation)
    if translation.translation_of_id is None:
        raise Conflict(_("This document is not a translation."), code="not_a_translation")
    original_sections = live_sections(original_of(translation))
    state = standing(translation, original_sections)
    if not state.missing:
        return []
    order = {s.id: place for place, s in enumerate(original_sections)}
    sections = state.sections
    added = []
    for original in state.missing:  # after the last section translating one that comes before it
        index = max((place + 1 for place, section in enumerate(sections)
                     if order.get(section.original_section_id, len(order)) < order[original.id]), default=0)
        new = _copy_section(user, translation, original, 0)
        sections.insert(index, new)
        added.append(new)
    renumber(sections)
    translation.updated_at = utcnow()
    db.session.flush()
    record(translation.group_id, user, "translation.add_missing", f"document:{translation.id}",
           sections=[s.id for s in added])
    return added
