"""Discussion: comments anchored to a section's words, and suggested changes.

A thread is a first comment (its anchor: the quoted words, their context and
their place in the revision it was made on) and its replies (`parent_id`
points at the first comment). A deleted comment keeps its place in the
thread, without its text, so the thread stays readable. A suggested change
(amendment) is a whole new text for a section, written from a given
revision; accepting it makes a revision credited to its author.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db
from app.i18n import gettext
from app.util import utcnow

AMENDMENT_STATUSES = ("proposed", "accepted", "rejected")


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # The thread's first comment; None for a first comment.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who wrote it when it came from elsewhere (a Word comment whose author is not a member): shown "from Word".
    external_author: Mapped[str | None] = mapped_column(String(200))
    # Markdown, rendered sanitised; emptied when the comment is deleted.
    body: Mapped[str] = mapped_column(Text, default="")
    # The anchor (first comments only): the quoted words, "" for the section as a whole ...
    anchor_quote: Mapped[str] = mapped_column(Text, default="")
    # ... up to 32 characters before and after them ...
    anchor_prefix: Mapped[str] = mapped_column(Text, default="")
    anchor_suffix: Mapped[str] = mapped_column(Text, default="")
    # ... and their place [start, end) in the text of section revision `revision`.
    anchor_start: Mapped[int | None]
    anchor_end: Mapped[int | None]
    # The section's revision when the comment was written.
    revision: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Threads only: resolved threads fold away but stay readable; reopening clears these.
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the quoted words stand in section revision `located_revision`, carried forward at each save
    # (anchoring.carry) so that reading never relocates across many revisions. `located_state` is
    # "exact" (the words first quoted), "changed" (reworded since) or "orphaned" (gone); None: not carried.
    located_revision: Mapped[int | None]
    located_start: Mapped[int | None]
    located_end: Mapped[int | None]
    located_state: Mapped[str | None] = mapped_column(String(8))

    author = relationship("User", foreign_keys=[author_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    section = relationship("Section")
    document = relationship("Document")
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id", back_populates="parent")
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")

    @property
    def is_thread(self) -> bool:
        return self.parent_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def author_name(self) -> str | None:
        """None once the author is gone; an author from a Word file who is not a member reads "Name (from Word)"."""
        if self.author is not None:
            return self.author.name
        return gettext("%(name)s (from Word)", name=self.external_author) if self.external_author else None

    @property
    def thread_id(self) -> int:
        return self.parent_id or self.id


# The document page reads only open threads and asks only whether a section has resolved ones: two partial
# indexes keep both lookups as cheap with a hundred thousand resolved comments as with none.
_OPEN_ROOT = "parent_id IS NULL AND resolved_at IS NULL"
_RESOLVED_ROOT = "parent_id IS NULL AND resolved_at IS NOT NULL"
Index("ix_comments_open_roots", Comment.section_id, Comment.parent_id, Comment.resolved_at,  # all three, or SQLite's
      sqlite_where=text(_OPEN_ROOT), postgresql_where=text(_OPEN_ROOT))            # planner takes ix_comments_parent_id
Index("ix_comments_resolved_roots", Comment.section_id, sqlite_where=text(_RESOLVED_ROOT),
      postgresql_where=text(_RESOLVED_ROOT))


class Amendment(db.Model):
    """A suggested change: a whole new text for a section, written from revision `base_revision`."""

    __tablename__ = "amendments"
    __table_args__ = (CheckConstraint("status IN ('proposed', 'accepted', 'rejected')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who suggested it when it came from elsewhere (a Word tracked change by someone not a member).
    external_author: Mapped[str | None] = mapped_column(String(200))
    # The proposed text of the whole section.
    body: Mapped[str] = mapped_column(Text)
    base_revision: Mapped[int]
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # Why an editor rejected it.
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # The section revision that accepting it made (None when the text already said the same).
    accepted_revision: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    section = relationship("Section")
    document = relationship("Document")
    supports: Mapped[list[AmendmentSupport]] = relationship(
        order_by="AmendmentSupport.id", cascade="all, delete-orphan", back_populates="amendment")

    @property
    def author_name(self) -> str | None:
        if self.author is not None:
            return self.author.name
        return gettext("%(name)s (from Word)", name=self.external_author) if self.external_author else None


class AmendmentSupport(db.Model):
    __tablename__ = "amendment_supports"
    __table_args__ = (UniqueConstraint("amendment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="supports")
    user = relationship("User")


# --- each section's discussion version ---------------------------------------------------
# The document page keeps each section's markup (text, highlights, open threads, suggestion count) under
# the section's revision and its `discussion_version`, and reads no comment at all when neither moved. So
# every flush that writes a comment or a suggested change, or renames someone whose comments are shown,
# raises the version of the sections concerned, in the same transaction: a reader sees the new version
# exactly when it sees the change. Going through the flush (not each service) leaves no writer out.

def _changed_sections(session) -> tuple[set[int], set[int]]:
    """(ids of sections whose comments or suggestions this flush writes, ids of people it renames)."""
    from app.auth.models import User

    sections: set[int] = set()
    renamed: set[int] = set()
    for obj in [*session.new, *session.deleted]:
        if isinstance(obj, (Comment, Amendment)) and obj.section_id is not None:
            sections.add(obj.section_id)
    for obj in session.dirty:
        if isinstance(obj, (Comment, Amendment)) and session.is_modified(obj, include_collections=False):
            sections.update(s for s in (obj.section_id, *inspect(obj).attrs.section_id.history.deleted)
                            if s is not None)
        elif isinstance(obj, User) and inspect(obj).attrs.name.history.has_changes():
            renamed.add(obj.id)
    return sections, renamed


@event.listens_for(Session, "after_flush")
def _raise_discussion_versions(session, _flush_context) -> None:
    sections, renamed = _changed_sections(session)
    if not sections and not renamed:
        return
    from app.documents.models import raise_discussion_versions

    if renamed:
        sections.update(session.connection().scalars(
            select(Comment.section_id).where(Comment.author_id.in_(renamed)).distinct()))
    raise_discussion_versions(session, sections)
