"""The activity page of a group."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.activity import services
from app.audit.models import AuditEvent
from app.extensions import db
from app.groups.permissions import group_for
from app.validation import id_or_none

bp = Blueprint("activity", __name__)


@bp.get("/groups/<int:gid>/activity")
@login_required
def index(gid):
    group = group_for(current_user, gid)
    before = id_or_none(request.args.get("before"))
    query = services.activity_query(group.id)
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(51)))
    older = events[49].id if len(events) > 50 else None
    return render_template("activity/index.html", group=group, items=services.describe(events[:50]), older=older)
