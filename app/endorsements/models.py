"""Endorsements: an organisation standing behind the exact text of a final version."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
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
    # Endorsed by a delegate: the representative who delegated signature, and the mandate they noted.
    delegated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mandate: Mapped[str] = mapped_column(Text, default="")
    # Who took the decision the signatory carries out ("Board of directors"), and on which day.
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_on: Mapped[date | None]

    organisation = relationship("Organisation")
    user = relationship("User", foreign_keys=[user_id])
    delegated_by = relationship("User", foreign_keys=[delegated_by_id])
    version = relationship("Version")
    reservation_section = relationship("Section")


# One active endorsement per organisation and version; withdrawn ones stay beside it.
Index("uq_endorsements_active_per_organisation", Endorsement.version_id, Endorsement.organisation_id,
      unique=True, sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL"))


class EndorsementDeadline(db.Model):
    """The day a version's endorsement is meant to close: a target shown to people and the date the
    reminders count down to. It refuses no endorsement after it; closing stays the coordinator's act."""

    __tablename__ = "endorsement_deadlines"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[date]
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class EndorsementReminder(db.Model):
    """A reminder sent before a deadline. The row is claimed (inserted) before the mails are queued, in
    their transaction: the unique key lets one run on one machine send each reminder, once."""

    __tablename__ = "endorsement_reminders"
    __table_args__ = (UniqueConstraint("version_id", "deadline", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    # The deadline it counted down to: a deadline moved later gets its own reminders.
    deadline: Mapped[date]
    # Which of ENDORSEMENT_REMINDER_DAYS this is (7: the reminder a week before).
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    mails: Mapped[int] = mapped_column(default=0)


class EndorsementSchedule(db.Model):
    """The days before the deadline on which a version's reminders go out, as the coordinator chose them
    (no row: ENDORSEMENT_REMINDER_DAYS). At most REMINDER_DAYS_MAX distinct days, so at most one reminder a
    day to each person."""

    __tablename__ = "endorsement_schedules"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    # "7,1": days before the deadline, comma-separated, farthest first; "" for no reminders.
    reminder_days: Mapped[str] = mapped_column(String(40))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OrganisationAsked(db.Model):
    """An organisation whose representatives were told that a final version awaits its endorsement (by
    make_final): what the next notice's summary of changes counts from."""

    __tablename__ = "organisations_asked"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delegation(db.Model):
    """A representative's delegation of signature, for one version and one organisation, to a named
    colleague of that organisation, with the mandate they carry ("decision of the board of 12 May").
    Revoking keeps the row; an endorsement made under it records who delegated and the mandate."""

    __tablename__ = "endorsement_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    delegated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mandate: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation = relationship("Organisation")
    version = relationship("Version")
    delegated_by = relationship("User", foreign_keys=[delegated_by_id])
    delegate = relationship("User", foreign_keys=[delegate_id])


# One standing delegation per delegate, organisation and version; revoked ones stay beside it.
Index("uq_endorsement_delegations_active", Delegation.version_id, Delegation.organisation_id, Delegation.delegate_id,
      unique=True, sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"))
