"""What the task queue leaves in the database: each periodic run's slot, and the tasks that failed for good."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.util import utcnow


class TaskRun(db.Model):
    """One run of a periodic task: (name, slot) is unique, so of all the workers' schedulers one runs it."""
    __tablename__ = "task_runs"
    __table_args__ = (UniqueConstraint("name", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slot: Mapped[datetime]  # the minute the run belongs to
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TaskFailure(db.Model):
    """A task that failed its last try, with the error (the admin's Background work page lists them)."""
    __tablename__ = "task_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    task_id: Mapped[str] = mapped_column(String(64), default="")
    arguments: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
