"""Recording and verifying the audit trail.

Every event's hash covers the previous event's hash and the event's own
canonical form (group, sequence number, time, actor, action, object and
details), so changing, removing or reordering any stored event breaks every
hash after it. `verify_chain` recomputes the chain and names the first event
that does not match.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.groups.models import Group
from app.util import iso, utcnow

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    payload = {"group_id": event.group_id, "seq": event.seq, "at": iso(event.at), "actor_id": event.actor_id,
               "action": event.action, "object": event.object, "data": json.loads(event.data or "{}")}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + _canonical(event)).hexdigest()


def record(group_id: int, actor, action: str, obj: str, **data) -> AuditEvent:
    """Appends an event to the group's chain, in the caller's transaction."""
    if db.engine.dialect.name == "postgresql":
        # One writer per group chain at a time; the unique (group_id, seq) settles anything else.
        db.session.execute(select(Group.id).where(Group.id == group_id).with_for_update())
    last = db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.group_id == group_id)
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(group_id=group_id, seq=seq, at=utcnow().replace(microsecond=0),
                       actor_id=getattr(actor, "id", None), action=action, object=obj,
                       data=json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str),
                       prev_hash=prev)
    event.hash = event_hash(prev, event)
    db.session.add(event)
    return event


def head(group_id: int) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.group_id == group_id)
                             .order_by(AuditEvent.seq.desc()).limit(1))


@dataclass
class Verification:
    ok: bool
    events: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(group_id: int) -> Verification:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group_id)
                                    .order_by(AuditEvent.seq)):
        count += 1
        if event.seq != expected_seq:
            return Verification(False, count, event.id, event.seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return Verification(False, count, event.id, event.seq, "its link to the previous event is broken")
        if event_hash(prev, event) != event.hash:
            return Verification(False, count, event.id, event.seq, "its content does not match its hash")
        prev = event.hash
        expected_seq += 1
    return Verification(True, count)


def events_count(group_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.group_id == group_id))


