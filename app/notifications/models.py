"""Notifications: what a person is told of (a mention, a comment where they commented, a decision on their
suggestion, anything on a document they watch), how they want it by e-mail, and what they watch."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.util import utcnow

EMAIL_CHOICES = {"immediate": _l("Right away, one e-mail per notification"),
                 "daily": _l("Once a day, one e-mail with everything new"),
                 "off": _l("Never: I read them here")}


class DocumentWatch(db.Model):
    """A person who wants to hear of every comment and suggestion on a document."""

    __tablename__ = "document_watches"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # mention, comment, watch, amendment
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    # A path on this site, such as /documents/3#comment-12.
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When it went out by e-mail, on its own or in a digest; None while it waits for the digest.
    emailed_at: Mapped[datetime | None]

    actor = relationship("User", foreign_keys=[actor_id])


class NotificationSetting(db.Model):
    """How a person wants notifications by e-mail; no row means the default, "immediate"."""

    __tablename__ = "notification_settings"
    __table_args__ = (CheckConstraint("email IN ('immediate', 'daily', 'off')", name="email_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(16), default="immediate")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_notifications_user_id_read_at", Notification.user_id, Notification.read_at)
Index("ix_notifications_emailed_at", Notification.emailed_at)
