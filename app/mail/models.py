"""The outbox: every e-mail Accord sends is first written here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.util import utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "smtp" once handed to the mail server, "log" when no server is configured.
    transport: Mapped[str | None] = mapped_column(String(8))
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
