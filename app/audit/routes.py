"""Pages of the audit trail: a group's hash chain of events, its verification and latest sealed checkpoint."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit.checkpoints import latest_checkpoint
from app.audit.models import AuditEvent
from app.audit.services import verify_chain
from app.extensions import db
from app.groups.permissions import group_for, require_role

bp = Blueprint("audit", __name__)


@bp.app_template_global()
def audit_checkpoint(group_id: int):
    """The group's latest sealed checkpoint, for pages that publish it (templates/audit/_checkpoint.html)."""
    return latest_checkpoint(group_id)


@bp.get("/groups/<int:gid>/audit")
@login_required
def trail(gid):
    group = group_for(current_user, gid)
    require_role(current_user, group, "coordinator")
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.group_id == group.id)
                                     .order_by(AuditEvent.seq.desc()).limit(500)))
    verification = verify_chain(group.id) if request.args.get("verify") else None
    return render_template("audit/trail.html", group=group, events=events, verification=verification,
                           checkpoint=latest_checkpoint(group.id))
