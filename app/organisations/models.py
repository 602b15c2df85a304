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
    contacts: Mapped[list[OrganisationContact]] = relationship(cascade="all, delete-orphan",
                                                               order_by="OrganisationContact.id")


class Representative(db.Model):
    """A person named by a site admin or one of the organisation's contacts as able to endorse for it."""

    __tablename__ = "representatives"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="representatives")
    user = relationship("User")


class OrganisationContact(db.Model):
    """A person who speaks for the organisation on Accord: names and removes its representatives and its
    other contacts. The first ones are named by a site admin."""

    __tablename__ = "organisation_contacts"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])


class RepresentativeInvitation(db.Model):
    """A single-use link that lets a person without an account register and become a representative."""

    __tablename__ = "representative_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # SHA-256 of the token in the link (app.util.token_hash); the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()


class RepresentativeRequest(db.Model):
    """A coordinator asked the organisation's contacts to name a representative for a working group."""

    __tablename__ = "representative_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How many people the request was mailed to (the contacts, or the site admins when it has none).
    notified: Mapped[int] = mapped_column(default=0)
