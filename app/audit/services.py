"""Recording and verifying the audit trail.

Every event's hash covers the previous event's hash and the event's own
canonical form (group, sequence number, time, actor, action, object and
details), so changing, removing or reordering any stored event breaks every
hash after it. `verify_chain` recomputes the chain and names the first event
that does not match.

The chain alone only agrees with itself: an edit followed by recomputing
every hash, or deleting the newest events, leaves a chain that still holds.
So the installation seals checkpoints of the head (checkpoints.py) and
`verify_chain` holds the chain to every checkpoint: the event a checkpoint
names must still be there with the same hash, and the latest checkpoint must
carry the installation seal's signature. Rows that the events describe
(endorsements and their withdrawals) are compared with what their events
recorded by the modules that own them, through the `chain_verified` signal.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import select

from app.audit.checkpoints import (
    CheckpointKeyUnavailable,
    latest_checkpoint,
    seal_checkpoint,
    seal_if_possible,
    seal_key,
    signature_holds,
)
from app.audit.models import AuditCheckpoint, AuditEvent
from app.extensions import db, lock_row
from app.groups.models import Group
from app.i18n import _, short_datetime
from app.util import iso, utcnow

GENESIS = "0" * 64

_signals = Namespace()
chain_verified = _signals.signal("audit-chain-verified", doc="""
Sent by `verify_chain` once the group's chain holds (sender: the group id). A
receiver compares the rows the chain describes with the facts their events
recorded and returns a list of `Mismatch` (empty when all agree).
""")


def is_weighty(action: str, data: dict) -> bool:
    """Events the installation seals a checkpoint for at once: a text becoming final or closed,
    an endorsement, a withdrawal."""
    return action in ("endorsement.create", "endorsement.withdraw") or (
        action == "document.transition" and data.get("to") in ("final", "closed"))


def _canonical(event: AuditEvent) -> bytes:
    payload = {"group_id": event.group_id, "seq": event.seq, "at": iso(event.at), "actor_id": event.actor_id,
               "action": event.action, "object": event.object, "data": json.loads(event.data or "{}")}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + _canonical(event)).hexdigest()


def record(group_id: int, actor, action: str, obj: str, **data) -> AuditEvent:
    """Appends an event to the group's chain, in the caller's transaction."""
    lock_row(Group, group_id)  # one writer per group chain at a time; the unique (group_id, seq) settles the rest
    last = db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.group_id == group_id)
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(group_id=group_id, seq=seq, at=utcnow().replace(microsecond=0),
                       actor_id=getattr(actor, "id", None), action=action, object=obj,
                       data=json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str),
                       prev_hash=prev)
    event.hash = event_hash(prev, event)
    db.session.add(event)
    if is_weighty(action, data):
        seal_if_possible(group_id, event)
    return event


def seal_current_heads(group_ids: list[int], key) -> list[AuditCheckpoint]:
    """A checkpoint for each group whose newest event is not yet sealed, in the caller's transaction."""
    sealed = []
    for group_id in group_ids:
        lock_row(Group, group_id)
        newest = head(group_id)
        latest = latest_checkpoint(group_id)
        if newest is not None and (latest is None or latest.seq < newest.seq):
            sealed.append(seal_checkpoint(group_id, newest, key))
    return sealed


def head(group_id: int) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.group_id == group_id)
                             .order_by(AuditEvent.seq.desc()).limit(1))


@dataclass
class Mismatch:
    """Something that does not say what the chain (or a checkpoint of it) recorded: the first one found
    is the verification's answer."""
    reason: str
    event_id: int | None = None
    seq: int | None = None


@dataclass
class Verification:
    ok: bool
    events: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str | None = None
    # The latest checkpoint the chain was held to (None: no checkpoint sealed yet).
    checkpoint: AuditCheckpoint | None = None


def verify_chain(group_id: int) -> Verification:
    """Recomputes the chain, holds it to every checkpoint, and asks the modules that own rows
    described by events (endorsements) to compare them; names the first thing that does not hold."""
    checkpoints = list(db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group_id)
                                          .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)))
    latest = checkpoints[-1] if checkpoints else None
    sealed_seqs = {c.seq for c in checkpoints}
    hashes_at: dict[int, tuple[int, str]] = {}
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group_id)
                                    .order_by(AuditEvent.seq)):
        count += 1
        if event.seq != expected_seq:
            return Verification(False, count, event.id, event.seq,
                                _("event %(number)s is missing", number=expected_seq), latest)
        if event.prev_hash != prev:
            return Verification(False, count, event.id, event.seq,
                                _("its link to the previous event is broken"), latest)
        if event_hash(prev, event) != event.hash:
            return Verification(False, count, event.id, event.seq, _("its content does not match its hash"), latest)
        if event.seq in sealed_seqs:
            hashes_at[event.seq] = (event.id, event.hash)
        prev = event.hash
        expected_seq += 1
    problem = _checkpoint_problem(checkpoints, hashes_at, count)
    if problem is not None:
        return Verification(False, count, problem.event_id, problem.seq, problem.reason, latest)
    for _receiver, mismatches in chain_verified.send(group_id):
        if mismatches:
            first = mismatches[0]
            return Verification(False, count, first.event_id, first.seq, first.reason, latest)
    return Verification(True, count, checkpoint=latest)


def _checkpoint_problem(checkpoints: list[AuditCheckpoint], hashes_at: dict[int, tuple[int, str]],
                        count: int) -> Mismatch | None:
    if not checkpoints:
        return None
    try:
        key = seal_key()
    except CheckpointKeyUnavailable as exc:
        return Mismatch(_("the checkpoints cannot be checked without the installation's seal (%(error)s)",
                          error=exc))
    for checkpoint in checkpoints:
        when = short_datetime(checkpoint.created_at)
        if checkpoint.seq not in hashes_at:
            return Mismatch(_("the checkpoint sealed on %(when)s covers %(covered)s events, but the chain now ends at "
                              "event %(count)s: events were removed", when=when, covered=checkpoint.seq, count=count),
                            seq=checkpoint.seq)
        event_id, stored_hash = hashes_at[checkpoint.seq]
        if stored_hash != checkpoint.head_hash:
            return Mismatch(_("its hash is not the one the checkpoint sealed on %(when)s names: the chain up to it "
                              "was rewritten", when=when), event_id, checkpoint.seq)
        # A checkpoint sealed before the seal was rotated is still held to the chain above; its
        # signature is checked when it is this seal's. The latest one must be this seal's.
        if (checkpoint is checkpoints[-1] or checkpoint.certificate_sha256 == key.fingerprint) \
                and not signature_holds(checkpoint, key):
            return Mismatch(_("the checkpoint sealed on %(when)s does not carry the installation's seal: it was "
                              "forged or altered", when=when), event_id, checkpoint.seq)
    return None
