"""Public organisations and the people who may endorse on their behalf."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.util import utcnow

ORGANISATION_KINDS = {
    "city": "City or municipality",
    "region": "Region or province",
    "ministry": "Ministry or national authority",
    "central_purchasing_body": "Central purchasing body",
    "agency": "Public agency",
    "other": "Other public body",
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # ISO 3166-1 alpha-2, upper case.
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    representatives: Mapped[list[Representative]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Representative.id"
    )


class Representative(db.Model):
    """A person named by a site admin as able to endorse for an organisation."""

    __tablename__ = "representatives"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="representatives")
    user = relationship("User")
