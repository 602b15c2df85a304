"""API: a group's audit trail, its verification and the sealed checkpoints of its chain."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from app.api import endpoint, paginate, signed_in_user
from app.audit.checkpoints import checkpoint_json
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.services import verify_chain
from app.groups.permissions import group_for, require_role
from app.util import iso


def event_json(event) -> dict:
    return {"id": event.id, "seq": event.seq, "at": iso(event.at), "actor_id": event.actor_id,
            "action": event.action, "object": event.object, "hash": event.hash, "prev_hash": event.prev_hash}


@endpoint("/groups/<int:gid>/audit", "GET", "The group's audit trail (coordinator)", tag="audit",
          errors=(401, 403, 404))
def audit(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditEvent).where(AuditEvent.group_id == group.id), AuditEvent.id, event_json))


@endpoint("/groups/<int:gid>/audit/verify", "GET", "Check that the audit chain is intact (coordinator)",
          tag="audit", errors=(401, 403, 404))
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
          tag="audit", errors=(401, 403, 404))
def audit_checkpoints(gid):
    user = signed_in_user()
    group = group_for(user, gid)
    require_role(user, group, "coordinator")
    return jsonify(paginate(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group.id), AuditCheckpoint.id,
                            checkpoint_json))
