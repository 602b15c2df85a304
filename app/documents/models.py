"""Documents, their sections, section revisions and named versions.

History is append-only: a revision or a version is never changed once
written. A section keeps its current heading and text on its own row (what
readers see, fast to read whatever the history) and points at its current
revision number; the revisions hold the history (see storage.py for how).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.util import utcnow

DOCUMENT_KINDS = {"statement": _l("Joint action statement"), "roadmap": _l("Roadmap")}
DOCUMENT_STATUSES = ("draft", "review", "final", "closed")
# How a status is said to people (the codes stay in the API and the data).
STATUS_NAMES = {"draft": _l("draft"), "review": _l("review"), "final": _l("final"), "closed": _l("closed")}


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("kind IN ('statement', 'roadmap')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'review', 'final', 'closed')", name="status_known"),
        # One translation per language of a document (originals have no translation_of_id: not counted).
        UniqueConstraint("translation_of_id", "language", name="uq_documents_translation_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Where the document is in its life: draft, review, final (frozen) or closed.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The latest version frozen by going final; endorsements point at it. Kept when a new round starts.
    final_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL", use_alter=True, name="fk_documents_final_version_id_versions"))
    # Set when a coordinator makes the final statement public (readable without an account).
    published_at: Mapped[datetime | None]
    public_slug: Mapped[str | None] = mapped_column(String(120), unique=True)
    # The language its text is written in (a code of app.i18n.LANGUAGES): its PDF's fixed words, hyphenation,
    # quotation marks and metadata follow it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Set on a translation: the document whose text is authoritative (see translations.py). It goes with its
    # original (documents are only ever deleted with their group): a translation left without one would pass
    # for an authoritative text.
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)

    group = relationship("Group")
    final_version = relationship("Version", foreign_keys=[final_version_id], post_update=True)
    sections: Mapped[list[Section]] = relationship(
        back_populates="document", order_by="Section.position", cascade="all, delete-orphan")

    @property
    def public_key(self) -> str:
        return self.public_slug or str(self.id)


class Section(db.Model):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # Order in the document; only the relative order matters.
    position: Mapped[int] = mapped_column(default=0)
    # Outline depth: 1 gives §3, 2 gives §3.2, 3 gives §3.2.1.
    level: Mapped[int] = mapped_column(default=1)
    heading: Mapped[str] = mapped_column(String(300))
    # The current text, whole; equal to the text of revision `current_revision`.
    body: Mapped[str] = mapped_column(Text, default="")
    current_revision: Mapped[int] = mapped_column(default=1)
    # Raised by one, through `raise_discussion_versions`, in the transaction of every change to what the
    # extensions show inside the section (today the comments' threads, highlights and suggestion counts).
    # The document page keeps each section's markup under it instead of reading the discussion again.
    discussion_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed sections stay, with their history, marked with the time of removal.
    deleted_at: Mapped[datetime | None]
    # In a translation: the section of the original this one translates, and the original's revision number
    # whose text it follows (behind the original while that section's current revision is newer).
    original_section_id: Mapped[int | None] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    translates_revision: Mapped[int | None]

    document: Mapped[Document] = relationship(back_populates="sections")

    @property
    def anchor(self) -> str:
        return section_anchor(self.id)


def raise_discussion_versions(session, section_ids) -> None:
    """The sections' discussion version + 1, in the flush that changes what shows inside them.

    Called by an extension whose marks appear in a section's kept markup (comments, from their flush) so
    that a reader sees the new version exactly when they see the change; the core owns the column and the
    write, and knows nothing of what the extension shows. Rows are updated in one order (by id), so two
    writers cannot deadlock on them; loaded sections read the new value when next asked."""
    ids = sorted(set(section_ids))
    if not ids:
        return
    table = Section.__table__
    connection = session.connection()
    for start in range(0, len(ids), 500):
        connection.execute(update(table).where(table.c.id.in_(ids[start:start + 500]))
                           .values(discussion_version=table.c.discussion_version + 1))
    session.info.setdefault("accord_discussions_changed", set()).update(ids)


@event.listens_for(Session, "after_flush_postexec")
def _expire_discussion_versions(session, _flush_context) -> None:
    ids = session.info.pop("accord_discussions_changed", None)
    for sid in ids or ():
        section = session.identity_map.get(identity_key(Section, sid))
        if section is not None:
            session.expire(section, ["discussion_version"])


def section_anchor(section_id: int) -> str:
    """A section's place on the document page: stable through edits and reordering, it depends on the
    identity only."""
    return f"section-{section_id}"


class SectionRevision(db.Model):
    __tablename__ = "section_revisions"
    __table_args__ = (UniqueConstraint("section_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    # 1, 2, 3, ... per section, without gaps; the unique constraint settles races.
    number: Mapped[int]
    heading: Mapped[str] = mapped_column(String(300))
    # "snapshot" (the whole text) or "delta" (against revision number - 1); see storage.py.
    kind: Mapped[str] = mapped_column(String(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    body_length: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(String(500), default="")
    # True when the server merged this save with a concurrent one.
    merged: Mapped[bool] = mapped_column(default=False)
    # The revision this one restored, when it is a restore.
    restored_from: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class Version(db.Model):
    """A named, frozen state of a whole document."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 over the canonical form of title and ordered sections (hashing.py).
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # True for the version frozen when the document went final (the one organisations endorse).
    is_final: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the coordinator closed it for endorsement.
    closed_at: Mapped[datetime | None]

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    created_by = relationship("User")
    entries: Mapped[list[VersionSection]] = relationship(
        order_by="VersionSection.position", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        """The version as every screen, PDF and verification names it: "Version 4, Final version"."""
        if self.label:
            return _("Version %(number)s, %(label)s", number=self.number, label=self.label)
        return _("Version %(number)s", number=self.number)


class VersionSection(db.Model):
    """Which revision of which section stood where in a version."""

    __tablename__ = "version_sections"
    __table_args__ = (UniqueConstraint("version_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    revision_number: Mapped[int]
    position: Mapped[int]
    level: Mapped[int] = mapped_column(default=1)


Index("ix_section_revisions_section_kind_number", SectionRevision.section_id, SectionRevision.kind,
      SectionRevision.number)
