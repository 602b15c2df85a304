"""The outbox: every e-mail Accord sends is first written here, in the transaction of the change that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.util import utcnow

# queued: waiting for a worker (again, after a failed try); sending: a worker has claimed it; sent: the mail
# server accepted it; failed: the last try failed, or the worker stopped while handing it over (see `error`);
# logged: no mail server is configured, it was written to the log.
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "logged")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'logged')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a worker claimed it (status sending), and when it began to hand the message over (SMTP DATA): a
    # worker that stopped before that point left nothing at the server, one that stopped after may have.
    claimed_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    # When the next try is due (after a failed one).
    next_try_at: Mapped[datetime | None]
    # "smtp" once handed to the mail server, "log" when no server is configured.
    transport: Mapped[str | None] = mapped_column(String(8))
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def message_id(self) -> str:
        """The Message-ID header: the same on every try, so a receiving server can tell a repeat."""
        return f"<outbox-{self.id}.{int(self.created_at.timestamp())}@accord>"
