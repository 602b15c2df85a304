"""Integrity checks: the runs that read the stored history again, and the problems they found."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.util import utcnow

# The order in which a pass goes through what it checks; each phase walks its rows by id.
PHASES = ("sections", "versions", "groups", "done")
OUTCOMES = ("running", "stopped", "finished", "abandoned")


class IntegrityRun(db.Model):
    """One run of the check, bounded in time. A pass over everything may take several runs: each starts
    where the last one stopped (its phase and after_id), so every object is checked once per pass."""

    __tablename__ = "integrity_runs"
    __table_args__ = (
        CheckConstraint("phase IN ('sections', 'versions', 'groups', 'done')", name="phase_known"),
        CheckConstraint("outcome IN ('running', 'stopped', 'finished', 'abandoned')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which full pass over the data the run belongs to: 1, 2, 3, ...
    pass_number: Mapped[int]
    # What started it: "command", "page", "nightly".
    trigger: Mapped[str] = mapped_column(String(16))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its budget ends; a run still "running" well past it died and is taken over by the next.
    deadline_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # True while the run goes on, NULL once it ended: the unique constraint lets one run at a time.
    running: Mapped[bool | None] = mapped_column(unique=True)
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    # The cursor: the phase it is in and the last id of that phase checked (0: none yet).
    phase: Mapped[str] = mapped_column(String(16), default="sections")
    after_id: Mapped[int] = mapped_column(default=0)
    sections_checked: Mapped[int] = mapped_column(default=0)
    versions_checked: Mapped[int] = mapped_column(default=0)
    groups_checked: Mapped[int] = mapped_column(default=0)
    # Problems this run found that were not already open.
    new_problems: Mapped[int] = mapped_column(default=0)


class IntegrityProblem(db.Model):
    """Something stored that does not say what it should. Open until a later check of the same object
    finds it sound again (or the object is gone); found again meanwhile, it is the same problem."""

    __tablename__ = "integrity_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "section_history", "section_text", "version_hash" or "audit_chain" (services.KINDS).
    kind: Mapped[str] = mapped_column(String(32))
    # What it is about, as "section:12", "version:5", "group:3".
    object: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_runs.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]


Index("ix_integrity_problems_object_kind", IntegrityProblem.object, IntegrityProblem.kind)
Index("ix_integrity_problems_resolved_at", IntegrityProblem.resolved_at)
