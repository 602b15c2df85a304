"""Endorsements: an organisation standing behind the exact text of a final version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.util import utcnow


class Endorsement(db.Model):
    __tablename__ = "endorsements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # The representative who endorsed, signed in with their own account.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    # A public reservation on one section of the version ("with a reservation on §4: ...").
    reservation_section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    reservation: Mapped[str] = mapped_column(Text, default="")
    # The content hash the endorser confirmed; always the version's.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    organisation = relationship("Organisation")
    user = relationship("User", foreign_keys=[user_id])
    version = relationship("Version")
    reservation_section = relationship("Section")


# One active endorsement per organisation and version; withdrawn ones stay beside it.
Index("uq_endorsements_active_per_organisation", Endorsement.version_id, Endorsement.organisation_id,
      unique=True, sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL"))
