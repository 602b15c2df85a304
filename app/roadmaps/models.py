"""Roadmap actions, their owner organisations, their frozen copies in versions, and follow-up entries.

An action is part of a roadmap's text: it is edited under the same rules as
the sections, and a named or final version keeps a frozen copy of every
action as it stood (`VersionAction`, written once, never changed). After
the roadmap is final, progress is recorded as follow-up entries
(`ActionUpdate`): new facts beside the endorsed plan, never edits of it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.util import utcnow

# Code -> the words people read (lazy: in each reader's language; str() them where a str is needed).
ACTION_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "at_risk": _l("At risk"),
    "dropped": _l("Dropped"),
}
DATE_PRECISIONS = ("day", "quarter")
_STATUS_CHECK = "status IN ('planned', 'in_progress', 'done', 'at_risk', 'dropped')"


class RoadmapAction(db.Model):
    __tablename__ = "roadmap_actions"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status_known"),
        CheckConstraint("start_precision IN ('day', 'quarter')", name="start_precision_known"),
        CheckConstraint("due_precision IN ('day', 'quarter')", name="due_precision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    # The section of the roadmap the action belongs to, if any.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    # Order in the roadmap; only the relative order matters.
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    title: Mapped[str] = mapped_column(String(300))
    # Markdown, rendered sanitised like a section.
    description: Mapped[str] = mapped_column(Text, default="")
    lead_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A quarter is stored as its first day (start) or its last day (due), with precision "quarter".
    start_date: Mapped[date | None] = mapped_column(Date)
    start_precision: Mapped[str] = mapped_column(String(8), default="day", server_default="day")
    due_date: Mapped[date | None] = mapped_column(Date)
    due_precision: Mapped[str] = mapped_column(String(8), default="day", server_default="day")
    status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    # 1, 2, 3, ...: raised by every change, so that a stale edit is refused (409) instead of overwriting.
    # Named `revision` in the column, the API and the edit form (its wire name); not a section's revision.
    edit_count: Mapped[int] = mapped_column("revision", default=1, server_default=text("1"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed actions stay (versions and follow-ups point at them), marked with the time of removal.
    deleted_at: Mapped[datetime | None]

    document = relationship("Document")
    section = relationship("Section")
    lead = relationship("User", foreign_keys=[lead_user_id])
    owners: Mapped[list[ActionOwner]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionOwner.id")


class ActionOwner(db.Model):
    """An organisation that owns (commits to) an action."""

    __tablename__ = "roadmap_action_owners"
    __table_args__ = (UniqueConstraint("action_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("roadmap_actions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

    action: Mapped[RoadmapAction] = relationship(back_populates="owners")
    organisation = relationship("Organisation")


class VersionAction(db.Model):
    """An action exactly as it stood when a version was named or frozen (append-only)."""

    __tablename__ = "version_actions"
    __table_args__ = (UniqueConstraint("version_id", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("roadmap_actions.id", ondelete="CASCADE"))
    position: Mapped[int]
    # The frozen fields: title, description, section_id, owners [{id, name, country}], lead {id, name} or
    # null, start and due ({date, precision} or null) and status; names as they were at the time.
    data: Mapped[dict] = mapped_column(JSON)


class ActionUpdate(db.Model):
    """A dated follow-up entry on an action of a final roadmap: a status change, a note, or both."""

    __tablename__ = "action_updates"
    __table_args__ = (
        CheckConstraint("status IS NULL OR " + _STATUS_CHECK, name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("roadmap_actions.id", ondelete="CASCADE"), index=True)
    # The final version the progress is measured against.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The day the progress is about (a person may record last week's meeting today).
    entry_date: Mapped[date] = mapped_column(Date)
    # The new status, when the entry changes it; None for a note only.
    status: Mapped[str | None] = mapped_column(String(16))
    previous_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[RoadmapAction] = relationship()
    author = relationship("User")


Index("ix_roadmap_actions_document_position", RoadmapAction.document_id, RoadmapAction.position)
