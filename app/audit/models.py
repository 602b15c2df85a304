"""The audit trail: an append-only, hash-chained list of events per working group."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.util import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("group_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    # 1, 2, 3, ... within the group: the chain's order.
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What happened, as "document.transition", "section.edit", "endorsement.create" ...
    action: Mapped[str] = mapped_column(String(64))
    # The object it happened to, as "section:12".
    object: Mapped[str] = mapped_column(String(64))
    # Canonical JSON of the event's details.
    data: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 over prev_hash and the event's canonical form (services.event_hash).
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):
    """The installation's sealed word that a group's chain had this head at this moment.

    A checkpoint is signed with the installation's seal key, which the database does not hold,
    so whoever can only write to the database cannot rewrite the chain up to a checkpoint, nor
    remove the events it covers, without verification noticing.
    """
    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("group_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    # The sequence number and hash of the group's newest event when the checkpoint was sealed.
    seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How `signature` was made ("rsa-pss-sha256" or "ecdsa-sha256") over checkpoints.payload(...).
    algorithm: Mapped[str] = mapped_column(String(32))
    # SHA-256 of the DER seal certificate whose key signed it: a rotated seal is visible.
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    # Base64 of the signature.
    signature: Mapped[str] = mapped_column(Text)
