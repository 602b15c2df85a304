"""Working groups, their memberships and invitations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.util import utcnow

# In rising order of rights: each role may do all that the ones before it may.
ROLES = ("observer", "member", "editor", "coordinator")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# Each role's name as people read it, lower case as in a sentence ("invites you to join as member").
ROLE_NAMES = {
    # TRANSLATORS: the roles of a working group's members, lower case as used inside a sentence.
    "observer": _l("observer"),
    "member": _l("member"),
    "editor": _l("editor"),
    "coordinator": _l("coordinator"),
}
_ROLE_CHECK = "role IN ('observer', 'member', 'editor', 'coordinator')"


class Group(db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Membership.id"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint(_ROLE_CHECK, name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user = relationship("User")


class Invitation(db.Model):
    """A single-use, expiring invitation to join a group (the token is stored hashed)."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    invited_by = relationship("User", foreign_keys=[invited_by_id])
