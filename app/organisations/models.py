"""Public organisations and the people who may endorse on their behalf."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.util import utcnow

# Code -> the words people read (lazy: in each reader's language; str() them where a str is needed).
ORGANISATION_KINDS = {
    "city": _l("City or municipality"),
    "region": _l("Region or province"),
    "ministry": _l("Ministry or national authority"),
    "central_purchasing_body": _l("Central purchasing body"),
    "agency": _l("Public agency"),
    "other": _l("Other public body"),
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
