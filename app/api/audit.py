"""API: a group's audit trail, its verification and the sealed checkpoints of its chain."""
from __future__ import annotations

from flask import jsonify
from pydantic import Field
from sqlalchemy import select

from app.api import PageQuery, endpoint, page_of, paginate, signed_in_user
from app.api.serialise import Answer, Timestamp
from app.audit.checkpoints import checkpoint_json
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.services import verify_chain
from app.groups.permissions import group_for, require_role
from app.util import iso


class EventJson(Answer):
    id: int
    seq: int = Field(description="Its place in the group's chain, from 1")
    at: Timestamp
    actor_id: int | None
    action: str
    object: str
    hash: str
    prev_hash: str


class CheckpointJson(Answer):
    """audit.checkpoints.checkpoint_json: the chain's head at `seq`, signed by the installation's seal."""
    group_id: int
    seq: int
    head_hash: str
    created_at: Timestamp
    algorithm: str
    certificate_sha256: str
    signature: str


class ChainCheckJson(Answer):
    ok: bool
    events: int = Field(description="How many events were checked")
    broken_event_id: int | None
    broken_seq: int | None
    reason: str | None
    checkpoint: CheckpointJson | None = Field(description="The latest checkpoint the chain was checked against")


def event_json(event) -> dict:
    return {"id": event.id, "seq": event.seq, "at": iso(event.at), "actor_id": event.actor_id,
            "action": event.action, "object": event.object, "hash": event.hash, "prev_hash": event.prev_hash}


@endpoint("/groups/<int:gid>/audit", "GET", "The group's audit trail (coordinator)", response=page_of(EventJson),
          query=PageQuery, tag="audit", errors=(400, 401, 403, 404))
def audit(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditEvent).where(AuditEvent.group_id == group.id), AuditEvent.id, event_json))


@endpoint("/groups/<int:gid>/audit/verify", "GET", "Check that the audit chain is intact (coordinator)",
          response=ChainCheckJson, tag="audit", errors=(401, 403, 404))
def audit_verify(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    result = verify_chain(group.id)
    return jsonify({"ok": result.ok, "events": result.events, "broken_event_id": result.broken_event_id,
                    "broken_seq": result.broken_seq, "reason": result.reason,
                    "checkpoint": checkpoint_json(result.checkpoint) if result.checkpoint else None})


@endpoint("/groups/<int:gid>/audit/checkpoints", "GET",
          "The installation's sealed checkpoints of the group's audit chain, with signatures (coordinator)",
          response=page_of(CheckpointJson), query=PageQuery, tag="audit", errors=(400, 401, 403, 404))
def audit_checkpoints(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group.id), AuditCheckpoint.id,
                            checkpoint_json))
