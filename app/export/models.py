"""Stored exports: each PDF rendered once, kept with its SHA-256 and served again.

An export is identified by its `key`, which names exactly what it shows:
a version with a set of active endorsements (sealed), a version or the
current text as a draft, or a comparison of two states. The unique key
settles races between workers: the first to insert the row renders it,
the others wait for it. The row is the render job too (`status`), so that
every gunicorn worker can answer "is it ready?" for a render running in
another.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.util import utcnow

EXPORT_KINDS = ("sealed", "draft", "redline")
EXPORT_STATUSES = ("rendering", "ready", "failed")


class Export(db.Model):
    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint("kind IN ('sealed', 'draft', 'redline')", name="kind_known"),
        CheckConstraint("status IN ('rendering', 'ready', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the PDF shows, e.g. "sealed:v12:e<sha of the endorsement ids>"; one export per key.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    # The version shown (sealed and version drafts); None for the current text and comparisons.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    # The active endorsements the PDF lists, as "3,5,8" (sealed exports).
    endorsement_ids: Mapped[str] = mapped_column(Text, default="")
    # The content hash of the text shown.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # rendering: a worker is on it; ready: pdf is stored; failed: error says why.
    status: Mapped[str] = mapped_column(String(16), default="rendering")
    error: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200), default="export.pdf")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # SHA-256 of the stored file, as served.
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    # Seconds the render and seal took.
    render_seconds: Mapped[float] = mapped_column(default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the render was (last) claimed; a claim older than the render timeout is stale and may be retaken.
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # How many times a worker took up the render; a render whose worker died is taken again up to
    # EXPORT_MAX_ATTEMPTS times, then marked failed.
    attempts: Mapped[int] = mapped_column(default=0)
    # The HTML to render, written with the claim and dropped once the PDF is stored: the task in the queue
    # carries only the export's id, and a render taken again renders exactly what was asked.
    html: Mapped[str | None] = deferred(mapped_column(Text))

    document = relationship("Document")
    version = relationship("Version")
